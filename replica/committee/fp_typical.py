"""Franz–Parisi local entropy around typical solutions of the wide tree committee machine (docs/committee.md,
"Franz–Parisi"; docs/theory.md §4, §9).

References w̃ are drawn uniformly among the committee's solutions with margin κ̃ (the committee Gardner
saddle q0, q̂0 with the same activation); we count solutions w with margin κ whose per-branch weight
overlap with w̃ is ``S = 1 - 2d``.  It is :func:`replica.perceptron.franz_parisi` with ``kernel=k_g``::

    spherical: φ = extr_{Q,s0} ½log(1-Q) + (Q-K)/(2(1-Q)) + α G_E(k(q0), k(S), k(Q), k(s0))
    binary:    φ = extr -½Q̂(1-Q) + ŝ0 s0 - ŝ1 S + G_S + α G_E(k(q0), k(S), k(Q), k(s0))

(K and G_S the perceptron's entropic terms at the weight overlaps), with the stationarity equations
``Q̂ = -2α k′(Q) ∂G_E/∂k_Q``, ``ŝ0 = -α k′(s0) ∂G_E/∂k_{s0}`` (spherical: ``Q = (K + r)/(1 + r)``,
``r = α k′(Q)(1-Q)/(1-k(Q)) E[W GH²]``, ``s0 = q0 S - α(1-q0)²(1-Q) k′(s0) ∂G_E/∂k_{s0}``).  The distance
d is on the weights; the output sees ``k(S)`` (sign: ``1 - k(S) ≈ (4/π)√d``, ReLU: ``≈ 2πd/(π-1)``).
"""

import math
from dataclasses import dataclass, fields

from ..perceptron.franz_parisi import FPResult
from ..perceptron.franz_parisi import franz_parisi as _perceptron_fp
from ..perceptron.franz_parisi import franz_parisi_curve as _perceptron_fp_curve
from ..saddle_point.continuation import Sweep
from ..saddle_point.fixed_point import ConvergenceError
from .kernels import kernel as _kernel


@dataclass(frozen=True)
class CommitteeFPResult(FPResult):
    """Franz–Parisi saddle of the committee machine: the perceptron's fields (weight overlaps q0, S, Q, s0
    and their conjugates), plus the activation and the output overlaps ``k_g`` of q0, S, Q, s0."""

    activation: str = ""
    output_q0: float = math.nan
    output_S: float = math.nan
    output_Q: float = math.nan
    output_s0: float = math.nan


def _wrap(result, K):
    """The perceptron's :class:`FPResult` with the activation and the output overlaps k(·) added."""
    values = {f.name: getattr(result, f.name) for f in fields(result)}
    k = lambda x: float(K.k(x)) if math.isfinite(x) else math.nan
    return CommitteeFPResult(**values, activation=K.name, output_q0=k(result.q0), output_S=k(result.S),
                             output_Q=k(result.Q), output_s0=k(result.s0))


def franz_parisi(alpha, d, activation="relu", kappa=0.0, weights="binary", *, kappa_ref=None, start=None,
                 strict=True, **options):
    """Committee Franz–Parisi local entropy at weight distance d; returns a :class:`CommitteeFPResult`.

    Parameters
    ----------
    alpha : float
        Patterns per weight, ``0 < α`` (below the committee capacity at κ̃: spherical ``k′(1)/B(κ̃)``,
        binary where the committee Gardner entropy vanishes).
    d : float
        Weight distance ``(1 - S)/2`` from the reference, in (0, ½).
    activation : str, callable or Kernel
        ``sign, relu, erf, tanh, linear`` or a function (:func:`replica.committee.kernel`).
    kappa : float
        Margin κ of the counted solutions (and of the references unless ``kappa_ref`` is given).
    weights : {"binary", "spherical"}
    kappa_ref : float, optional
        Margin κ̃ of the references (default κ).
    start, strict, **options
        As :func:`replica.perceptron.franz_parisi` (``start``: a neighbouring result).
    """
    K = _kernel(activation)
    kappa_ref = kappa if kappa_ref is None else kappa_ref
    try:
        result = _perceptron_fp(alpha, d, weights, kappa_ref, kappa, start=start, strict=strict, kernel=K, **options)
    except ConvergenceError as err:
        if isinstance(err.state, FPResult):
            err.state = _wrap(err.state, K)
        raise
    return _wrap(result, K)


def franz_parisi_curve(alpha, ds, activation="relu", kappa=0.0, weights="binary", *, kappa_ref=None, **options):
    """:func:`franz_parisi` over the distances ``ds`` with warm starts (:func:`replica.perceptron.franz_parisi_curve`,
    default from large d down to small d); returns a :class:`replica.saddle_point.Sweep` of
    :class:`CommitteeFPResult` (non-converged points kept, flagged)."""
    K = _kernel(activation)
    kappa_ref = kappa if kappa_ref is None else kappa_ref
    sweep = _perceptron_fp_curve(alpha, ds, weights, kappa_ref, kappa, kernel=K, **options)
    wrap = lambda branch: None if branch is None else tuple(_wrap(r, K) for r in branch)
    return Sweep(values=sweep.values, forward=wrap(sweep.forward), backward=wrap(sweep.backward))
