"""Slow, independent reference for the perceptron replica equations (docs/theory.md §2–§4).

Written with scipy only (``scipy.special.log_ndtr``/``ndtr``, ``scipy.integrate.quad``,
``scipy.optimize.brentq``), for readability rather than speed; imports nothing from ``replica``.
It is the oracle the numba solvers in ``replica.perceptron`` are tested and benchmarked against.
Derivatives of the energetic term are taken here by central finite differences of the integral
(not by the analytic chain rule the fast code uses).
"""

import math

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import log_ndtr, ndtr

from tests.reference.gauss import SQ2PI, dens, logH, GH  # noqa: F401 (used below)

OPTS = dict(epsabs=1e-12, epsrel=1e-10, limit=200)


def E(f, points=None, lo=-12.0, hi=12.0):
    """∫ Dz f(z) by adaptive quadrature."""
    return quad(lambda z: dens(z) * f(z), lo, hi, points=points, **OPTS)[0]


# --------------------------------------------------------------------------- Gardner
def gardner_spherical(alpha, kappa=0.0):
    """(q, φ) from q/(1-q) = α E GH(x)², x = (κ - √q z)/√(1-q)."""
    def gh2(q):
        return E(lambda z: GH((kappa - math.sqrt(q) * z) / math.sqrt(1 - q)) ** 2, points=[kappa / math.sqrt(q)])
    q = brentq(lambda q: q / (1 - q) - alpha * gh2(q), 1e-9, 1 - 1e-12, xtol=1e-14)
    ge = E(lambda z: logH((kappa - math.sqrt(q) * z) / math.sqrt(1 - q)), points=[kappa / math.sqrt(q)])
    return q, 0.5 * math.log(1 - q) + q / (2 * (1 - q)) + alpha * ge


def gardner_binary(alpha, kappa=0.0, q=0.3):
    """(q, q̂, entropy) by plain iteration of q̂ = αE GH²/(1-q), q = E tanh²(√q̂ z)."""
    for _ in range(2000):
        sq = math.sqrt(q)
        qh = alpha / (1 - q) * E(lambda z: GH((kappa - sq * z) / math.sqrt(1 - q)) ** 2, points=[kappa / sq])
        new = E(lambda z: math.tanh(math.sqrt(qh) * z) ** 2, points=[0.0])
        if abs(new - q) < 1e-13:
            q = new
            break
        q = new
    sq = math.sqrt(q)
    ge = E(lambda z: logH((kappa - sq * z) / math.sqrt(1 - q)), points=[kappa / sq])
    lc = E(lambda z: abs(math.sqrt(qh) * z) + math.log1p(math.exp(-2 * abs(math.sqrt(qh) * z))), points=[0.0])
    return q, qh, -0.5 * qh * (1 - q) + lc + alpha * ge


def bayes_q(alpha):
    """q/√(1-q) = (α/π) ∫Dt exp(-qt²/2)/H(-√q t)."""
    def f(q):
        integral = E(lambda t: math.exp(-0.5 * q * t * t - logH(-math.sqrt(q) * t)))
        return q / math.sqrt(1 - q) - alpha / math.pi * integral
    return brentq(f, 1e-12, 1 - 1e-15, xtol=1e-15)


# --------------------------------------------------------------------------- Franz–Parisi
def fp_energetic(q0, kappa_ref, kappa, S, Q, s0):
    """G_E = ∫Dz0 [1/H(x0)] ∫Dη H(Y) log H(X) (docs/theory.md §4) by nested adaptive quadrature."""
    b = Q - s0 * s0 / q0
    a = 1 - q0 - (S - s0) ** 2 / b
    c = (S - s0) / math.sqrt(b)

    def inner(z0):
        base = kappa_ref - math.sqrt(q0) * z0
        lhx0 = logH(base / math.sqrt(1 - q0))
        pts = [(kappa - s0 / math.sqrt(q0) * z0) / math.sqrt(b)]
        if c != 0:
            pts.append(base / c)
        lo, hi = -12.0, 12.0
        if c > 0:
            hi = max(hi, base / c + 12.0)
        elif c < 0:
            lo = min(lo, base / c - 12.0)

        def f(eta):
            Y = (base - c * eta) / math.sqrt(a)
            X = (kappa - s0 / math.sqrt(q0) * z0 - math.sqrt(b) * eta) / math.sqrt(1 - Q)
            return math.exp(-0.5 * eta * eta - math.log(SQ2PI) + logH(Y) - lhx0) * logH(X)
        pts = sorted(p for p in pts if lo < p < hi)
        return quad(f, lo, hi, points=pts or None, **OPTS)[0]

    return E(inner, points=[kappa_ref / math.sqrt(q0)], lo=-10, hi=10)


