"""Replicon (de Almeida–Thouless) eigenvalue of a replica-symmetric saddle (docs/theory.md §10).

Model-agnostic pieces: the caller supplies its own quadrature nodes/weights and the moments its solver
already integrates.  Derivations, with the equation numbers quoted below: ``docs/stability.md``.

For an RS saddle whose replicated free entropy factorises into an entropic part (one site, local
partition function ``Z_S(h)``, conjugates Q̂_ab) and an energetic part (one pattern, ``Z_E(ω)``,
overlaps Q_ab), linearising the RS fixed-point map δQ → δQ̂ → δQ on the replicon sector (δQ_ab with zero
row sums) multiplies a perturbation by ``λ_AT = γ_S γ_E`` (eq. 4) with

    γ_S = E[(∂²_h ln Z_S)²]          (eq. 5; the connected 2-point function of a site, squared)
    γ_E = α c² E[(∂²_ω ln Z_E)²]      (eq. 6; c = ∂(field covariance)/∂(overlap): 1, or Δ for the mixture)

and the RS saddle is stable iff ``λ_AT < 1`` (eq. 7, de Almeida–Thouless); the spin-glass susceptibility is
``γ_S/(1 - λ_AT)`` (eq. 8).

Pieces provided here:

* :func:`gh_excess`, :func:`gh_curvature` — ``GH - x`` and ``GH'(x) = GH(x)(GH(x) - x) = -d² log H/dx² ∈ (0, 1)``,
  accurate in both tails;
* :func:`constraint_d2` — ``∂²_ω ln H((κ - ω)/√(1-q)) = -GH'(x)/(1-q)`` (eq. 9), the constraint channel;
* :func:`constraint_gamma_e` — ``γ_E = α E_z[GH'(x)²]/(1-q)²``, ``x = (κ - √q z)/√(1-q)`` (eq. 10);
* :func:`binary_gamma_s` — ``E_z (1 - tanh²(√q̂ z))²`` for ±1 weights (eq. 11);
* :func:`spherical_gamma_s` — ``(1 - q)²`` for spherical weights (eq. 12);
* :func:`moreau_d2` — ``∂²_ω ln Z_E = -β(1 - ∂p/∂ω)/τ`` (per unit β) for a loss at zero temperature (eq. 14);
* :func:`erm_replicon` — ``α E[(1 - ∂p/∂ω)²]`` for ridge ERM (eq. 16), ≤ V V̂ < 1 for convex losses (eq. 17);
* :func:`replicon` — ``γ_S γ_E``.
"""

import math

from .._numba import kernel
from .special import GH

CF_FROM = 4.0   # GH and GH - x from the continued fraction for x ≥ CF_FROM


@kernel
def gh_excess(x):
    """``(GH(x), GH(x) - x)``, the second without cancellation.

    For x ≥ ``CF_FROM`` the Laplace continued fraction ``H/G = 1/(x + 1/(x + 2/(x + 3/(x + …))))`` gives
    ``GH - x = T = 1/(x + 2/(x + 3/(x + …)))`` directly (``G/H - x`` would lose ~log10(x²) digits, mostly to
    the rounding of x²/2 in the exponent); ``8 + 530/x²`` terms (41 at x = 4, 9 at x = 20) give full double
    precision (checked against mpmath in tests/saddle_point/test_stability.py).  Below, ``G/H`` directly.
    """
    if x < CF_FROM:
        g = GH(x)
        return g, g - x
    t = 0.0
    for k in range(8 + int(530.0 / (x * x)), 1, -1):
        t = k / (x + t)
    T = 1.0 / (x + t)
    return x + T, T


@kernel
def gh_curvature(x):
    """``GH'(x) = GH(x)(GH(x) - x) = -d² log H(x)/dx²``, in (0, 1); → 1 - 1/x² as x → +∞, → |x|G(x) as x → -∞."""
    g, e = gh_excess(x)
    return g * e


@kernel
def constraint_d2(x, one_minus_q):
    """``∂²_ω ln H((κ - ω)/√(1-q))`` at ``x = (κ - ω)/√(1-q)``: ``-GH'(x)/(1-q)``."""
    return -gh_curvature(x) / one_minus_q


@kernel
def constraint_gamma_e(alpha, kappa, q, nodes, weights):
    """``α E_z[(∂²_ω ln H(x))²] = α E_z[GH'(x)²]/(1-q)²``, ``x = (κ - √q z)/√(1-q)``.

    ``nodes, weights``: a rule for ``E_z f(z)``, z ~ N(0, 1) (Gaussian density folded into the weights).
    """
    sq, s1 = math.sqrt(q), math.sqrt(1.0 - q)
    acc = 0.0
    for i in range(nodes.shape[0]):
        c = gh_curvature((kappa - sq * nodes[i]) / s1)
        acc += weights[i] * c * c
    return alpha * acc / ((1.0 - q) * (1.0 - q))


@kernel
def binary_gamma_s(qhat, nodes, weights):
    """``E_z (1 - m²)²`` with ``m = tanh(√q̂ z)``, i.e. ``E_z sech⁴(√q̂ z)`` (no cancellation as q̂ grows)."""
    s = math.sqrt(qhat)
    acc = 0.0
    for i in range(nodes.shape[0]):
        e = math.exp(-2.0 * abs(s * nodes[i]))
        sech2 = 4.0 * e / ((1.0 + e) * (1.0 + e))
        acc += weights[i] * sech2 * sech2
    return acc


@kernel
def spherical_gamma_s(one_minus_q):
    """``(1 - q)²``: the replicon of ``½ Tr ln Q`` (spherical weights, or Gaussian sites of variance 1 - q)."""
    return one_minus_q * one_minus_q


@kernel
def moreau_d2(dp, tau):
    """``∂²_ω ln Z_E / β → -(1 - ∂p/∂ω)/τ`` for ``Z_E = E_t e^{-βℓ(ω + √(τ/β) t)}`` as β → ∞ (p = prox_{τℓ}(ω))."""
    return -(1.0 - dp) / tau


@kernel
def erm_replicon(alpha, mean_sq_one_minus_dp):
    """Replicon of ridge ERM at zero temperature: ``α E[(1 - ∂p/∂ω)²]`` (γ_S = (V/β)², γ_E = αβ²E[(1-∂p)²]/V²)."""
    return alpha * mean_sq_one_minus_dp


@kernel
def replicon(gamma_s, gamma_e):
    """``λ_AT = γ_S γ_E``; the RS saddle is stable iff it is < 1."""
    return gamma_s * gamma_e
