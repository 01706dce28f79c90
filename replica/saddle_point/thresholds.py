"""Thresholds and optima along one parameter, without a dense grid.

A phase boundary is where some function of the saddle point changes sign along one parameter (an
entropy vanishing at the capacity, a replicon crossing 1 at the AT line, a margin vanishing where dense
regions break up).  :func:`find_threshold` brackets the sign change (the given ends, or ends stepped
outward, or a list of candidate points) and then runs ``scipy.optimize.brentq``: a handful of solves
per threshold instead of a grid of hundreds.  :func:`minimize_log` finds the best value of a positive
parameter (an optimal regularisation) by bounded Brent search in its logarithm, each solve warm-started
from the previous one.

Both are model-agnostic: the caller passes a function of the parameter.  The model-specific
thresholds built on them are collected in :mod:`replica.thresholds`.
"""

import math
import sys

from .._lazy import brentq, minimize_scalar
from .fixed_point import ConvergenceError

__all__ = ["NoThresholdError", "bracket_sign_change", "find_threshold", "minimize_log"]


class NoThresholdError(ValueError):
    """No sign change was found where :func:`find_threshold` looked (the threshold lies elsewhere, or
    the function keeps one sign: e.g. RS stays stable up to the capacity)."""


def bracket_sign_change(f, points, skip=(ConvergenceError,)):
    """The first two consecutive usable points of ``points`` at which ``f`` has opposite signs.

    ``points`` is walked in order (a list, or a generator that steps outward); a point where ``f``
    raises one of ``skip`` or returns NaN is passed over.  Returns ``(a, b, f(a), f(b))`` with ``a`` the
    earlier point (``a > b`` when the points decrease); a zero value brackets with itself.
    Raises :class:`NoThresholdError` when the points run out.
    """
    prev = None
    tried = []
    for x in points:
        x = float(x)
        tried.append(x)
        try:
            fx = float(f(x))
        except skip:
            continue
        if math.isnan(fx):
            continue
        if fx == 0.0:
            return x, x, fx, fx
        if prev is not None and (prev[1] < 0) != (fx < 0):
            return prev[0], x, prev[1], fx
        prev = (x, fx)
    where = f"{tried[0]:.6g} .. {tried[-1]:.6g}" if tried else "no points"
    raise NoThresholdError(f"no sign change found ({len(tried)} points in {where})")


def _side(inner, outer, direction, limit, steps):
    """``inner, outer``, then ``outer`` stepped outward (``direction`` ±1): the distance from ``inner``
    doubling each step, or, with ``limit``, the gap to ``limit`` halving."""
    yield inner
    yield outer
    width = abs(outer - inner)
    for k in range(1, steps + 1):
        if limit is None:
            yield outer + direction * width * (2 ** k - 1)
        else:
            yield limit - (limit - outer) / 2 ** k


