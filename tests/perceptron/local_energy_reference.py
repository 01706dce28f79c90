"""Slow, independent reference for the local energy of perceptron solutions (docs/theory.md §10).

scipy only (``quad``, ``brentq``, ``scipy.special``); imports nothing from ``replica`` (the Gardner q comes
from ``reference_slow``, itself replica-free).  Written in the *density* representation, where the package
uses the truncated-tail representation ``Δ = κ̃ + √(1-q) v``:

    p(Δ) = θ(Δ-κ̃) ∫Dz G((Δ - √q z)/√(1-q)) / (√(1-q) H((κ̃ - √q z)/√(1-q)))
    δε = ∫ dΔ p(Δ) [P(perturbed Δ' < κ | Δ) - θ(κ - Δ)]

as a nested (double) adaptive quadrature; the perturbation probabilities are written out here from the
derivation (spherical, renormalised: ``H((κ√(1+σ²) - Δ)/σ)`` complemented — see ``p_error``).
"""

import math

from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import expit, log_ndtr, ndtr

from tests.reference.gauss import SQ2PI, dens  # noqa: F401 (used below)

OPTS = dict(epsabs=1e-13, epsrel=1e-11, limit=400)


def panels(f, lo, hi, points=()):
    """∫_lo^hi f by adaptive quadrature on the panels between the sorted distinct ``points``."""
    edges = sorted({lo, hi, *(p for p in points if lo < p < hi)})
    return sum(quad(f, a, b, **OPTS)[0] for a, b in zip(edges[:-1], edges[1:]) if b - a > 1e-14)


def Hf(x):
    return float(ndtr(-x))


def p_error(delta, kappa, sigma=None, flip_p=None):
    """P(the perturbed stability is below κ | Δ), written directly from the perturbation."""
    if sigma is not None:  # Δ' = (Δ + σζ)/√(1+σ²) < κ  ⇔  ζ < (κ√(1+σ²) - Δ)/σ
        return float(ndtr((kappa * math.sqrt(1 + sigma * sigma) - delta) / sigma))
    # Δ' = (1-2p)Δ + 2√(p(1-p)) ζ < κ
    return float(ndtr((kappa - (1 - 2 * flip_p) * delta) / (2 * math.sqrt(flip_p * (1 - flip_p)))))


def typical_density(delta, q, kref):
    if delta < kref:
        return 0.0
    sq, s1 = math.sqrt(q), math.sqrt(1 - q)

    def f(z):
        x0 = (kref - sq * z) / s1
        return dens(z) * math.exp(-0.5 * ((delta - sq * z) / s1) ** 2 - float(log_ndtr(-x0))) / (SQ2PI * s1)
    if sq == 0:
        return dens(delta) / Hf(kref)
    # a Gaussian bump in z around √q Δ of width √(1-q), times 1/H(x0) — near Δ = κ̃ the two cancel for
    # z → -∞ and the integrand decays only like G(z)·x0: the whole z-line is needed
    c = sq * delta
    return panels(f, -14, 14, [kref / sq] + [c + k * s1 for k in (-12, -4, -1, 0, 1, 4, 12)])


def typical_delta_error(q, kref, kappa=0.0, sigma=None, flip_p=None):
    """δε of the typical law by the double quadrature over (Δ, z)."""
    f = lambda d: typical_density(d, q, kref) * (p_error(d, kappa, sigma, flip_p) - (1.0 if d < kappa else 0.0))
    return panels(f, kref, kref + 14.0, [kref + 1e-3, kref + 0.1, kref + 1.0, kappa])


def max_margin_kappa(alpha):
    """κ with α_c(κ) = 1/[(1+κ²)Φ(κ) + κG(κ)] = α."""
    return brentq(lambda k: 1 / ((1 + k * k) * ndtr(k) + k * dens(k)) - alpha, -5, 5, xtol=1e-15)


def max_margin_delta_error(alpha, kappa=0.0, sigma=None, flip_p=None):
    km = max_margin_kappa(alpha)
    atom = float(ndtr(km)) * (p_error(km, kappa, sigma, flip_p) - (1.0 if km < kappa else 0.0))
    cont = panels(lambda z: dens(z) * (p_error(z, kappa, sigma, flip_p) - (1.0 if z < kappa else 0.0)), km, 14,
                  [kappa])
    return atom + cont


def loss_d1(loss, h, param):
    if loss == "logistic":
        return -float(expit(-h))
    if loss == "cross_entropy":
        return -float(expit(-2 * param * h))
    if loss == "square":
        return h - 1.0
    return -1.0 if h <= param else 0.0


def prox(loss, z, chi, param):
    """argmin_u (u - z)²/(2χ) + ℓ(u): closed forms for square/hinge, brentq on u - z + χℓ'(u) otherwise."""
    if loss == "square":
        return (z + chi) / (1 + chi)
    if loss == "hinge":
        return z + chi if z < param - chi else (param if z <= param else z)
    return brentq(lambda u: u - z + chi * loss_d1(loss, u, param), z - 1e-12, z + chi + 1e-12, xtol=1e-15)


def _z_points(loss, chi, param, extra=()):
    pts = [0.0, chi * loss_d1(loss, 0.0, param), *extra]
    if loss == "hinge":
        pts += [param - chi, param]
    return sorted(p for p in pts if -14 < p < 14)


def minimizer_chi(loss, alpha, param):
    """χ from α E_z (u*(z) - z)² = 1."""
    def m2(chi):
        return quad(lambda z: dens(z) * (prox(loss, z, chi, param) - z) ** 2, -14, 14,
                    points=_z_points(loss, chi, param), **OPTS)[0]
    return math.exp(brentq(lambda t: alpha * m2(math.exp(t)) - 1, -8, 12, xtol=1e-13))


def minimizer_delta_error(loss, alpha, param, kappa=0.0, sigma=None, flip_p=None):
    chi = minimizer_chi(loss, alpha, param)
    zk = brentq(lambda z: prox(loss, z, chi, param) - kappa, -14, 14) if loss != "hinge" else kappa - chi
    f = lambda z: dens(z) * (p_error(prox(loss, z, chi, param), kappa, sigma, flip_p)
                            - (1.0 if prox(loss, z, chi, param) < kappa else 0.0))
    width = (sigma if sigma is not None else 2 * math.sqrt(flip_p)) * (1 + chi)  # the step's width in z
    steps = [zk + width * c for c in (-8, -2, -0.5, -0.1, 0, 0.1, 0.5, 2, 8)] + [kappa]
    return panels(f, -14, 14, _z_points(loss, chi, param, steps)), chi
