"""Slow, independent reference for the committee machine's y = ∞ dense regions (docs/committee.md, "Dense regions").

scipy only; imports nothing from ``replica``.  The closed-form kernels (linear, sign, ReLU) are written again
here, and the perceptron's slow reference (``tests/perceptron/reference_ld_slow.py``: quad/brentq, direct
forms of the stationarity conditions, the explicit envelope derivatives of G_E) is reused unchanged for the
entropic term and for the energetic term, which is evaluated at the output overlaps:

    S_I = extr { -σ̂S - ½q̂0(1 - q1 + δq) - ½ĉq1 + G_S(q̂0, ĉ, σ̂) + αG_E(Q1, δQ) },   Q1 = k(q1),  δQ = k′(q1)δq.

The conjugate equations are the vanishing partial derivatives of that functional in q1 and δq, by the chain
rule on the explicit envelope derivatives ∂G_E/∂Q1, ∂G_E/∂δQ; :func:`functional` is the functional itself
(for the finite-difference check of stationarity, which tests the chain rule independently).
Also: the committee binary Gardner point by brentq (S* and φ_G), and the clipped centre's violated fraction.
"""

import math

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq, root
from scipy.special import ndtr

from tests.perceptron import reference_ld_slow as perc
from tests.reference.gauss import GH, SQ2PI, dens, log2cosh, logH

OPTS = dict(epsabs=1e-13, epsrel=1e-11, limit=400)
ZMAX = 10.0


# --------------------------------------------------------------------------- kernels (docs/theory.md §9)
class Kernel:
    """k(q), k′(q), k″(q) of one activation, closed forms."""

    def __init__(self, name):
        self.name = name

    def k(self, q):
        if self.name == "linear":
            return q
        if self.name == "sign":
            return 2 / math.pi * math.asin(q)
        return (math.sqrt(1 - q * q) + (math.pi - math.acos(q)) * q - 1) / (math.pi - 1)   # relu

    def dk(self, q):
        if self.name == "linear":
            return 1.0
        if self.name == "sign":
            return 2 / (math.pi * math.sqrt(1 - q * q))
        return (math.pi - math.acos(q)) / (math.pi - 1)

    def d2k(self, q):
        if self.name == "linear":
            return 0.0
        if self.name == "sign":
            return 2 * q / (math.pi * (1 - q * q) ** 1.5)
        return 1 / ((math.pi - 1) * math.sqrt(1 - q * q))


# --------------------------------------------------------------------------- the functional and its saddle
def functional(alpha, kappa, S, q1, dq, qhat0, chat, sigma, kern):
    """S_I before extremisation, with the energetic term at the output overlaps."""
    gs = perc.entropic(qhat0, chat, sigma)["GS"]
    ge = perc.energetic(kern.k(q1), kern.dk(q1) * dq, kappa)["GE"]
    return -sigma * S - 0.5 * qhat0 * (1 - q1 + dq) - 0.5 * chat * q1 + gs + alpha * ge


def equations(x, alpha, kappa, S, kern):
    """Stationarity in (δq, q1, ĉ, q̂0, σ̂); unknowns x = (q1, log δq, q̂0, ĉ, σ̂)."""
    q1, dq, qhat0, chat, sigma = x[0], math.exp(x[1]), x[2], x[3], x[4]
    k1, k2 = kern.dk(q1), kern.d2k(q1)
    e = perc.energetic(kern.k(q1), k1 * dq, kappa)
    s = perc.entropic(qhat0, chat, sigma)
    dGE_ddq = k1 * e["dGE_ddq"]                               # ∂/∂δq of G_E(k(q1), k′(q1)δq)
    dGE_dq1 = k1 * e["dGE_dq1"] + k2 * dq * e["dGE_ddq"]      # ∂/∂q1 of the same
    return np.array([
        qhat0 - 2 * alpha * dGE_ddq,
        chat - qhat0 - 2 * alpha * dGE_dq1,
        q1 - s["q1"],
        dq - (s["K"] - (1 - q1)),
        S - s["S"],
    ])


