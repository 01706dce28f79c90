"""Gardner volume and storage capacity of the wide tree committee machine (docs/committee.md §2–§3).

The perceptron's RS Gardner saddle (:func:`replica.perceptron.gardner`) with the output overlap
``k = k_g(q)`` in the energetic term (``kernel=``)::

    φ = extr_q  ½log(1-q) + q/(2(1-q)) + α G_E(k(q))                       (spherical)
    φ = extr_{q,q̂} -½q̂(1-q) + ∫Dz log 2cosh(√q̂ z) - log 2 + α G_E(k(q))     (binary)
    G_E(k) = ∫Dz log H(x),   x = (κ - √k z)/√(1-k)

    spherical:  q/(1-q)² = α k′(q) E[GH(x)²]/(1-k)
    binary:     q̂ = α k′(q) E[GH(x)²]/(1-k),   q = ∫Dz tanh²(√q̂ z)

Spherical capacity ``α_c = k′(1)/B(κ)``, ``B(κ) = ∫_{-κ}^∞ Dt (t+κ)²`` (ReLU at κ = 0: 2π/(π-1) ≈ 2.934;
sign: infinite); binary capacity where the entropy vanishes.  RS is not exact for committees: the
``replicon`` (docs/committee.md §3) says where the RS saddle is unstable (``rs_stable``).
"""

import math
from dataclasses import dataclass, fields

from ..perceptron.gardner import GardnerResult
from ..perceptron.gardner import capacity as _perceptron_capacity
from ..perceptron.gardner import gardner as _perceptron_gardner
from ..saddle_point.fixed_point import ConvergenceError
from .kernels import kernel as _kernel


@dataclass(frozen=True)
class CommitteeGardnerResult(GardnerResult):
    """RS Gardner volume of the K → ∞ tree committee machine: the perceptron's fields, plus the
    activation and the output overlap ``k_g(q)`` of two solutions (``q`` is the per-branch weight overlap)."""

    activation: str = ""
    output_overlap: float = math.nan


def _wrap(result, K):
    """The perceptron's result with ``activation`` and ``output_overlap = k(q)`` added."""
    values = {f.name: getattr(result, f.name) for f in fields(result)}
    return CommitteeGardnerResult(**values, activation=K.name, output_overlap=float(K.k(result.q)))


def gardner(alpha, activation="relu", kappa=0.0, weights="spherical", *, start=None, tol=1e-12, maxiter=2000,
            strict=True):
    """RS Gardner saddle of the committee machine with ``activation`` (``sign, relu, erf, tanh, linear``, a
    vectorised function, or a :class:`~replica.committee.Kernel`); returns a :class:`CommitteeGardnerResult`.

    Spherical weights need ``alpha < capacity(activation, kappa)``; a failed solve raises
    :class:`~replica.saddle_point.fixed_point.ConvergenceError` (``strict=False``: returned with its status).
    """
    K = _kernel(activation)
    try:
        result = _perceptron_gardner(alpha, kappa, weights, start=start, tol=tol, maxiter=maxiter, strict=strict,
                                     kernel=K)
    except ConvergenceError as err:
        if isinstance(err.state, GardnerResult):
            err.state = _wrap(err.state, K)
        raise
    return _wrap(result, K)


def capacity(activation="relu", kappa=0.0, weights="spherical"):
    """Storage capacity of the committee machine: spherical ``k′(1)/B(κ)`` (``inf`` for sign), binary
    the zero of the RS entropy (docs/committee.md §2)."""
    return _perceptron_capacity(kappa, weights, kernel=_kernel(activation))
