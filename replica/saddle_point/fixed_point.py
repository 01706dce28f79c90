"""Fixed-point iteration ``x = F(x)`` with damping and Anderson acceleration.

Contract (docs/theory.md §0 and :mod:`replica.saddle_point.contract`):

- damping ``x ← (1-ψ)F(x) + ψx`` with ψ the weight on the old value;
- convergence is declared on the **undamped** residual
  ``r(x) = max_i |F(x)_i - x_i| / max(floor_i, |x_i|)``, never on the damped step.  ``floor`` is the
  absolute floor of each quantity (default 1: absolute for O(1) entries, relative for large ones);
  solvers pass a tiny floor for quantities that must hold relatively however small they are
  (q ~ 1/λ² at large λ);
- a state with an entry beyond ``limit`` in magnitude stops the iteration with status ``diverged``
  (a norm running off to infinity makes any residual relative to it look small); ``domain(x)``
  returns a status (``frozen``, ``left-domain``, ...) for states outside the problem's domain,
  checked at every iteration and on the final state;
- the result carries ``status``, ``iterations`` and ``residual``; failure raises
  :class:`ConvergenceError` carrying the last state and its status, unless ``strict=False``.

Anderson mixing (type II, memory ``memory``) extrapolates from the last few
residuals; a step that more than doubles the residual (or leaves the map's domain) is
rejected: the history is cleared, the plain damped step is shortened by halves
until it does not, and ``memory`` plain steps follow before Anderson resumes.
This tames maps whose fixed point
is repulsive for plain iteration and escapes the spurious near-roots that
secant updates can get stuck on.
"""

from dataclasses import dataclass

import math

import numpy as np

from .._numba import kernel
from .contract import DIVERGED, LEFT_DOMAIN, MAX_ITER, NON_FINITE, OK


class ConvergenceError(RuntimeError):
    """A fixed point was not reached; ``state``, ``residual``, ``iterations`` and ``status`` (a
    :mod:`~replica.saddle_point.contract` status) describe the last iterate."""

    def __init__(self, message, state=None, residual=np.nan, iterations=0, status=MAX_ITER):
        super().__init__(message)
        self.state = state
        self.residual = residual
        self.iterations = iterations
        self.status = status


@dataclass(frozen=True)
class FixedPointResult:
    x: np.ndarray
    converged: bool
    iterations: int
    residual: float
    status: str = OK


def residual_norm(x, fx, floor=1.0):
    """Sup-norm ``max_i |fx_i - x_i| / max(floor_i, |x_i|)`` (floor 1: mixed absolute/relative)."""
    return float(np.max(np.abs(fx - x) / np.maximum(floor, np.abs(x))))


def solve_fixed_point(F, x0, *, tol=1e-10, maxiter=2000, damping=0.0, method="anderson",
                      memory=5, strict=True, describe="fixed point", floor=1.0, limit=np.inf, domain=None,
                      patience=200):
    """Solve ``x = F(x)``.

    Parameters
    ----------
    F : callable
        Map from a 1-D float array to an array of the same shape. It may raise
        ``FloatingPointError``/return non-finite values for states out of its domain;
        the solver then backs off to a damped step from the last good state.
    x0 : array_like
        Initial state.
    tol : float
        Target for the undamped residual ``residual_norm(x, F(x))``.
    damping : float in [0, 1)
        Weight ψ of the old value in a plain step.
    method : {"anderson", "damped"}
    memory : int
        Anderson history length.
    floor : float or array_like
        Absolute floor of each entry in the residual (see the module docstring).
    limit : float
        A state with ``max |x_i| > limit`` stops the iteration with status ``diverged``.
    domain : callable, optional
        ``domain(x) -> None`` inside the domain, else the status naming why (``frozen``, ...);
        a state outside stops the iteration.
    patience : int
        Stop (status ``max-iter``, "stalled") when the residual has not halved in this many
        iterations: a map that cycles or creeps at a boundary is not run to ``maxiter``.
    strict : bool
        Raise :class:`ConvergenceError` on failure (default) or return a result with
        ``converged=False``.
    """
    if not 0.0 <= damping < 1.0:
        raise ValueError(f"damping must lie in [0, 1); got {damping}")
    if method not in ("anderson", "damped"):
        raise ValueError(f"method must be 'anderson' or 'damped'; got {method!r}")
    x = np.array(x0, dtype=float)
    floor = np.broadcast_to(np.asarray(floor, dtype=float), x.shape).copy()
    check = (float(limit), domain)
    with np.errstate(all="ignore"):  # states outside the map's domain are handled, not warned about
        return _iterate(F, x, tol, maxiter, damping, method, memory, strict, describe, floor, check, patience)


