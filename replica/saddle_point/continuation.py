"""Warm-started continuation sweeps over one parameter, in either direction.

``sweep(solve, values, direction=...)`` calls ``solve(value, start)`` along the
list, where ``start`` is the previous point's result (``None`` for the first),
so each point is warm-started from its neighbour.  Swept ``"both"`` ways, a
first-order transition shows as hysteresis: :func:`hysteresis` reports the
values where the two branches differ instead of hiding one of them.
"""

from dataclasses import dataclass, fields, is_dataclass

DIRECTIONS = ("forward", "backward", "both")


@dataclass(frozen=True)
class Sweep:
    values: tuple
    forward: tuple = None   # results in the order of ``values`` (swept ascending the list)
    backward: tuple = None  # results in the order of ``values`` (swept descending the list)

    @property
    def results(self):
        """The forward branch if it was swept, else the backward one."""
        return self.forward if self.forward is not None else self.backward

    def to_frame(self):
        """``pandas.DataFrame``, one row per result (``dataclasses.asdict``), in the order of ``values``;
        a sweep in both directions stacks the forward rows and then the backward rows, with a first
        column ``direction``.  Columns as in :mod:`replica.saddle_point.frames`."""
        from .frames import to_frame

        return to_frame(self._rows())

    def to_xarray(self, dim=None):
        """``xarray.Dataset`` along the swept parameter: dimension ``dim`` (default: the result field
        equal to ``values`` at every point, e.g. ``"alpha"`` or ``"d"``; else ``"value"``), plus a
        dimension ``direction`` when both branches were swept."""
        from .frames import to_dataset

        dim = dim or self._swept_field() or "value"
        branches = self._branches()
        grid = {"direction": [name for name, _ in branches]} if len(branches) > 1 else {}
        grid[dim] = list(self.values)
        rows = [{k: v for k, v in row.items() if k not in (dim, "direction")} for row in self._rows()]
        return to_dataset(grid, rows)

    def _branches(self):
        return [(name, results) for name, results in (("forward", self.forward), ("backward", self.backward))
                if results is not None]

    def _rows(self):
        from .frames import result_row

        branches = self._branches()
        if len(branches) == 1:
            return [result_row(r) for r in branches[0][1]]
        return [result_row(r, {"direction": name}) for name, results in branches for r in results]

    def _swept_field(self):
        first = self.results[0] if self.results else None
        if first is None or not is_dataclass(first):
            return None
        for name in (f.name for f in fields(first)):
            try:
                if all(getattr(r, name) == v for r, v in zip(self.results, self.values)):
                    return name
            except (TypeError, ValueError):
                continue
        return None


def sweep(solve, values, direction="forward", progress=None):
    """Solve along ``values`` with warm starts.

    Parameters
    ----------
    solve : callable ``(value, start) -> result``
        ``start`` is the neighbouring result or None.  A failing point should
        return a result flagged as not converged (or raise, which stops the sweep).
    values : sequence
    direction : {"forward", "backward", "both"}
    progress : callable or None
        Called once per solved point (e.g. a tqdm ``update``).
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}")
    values = tuple(values)
    out = {}
    if direction in ("forward", "both"):
        out["forward"] = _run(solve, values, progress)
    if direction in ("backward", "both"):
        out["backward"] = tuple(reversed(_run(solve, values[::-1], progress)))
    return Sweep(values=values, **out)


def _run(solve, values, progress):
    results, start = [], None
    for v in values:
        r = solve(v, start)
        results.append(r)
        if getattr(r, "converged", True):
            start = r
        if progress is not None:
            progress()
    return tuple(results)


def hysteresis(result_sweep, field, rtol=1e-6):
    """Values at which the forward and backward branches disagree on ``field`` beyond ``rtol``."""
    if result_sweep.forward is None or result_sweep.backward is None:
        raise ValueError("hysteresis needs a sweep in both directions")
    out = []
    for v, f, b in zip(result_sweep.values, result_sweep.forward, result_sweep.backward):
        a, c = getattr(f, field), getattr(b, field)
        if abs(a - c) > rtol * max(1.0, abs(a), abs(c)):
            out.append(v)
    return out
