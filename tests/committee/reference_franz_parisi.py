"""Slow, independent reference for the committee machine's Franz–Parisi entropy (docs/theory.md §9, §4).

scipy only (quad, brentq, root), imports nothing from ``replica``.  The kernels are written again here from
their closed forms (sign: the arcsine law of two correlated Gaussians; ReLU: the arc-cosine kernel of Cho &
Saul, E[relu(x)relu(y)]_q = [√(1-q²) + (π - arccos q) q]/(2π), mean 1/√(2π), variance (π-1)/(2π)).
The perceptron's energetic and entropic integrals are the slow nested-quad ones of
``tests/perceptron/reference_slow.py`` (scipy only), evaluated at the output overlaps k(·); every derivative
in a weight overlap is a central finite difference of the composite ``G_E(k(·))`` (no chain rule is written
here), so a wrong k′ factor in the package cannot be reproduced by this file.
"""

import math

import numpy as np
from scipy.optimize import brentq, root

from tests.perceptron import reference_slow as perc
from tests.reference.gauss import GH, logH

E = perc.E


# --------------------------------------------------------------------------- kernels (closed forms)
def k_sign(q):
    """(2/π) arcsin q: the correlation of sign(x), sign(y) (Sheppard)."""
    return 2.0 / math.pi * math.asin(q)


def dk_sign(q):
    return 2.0 / (math.pi * math.sqrt(1.0 - q * q))


def k_relu(q):
    """Normalised covariance of relu(x), relu(y) from the arc-cosine kernel."""
    second = (math.sqrt(max(1.0 - q * q, 0.0)) + (math.pi - math.acos(q)) * q) / (2.0 * math.pi)
    mean2, var = 1.0 / (2.0 * math.pi), (math.pi - 1.0) / (2.0 * math.pi)
    return (second - mean2) / var


def dk_relu(q):
    return (math.pi - math.acos(q)) / (math.pi - 1.0)


KERNELS = {"sign": (k_sign, dk_sign), "relu": (k_relu, dk_relu), "linear": (lambda q: q, lambda q: 1.0)}


# --------------------------------------------------------------------------- committee Gardner
def _gh2(k, kappa):
    sk, s1 = math.sqrt(k), math.sqrt(1.0 - k)
    return E(lambda z: GH((kappa - sk * z) / s1) ** 2, points=[kappa / sk])


def _ge(k, kappa):
    sk, s1 = math.sqrt(k), math.sqrt(1.0 - k)
    return E(lambda z: logH((kappa - sk * z) / s1), points=[kappa / sk])


def gardner_spherical(alpha, activation, kappa=0.0):
    """(q, φ): q/(1-q)² = α k′(q) E[GH(x)²]/(1-k(q)), x = (κ - √k z)/√(1-k), k = k(q)."""
    k, dk = KERNELS[activation]
    f = lambda q: q / (1 - q) ** 2 - alpha * dk(q) * _gh2(k(q), kappa) / (1 - k(q))
    q = brentq(f, 1e-9, 1 - 1e-10, xtol=1e-14)
    return q, 0.5 * math.log(1 - q) + q / (2 * (1 - q)) + alpha * _ge(k(q), kappa)


def gardner_binary(alpha, activation, kappa=0.0, q=0.3):
    """(q, q̂, entropy) by iteration of q̂ = α k′(q) E[GH²]/(1-k(q)), q = E tanh²(√q̂ z)."""
    k, dk = KERNELS[activation]
    for _ in range(3000):
        qh = alpha * dk(q) * _gh2(k(q), kappa) / (1 - k(q))
        new = E(lambda z: math.tanh(math.sqrt(qh) * z) ** 2, points=[0.0])
        done = abs(new - q) < 1e-13
        q = new
        if done:
            break
    qh = alpha * dk(q) * _gh2(k(q), kappa) / (1 - k(q))
    lc = E(lambda z: abs(math.sqrt(qh) * z) + math.log1p(math.exp(-2 * abs(math.sqrt(qh) * z))), points=[0.0])
    return q, qh, -0.5 * qh * (1 - q) + lc + alpha * _ge(k(q), kappa)


# --------------------------------------------------------------------------- Franz–Parisi
def energetic(activation, q0, kappa, S, Q, s0):
    """G_E at the output overlaps (κ̃ = κ)."""
    k = KERNELS[activation][0]
    return perc.fp_energetic(k(q0), kappa, kappa, k(S), k(Q), k(s0))


def spherical_phi(alpha, activation, kappa, S, Q, s0, q0):
    K = (S - s0) * (S + s0 - 2 * q0 * S) / (1 - q0) ** 2
    return 0.5 * math.log(1 - Q) + (Q - K) / (2 * (1 - Q)) + alpha * energetic(activation, q0, kappa, S, Q, s0)


def spherical_solve(alpha, activation, d, kappa=0.0, x0=None, h=1e-5, tol=1e-9):
    """Spherical committee FP point: stationarity of φ(Q, s0) (finite-difference gradient, scipy root)."""
    q0, _ = gardner_spherical(alpha, activation, kappa)
    S = 1 - 2 * d
    f = lambda x: spherical_phi(alpha, activation, kappa, S, x[0], x[1], q0)

    def grad(x):
        out = []
        for i in range(2):
            e = np.zeros(2)
            e[i] = h
            out.append((f(x + e) - f(x - e)) / (2 * h))
        return np.array(out)
    x0 = np.array([S * S + 0.5 * (1 - S * S), q0 * S]) if x0 is None else np.asarray(x0, float)
    sol = root(grad, x0, method="hybr", tol=tol)
    return sol.x, f(sol.x), q0


def binary_stationarity(alpha, activation, d, q0, qhat0, Q, s0, Qhat, shat0, shat1, kappa=0.0, h=1e-5):
    """The five binary stationarity residuals at a given point and φ there (docs/theory.md §4 with G_E(k(·))):
    ``Q̂ + 2α∂_Q G_E``, ``ŝ0 + α∂_{s0}G_E``, ``∂_{ŝ1}G_S - S``, ``1 - 2∂_{Q̂}G_S - Q``, ``-∂_{ŝ0}G_S - s0``,
    all derivatives central differences of the quad integrals in the weight overlaps / conjugates."""
    S = 1 - 2 * d
    GE = lambda Q_, s0_: energetic(activation, q0, kappa, S, Q_, s0_)
    GS = lambda a, b, c: perc.fp_entropic_binary(qhat0, a, b, c)
    hq = h * min(1 - Q, 1.0)
    res = (Qhat + 2 * alpha * (GE(Q + hq, s0) - GE(Q - hq, s0)) / (2 * hq),
           shat0 + alpha * (GE(Q, s0 + h) - GE(Q, s0 - h)) / (2 * h),
           (GS(Qhat, shat0, shat1 + h) - GS(Qhat, shat0, shat1 - h)) / (2 * h) - S,
           1 - 2 * (GS(Qhat + h, shat0, shat1) - GS(Qhat - h, shat0, shat1)) / (2 * h) - Q,
           -(GS(Qhat, shat0 + h, shat1) - GS(Qhat, shat0 - h, shat1)) / (2 * h) - s0)
    phi = -0.5 * Qhat * (1 - Q) + shat0 * s0 - shat1 * S + GS(Qhat, shat0, shat1) + alpha * GE(Q, s0)
    return res, phi
