"""A fake CLI problem shared by the CLI tests: ``x = 2`` is bad input, ``x = 3`` diverges, ``x = 1`` has a NaN."""

import dataclasses
import math

from replica.saddle_point.contract import RSFlags


@dataclasses.dataclass(frozen=True, kw_only=True)
class FakeResult(RSFlags):
    x: float
    y: float
    converged: bool
    iterations: int = 7
    residual: float = 0.0


def fake_solve(x, start=None):
    if x == 2:
        raise ValueError("x must be != 2 (the fake solver's range)")
    if x == 3:
        return FakeResult(x=x, y=math.inf, converged=False, status="diverged", residual=math.nan)
    return FakeResult(x=x, y=math.nan if x == 1 else 0.5, converged=True)
