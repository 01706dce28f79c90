"""Replicon eigenvalue of the Gaussian-mixture ERM saddle (private helper; docs/stability.md §3).

Zero-temperature ridge ERM: ``λ_AT = α E[(1 - ∂p/∂ω)²]`` (eq. 16), E the class-weighted average over
``ω_y = μ_y + √(Δq) ξ`` with ``p = prox_{τℓ}(ω)``, ``τ = ΔV``.  The noise covariance ``Δ Q_ab`` of the
fields brings a factor Δ² into γ_E that the τ² = (ΔV)² of the Moreau curvature cancels exactly (eq. 15),
so no Δ survives in λ.  For convex losses ``0 ≤ ∂p/∂ω ≤ 1`` and ``λ_AT ≤ α E[1 - ∂p/∂ω] = V V̂ = V̂/(λ + V̂)``
(eq. 17): stable for every λ > 0; at λ = 0 hinge (``∂p/∂ω ∈ {0, 1}``) is exactly marginal, ``λ_AT = 1``.

Square: ``∂p/∂ω = 1/(1+τ)``.  Hinge: ``1 - ∂p/∂ω`` is the indicator of the kink ``κ - τ < ω < κ``, so
``(1 - ∂p)² = 1 - ∂p`` and ``λ_AT = α E[1 - ∂p] = V̂ V`` — evaluated as ``V̂/(λ + V̂)`` from the map's V̂ (the same
number at the fixed point; exactly 1 at λ = 0 rather than 1 ± the residual).  Smooth losses: the p-integral
of :func:`replica.gaussian_mixture.channel.class_moments` (same panels) with ``(1 - 1/(1 + τℓ''(p)))²``.
"""

import math

from .._numba import kernel
from ..saddle_point.losses import HINGE, SQUARE, loss_terms
from ..saddle_point.special import G, Phi
from ..saddle_point.stability import erm_replicon
from .channel import _p_cuts


@kernel
def class_stiffness(kind, param, mu, s, tau, x_ref, w_ref, xi_cuts, p_cuts):
    """``E_ξ[(1 - ∂p/∂ω)²]`` for one class, ``ω = μ + sξ``, ``p = prox_{τℓ}(ω)``."""
    if kind == SQUARE:
        r = tau / (1.0 + tau)
        return r * r
    if kind == HINGE:
        return Phi((param - mu) / s) - Phi((param - tau - mu) / s)
    cuts = _p_cuts(kind, param, mu, s, tau, xi_cuts, p_cuts)
    acc = 0.0
    for j in range(cuts.shape[0] - 1):
        half = 0.5 * (cuts[j + 1] - cuts[j])
        mid = cuts[j] + half
        for i in range(x_ref.shape[0]):
            p = mid + half * x_ref[i]
            _, d1, d2 = loss_terms(kind, p, param)
            stiff = 1.0 + tau * d2                       # dω/dp
            w = half * w_ref[i] * G((p + tau * d1 - mu) / s) * stiff / s
            one = tau * d2 / stiff                        # 1 - ∂p/∂ω, without cancellation
            acc += w * one * one
    return acc


def gm_erm_replicon(kind, param, alpha, delta, lam, rho, m, q, V, b, Vhat, x_ref, w_ref, xi_cuts, p_cuts):
    """``λ_AT`` of the GM ERM saddle (eq. 16); hinge via the fixed-point identity ``V̂/(λ + V̂)`` (eq. 17)."""
    if not (q > 0.0 and V > 0.0 and math.isfinite(q) and math.isfinite(V)):
        return math.nan
    if kind == HINGE:
        return Vhat / (lam + Vhat) if Vhat >= 0.0 and lam + Vhat > 0.0 else math.nan
    s, tau = math.sqrt(delta * q), delta * V
    if b == 0.0:
        mean = class_stiffness(kind, param, m, s, tau, x_ref, w_ref, xi_cuts, p_cuts)
    else:
        mean = (rho * class_stiffness(kind, param, m + b, s, tau, x_ref, w_ref, xi_cuts, p_cuts)
                + (1.0 - rho) * class_stiffness(kind, param, m - b, s, tau, x_ref, w_ref, xi_cuts, p_cuts))
    return float(erm_replicon(alpha, mean))
