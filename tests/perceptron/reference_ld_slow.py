"""Slow, independent reference for the y → ∞ large-deviation local entropy (docs/theory.md §8, docs/large_deviation.md).

scipy only (``quad``, ``brentq``, ``optimize.root``, ``log_ndtr``); imports nothing from ``replica``.
Written for readability: every order parameter is an unknown of one 5-dimensional root (``scipy.optimize.root``)
of the stationarity conditions in their *direct* forms, which differ from the fast code's:

* δq from ``2∂G_S/∂q̂0 - (1 - q1)`` with ``∂G_S/∂q̂0 = ∫_0^∞ Dζ ζ tanh v /√q̂0`` (no integration by parts,
  so the boundary and jump terms the fast code adds by hand are implicit here);
* ĉ from ``q̂0 + 2α∂G_E/∂q1`` with the explicit q1-derivative of the envelope (no Stein's lemma);
* the maximisers by ``brentq`` (M_c: the root of v - c tanh v = h of largest |v|; G_E: the concave max in g).

Also: the functional ``S_I(q1, δq, q̂0, ĉ, σ̂)`` itself (for finite-difference checks of the stationarity
conditions), the finite-y terms (for the y → ∞ scaling), and the clipped centre's violated fraction.
"""

import math

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq, root
from scipy.special import log_ndtr, ndtr

from tests.reference.gauss import SQ2PI, dens, logH, GH, log2cosh  # noqa: F401 (used below)

OPTS = dict(epsabs=1e-13, epsrel=1e-11, limit=400)
ZMAX = 10.0


def binary_entropy(d):
    return -d * math.log(d) - (1 - d) * math.log(1 - d)


# --------------------------------------------------------------------------- M_c(h)
def v_star(h, c):
    """Root of v - c tanh v = h of largest |v|, with the sign of h (brentq on a bracket)."""
    if c <= 0:
        return h
    a = abs(h)
    f = lambda v: v - c * math.tanh(v) - a
    lo = max(a, math.acosh(math.sqrt(c)) if c > 1 else 0.0)
    hi = a + c + 1.0
    if f(lo) >= 0:
        v = lo
    else:
        v = brentq(f, lo, hi, xtol=1e-15, rtol=1e-15)
    return v if h >= 0 else -v


def M(h, c):
    """max_u [log 2cosh(h+u) - u²/(2c)], evaluated at the stationary point u = c tanh v."""
    v = v_star(h, c)
    u = v - h
    return log2cosh(v) - (u * u / (2 * c) if c > 0 else 0.0)


def M_bruteforce(h, c):
    """The same maximum by a bounded scalar search over u (independent check of the root choice)."""
    from scipy.optimize import minimize_scalar
    f = lambda u: -(log2cosh(h + u) - u * u / (2 * c))
    best = max((minimize_scalar(f, bounds=(lo, lo + c + 2), method="bounded",
                                options={"xatol": 1e-12}) for lo in (-c - 1, -1.0, 0.0)), key=lambda r: -r.fun)
    return -best.fun


# --------------------------------------------------------------------------- entropic and energetic terms
def _half(f, qhat0, sigma):
    """2∫_0^∞ Dζ f(h(ζ)), h = √q̂0 ζ + σ̂, split where h = 0."""
    s = math.sqrt(qhat0)
    pts = [(-sigma) / s] if sigma < 0 and -sigma / s < ZMAX else []
    edges = [0.0] + pts + [ZMAX]
    return 2 * sum(quad(lambda z: dens(z) * f(s * z + sigma, z), a, b, **OPTS)[0] for a, b in zip(edges, edges[1:]))


def entropic(qhat0, chat, sigma):
    """dict: G_S, S = ∂G_S/∂σ̂, q1 = 2∂G_S/∂ĉ, K = 2∂G_S/∂q̂0 (direct ζ-weighted form)."""
    t = lambda h: math.tanh(v_star(h, chat))
    return dict(
        GS=_half(lambda h, z: M(h, chat), qhat0, sigma),
        S=_half(lambda h, z: t(h), qhat0, sigma),
        q1=_half(lambda h, z: t(h) ** 2, qhat0, sigma),
        K=_half(lambda h, z: z * t(h), qhat0, sigma) / math.sqrt(qhat0),
    )


def g_star(omega, q1, dq, kappa):
    """argmax_g [log H((κ - ω - g)/√(1-q1)) - g²/(2δq)]: root of g = δq GH(x)/√(1-q1) on [0, g(0)]."""
    s = math.sqrt(1 - q1)
    f = lambda g: g - dq * GH((kappa - omega - g) / s) / s
    hi = dq * GH((kappa - omega) / s) / s
    if hi <= 0:
        return 0.0
    if f(hi) <= 0:
        return hi
    return brentq(f, 0.0, hi, xtol=1e-15, rtol=1e-15)


def energetic(q1, dq, kappa):
    """dict: G_E, ∂G_E/∂δq, ∂G_E/∂q1 (explicit envelope derivatives), with x at the maximiser."""
    sq, s = math.sqrt(q1), math.sqrt(1 - q1)

    def at(z):
        g = g_star(sq * z, q1, dq, kappa)
        return g, (kappa - sq * z - g) / s

    def ge(z):
        g, x = at(z)
        return logH(x) - g * g / (2 * dq)

    def d_dq(z):
        g, _ = at(z)
        return g * g / (2 * dq * dq)

    def d_q1(z):
        _, x = at(z)
        return GH(x) * (z / (2 * sq * s) - x / (2 * s * s))

    pts = [kappa / sq]
    E = lambda f: quad(lambda z: dens(z) * f(z), -ZMAX, ZMAX, points=pts, **OPTS)[0]
    return dict(GE=E(ge), dGE_ddq=E(d_dq), dGE_dq1=E(d_q1))