def solve(alpha, d, start, kern, kappa=0.0):
    """The saddle at distance d from ``start = (q1, δq, q̂0, ĉ, σ̂)`` (scipy.optimize.root, hybr); dict with S_I."""
    S = 1 - 2 * d
    q1, dq, qhat0, chat, sigma = start
    sol = root(equations, [q1, math.log(dq), qhat0, chat, sigma], args=(alpha, kappa, S, kern), method="hybr",
               options={"xtol": 1e-12})
    if not sol.success:
        raise RuntimeError(f"slow committee LD solve failed: {sol.message}")
    q1, dq, qhat0, chat, sigma = sol.x[0], math.exp(sol.x[1]), sol.x[2], sol.x[3], sol.x[4]
    return dict(q1=q1, dq=dq, qhat0=qhat0, chat=chat, sigma=sigma,
                phi=functional(alpha, kappa, S, q1, dq, qhat0, chat, sigma, kern),
                residual=float(np.max(np.abs(equations(sol.x, alpha, kappa, S, kern)))))


# --------------------------------------------------------------------------- the Gardner point
def _E(f, points=()):
    return quad(lambda z: dens(z) * f(z), -ZMAX, ZMAX, points=list(points) or None, **OPTS)[0]


def gardner(alpha, kern, kappa=0.0):
    """Binary committee Gardner saddle: q = E tanh²(√q̂ z), q̂ = αk′(q)E[GH(x)²]/(1 - k(q)),
    x = (κ - √Q z)/√(1 - Q); brentq on q.  Returns (q, q̂, entropy, S* = E|tanh(√q̂ z)|)."""
    def qhat_of(q):
        Q = kern.k(q)
        x = lambda z: (kappa - math.sqrt(Q) * z) / math.sqrt(1 - Q)
        return alpha * kern.dk(q) * _E(lambda z: GH(x(z)) ** 2, [kappa / math.sqrt(Q)]) / (1 - Q)

    def f(q):
        qh = qhat_of(q)
        return _E(lambda z: math.tanh(math.sqrt(qh) * z) ** 2, [0.0]) - q

    grid = [1e-6] + [0.05 * j for j in range(1, 20)]    # the first sign change from below (the non-frozen root)
    lo = next(a for a, b in zip(grid, grid[1:]) if f(a) > 0 >= f(b))
    q = brentq(f, lo, lo + 0.05, xtol=1e-15, rtol=1e-14)
    qh = qhat_of(q)
    Q = kern.k(q)
    ge = _E(lambda z: logH((kappa - math.sqrt(Q) * z) / math.sqrt(1 - Q)), [kappa / math.sqrt(Q)])
    entropy = -0.5 * qh * (1 - q) + _E(lambda z: log2cosh(math.sqrt(qh) * z), [0.0]) + alpha * ge
    S_star = _E(lambda z: abs(math.tanh(math.sqrt(qh) * z)), [0.0])
    return q, qh, entropy, S_star


def random_centre_term(kern, d, kappa=0.0):
    """∫Dz log H((κ - k(S)z)/√(1 - k(S)²)): the O(α) term of a random centre's local entropy (α → 0)."""
    kS = kern.k(1 - 2 * d)
    return _E(lambda z: logH((kappa - kS * z) / math.sqrt(1 - kS * kS)))


# --------------------------------------------------------------------------- the centre's violations
def violation_mass(kern, kappa, S, q1, dq, qhat0):
    """P(Δ̃ < κ) for the clipped centre's output field, Gaussian given its group's output fields:
    Δ̃ = (k(S)/√Q1)ζ + k′(S)τ GH(x*)/√(1 - Q1) + √(1 - k(S)²/Q1) ε, τ = 2G(0)/√q̂0."""
    Q1, dQ, kS = kern.k(q1), kern.dk(q1) * dq, kern.k(S)
    sq, s = math.sqrt(Q1), math.sqrt(1 - Q1)
    tau = kern.dk(S) * 2 / SQ2PI / math.sqrt(qhat0)
    e = math.sqrt(1 - kS * kS / Q1)

    def f(z):
        g = perc.g_star(sq * z, Q1, dQ, kappa)
        mu = kS / sq * z + tau * GH((kappa - sq * z - g) / s) / s
        return float(ndtr((kappa - mu) / e))

    return quad(lambda z: dens(z) * f(z), -ZMAX, ZMAX, points=[kappa / sq, kappa * sq / kS], **OPTS)[0]
