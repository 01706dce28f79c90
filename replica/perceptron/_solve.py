"""Robust fixed-point driver shared by the Franz–Parisi solvers (private helper).

``robust_fixed_point`` runs the package's Anderson solver (``saddle_point.solve_fixed_point``) from the
given (warm) start; if that fails it tries the cold start, then the Newton-preconditioned map
``x + (I - J)⁻¹(F(x) - x)`` (J by forward differences at the start) from each.  Warm starts taken from a
neighbouring d, and maps with a nearly marginal, strongly coupled direction (the binary saddle close to
freezing, high-margin references), are where plain Anderson can wander off although a root exists.
"""

import numpy as np

from ..saddle_point.contract import FROZEN, NON_FINITE
from ..saddle_point.fixed_point import ConvergenceError, FixedPointResult, solve_fixed_point

PRECONDITIONED_MAXITER = 200


def robust_fixed_point(F, x0, cold, *, tol, maxiter, damping, method, strict, describe, reset=None,
                       frozen=None, **checks):
    """Solve ``x = F(x)`` trying, in order: Anderson from x0, from ``cold`` (if x0 is not it), then the
    preconditioned map from each.  ``reset(x)`` is called before each attempt (e.g. to restore an inner
    warm start belonging to x).  On total failure the reported failure is the first one whose last state
    satisfies ``frozen`` if any (a map driven out of its physical range), else the first one.
    ``checks`` (floor, limit, domain) go to :func:`solve_fixed_point` unchanged."""
    opts = dict(tol=tol, damping=damping, method=method, describe=describe, **checks)
    starts = [x0] if x0 is cold else [x0, cold]
    failures = []
    for precondition in (False, True):
        for x in starts:
            try:
                if reset is not None:
                    reset(x)
                G = _preconditioned(F, x, describe) if precondition else F
                return solve_fixed_point(G, x, strict=True,
                                         maxiter=min(maxiter, PRECONDITIONED_MAXITER) if precondition else maxiter,
                                         **opts)
            except ConvergenceError as err:
                failures.append(err)
    stuck = [e for e in failures if frozen is not None and e.state is not None and frozen(e.state)]
    first = stuck[0] if stuck else failures[0]
    if stuck:
        first.status = FROZEN
    if strict or first.state is None:
        raise first
    return FixedPointResult(x=first.state, converged=False, iterations=first.iterations, residual=first.residual,
                            status=first.status)


def _preconditioned(F, x0, describe, h=1e-6):
    """``G(x) = x + P(F(x) - x)`` with ``P = (I - J)⁻¹``, J the forward-difference Jacobian of F at x0:
    same fixed points, Jacobian ≈ 0 near them (a frozen Newton step)."""
    x0 = np.asarray(x0, dtype=float)
    f0 = np.asarray(F(x0), dtype=float)
    if not np.all(np.isfinite(f0)):
        raise ConvergenceError(f"{describe}: the map is not finite at the initial state", x0, np.nan, 0, NON_FINITE)
    J = np.empty((x0.size, x0.size))
    for j in range(x0.size):
        step = h * max(1.0, abs(x0[j]))
        xp = x0.copy()
        xp[j] += step
        fp = np.asarray(F(xp), dtype=float)
        if not np.all(np.isfinite(fp)):
            xp[j] -= 2.0 * step
            fp, step = np.asarray(F(xp), dtype=float), -step
        J[:, j] = (fp - f0) / step
    try:
        P = np.linalg.inv(np.eye(x0.size) - J)
    except np.linalg.LinAlgError as exc:
        raise ConvergenceError(f"{describe}: singular Jacobian at the initial state", x0, np.nan, 0) from exc
    if not np.all(np.isfinite(P)):
        raise ConvergenceError(f"{describe}: singular Jacobian at the initial state", x0, np.nan, 0)
    return lambda x: x + P @ (np.asarray(F(x), dtype=float) - x)
