"""Optimal regularisation: the ridge λ that minimises the generalisation error of ERM (docs/theory.md §1).

Bounded Brent search in log λ (:func:`replica.saddle_point.thresholds.minimize_log`), every ERM solve
warm-started from the previous one: about 20-30 fixed points per optimum.

What to expect (docs/theory.md §1): on the *balanced* mixture (ρ = ½, or no learned bias) ERM with any of the
losses tends to the Bayes-optimal error as λ → ∞ (the minimiser becomes the Hebbian w ∝ Σ_μ y_μ x_μ), and
the error decreases monotonically in λ: the optimum is λ* = ∞, so the search ends at the upper end of the
interval, with ``gen_error`` equal to ε_BO to many digits.  With a learned bias on an unbalanced mixture
the λ → ∞ limit is the trivial min(ρ, 1 − ρ), and λ* is finite.
"""

import math
import warnings
from dataclasses import dataclass

from ..saddle_point.thresholds import minimize_log
from .erm import ERMResult, erm
from .problem import validate

DEFAULT_BOUNDS = (1e-4, 1e4)


class OptimumAtBoundWarning(RuntimeWarning):
    """The error is smallest at an end of the λ interval searched: the optimum may lie beyond it."""


@dataclass(frozen=True)
class OptimalERMResult(ERMResult):
    """:class:`~replica.gaussian_mixture.erm.ERMResult` at λ*; ``lam_at_bound``: λ* is at an end of the
    interval searched (balanced mixture: the error decreases all the way to λ → ∞)."""

    lam_at_bound: bool = False


def _objective(result):
    return result.gen_error if result.converged else math.inf


def optimize_lambda(loss, alpha, delta, rho=0.5, bias=False, *, bounds=DEFAULT_BOUNDS, start=None, xatol=1e-6,
                    strict=True, **options):
    """Like :func:`optimal_lambda`, but returns one :class:`OptimalERMResult` (``lam`` = λ*,
    ``lam_at_bound``) and never warns; used by the CLI (``gm-erm --optimize lam``)."""
    validate(alpha, delta, 1.0, rho)
    lo, hi = bounds
    start = start if isinstance(start, ERMResult) and start.converged else None

    def solve(lam, previous):
        return erm(loss, alpha, delta, lam, rho, bias, start=previous, strict=False, **options)

    lam, result, at_bound = minimize_log(solve, _objective, lo, hi, start=start, xatol=xatol)
    if strict and not result.converged:
        result = erm(loss, alpha, delta, lam, rho, bias, strict=True, **options)  # raises ConvergenceError
    fields = {f: getattr(result, f) for f in result.__dataclass_fields__}
    return OptimalERMResult(**fields, lam_at_bound=at_bound)


def optimal_lambda(loss, alpha, delta, rho=0.5, bias=False, *, bounds=DEFAULT_BOUNDS, start=None, xatol=1e-6,
                   strict=True, **options):
    """The ridge λ* minimising the ERM generalisation error, and the ERM fixed point there.

    Parameters
    ----------
    loss : {"square", "logistic", "hinge"}
    alpha, delta, rho : float
        Sample ratio α > 0, cluster variance Δ > 0, fraction ρ ∈ (0, 1) of the +1 class.
    bias : bool
        Learn an unpenalised bias.
    bounds : (float, float)
        The interval of λ searched, ``0 < lo < hi`` (default 1e-4 to 1e4).
    start : ERMResult, optional
        Warm start of the first solve (e.g. the optimum at a neighbouring α).
    xatol : float
        Tolerance on log λ* (1e-6: λ* to a relative 1e-6, far below what moves the error).
    strict : bool
        Raise ``ConvergenceError`` if the ERM does not converge at λ*.
    **options
        Passed to :func:`~replica.gaussian_mixture.erm` (``tol``, ``maxiter``, ...).

    Returns
    -------
    (float, ERMResult)
        λ* and the ERM fixed point at λ* (its ``lam`` is λ*).  When λ* is at an end of ``bounds`` an
        :class:`OptimumAtBoundWarning` is issued: on the balanced mixture the optimum is λ → ∞, where
        the error tends to the Bayes-optimal one (docs/theory.md §1).

    Examples
    --------
    >>> from replica import gaussian_mixture as gm
    >>> lam, r = gm.optimal_lambda("square", alpha=2.0, delta=1.0, rho=0.3, bias=True)
    >>> 0.1 < lam < 10 and r.gen_error < gm.erm("square", 2.0, 1.0, 1e-3, rho=0.3, bias=True).gen_error
    True
    """
    best = optimize_lambda(loss, alpha, delta, rho, bias, bounds=bounds, start=start, xatol=xatol, strict=strict,
                           **options)
    if best.lam_at_bound:
        side = "upper" if best.lam > math.sqrt(bounds[0] * bounds[1]) else "lower"
        hint = (" (balanced mixture: the error decreases towards the Bayes-optimal one as λ → ∞)"
                if side == "upper" else "")
        warnings.warn(f"gen_error is smallest at the {side} end λ = {best.lam:.6g} of the interval searched; the "
                      f"optimum may lie beyond it{hint}", OptimumAtBoundWarning, stacklevel=2)
    fields = {f: getattr(best, f) for f in ERMResult.__dataclass_fields__}
    return best.lam, ERMResult(**fields)
