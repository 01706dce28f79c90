"""Independent slow scipy evaluation of the constrained-centre dense-region functional (docs/large_deviation.md §14).

Written from the formulas, not from :mod:`replica.perceptron.ld_constrained`: nested ``scipy.integrate.quad`` in
standardised variables, the inner group integrals in log space around their maxima (bounded scalar searches).

    G_S = E_ζ [ (L₊ + L₋)/2 + E_η log 2cosh((t̂/q̂0) z + (L₊ - L₋)/2 + √(p̂ - t̂²/q̂0) η) ],   z = √q̂0 ζ,
          L± = log E_u [2cosh(z ± (Ŝ - t̂) + u)]^y,  u ~ N(0, q̂1 - q̂0);
    G_E = E_{ζ,η} log E_g H((κ̃ - (t/√q0)ζ - Cη - Bg)/D) H((κ - √q0 ζ - g)/√(1-q1))^y,  g ~ N(0, q1 - q0),
          B = (S - t)/(q1 - q0),  C² = p - t²/q0,  D² = 1 - p - (S - t)²/(q1 - q0).
"""

import math

import numpy as np
from scipy.integrate import quad
from scipy.optimize import minimize_scalar
from scipy.special import log_ndtr

SQ2PI = math.sqrt(2.0 * math.pi)
DENS = lambda x: math.exp(-0.5 * x * x) / SQ2PI


def _log2cosh(x):
    return float(np.logaddexp(x, -x))


def log_group_u(h, y, dh):
    """``log E_u [2cosh(h + u)]^y``, u ~ N(0, dh): quad in u around the global maximum of the exponent (a grid
    search refined by a bounded search: the exponent can be bimodal)."""
    f = lambda u: y * _log2cosh(h + u) - 0.5 * u * u / dh
    c = y * dh
    span = abs(h) + c + 1.0
    grid = np.linspace(-span, span, 4001)
    vals = np.array([f(u) for u in grid])
    k = int(np.argmax(vals))
    best = minimize_scalar(lambda u: -f(u), bounds=(grid[max(k - 1, 0)], grid[min(k + 1, 4000)]), method="bounded",
                           options={"xatol": 1e-13})
    top = max(vals[k], -best.fun)
    sd = math.sqrt(dh)
    lo, hi = -span - 12.0 * sd, span + 12.0 * sd
    pts = sorted({best.x, -h - c * math.tanh(h), -h + c, -h - c})
    pts = [p for p in pts if lo < p < hi]
    val = quad(lambda u: math.exp(f(u) - top), lo, hi, points=pts, limit=400, epsabs=0.0, epsrel=1e-13)[0]
    return top + math.log(val / (SQ2PI * sd))


def entropic(y, qhat0, qhat1, that, phat, shat):
    """G_S by nested quad (docstring)."""
    sq, dh, sp = math.sqrt(qhat0), qhat1 - qhat0, shat - that
    k, sw = that / qhat0, math.sqrt(max(phat - that * that / qhat0, 0.0))

    def outer(zeta):
        z = sq * zeta
        lp, lm = log_group_u(z + sp, y, dh), log_group_u(z - sp, y, dh)
        b = k * z + 0.5 * (lp - lm)
        inner = quad(lambda e: DENS(e) * _log2cosh(b + sw * e), -10.0, 10.0, epsabs=1e-13, limit=200)[0]
        return DENS(zeta) * (0.5 * (lp + lm) + inner)

    return quad(outer, -9.0, 9.0, points=[0.0], epsabs=1e-11, limit=400)[0]


def log_group_g(y, s1, d, B, D, x0, xc0):
    """``log E_g H(xc0 - Bg/D) H(x0 - g/s1)^y``, g ~ N(0, d): the log-integrand is concave, its maximum by a
    bounded search; quad over ±14√d around it (the prior alone bounds the fall-off)."""
    f = lambda g: -0.5 * g * g / d + y * float(log_ndtr(-(x0 - g / s1))) + float(log_ndtr(-(xc0 - B * g / D)))
    span = 30.0 * math.sqrt(d) + abs(x0) * s1 + abs(xc0) * D / max(abs(B), 1e-3)
    best = minimize_scalar(lambda g: -f(g), bounds=(-span, span), method="bounded", options={"xatol": 1e-12})
    gs, top = best.x, -best.fun
    sd = math.sqrt(d)
    val = quad(lambda g: math.exp(f(g) - top), gs - 14.0 * sd, gs + 14.0 * sd, points=[gs], limit=400,
               epsabs=0.0, epsrel=1e-12)[0]
    return top + math.log(val / (SQ2PI * sd))


def energetic(y, q1, q0, t, p, S, kappa, kappa_c):
    """G_E by nested quad (docstring)."""
    sq, s1, d = math.sqrt(q0), math.sqrt(1.0 - q1), q1 - q0
    B = (S - t) / d
    C = math.sqrt(p - t * t / q0)
    D = math.sqrt(1.0 - p - (S - t) ** 2 / d)
    A = t / sq

    def outer(zeta):
        x0 = (kappa - sq * zeta) / s1
        mid = lambda e: DENS(e) * log_group_g(y, s1, d, B, D, x0, (kappa_c - A * zeta - C * e) / D)
        eta_c = (kappa_c - A * zeta) / C
        pts = [v for v in (eta_c - 2.0, eta_c, eta_c + 2.0) if -9.0 < v < 9.0]
        return DENS(zeta) * quad(mid, -9.0, 9.0, points=pts or None, epsabs=1e-10, limit=200)[0]

    return quad(outer, -9.0, 9.0, points=[kappa / sq], epsabs=1e-10, limit=200)[0]
