"""Replicon eigenvalues of the perceptron's RS saddles (private helper; derivations: docs/stability.md §3–§7).

Each function turns quantities the solver already has (order parameters, or moments it integrates
anyway) into ``λ_AT = γ_S γ_E`` with the model-agnostic pieces of
:mod:`replica.saddle_point.stability`:

* Gardner (eq. 18–19): ``γ_E = α E_z[GH'(x)²]/(1-q)²``, ``x = (κ - √q z)/√(1-q)``;
  spherical ``γ_S = (1-q)²`` (so ``λ = α E_z[GH'(x)²]``), binary ``γ_S = E_z sech⁴(√q̂ z)``.
  Spherical: computed in the solver's one pass at the root together with G_E and E GH²
  (:func:`gardner_spherical_terms`); binary: one extra pass (:func:`gardner_replicon`).
* Franz–Parisi, constrained copies (eq. 20–23): ``γ_E = α E_W[GH'(X)²]/(1-Q)²`` (W the reference's
  weight, accumulated by ``fp_energetic``); spherical ``γ_S = (1-Q)²``, binary
  ``γ_S = E[Σ± ½(1±t0) sech⁴(h ± (ŝ1-ŝ0))]`` (accumulated by the entropic kernel).
* Around a minimiser (eq. 24): ``λ = α E[GH'(X)²]`` over (z0, η) (accumulated by ``min_energetic``).
* Teacher–student ERM (eq. 16): ``λ = α E[(1 - ∂p/∂ω)²]`` (accumulated by the ERM moments).
* Teacher–student Bayes-optimal (eq. 25; = the state-evolution slope, eq. 26):
  ``λ = α √(1-q) √(2/π) ∫Ds GH(y)(GH(y) - y)²``, ``y = -√q s``.
"""

import math

import numpy as np

from .._numba import kernel
from ..saddle_point.special import log_H
from ..saddle_point.stability import binary_gamma_s, constraint_gamma_e, gh_excess
from ._quad import feature_rule


@kernel
def gardner_replicon(alpha, kappa, binary, q, qhat, x_ref, w_ref):
    """``λ_AT`` of the RS Gardner saddle (eq. 18–19); NaN outside 0 ≤ q < 1.  The z rule is the one of
    ``gardner.energetic`` (cut at the kink z = κ/√q), the binary ``γ_S`` rule that of ``entropic_binary``."""
    if not (0.0 <= q < 1.0) or not (alpha >= 0.0):
        return np.nan
    if alpha == 0.0:
        return 0.0
    sq, s1 = math.sqrt(q), math.sqrt(1.0 - q)
    nodes, weights = feature_rule(kappa / sq if sq > 0 else 0.0, s1 / sq if sq > 0 else 1.0, x_ref, w_ref)
    if not binary:  # γ_S γ_E = (1-q)² · α E[GH'²]/(1-q)²: the (1-q)² cancels exactly, so it is never formed
        return constraint_gamma_e(alpha, kappa, q, nodes, weights) * (1.0 - q) * (1.0 - q)
    s = math.sqrt(qhat)
    znodes, zweights = feature_rule(0.0, 1.0 / s if s > 0 else 1.0, x_ref, w_ref)
    return binary_gamma_s(qhat, znodes, zweights) * constraint_gamma_e(alpha, kappa, q, nodes, weights)


@kernel
def gardner_spherical_terms(alpha, kappa, q, x_ref, w_ref):
    """``(G_E, E_z[GH(x)²], λ_AT)`` of the spherical Gardner saddle in one pass over ``gardner.energetic``'s rule:
    the solver needs G_E (φ) and E GH² (the residual) at the root anyway, so the replicon (eq. 18) costs one
    more accumulation, not another pass."""
    sq, s1 = math.sqrt(q), math.sqrt(1.0 - q)
    nodes, weights = feature_rule(kappa / sq if sq > 0 else 0.0, s1 / sq if sq > 0 else 1.0, x_ref, w_ref)
    ge = gh2 = c2 = 0.0
    for i in range(nodes.shape[0]):
        x = (kappa - sq * nodes[i]) / s1
        g, e = gh_excess(x)
        c = g * e
        w = weights[i]
        ge += w * log_H(x)
        gh2 += w * g * g
        c2 += w * c * c
    return ge, gh2, alpha * c2


