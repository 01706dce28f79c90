"""Dense regions of the wide tree committee machine (K → ∞), binary weights, y = ∞ (docs/committee.md, "Dense regions").

The perceptron's y = ∞ large-deviation local entropy (:mod:`replica.perceptron.large_deviation`, docs/theory.md §8)
with the energetic term seen through the activation's output kernel k = k_g (docs/theory.md §9)::

    S_I(S) = extr { -σ̂S - ½q̂0(1 - q1 + δq) - ½ĉq1 + G_S(q̂0, ĉ, σ̂) + αG_E(k(q1), k′(q1)δq) },
    G_E(Q1, δQ) = ∫Dζ max_g [log H((κ - √Q1 ζ - g)/√(1 - Q1)) - g²/(2δQ)],

(q0 = q1 - δq/y ⇒ k(q0) = k(q1) - k′(q1)δq/y), conjugates by the chain rule
``q̂0 = αk′E[GH²]/(1 - Q1)``, ``ĉ = αδq[k′²E[γ²/(1 + Rγ)]/(1 - Q1)² + k″E[GH²]/(1 - Q1)]``; the entropic term
(per weight) and the distance d = (1 - S)/2 (on the weights) are the perceptron's.  The branch starts at the
committee's binary Gardner point S* = E|tanh(√q̂_G z)|.  This module is a thin wrapper: the solver is the
perceptron's, called with ``kernel=kernel(activation)``.
"""

import math
from dataclasses import dataclass

from ..perceptron.large_deviation import ld_local_entropy as _ld, ld_local_entropy_curve as _ld_curve
from ..perceptron.large_deviation import binary_capacity, ld_threshold as _ld_threshold
from ..saddle_point.contract import RSFlags
from .kernels import ACTIVATIONS, Kernel, kernel as make_kernel


@dataclass(frozen=True)
class CommitteeLDResult(RSFlags):
    """y = ∞ dense-region local entropy of the committee machine at weight distance d from the densest centres."""

    alpha: float
    d: float
    kappa: float
    activation: str
    S: float                   # centre–solution overlap of the weights, 1 - 2d
    output_S: float               # its output (kernel) image k(S)
    phi: float                 # S_I, the local entropy (log-count per weight)
    sigma_hat: float           # conjugate of S: dS_I/dS = -σ̂, dS_I/dd = 2σ̂
    q1: float                  # weight overlap of two solutions around the same centre
    output_q1: float              # its output image k(q1)
    qhat0: float
    chat: float
    dq: float                  # δq = lim y(q1 - q0) (weights)
    output_dq: float              # δQ = k′(q1) δq, the output-overlap gap the energetic term sees
    ref_violation_mass: float  # fraction of patterns the clipped centre violates (docs/committee.md)
    branch: str
    converged: bool
    iterations: int
    residual: float


def _kernel(activation):
    if isinstance(activation, Kernel):
        return activation
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    return make_kernel(activation)


def _wrap(r, k):
    """CommitteeLDResult from the perceptron solver's LDResult, with the output overlaps."""
    finite = math.isfinite(r.q1) and 0.0 <= r.q1 <= 1.0
    k1 = float(k.dk(r.q1)) if finite else math.nan
    return CommitteeLDResult(
        r.alpha, r.d, r.kappa, k.name, r.S, float(k.k(r.S)), r.phi, r.sigma_hat, r.q1,
        float(k.k(r.q1)) if finite else math.nan, r.qhat0, r.chat, r.dq, k1 * r.dq if finite else math.nan,
        r.ref_violation_mass, r.branch, r.converged, r.iterations, r.residual,
        status=r.status, replicon=r.replicon, rs_stable=r.rs_stable, entropy_negative=r.entropy_negative,
        frozen=r.frozen)


def ld_local_entropy(alpha, d, activation="relu", kappa=0.0, *, start=None, tol=1e-10, strict=True):
    """Local entropy S_I(d) of the committee machine's densest regions (binary weights, y = ∞).

    Parameters
    ----------
    alpha : float
        Patterns per weight, > 0.
    d : float
        Weight distance (1 - S)/2 from the centre, in (0, 0.5).
    activation : str or Kernel
        Hidden-unit activation (``sign``, ``relu``, ``erf``, ``tanh``, ``linear``) or a :class:`Kernel`.
    kappa : float
        Margin of the output.
    start : CommitteeLDResult, optional
        A neighbouring solution (same α, κ, activation) to warm-start Newton.

    Returns
    -------
    CommitteeLDResult
        ``branch`` as :func:`replica.perceptron.ld_local_entropy` (plateau for d ≥ d*, dense, saturated,
        detached, broken); raises ConvergenceError when not converged and ``strict``.
    """
    k = _kernel(activation)
    return _wrap(_ld(alpha, d, kappa, start=_unwrap(start, k), tol=tol, strict=strict, kernel=k), k)


def ld_local_entropy_curve(alpha, ds, activation="relu", kappa=0.0, *, tol=1e-10, strict=False, progress=None):
    """:func:`ld_local_entropy` over the distances ``ds`` by one continuation from the Gardner point S*."""
    k = _kernel(activation)
    return tuple(_wrap(r, k) for r in _ld_curve(alpha, ds, kappa, tol=tol, strict=strict, progress=progress,
                                                 kernel=k))


def ld_threshold(activation="relu", kappa=0.0, *, d_min=0.005, xtol=1e-6):
    """Largest α with σ̂ > 0 on the whole y = ∞ branch (from S* to d_min): where the dense regions break up."""
    return _ld_threshold(kappa, "y_inf", d_min=d_min, xtol=xtol, kernel=_kernel(activation))


def _unwrap(start, k):
    """The perceptron LDResult a committee ``start`` describes (None if it is not a usable warm start)."""
    if start is None or not isinstance(start, CommitteeLDResult) or start.activation != k.name:
        return None
    from ..perceptron.large_deviation import LDResult
    return LDResult(start.alpha, start.d, start.kappa, "binary", math.inf, start.S, start.phi, start.sigma_hat,
                    start.q1, start.qhat0, start.chat, start.dq, start.ref_violation_mass, start.branch,
                    start.converged, start.iterations, start.residual)
