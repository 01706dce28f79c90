"""Slow, independent reference for the committee Gardner saddle (docs/committee.md §2–§3): scipy quad + brentq.

Nothing here comes from ``replica``: the kernels are written again from their closed forms, the Gaussian
integrals are adaptive ``quad`` with a break point at the kink of the integrand, the saddle is a bracketed
root (spherical: of the stationarity condition in q; binary: of q − E tanh²(√q̂(q) z), the first sign
change on a grid).  Accuracy ~1e-10 relative; one point takes ~0.1–1 s.
"""

import math

import numpy as np
from scipy import integrate, optimize, special

SQRT2PI = math.sqrt(2.0 * math.pi)


# --- closed-form kernels, written again: (k, k′, k″) --------------------------------------------------------
def k_sign(q):
    return (2.0 / math.pi) * math.asin(q), 2.0 / (math.pi * math.sqrt(1.0 - q * q)), \
        2.0 * q / (math.pi * (1.0 - q * q) ** 1.5)


def k_relu(q):
    c = math.pi - 1.0
    th = math.acos(q)
    return (math.sin(th) + (math.pi - th) * q - 1.0) / c, (math.pi - th) / c, 1.0 / (c * math.sin(th))


def k_erf(q):
    a, v = math.asin(2.0 / 3.0), 2.0 * q / 3.0
    return math.asin(v) / a, (2.0 / 3.0) / (a * math.sqrt(1.0 - v * v)), \
        (4.0 / 9.0) * v / (a * (1.0 - v * v) ** 1.5)


def k_linear(q):
    return q, 1.0, 0.0


def _gauss2(f, q):
    """``E[f(x, y)]`` for standard normal x, y of correlation q: nested quad over x = z, y = qz + √(1−q²)η."""
    s = math.sqrt(1.0 - q * q)
    inner = lambda z: _Ez(lambda e: f(z, q * z + s * e))
    return _Ez(inner)


def k_tanh(q):
    """tanh has no closed form: (1) and Price's theorem by nested quad (E tanh = 0, Var = E tanh²)."""
    var = _Ez(lambda z: math.tanh(z) ** 2)
    d1 = lambda x: 1.0 / math.cosh(x) ** 2
    d2 = lambda x: -2.0 * math.tanh(x) / math.cosh(x) ** 2
    return (_gauss2(lambda x, y: math.tanh(x) * math.tanh(y), q) / var,
            _gauss2(lambda x, y: d1(x) * d1(y), q) / var, _gauss2(lambda x, y: d2(x) * d2(y), q) / var)


KERNELS = {"sign": k_sign, "relu": k_relu, "erf": k_erf, "linear": k_linear}
SLOW_KERNELS = {**KERNELS, "tanh": k_tanh}  # tanh: seconds per saddle


# --- Gaussian integrals ------------------------------------------------------------------------------------
def _Ez(f, *points):
    """``∫Dz f(z)`` on [-12, 12] with break points (the Gaussian tail beyond is < 1e-32)."""
    pts = sorted(p for p in points if -12.0 < p < 12.0)
    val, _ = integrate.quad(lambda z: f(z) * math.exp(-0.5 * z * z) / SQRT2PI, -12.0, 12.0, points=pts or None,
                            limit=400, epsabs=1e-14, epsrel=1e-12)
    return val


def _logH(x):
    return special.log_ndtr(-x)


def _GH(x):
    """``G(x)/H(x) = √(2/π)/erfcx(x/√2)`` (no overflow for large x)."""
    return math.sqrt(2.0 / math.pi) / special.erfcx(x / math.sqrt(2.0))


def energetic(k, kappa):
    """``(G_E(k), E[GH(x)²], E[(GH(x)(GH(x) − x))²])`` with ``x = (κ − √k z)/√(1−k)``."""
    sk, s1 = math.sqrt(k), math.sqrt(1.0 - k)
    x = lambda z: (kappa - sk * z) / s1
    kink = kappa / sk if sk > 0 else 0.0
    ge = _Ez(lambda z: _logH(x(z)), kink)
    gh2 = _Ez(lambda z: _GH(x(z)) ** 2, kink)
    c2 = _Ez(lambda z: (_GH(x(z)) * (_GH(x(z)) - x(z))) ** 2, kink)
    return ge, gh2, c2