def fp_entropic_binary(qhat0, Qhat, shat0, shat1):
    """G_S = ∫Dz0 Dη Σ± ½(1±t0) log 2cosh(h ± (ŝ1-ŝ0))."""
    v = math.sqrt(max(Qhat - shat0 ** 2 / qhat0, 0.0))
    dl = shat1 - shat0
    l2c = lambda x: abs(x) + math.log1p(math.exp(-2 * abs(x)))

    def inner(z0):
        t0 = math.tanh(math.sqrt(qhat0) * z0)
        m = shat0 / math.sqrt(qhat0) * z0
        f = lambda eta: 0.5 * (1 + t0) * l2c(m + v * eta + dl) + 0.5 * (1 - t0) * l2c(m + v * eta - dl)
        return E(f, points=[(-dl - m) / v, (dl - m) / v] if v > 0 else None)
    return E(inner, points=[0.0])


def fp_spherical_phi(alpha, kappa_ref, kappa, S, Q, s0, q0):
    K = (S - s0) * (S + s0 - 2 * q0 * S) / (1 - q0) ** 2
    return 0.5 * math.log(1 - Q) + (Q - K) / (2 * (1 - Q)) + alpha * fp_energetic(q0, kappa_ref, kappa, S, Q, s0)


def fp_spherical_solve(alpha, d, kappa_ref=0.0, kappa=0.0, x0=None, h=1e-5, tol=1e-8):
    """Spherical FP point: stationarity of φ(Q, s0) with finite-difference gradients (scipy.optimize.root)."""
    from scipy.optimize import root
    q0, _ = gardner_spherical(alpha, kappa_ref)
    S = 1 - 2 * d
    f = lambda x: fp_spherical_phi(alpha, kappa_ref, kappa, S, x[0], x[1], q0)

    def grad(x):
        g = []
        for i in range(2):
            e = np.zeros(2)
            e[i] = h
            g.append((f(x + e) - f(x - e)) / (2 * h))
        return np.array(g)
    x0 = np.array([S * S + 0.5 * (1 - S * S), q0 * S]) if x0 is None else np.asarray(x0, float)
    sol = root(grad, x0, method="hybr", tol=tol)
    return sol.x, f(sol.x)


def fp_minimizer_phi(alpha, S, Q, delta, kappa, ustar):
    """φ of the minimiser FP at given (Q, δ); ``ustar`` the stability map z ↦ u*(z)."""
    sb, sQ = math.sqrt(Q - S * S), math.sqrt(1 - Q)

    def inner(z0):
        mean = S * z0 + delta * (ustar(z0) - z0)
        return E(lambda eta: logH((kappa - mean - sb * eta) / sQ), points=[(kappa - mean) / sb])
    ge = E(inner)
    return 0.5 * math.log(1 - Q) + (Q - 2 * S * delta + delta ** 2) / (2 * (1 - Q)) + alpha * ge


def ce_prox(z, chi, gamma):
    """u = argmin (u-z)²/(2χ) - u/2 + log(2cosh γu)/(2γ): root of u - z + χ(-1/2 + tanh(γu)/2) in [z, z+χ]."""
    return brentq(lambda u: u - z + chi * (-0.5 + 0.5 * math.tanh(gamma * u)), z - 1e-12, z + chi + 1e-12,
                  xtol=1e-14)


def ce_chi(alpha, gamma):
    f = lambda t: alpha * E(lambda z: (ce_prox(z, math.exp(t), gamma) - z) ** 2) - 1
    return math.exp(brentq(f, -10, 20, xtol=1e-12))


def hebb(alpha):
    return math.acos(math.sqrt(2 * alpha / (2 * alpha + math.pi))) / math.pi


def ndtr_check(x):
    return float(ndtr(x))