# --------------------------------------------------------------------------- the functional and its saddle
def functional(alpha, kappa, S, q1, dq, qhat0, chat, sigma):
    """S_I before extremisation: -σ̂S - ½q̂0(1 - q1 + δq) - ½ĉq1 + G_S + αG_E."""
    gs = entropic(qhat0, chat, sigma)["GS"]
    ge = energetic(q1, dq, kappa)["GE"]
    return -sigma * S - 0.5 * qhat0 * (1 - q1 + dq) - 0.5 * chat * q1 + gs + alpha * ge


def equations(x, alpha, kappa, S):
    """Stationarity of the functional in (q̂0, δq, q1, ĉ, σ̂), unknowns x = (q1, log δq, q̂0, ĉ, σ̂)."""
    q1, dq, qhat0, chat, sigma = x[0], math.exp(x[1]), x[2], x[3], x[4]
    e = energetic(q1, dq, kappa)
    s = entropic(qhat0, chat, sigma)
    return np.array([
        qhat0 - 2 * alpha * e["dGE_ddq"],           # ∂/∂δq
        chat - qhat0 - 2 * alpha * e["dGE_dq1"],    # ∂/∂q1
        q1 - s["q1"],                               # ∂/∂ĉ
        dq - (s["K"] - (1 - q1)),                   # ∂/∂q̂0
        S - s["S"],                                 # ∂/∂σ̂
    ])


def solve(alpha, d, start, kappa=0.0):
    """The y = ∞ saddle at distance d from ``start = (q1, δq, q̂0, ĉ, σ̂)`` (scipy.optimize.root, hybr).

    Returns a dict of the order parameters and S_I."""
    S = 1 - 2 * d
    q1, dq, qhat0, chat, sigma = start
    sol = root(equations, [q1, math.log(dq), qhat0, chat, sigma], args=(alpha, kappa, S), method="hybr",
               options={"xtol": 1e-12})
    if not sol.success:
        raise RuntimeError(f"slow LD solve failed: {sol.message}")
    q1, dq, qhat0, chat, sigma = sol.x[0], math.exp(sol.x[1]), sol.x[2], sol.x[3], sol.x[4]
    phi = functional(alpha, kappa, S, q1, dq, qhat0, chat, sigma)
    return dict(q1=q1, dq=dq, qhat0=qhat0, chat=chat, sigma=sigma, phi=phi,
                residual=float(np.max(np.abs(equations(sol.x, alpha, kappa, S)))))


def violation_mass(alpha, kappa, S, q1, dq, qhat0):
    """P(Δ̃ < κ) for the clipped centre, Δ̃ = (S/√q1)ζ + τGH(x*)/√(1-q1) + √(1-S²/q1)ε, τ = 2G(0)/√q̂0."""
    sq, s = math.sqrt(q1), math.sqrt(1 - q1)
    tau = 2 / SQ2PI / math.sqrt(qhat0)
    e = math.sqrt(1 - S * S / q1)

    def f(z):
        g = g_star(sq * z, q1, dq, kappa)
        mu = S / sq * z + tau * GH((kappa - sq * z - g) / s) / s
        return float(ndtr((kappa - mu) / e))

    return quad(lambda z: dens(z) * f(z), -ZMAX, ZMAX, points=[kappa / sq, kappa * sq / S], **OPTS)[0]


# --------------------------------------------------------------------------- finite y (for the scaling check)
def finite_y_entropic(y, qhat0, chat, sigma):
    """G_S(y)/y = (1/y) E_{z~N(0,q̂0)} log Σ_{w̃=±1} E_{u~N(0,ĉ/y)} [2cosh(z+u+σ̂w̃)]^y, in log space."""
    su = math.sqrt(chat / y)

    def inner(h):
        # log E_u exp(y log 2cosh(h+u)): the integrand peaks at u* = v* - h; integrate on its scale
        ustar = v_star(h, chat) - h
        f = lambda u: math.exp(y * (log2cosh(h + u) - M(h, chat)) - 0.5 * (u / su) ** 2
                               + 0.5 * (ustar / su) ** 2) / (su * SQ2PI)
        width = 12 * su
        val = quad(f, ustar - width, ustar + width, **OPTS)[0]
        return y * M(h, chat) - 0.5 * (ustar / su) ** 2 + math.log(val)

    def g(z):
        a, b = inner(z + sigma), inner(z - sigma)
        m = max(a, b)
        return (m + math.log(math.exp(a - m) + math.exp(b - m))) / y

    s = math.sqrt(qhat0)
    return quad(lambda z: dens(z) * g(s * z), -ZMAX, ZMAX, points=[0.0], **OPTS)[0]


def finite_y_energetic(y, q1, dq, kappa):
    """G_E(y)/y = (1/y) E_{z~N(0,q0)} log E_{g~N(0,δq/y)} H((κ - z - g)/√(1-q1))^y with q0 = q1 - δq/y."""
    q0 = q1 - dq / y
    sg, s = math.sqrt(dq / y), math.sqrt(1 - q1)

    def inner(z):
        gs = g_star(z, q1, dq, kappa)
        peak = y * logH((kappa - z - gs) / s) - 0.5 * (gs / sg) ** 2
        f = lambda g: math.exp(y * logH((kappa - z - g) / s) - 0.5 * (g / sg) ** 2 - peak) / (sg * SQ2PI)
        width = 12 * sg
        return (peak + math.log(quad(f, gs - width, gs + width, **OPTS)[0])) / y

    sq0 = math.sqrt(q0)
    return quad(lambda z: dens(z) * inner(sq0 * z), -ZMAX, ZMAX, points=[kappa / sq0], **OPTS)[0]