def _state_status(x, check):
    """The per-iteration state checks: non-finite, beyond the divergence limit, outside the caller's domain;
    None if the state passes (``check = (limit, domain)``)."""
    size = _size(x)
    if size != size:
        return NON_FINITE
    if size > check[0]:
        return DIVERGED
    return None if check[1] is None else check[1](x)


@kernel
def _size(x):
    """``max_i |x_i|``, NaN if any entry is NaN."""
    out = 0.0
    for i in range(x.shape[0]):
        a = abs(x[i])
        if a != a:
            return a
        out = max(out, a)
    return out


def _iterate(F, x, tol, maxiter, damping, method, memory, strict, describe, floor, check, patience):
    fx = np.asarray(F(x), dtype=float)
    if not np.all(np.isfinite(fx)):
        raise ConvergenceError(f"{describe}: the map is not finite at the initial state", x, np.nan, 0,
                               NON_FINITE)
    res = _residual(x, fx, floor)
    status = _state_status(x, check)
    mark, mark_it = res, 0  # the last residual that halved the one before it, and when
    # Anderson history as ring buffers: the least-squares fit does not care about the row order
    dX, dR = np.empty((memory, x.size)), np.empty((memory, x.size))
    stored = it = cooldown = 0
    psi = damping
    while status is None and res > tol and it < maxiter and it - mark_it <= patience:
        it += 1
        r = fx - x
        use_anderson = method == "anderson" and stored > 0 and cooldown == 0
        cooldown = max(cooldown - 1, 0)
        if use_anderson:
            n = min(stored, memory)
            step = _anderson_step(dX[:n], dR[:n], r, 1.0 - psi)
        else:
            step = (1.0 - psi) * r
        x_new = x + step
        fx_new = _safe(F, x_new)
        res_new = _residual(x_new, fx_new, floor) if fx_new is not None else np.inf
        if not res_new < 2.0 * res:
            # the step misbehaved: forget the history, and backtrack along the plain damped step
            stored = 0
            cooldown = memory
            length = 1.0 - psi
            for _ in range(30):
                x_new = x + length * r
                fx_new = _safe(F, x_new)
                res_new = _residual(x_new, fx_new, floor) if fx_new is not None else np.inf
                if res_new < 2.0 * res:
                    break
                length *= 0.5
        if fx_new is None:
            raise ConvergenceError(f"{describe}: the map left its domain after {it} iterations",
                                   x, res, it, LEFT_DOMAIN)
        if method == "anderson":
            k = stored % memory
            dX[k] = x_new - x
            dR[k] = (fx_new - x_new) - r
            stored += 1
        x, fx, res = x_new, fx_new, res_new
        status = _state_status(x, check)
        if res <= 0.5 * mark:
            mark, mark_it = res, it
    if status is None:
        status = OK if res <= tol else MAX_ITER
    converged = status == OK
    if not converged and strict:
        stalled = f" (stalled: the residual did not halve in {patience} iterations)" if it < maxiter else ""
        why = (f"not converged after {it} iterations{stalled} (residual {res:.3g} > tol {tol:.1g})"
               if status == MAX_ITER else f"stopped after {it} iterations: {status}")
        raise ConvergenceError(f"{describe}: {why}", x, res, it, status)
    return FixedPointResult(x=x, converged=converged, iterations=it, residual=res, status=status)


@kernel
def _residual(x, fx, floor):
    """:func:`residual_norm` as a kernel (the solver calls it every iteration)."""
    out = 0.0
    for i in range(x.shape[0]):
        out = max(out, abs(fx[i] - x[i]) / max(floor[i], abs(x[i])))
    return out


@kernel
def _anderson_step(dX, dR, r, length):
    """Type-II Anderson step ``length·r - (dXᵀ + length·dRᵀ)γ`` with ``γ = argmin ‖dRᵀγ - r‖``."""
    gamma = np.linalg.lstsq(dR.T, r)[0]
    return length * r - (dX.T + length * dR.T) @ gamma


def _safe(F, x):
    """``F(x)``, or None if it fails or is not finite."""
    try:
        fx = np.asarray(F(x), dtype=float)
    except (FloatingPointError, ZeroDivisionError, ValueError):
        return None
    return fx if math.isfinite(fx.sum()) else None  # a finite sum means finite entries (and no overflow)
