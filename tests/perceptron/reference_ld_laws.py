"""Slow, independent reference for the stability laws of the dense regions (replica/perceptron/ld_local_energy.py).

scipy only (``quad``, ``brentq``, ``scipy.special``); imports nothing from ``replica``.  Written differently from
the package:

* the group field's maximiser g* by ``brentq`` on the derivative of ``log H((κ - √q1ζ - g)/√(1-q1)) - g²/(2δq)``
  in g itself (the package solves the proximal equation x + r GH(x) = x0 in x by Newton);
* every law in its *density* form, integrated with adaptive ``quad``: the centre ``p(t) = ∫Dζ G((t-μ)/e)/e`` and
  ``E H(c0 + c1Δ̃) = ∫Dζ ∫dt G((t-μ)/e)/e · H(c0 + c1t)`` (the package uses the closed-form Gaussian convolution
  ``H((c0 + c1μ)/√(1 + c1²e²))``); the solutions ``p(t) = θ(t-κ) ∫Dζ G((t - √q1ζ - g*)/s1)/(s1 H((κ - √q1ζ - g*)/s1))``
  (the package: the truncated-tail representation u ≥ x(ζ) with Gauss–Legendre panels).
"""

import math

from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import log_ndtr, ndtr

from tests.reference.gauss import SQ2PI, dens  # noqa: F401 (used below)

OPTS = dict(epsabs=1e-15, epsrel=1e-11, limit=400)
ZMAX = 9.0


def GH(x):
    return math.exp(-0.5 * x * x - math.log(SQ2PI) - float(log_ndtr(-x)))


def panels(f, lo, hi, points=()):
    edges = sorted({lo, hi, *(p for p in points if lo < p < hi)})
    return sum(quad(f, a, b, **OPTS)[0] for a, b in zip(edges[:-1], edges[1:]) if b - a > 1e-14)


def g_star(zeta, q1, dq, kappa):
    """argmax_g [log H((κ - √q1ζ - g)/√(1-q1)) - g²/(2δq)] (0 if δq = 0)."""
    if dq == 0:
        return 0.0
    sq, s1 = math.sqrt(q1), math.sqrt(1 - q1)
    f = lambda g: GH((kappa - sq * zeta - g) / s1) / s1 - g / dq     # decreasing in g, f(0) > 0
    hi = dq * GH((kappa - sq * zeta) / s1) / s1
    return brentq(f, 0.0, hi, xtol=1e-15, rtol=1e-15) if f(hi) < 0 else hi


def centre_mean(zeta, q1, dq, kappa, S, tau):
    """μ(ζ) = (S/√q1)ζ + (τ/δq) g*(ζ) (δq = 0: τ GH(x0)/√(1-q1))."""
    sq, s1 = math.sqrt(q1), math.sqrt(1 - q1)
    if dq == 0:
        return S / sq * zeta + tau * GH((kappa - sq * zeta) / s1) / s1
    return S / sq * zeta + tau / dq * g_star(zeta, q1, dq, kappa)


def _zeta_points(q1, dq, kappa):
    sq, s1 = math.sqrt(q1), math.sqrt(1 - q1)
    return [kappa / sq + k * w for w in (s1 / sq, (s1 * s1 + dq) / (sq * s1)) for k in (-8, -2, -0.5, 0, 0.5, 2, 8)]


def centre_density(t, q1, dq, kappa, S, tau):
    e = math.sqrt(1 - S * S / q1)
    f = lambda z: dens(z) * dens((t - centre_mean(z, q1, dq, kappa, S, tau)) / e) / e
    return panels(f, -ZMAX, ZMAX, _zeta_points(q1, dq, kappa) + [-3, -1, 0, 1, 3])


def centre_below(t, q1, dq, kappa, S, tau):
    e = math.sqrt(1 - S * S / q1)
    f = lambda z: dens(z) * float(ndtr((t - centre_mean(z, q1, dq, kappa, S, tau)) / e))
    return panels(f, -ZMAX, ZMAX, _zeta_points(q1, dq, kappa) + [-3, -1, 0, 1, 3])


def centre_error(c0, c1, q1, dq, kappa, S, tau):
    """∫Dζ ∫dt G((t-μ)/e)/e H(c0 + c1 t): a double quadrature in the density form."""
    e = math.sqrt(1 - S * S / q1)

    def inner(z):
        mu = centre_mean(z, q1, dq, kappa, S, tau)
        g = lambda t: dens((t - mu) / e) / e * float(ndtr(-(c0 + c1 * t)))
        return panels(g, mu - 12 * e, mu + 12 * e, [mu + k * e for k in (-3, -1, 0, 1, 3)] + [-c0 / c1])
    return panels(lambda z: dens(z) * inner(z), -ZMAX, ZMAX, _zeta_points(q1, dq, kappa) + [-3, -1, 0, 1, 3])


def _replica_conditional(z, q1, dq, kappa):
    """(mean field m = √q1ζ + g*, log H of the truncation) for one ζ."""
    sq, s1 = math.sqrt(q1), math.sqrt(1 - q1)
    m = sq * z + g_star(z, q1, dq, kappa)
    return m, float(log_ndtr(-(kappa - m) / s1))


def replica_density(t, q1, dq, kappa):
    if t < kappa:
        return 0.0
    s1 = math.sqrt(1 - q1)

    def f(z):
        m, lh = _replica_conditional(z, q1, dq, kappa)
        return dens(z) * math.exp(-0.5 * ((t - m) / s1) ** 2 - lh) / (SQ2PI * s1)
    return panels(f, -ZMAX, ZMAX, _zeta_points(q1, dq, kappa) + [t / math.sqrt(q1)])


def replica_error(c0, c1, q1, dq, kappa):
    """∫Dζ ∫_κ^∞ dt G((t-m)/s1)/(s1 H((κ-m)/s1)) H(c0 + c1t)."""
    s1 = math.sqrt(1 - q1)

    def inner(z):
        m, lh = _replica_conditional(z, q1, dq, kappa)
        g = lambda t: math.exp(-0.5 * ((t - m) / s1) ** 2 - lh) / (SQ2PI * s1) * float(ndtr(-(c0 + c1 * t)))
        top = max(kappa, m) + 14 * s1
        return panels(g, kappa, top, [kappa + s1 * k for k in (0.01, 0.1, 1)] + [m, -c0 / c1])
    return panels(lambda z: dens(z) * inner(z), -ZMAX, ZMAX, _zeta_points(q1, dq, kappa))
