"""One step of Newton's method safeguarded by bisection (the 'rtsafe' rule).

For an increasing function f with a bracket ``lo < root < hi``: take the Newton
step when it stays inside the bracket and at least halves the step before the
last one; otherwise bisect.  This converges even where plain Newton cycles or
creeps along one side of the bracket.
"""

from .._numba import kernel


@kernel
def safeguarded_step(x, f, df, lo, hi, dx_old):
    """Return ``(new_x, lo, hi, dx)``; ``f`` increasing in x, ``df = f'(x) > 0``, bracket updated from sign(f)."""
    if f > 0.0:
        hi = x
    else:
        lo = x
    dx = f / df if df > 0.0 else hi - lo
    new = x - dx
    if not (lo <= new <= hi) or abs(2.0 * dx) > abs(dx_old):
        dx = x - 0.5 * (lo + hi)
        new = 0.5 * (lo + hi)
    return new, lo, hi, dx