def _sech2(h):
    e = math.exp(-2.0 * abs(h))
    return 4.0 * e / (1.0 + e) ** 2


def _entropic_binary(qhat, all_terms=True):
    """``(∫Dz log 2cosh(√q̂ z), ∫Dz tanh²(√q̂ z), ∫Dz sech⁴(√q̂ z))`` (first and last NaN unless all_terms)."""
    s = math.sqrt(qhat)
    t2 = _Ez(lambda z: math.tanh(s * z) ** 2, 0.0)
    if not all_terms:
        return math.nan, t2, math.nan
    lc = _Ez(lambda z: abs(s * z) + math.log1p(math.exp(-2.0 * abs(s * z))), 0.0)
    s4 = _Ez(lambda z: _sech2(s * z) ** 2, 0.0)
    return lc, t2, s4


def _replicon(alpha, q, k, dk, d2k, gh2, c2, gamma_s):
    return gamma_s * alpha * (dk * dk * c2 / (1.0 - k) ** 2 + d2k * gh2 / (1.0 - k))


def spherical(alpha, activation, kappa=0.0):
    """``dict(q, k, phi, replicon)`` of the spherical committee saddle."""
    kern = SLOW_KERNELS[activation]

    def f(q):
        k, dk, _ = kern(q)
        return q / (1.0 - q) ** 2 - alpha * dk * energetic(k, kappa)[1] / (1.0 - k)

    q = optimize.brentq(f, 1e-12, 1.0 - 1e-12 if activation != "tanh" else 0.999, xtol=1e-15, rtol=1e-14)
    k, dk, d2k = kern(q)
    ge, gh2, c2 = energetic(k, kappa)
    phi = 0.5 * math.log(1.0 - q) + q / (2.0 * (1.0 - q)) + alpha * ge
    return dict(q=q, k=k, phi=phi, ge=ge, replicon=_replicon(alpha, q, k, dk, d2k, gh2, c2, (1.0 - q) ** 2))


def binary(alpha, activation, kappa=0.0):
    """``dict(q, qhat, k, entropy, replicon)`` of the binary committee saddle (entropy = log-count per weight)."""
    kern = KERNELS[activation]

    def qhat_of(q):
        k, dk, _ = kern(q)
        return alpha * dk * energetic(k, kappa)[1] / (1.0 - k)

    g = lambda q: q - _entropic_binary(qhat_of(q), False)[1]
    grid = np.linspace(1e-6, 0.999, 80)
    vals = [g(q) for q in grid]
    i = next(i for i in range(len(grid) - 1) if (vals[i] < 0) != (vals[i + 1] < 0))
    q = optimize.brentq(g, grid[i], grid[i + 1], xtol=1e-15, rtol=1e-14)
    k, dk, d2k = kern(q)
    qhat = qhat_of(q)
    ge, gh2, c2 = energetic(k, kappa)
    lc, _, s4 = _entropic_binary(qhat)
    entropy = -0.5 * qhat * (1.0 - q) + lc + alpha * ge
    return dict(q=q, qhat=qhat, k=k, entropy=entropy, ge=ge, replicon=_replicon(alpha, q, k, dk, d2k, gh2, c2, s4))


def B(kappa):
    """``B(κ) = ∫_{−κ}^∞ Dt (t+κ)²`` by quadrature."""
    val, _ = integrate.quad(lambda t: (t + kappa) ** 2 * math.exp(-0.5 * t * t) / SQRT2PI, -kappa, np.inf,
                            epsabs=1e-14, epsrel=1e-13)
    return val


def spherical_alpha_of_q(q, activation, kappa=0.0):
    """The α at which the spherical stationarity condition holds at overlap q (as q → 1: the capacity)."""
    k, dk, _ = KERNELS[activation](q)
    return q * (1.0 - k) / ((1.0 - q) ** 2 * dk * energetic(k, kappa)[1])
