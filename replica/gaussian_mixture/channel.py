"""Gaussian expectations of the ERM channel for one class of the mixture (docs/theory.md §1).

For a class with mean field ``μ`` and spread ``s`` the training field before
the prox is ``ω = μ + sξ``, ``ξ ~ N(0, 1)``; ``p = prox_{τℓ}(ω)``,
``g = (p - ω)/τ``.  :func:`class_moments` returns

    E[g], E[g²], E[1 - ∂p/∂ω], E[ℓ(p)], E[∂g/∂ω] = -E[1 - ∂p/∂ω]/τ

Smooth losses: the prox is inverted explicitly, ``ω(p) = p + τℓ'(p)``, so the
expectation is integrated over p instead of ξ,

    E_ξ f(p(ξ)) = ∫ dp f(p) G(ξ(p)) ξ'(p),   ξ(p) = (ω(p) - μ)/s,   ξ'(p) = (1 + τℓ''(p))/s,

and the integrand is explicit (no prox solve at the nodes; at a node ``g = -ℓ'(p)``
and ``∂p/∂ω = 1/(1 + τℓ''(p))``).  The composite Gauss–Legendre rule in p is cut
at the images of ``ξ ∈ {0, ±3, ±6, ±10}`` (one prox solve each) and where p
crosses ``{0, ±2, ±8}·scale`` (the loss's transition; scale 1/γ for the
cross-entropy), so it resolves both the Gaussian and the loss whatever the ratio
of s to τ.  Hinge: closed-form truncated-Gaussian moments (kinks defeat
polynomial rules).
"""

import numpy as np

from .._numba import kernel
from ..saddle_point.losses import CROSS_ENTROPY, HINGE, loss_d1, loss_terms, prox
from ..saddle_point.special import G, Phi

XI_MAX = 10.0  # Gaussian mass beyond |ξ| > 10 is 1.5e-23
XI_CUTS = np.array([-XI_MAX, -6.0, -3.0, 0.0, 3.0, 6.0, XI_MAX])
P_CUTS = np.array([-8.0, -2.0, 0.0, 2.0, 8.0])


@kernel
def _p_cuts(kind, param, mu, s, tau, xi_cuts, p_cuts):
    """Sorted panel edges in p: images of the ξ cuts, plus the loss's cuts that fall inside them."""
    scale = 1.0 / param if kind == CROSS_ENTROPY else 1.0
    n = xi_cuts.shape[0]
    cuts = np.empty(n + p_cuts.shape[0])
    for i in range(n):
        cuts[i] = prox(kind, mu + s * xi_cuts[i], tau, param)[0]
    lo, hi = cuts[0], cuts[n - 1]
    for i in range(p_cuts.shape[0]):
        cuts[n + i] = min(max(p_cuts[i] * scale, lo), hi)
    cuts = np.sort(cuts)
    keep = np.ones(cuts.shape[0], dtype=np.bool_)
    keep[1:] = cuts[1:] - cuts[:-1] > 1e-12 * (1.0 + abs(hi) + abs(lo))  # drop empty panels
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
def class_moments(kind, param, mu, s, tau, x_ref, w_ref, xi_cuts, p_cuts):
    """``(E g, E g², E[1-∂p/∂ω], E ℓ(p), E ∂g/∂ω)`` for ``ω = μ + sξ`` (see module docstring)."""
    if kind == HINGE:
        return _hinge_moments(param, mu, s, tau)
    cuts = _p_cuts(kind, param, mu, s, tau, xi_cuts, p_cuts)
    eg = eg2 = e1 = el = 0.0
    for j in range(cuts.shape[0] - 1):
        half = 0.5 * (cuts[j + 1] - cuts[j])
        mid = cuts[j] + half
        for i in range(x_ref.shape[0]):
            p = mid + half * x_ref[i]
            value, d1, d2 = loss_terms(kind, p, param)
            stiff = 1.0 + tau * d2  # dω/dp
            w = half * w_ref[i] * G((p + tau * d1 - mu) / s) * stiff / s
            eg -= w * d1
            eg2 += w * d1 * d1
            e1 += w * (1.0 - 1.0 / stiff)
            el += w * value
    return eg, eg2, e1, el, -e1 / tau


@kernel
def train_error_class(kind, param, mu, s, tau):
    """P(p < 0) for one class: ``p = 0 ⇔ ω = τℓ'(0)``, so it is ``Φ((τℓ'(0) - μ)/s)``."""
    return Phi((tau * loss_d1(kind, 0.0, param) - mu) / s)