def ts_erm_square(alpha, lam, iters=3000):
    """Teacher–student ridge regression on ±1 labels (docs/theory.md §2) by plain iteration with quad."""
    m, q, V = 0.5, 1.0, 1.0
    for _ in range(iters):
        rho = m / math.sqrt(q)
        vs = math.sqrt(1 - rho * rho)
        g = lambda xi: (1 - math.sqrt(q) * xi) / (1 + V)
        qh = 2 * alpha * E(lambda xi: float(ndtr(rho * xi / vs)) * g(xi) ** 2, points=[0.0])
        mh = 2 * alpha / vs * E(lambda xi: dens(rho * xi / vs) * g(xi), points=[0.0])
        Vh = alpha / (1 + V)
        k = lam + Vh
        new = (mh / k, (mh * mh + qh) / k ** 2, 1 / k)
        if max(abs(a - b) for a, b in zip(new, (m, q, V))) < 1e-13:
            m, q, V = new
            break
        m, q, V = new
    return m, q, V, math.acos(m / math.sqrt(q)) / math.pi


def fp_binary_solve(alpha, d, kappa_ref=0.0, kappa=0.0, h=1e-4, tol=1e-9, maxiter=200):
    """Binary FP point (docs/theory.md §4) the slow way: plain iteration ``(Q, s0) ← F(Q, s0)`` (steps halved if
    they leave the domain a > 0), where F takes the conjugates from central finite differences of the quad
    G_E (Q̂ = -2α∂_Q G_E, ŝ0 = -α∂_{s0}G_E), solves ∂_{ŝ1}G_S = S for ŝ1 by brentq, and returns
    (1 - 2∂_{Q̂}G_S, -∂_{ŝ0}G_S), all derivatives of the quad G_S by central differences.
    Returns ``((Q, s0, Q̂, ŝ0, ŝ1), φ)``."""
    q0, qhat0, _ = gardner_binary(alpha, kappa_ref)
    S = 1 - 2 * d
    GE = lambda Q, s0: fp_energetic(q0, kappa_ref, kappa, S, Q, s0)
    GS = lambda Qh, sh0, sh1: fp_entropic_binary(qhat0, Qh, sh0, sh1)
    inside = lambda Q, s0: Q < 1 and (S - s0) ** 2 < (1 - q0) * (Q - s0 * s0 / q0)

    def conjugates(Q, s0):
        hq = h * min(1 - Q, Q - s0 * s0 / q0 - (S - s0) ** 2 / (1 - q0))
        Qh = -2 * alpha * (GE(Q + hq, s0) - GE(Q - hq, s0)) / (2 * hq)
        sh0 = -alpha * (GE(Q, s0 + hq) - GE(Q, s0 - hq)) / (2 * hq)
        f = lambda sh1: (GS(Qh, sh0, sh1 + h) - GS(Qh, sh0, sh1 - h)) / (2 * h) - S
        lo, hi = math.atanh(S) - 1.0, math.atanh(S) + 1.0
        while f(lo) > 0:
            lo -= 1.0
        while f(hi) < 0:
            hi += 1.0
        return Qh, sh0, brentq(f, lo, hi, xtol=1e-12)

    def F(Q, s0):
        Qh, sh0, sh1 = conjugates(Q, s0)
        Qn = 1 - 2 * (GS(Qh + h, sh0, sh1) - GS(Qh - h, sh0, sh1)) / (2 * h)
        s0n = -(GS(Qh, sh0 + h, sh1) - GS(Qh, sh0 - h, sh1)) / (2 * h)
        return Qn, s0n

    Q, s0 = S * S + 0.5 * (1 - S * S), q0 * S
    for _ in range(maxiter):
        Qn, s0n = F(Q, s0)
        step = 1.0
        while not inside(Q + step * (Qn - Q), s0 + step * (s0n - s0)):
            step *= 0.5
        Q, s0, done = Q + step * (Qn - Q), s0 + step * (s0n - s0), max(abs(Qn - Q), abs(s0n - s0)) < tol
        if done:
            break
    Qh, sh0, sh1 = conjugates(Q, s0)
    phi = -0.5 * Qh * (1 - Q) + sh0 * s0 - sh1 * S + GS(Qh, sh0, sh1) + alpha * GE(Q, s0)
    return (Q, s0, Qh, sh0, sh1), phi