def find_threshold(f, lo=None, hi=None, *, expand=None, limit=None, points=None, xtol=1e-12,
                   rtol=4 * sys.float_info.epsilon, max_steps=60, skip=(ConvergenceError,)):
    """The parameter value where ``f`` changes sign, by bracketing then ``brentq``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, continuous where it is finite (a jump also works: ``brentq`` then converges
        to the jump).  Points where it raises one of ``skip`` or gives NaN are passed over while
        bracketing (e.g. a solver that does not converge far from the threshold).
    lo, hi : float
        The first bracket ``lo < hi``.
    expand : {None, "up", "down", "both"}
        When ``f(lo)`` and ``f(hi)`` have the same sign, step ``hi`` up (``"up"``), ``lo`` down
        (``"down"``) or both, until the sign changes: the distance from the other end doubles each
        step or, toward a ``limit``, the gap to it halves (for a threshold below a bound where the
        solver is undefined, such as a capacity).
    limit : float or (float or None, float or None), optional
        The bound approached by the moving end; with ``"both"``, a pair (lower, upper) — None: doubling.
    points : sequence of float, optional
        Instead of ``lo, hi, expand``: candidate points in the order to try (e.g. a coarse grid from
        the top down); the first consecutive pair with opposite signs is the bracket.
    xtol, rtol : float
        ``brentq`` tolerances on the threshold (``rtol``: scipy's default).
    max_steps : int
        At most this many outward steps per side.

    Returns
    -------
    float
        The threshold.

    Raises
    ------
    NoThresholdError
        No sign change where it looked.

    Examples
    --------
    >>> round(find_threshold(lambda x: x * x - 2.0, 0.0, 1.0, expand="up"), 12)
    1.414213562373
    """
    if points is not None:
        a, b, _, _ = bracket_sign_change(f, points, skip)
    else:
        if lo is None or hi is None or not lo < hi:
            raise ValueError(f"find_threshold needs lo < hi; got {lo}, {hi}")
        if expand not in (None, "up", "down", "both"):
            raise ValueError(f"expand must be None, 'up', 'down' or 'both'; got {expand!r}")
        low_limit, high_limit = limit if isinstance(limit, tuple) else (limit, limit)
        steps = max_steps if expand else 0
        sides = []
        if expand in (None, "up", "both"):
            sides.append(_side(lo, hi, +1, high_limit, steps))
        if expand in ("down", "both"):
            sides.append(_side(hi, lo, -1, low_limit, steps))
        a, b = _bracket_sides(f, sides, skip, lo, hi)
    if a == b:
        return a
    return float(brentq(f, min(a, b), max(a, b), xtol=xtol, rtol=rtol))


def _bracket_sides(f, sides, skip, lo, hi):
    """Walk the point sequences ``sides`` in turn (one point each per round) until one of them shows a
    sign change between consecutive usable points; f is evaluated once per point."""
    cache = {}

    def value(x):
        if x not in cache:
            try:
                cache[x] = float(f(x))
            except skip:
                cache[x] = math.nan
        return cache[x]

    last = [None] * len(sides)
    active = list(range(len(sides)))
    tried = 0
    while active:
        for i in list(active):
            x = next(sides[i], None)
            if x is None:
                active.remove(i)
                continue
            x = float(x)
            tried += 1
            fx = value(x)
            if math.isnan(fx):
                continue
            if fx == 0.0:
                return x, x
            if last[i] is not None and (last[i][1] < 0) != (fx < 0):
                return last[i][0], x
            last[i] = (x, fx)
    raise NoThresholdError(f"no sign change found from the bracket [{lo:.6g}, {hi:.6g}] ({len(cache)} points tried)")


def minimize_log(solve, objective, lo, hi, *, start=None, xatol=1e-6, maxiter=200):
    """Minimise ``objective(solve(x, start))`` over ``x ∈ [lo, hi]``, ``0 < lo < hi``, by bounded Brent
    search in ``log x``, warm-starting each solve from the previous one.

    ``solve(x, start) -> result`` (``start`` is the last result, or the ``start`` given);
    ``objective(result) -> float``.  ``xatol`` is the tolerance in ``log x`` (1e-6: λ* to a relative
    1e-6).  Returns ``(x*, result at x*, at_bound)``; ``at_bound`` is True when ``x*`` is within a few
    ``xatol`` of ``lo`` or ``hi`` (the minimum may lie beyond the interval).  The objective must be
    unimodal on the interval for the minimum to be the global one.
    """
    if not 0 < lo < hi:
        raise ValueError(f"the search interval needs 0 < lo < hi; got [{lo}, {hi}]")
    last = {"result": start}
    cache = {}

    def f(t):
        result = solve(math.exp(t), last["result"])
        last["result"] = result
        value = float(objective(result))
        cache[t] = result
        return value if math.isfinite(value) else math.inf

    res = minimize_scalar(f, bounds=(math.log(lo), math.log(hi)), method="bounded",
                          options={"xatol": xatol, "maxiter": maxiter})
    t = float(res.x)
    result = cache.get(t)
    if result is None:
        result = solve(math.exp(t), last["result"])
    at_bound = min(t - math.log(lo), math.log(hi) - t) < 10 * xatol
    return math.exp(t), result, at_bound
