"""Gaussian expectations of the ERM channel for one class of the mixture (THEORY §1).

For a class with mean field ``μ`` and spread ``s`` the training field before
the prox is ``ω = μ + sξ``, ``ξ ~ N(0, 1)``; ``p = prox_{τℓ}(ω)``,
``g = (p - ω)/τ``.  :func:`class_moments` returns

    E[g], E[g²], E[1 - ∂p/∂ω], E[ℓ(p)], E[∂g/∂ω] = -E[1 - ∂p/∂ω]/τ

Smooth losses: a composite Gauss–Legendre rule in ξ on [-L, L], cut at fixed
points and where ``p`` crosses ``{0, ±2, ±8, ±30}·scale`` (ξ found from the explicit
inverse ``ω(p) = p + τℓ'(p)``), so that the rule resolves the prox's transition
whatever the ratio of s to τ.  Hinge: closed-form truncated-Gaussian moments
(kinks defeat polynomial rules).
"""

import numpy as np

from .._numba import kernel
from ..saddle_point.losses import CROSS_ENTROPY, HINGE, loss_d1, loss_value, prox
from ..saddle_point.quadrature import gaussian_panels
from ..saddle_point.special import G, Phi

XI_MAX = 10.0  # Gaussian mass beyond |ξ| > 10 is 1.5e-23
BASE_CUTS = np.array([-XI_MAX, -6.0, -3.0, 0.0, 3.0, 6.0, XI_MAX])
P_CUTS = np.array([-30.0, -8.0, -2.0, 0.0, 2.0, 8.0, 30.0])


@kernel
def _smooth_cuts(kind, param, mu, s, tau, base_cuts, p_cuts):
    scale = 1.0 / param if kind == CROSS_ENTROPY else 1.0
    cuts = np.empty(base_cuts.shape[0] + p_cuts.shape[0])
    n = base_cuts.shape[0]
    cuts[:n] = base_cuts
    for i in range(p_cuts.shape[0]):
        p = p_cuts[i] * scale
        xi = (p + tau * loss_d1(kind, p, param) - mu) / s
        cuts[n + i] = min(max(xi, -XI_MAX), XI_MAX)
    cuts = np.sort(cuts)
    keep = np.ones(cuts.shape[0], dtype=np.bool_)
    keep[1:] = cuts[1:] - cuts[:-1] > 1e-9  # drop empty panels (cuts clipped at ±XI_MAX)
    return cuts[keep]


@kernel
def _hinge_moments(kappa, mu, s, tau):
    a = (kappa - tau - mu) / s  # ξ below a: linear part, g = 1
    c = (kappa - mu) / s        # a < ξ < c: p stuck at the kink, g = (κ - ω)/τ
    pa, pc, ga, gc = Phi(a), Phi(c), G(a), G(c)
    mass = pc - pa
    first = c * mass - (ga - gc)                            # ∫_a^c (c - ξ) Dξ
    second = c * c * mass - 2.0 * c * (ga - gc) + mass + a * ga - c * gc  # ∫_a^c (c - ξ)² Dξ
    r = s / tau
    return (pa + r * first, pa + r * r * second, mass, s * (a * pa + ga), -mass / tau)


@kernel
def class_moments(kind, param, mu, s, tau, x_ref, w_ref, base_cuts, p_cuts):
    """``(E g, E g², E[1-∂p/∂ω], E ℓ(p), E ∂g/∂ω)`` for ``ω = μ + sξ`` (see module docstring)."""
    if kind == HINGE:
        return _hinge_moments(param, mu, s, tau)
    cuts = _smooth_cuts(kind, param, mu, s, tau, base_cuts, p_cuts)
    n = x_ref.shape[0] * (cuts.shape[0] - 1)
    nodes = np.empty(n)
    weights = np.empty(n)
    gaussian_panels(cuts, x_ref, w_ref, nodes, weights)
    eg = eg2 = e1 = el = 0.0
    for i in range(n):
        omega = mu + s * nodes[i]
        p, dp = prox(kind, omega, tau, param)
        g = (p - omega) / tau
        w = weights[i]
        eg += w * g
        eg2 += w * g * g
        e1 += w * (1.0 - dp)
        el += w * loss_value(kind, p, param)
    return eg, eg2, e1, el, -e1 / tau


@kernel
def train_error_class(kind, param, mu, s, tau):
    """P(p < 0) for one class: ``p = 0 ⇔ ω = τℓ'(0)``, so it is ``Φ((τℓ'(0) - μ)/s)``."""
    return Phi((tau * loss_d1(kind, 0.0, param) - mu) / s)