def gardner_kernel_replicon(alpha, kappa, binary, q, qhat, k, dk, d2k, x_ref, w_ref):
    """``λ_AT`` of the committee's RS Gardner saddle (docs/committee.md §3): the energetic Hessian of
    ``G_E(k(Q_ab))`` in the replicon sector is ``k′² × (the perceptron's, at k) + k″ × ∂G_E/∂K_ab``, so
    ``γ_E = α [k′(q)² E[GH'(x)²]/(1-k)² + k″(q) E[GH(x)²]/(1-k)]`` with x at k = k(q); ``γ_S`` is the
    perceptron's at q (spherical ``(1-q)²``, binary ``E_z sech⁴(√q̂ z)``).  NaN outside 0 ≤ q < 1, k < 1."""
    if not (0.0 <= q < 1.0 and 0.0 <= k < 1.0) or not (alpha >= 0.0):
        return math.nan
    if alpha == 0.0:
        return 0.0
    _, gh2, curvature = gardner_spherical_terms(alpha, kappa, k, x_ref, w_ref)  # curvature = α E[GH'²]
    ck = 1.0 - k
    gamma_e = dk * dk * curvature / (ck * ck) + alpha * d2k * gh2 / ck
    if not binary:
        return (1.0 - q) * (1.0 - q) * gamma_e
    s = math.sqrt(qhat)
    znodes, zweights = feature_rule(0.0, 1.0 / s if s > 0 else 1.0, x_ref, w_ref)
    return binary_gamma_s(qhat, znodes, zweights) * gamma_e


def fp_replicon(alpha, binary, Q, curvature2, gamma_s_binary=math.nan):
    """Constrained-copy replicon of a Franz–Parisi saddle (eq. 22–23).

    ``curvature2 = E_W[GH'(X)²]`` (``fp_energetic``'s last output), ``gamma_s_binary`` the binary entropic
    factor (the entropic kernel's last output).  Spherical: ``α E_W[GH'²]``; binary: ``γ_S α E_W[GH'²]/(1-Q)²``.
    """
    if not (Q < 1.0 and math.isfinite(curvature2)):
        return math.nan
    if not binary:
        return alpha * curvature2
    return gamma_s_binary * alpha * curvature2 / ((1.0 - Q) * (1.0 - Q))


@kernel
def ts_bayes_replicon(alpha, q, u, nodes, weights):
    """Teacher–student Bayes-optimal replicon (eq. 25), ``u = 1 - q`` given separately (accurate as q → 1).

    ``λ = α E_{y,ω}[GH'(x)²]`` (γ_S = (1-q)² for the Gaussian prior cancels the (1-q)² of γ_E) with the
    Nishimori joint law of (y, ω); after ``ξ = √u s`` it is ``α √u √(2/π) ∫Ds GH(y)(GH(y) - y)²``, ``y = -√q s``,
    whose integrand ``GH'(y)²/GH(y) = GH(y)(GH(y) - y)²`` is smooth (≈ 1/y as y → ∞, y²G(y) as y → -∞).
    ``nodes, weights``: a Gauss–Hermite rule for E_s (40 nodes: rel 2e-12 at every α; 60: 1e-15).
    """
    sq = math.sqrt(q)
    acc = 0.0
    for i in range(nodes.shape[0]):
        g, e = gh_excess(-sq * nodes[i])
        acc += weights[i] * g * e * e
    return alpha * math.sqrt(u) * math.sqrt(2.0 / math.pi) * acc
