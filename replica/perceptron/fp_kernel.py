"""Kernel substitution in the Franz–Parisi energetic term (committee machine, docs/committee.md "Franz–Parisi").

For the wide tree committee machine the output field sees the weight overlaps through the kernel k = k_g
of the activation (:mod:`replica.committee.kernels`): the energetic term of docs/theory.md §4 is
evaluated at the output overlaps, the entropic terms stay at the weight overlaps::

    G_E^w(q0, S, Q, s0) = G_E(k(q0), k(S), k(Q), k(s0))

so its weight-overlap derivatives carry the chain-rule factors ``∂G_E^w/∂x = k′(x) ∂G_E/∂k(x)`` for
x = S, Q, s0 (q0 is fixed by the reference).  The constrained copies' replicon (docs/stability.md eq. 22–23)
takes the second derivative in the off-diagonal Q_ab, where ``δk_ab = k′(Q)δQ_ab + ½k″(Q)δQ_ab²``: the
energetic eigenvalue becomes ``α[k′(Q)² E_W[GH′(X)²]/(1-k(Q))² + k″(Q) E_W[GH(X)²]/(1-k(Q))]`` (the k″
part multiplies the first derivative ∂G/∂k_ab = E_W[GH²]/(1-k(Q)) and adds to the diagonal of the
replicon block only).  It is returned as the equivalent weight-level ``E_W[GH′²]`` that
:func:`._replicon.fp_replicon` multiplies by ``α/(1-Q)²`` (binary: times γ_S).
"""

import math


def kernel_energetic(K, energetic):
    """The energetic function ``energetic`` (signature and outputs of :func:`.fp_energetic.fp_energetic`)
    with the kernel ``K`` substituted: arguments are weight overlaps, outputs are derivatives in them.

    Returns a function ``(q0, κ̃, κ, S, Q, s0, x_ref, w_ref) -> (G_E, ∂_Q, ∂_{s0}, ∂_S, E[W GH²]_w,
    min mass, E[W GH′²]_w)`` where the two moments are the weight-level equivalents
    (``∂_Q G_E^w = -E[W GH²]_w/(2(1-Q))`` and the replicon above).
    """
    def substituted(q0, kappa_ref, kappa, S, Q, s0, x_ref, w_ref):
        kQ = K.k(Q)
        ge, dQ, ds0, dS, gh2, mass, c2 = energetic(K.k(q0), kappa_ref, kappa, K.k(S), kQ, K.k(s0), x_ref, w_ref)
        one_w, one_k = 1.0 - Q, 1.0 - kQ
        dk = K.dk(Q)
        ratio = dk * one_w / one_k           # k′(Q)(1-Q)/(1-k(Q)): 1 linear, → 1/2 for sign as Q → 1
        c2w = ratio * ratio * c2 + K.d2k(Q) * one_w * one_w / one_k * gh2
        return ge, dk * dQ, K.dk(s0) * ds0, K.dk(S) * dS, ratio * gh2, mass, c2w
    return substituted


def output_feasible(K, q0, S, Q, s0):
    """The reference/copy overlap structure at the output level is a covariance (a > 0, b > 0 of §4):
    ``k(Q) < 1``, ``k(s0)² < k(Q)k(q0)``, ``(k(S) - k(s0))² < (1 - k(q0))(k(Q) - k(s0)²/k(q0))``."""
    kq0, kS, kQ, ks0 = K.k(q0), K.k(S), K.k(Q), K.k(s0)
    return (kQ < 1.0 and kq0 > 0.0 and ks0 * ks0 < kQ * kq0
            and (kS - ks0) ** 2 < (1.0 - kq0) * (kQ - ks0 * ks0 / kq0) and math.isfinite(kQ))
