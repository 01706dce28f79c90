"""``python -m replica.solve <problem> [--param value|list|range ...]``.

Every numeric option takes a value (``2``), a list (``1,2,4``), a range
(``0.5:4:8`` = 8 evenly spaced values, both ends included) or a log-spaced
range (``1e-4:10:6:log`` = 1e-4, 1e-3, ..., 10); a sweep is the Cartesian
product, solved in product order.  The last option with more than one
value varies fastest: when it is numeric it is the continuation axis, and each
point is warm-started from the previous one whenever every other option is
unchanged (as the ``*_curve`` functions do); categorical options (loss,
weights, bias) are never continued across.

Output
------
``--format table|csv|json`` on stdout.  JSON is a list of rows keyed by the
parameter and result-field names, with ``null`` for NaN and ±inf (it parses
with a strict parser).  Rows with different keys are printed with the union of
the keys (a missing cell is empty, ``null`` in JSON); the last columns are the
convergence record ``converged, iterations, residual`` and then the
trust-contract flags ``status, replicon, rs_stable, entropy_negative, frozen``.

``--out FILE`` writes the CSV plus a sidecar ``FILE.json`` (command line,
package and dependency versions, seed, rows written, points in the sweep,
whether it was complete).  The path is checked before anything is computed:
the folder must exist and FILE must not be a folder; an existing FILE or
FILE.json is refused unless ``--force``.  Finished rows are written as they
arrive to a temporary ``.FILE.<random>.part`` in the same folder, which is
renamed onto FILE (atomic ``os.replace``) at the end or on Ctrl-C, so FILE is
never left truncated.  ``--format parquet`` (which requires ``--out``; nothing
goes to stdout), or a FILE named ``*.parquet``, writes Parquet instead of CSV.

``--max-points N`` (default 10000): a sweep of more points is refused before
any value list is built.  ``--progress auto|on|off``: a progress bar on stderr
(auto: for sweeps, on a terminal).

``--workers N`` solves the independent continuation chains (one per value of
the options other than the continuation axis; ``train``: one per run) on a
local dask cluster of N single-threaded worker processes; ``--scheduler
ADDRESS`` (default ``$REPLICA_SCHEDULER``) on a running dask cluster.  The rows
are the serial rows, written in grid order; a sweep whose serial time is
estimated below about a second stays in this process (see
:mod:`replica.sweep`).

Exit statuses
-------------
0    every point converged;
2    bad input, nothing computed: one line on stderr naming the option and what
     is allowed (also a bad ``--out`` path, an oversize sweep, or a single point
     that its solver refuses);
3    some point did not converge, or inside a sweep was refused by its solver:
     its row is kept with ``converged=False`` and a ``status`` naming the reason
     (``invalid`` for a refused point, whose result cells are then empty, with
     the solver's message on stderr), the sweep goes on, and stderr counts the
     failed points;
130  interrupted (Ctrl-C): the rows done are printed and written to ``--out``,
     and stderr says how many points were skipped.
"""

import argparse
import importlib
import math
import os
import sys
from collections import Counter
from dataclasses import asdict, is_dataclass

from . import __version__
from ._lazy import tqdm
from ._signals import sigint_ignored

from .cli.output import (OutFile, OutPathError, format_rows, not_converged, ordered, previous_rows, sidecar_meta,
                         warn)
from .cli.parsing import count_values, parse_values, positive_int
from .cli.problems import REGISTRY
from .saddle_point.contract import INVALID, MAX_ITER
from .saddle_point.fixed_point import ConvergenceError

PROBLEM_MODULES = ("replica.gaussian_mixture.cli", "replica.gaussian_mixture.flatness_cli",
                   "replica.perceptron.cli", "replica.entropic.cli", "replica.perceptron.local_energy_cli",
                   "replica.perceptron.ld_cli", "replica.entropic.storage_cli", "replica.committee.cli")
EXIT_OK, EXIT_BAD_INPUT, EXIT_NOT_CONVERGED, EXIT_INTERRUPTED = 0, 2, 3, 130
ENV_SCHEDULER = "REPLICA_SCHEDULER"  # default of --scheduler (replica.sweep.ENV_SCHEDULER)
DEFAULT_MAX_POINTS = 10_000
COMMON_OPTIONS = ("problem", "format", "out", "force", "max_points", "progress", "workers", "scheduler")
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


class Interrupted(Exception):
    """Ctrl-C during a sweep: ``rows`` are the points done, ``skipped`` the points left."""

    def __init__(self, rows, skipped):
        super().__init__(f"interrupted: {len(rows)} points done, {skipped} skipped")
        self.rows, self.skipped = rows, skipped


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def load_problems():
    for name in PROBLEM_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as err:
            if not name.startswith(str(err.name)):  # a problem package that is not installed
                raise
    return REGISTRY


def _prog():
    """``replica`` when run as the console script, else ``python -m replica.solve``."""
    return "replica" if os.path.basename(sys.argv[0] or "") in ("replica", "replica.exe") else "python -m replica.solve"


def build_parser(problems):
    parser = _Parser(prog=_prog(), description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"replica {__version__}",
                        help="print the package version and exit")
    sub = parser.add_subparsers(dest="problem", metavar="problem")
    sub.required = True
    for problem in problems.values():
        p = sub.add_parser(problem.name, help=problem.help, description=problem.help)
        if problem.add_arguments is not None:
            problem.add_arguments(p)
            _defer_conversions(p)
        for param in problem.params:
            text = param.help + (f" (default {param.default})" if not param.required else "")
            if param.choices:
                text += f"; one of {', '.join(map(str, param.choices))}"
            p.add_argument(param.flag, dest=param.name, required=param.required and param.name not in problem.optimize,
                           help=text + (f" (or --optimize {param.name})" if param.name in problem.optimize else ""),
                           default=None if param.required else str(param.default))
        if problem.optimize:
            p.add_argument("--optimize", choices=problem.optimize, metavar="NAME",
                           help=f"choose {'/'.join(problem.optimize)} at every point to minimise gen_error (bounded "
                                "Brent search in its logarithm over [1e-4, 1e4], warm-started); the row reports "
                                "the value found and lam_at_bound")
        p.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table",
                       help="rows on stdout (parquet: written to --out FILE only, which it requires)")
        p.add_argument("--out", metavar="FILE",
                       help="write CSV here (Parquet with --format parquet or a .parquet name), atomically, "
                            "plus a JSON sidecar FILE.json; the folder must exist")
        p.add_argument("--force", action="store_true", help="overwrite an existing --out FILE and FILE.json")
        p.add_argument("--max-points", type=positive_int, default=DEFAULT_MAX_POINTS, metavar="N",
                       help=f"refuse sweeps of more than N points (default {DEFAULT_MAX_POINTS})")
        p.add_argument("--progress", choices=("auto", "on", "off"), default="auto")
        p.add_argument("--workers", type=positive_int, metavar="N",
                       help="solve the independent continuation chains on a local dask cluster of N "
                            "single-threaded worker processes (sweeps estimated under ~1 s stay serial)")
        p.add_argument("--scheduler", metavar="ADDRESS",
                       help=f"use a running dask scheduler (tcp://host:8786) instead; default: ${ENV_SCHEDULER}")
    return parser


class _Deferred:
    """The text of an option of a custom problem, converted only once the size of the sweep
    (read off the texts by ``count_values``) has been checked against ``--max-points``."""

    def __init__(self, convert, text, flag):
        self.convert, self.text, self.flag = convert, text, flag

    @property
    def count(self):
        return count_values(self.text)

    def value(self):
        try:
            return self.convert(self.text)
        except argparse.ArgumentTypeError as err:
            raise UsageError(f"argument {self.flag}: {err}") from None
        except (TypeError, ValueError):
            raise UsageError(f"argument {self.flag}: invalid value {self.text!r}") from None


def _defer_conversions(parser):
    for action in parser._actions:
        if action.type is not None and action.choices is None:
            convert, flag = action.type, "/".join(action.option_strings) or action.dest
            action.type = lambda text, convert=convert, flag=flag: _Deferred(convert, text, flag)


def _custom_size(problem, args):
    """Points of a custom problem's sweep: the product of the numbers of values of its options."""
    size = 1
    for name, value in vars(args).items():
        if name in COMMON_OPTIONS or name in problem.not_swept:
            continue
        if isinstance(value, _Deferred):
            size *= value.count
        elif isinstance(value, (list, tuple)):
            size *= max(len(value), 1)
    return size


def _convert_deferred(args):
    for name, value in vars(args).items():
        if isinstance(value, _Deferred):
            setattr(args, name, value.value())
        elif isinstance(value, list) and any(isinstance(v, _Deferred) for v in value):
            setattr(args, name, [v.value() if isinstance(v, _Deferred) else v for v in value])


def check_size(size, max_points):
    if size > max_points:
        raise UsageError(f"the sweep has {size} points, above the limit of {max_points}; "
                         f"narrow it, or raise the limit with --max-points")


def _count(param, text):
    return count_values(text) if param.kind in (int, float) else text.count(",") + 1


def parse_grid(problem, args, max_points=DEFAULT_MAX_POINTS):
    """``({name: values}, points)``; the size is checked from the texts before any list is built.

    With ``--optimize NAME`` the grid has no values for NAME and a single-valued ``optimize``
    entry instead (the solver chooses NAME at every point).
    """
    optimize = getattr(args, "optimize", None)
    params = [p for p in problem.params if p.name != optimize]
    for p in problem.params:
        if p.name == optimize and getattr(args, p.name) is not None:
            raise UsageError(f"{p.flag} and --optimize {p.name} exclude each other: give one of them")
        if p.name != optimize and getattr(args, p.name) is None:
            raise UsageError(f"the following arguments are required: {p.flag} (or --optimize {p.name})")
    texts = {p.name: getattr(args, p.name) for p in params}
    size = math.prod(_count(p, texts[p.name]) for p in params)
    check_size(size, max_points)
    grid = {p.name: parse_param(p, texts[p.name], limit=max_points) for p in params}
    if optimize is not None:
        grid["optimize"] = [optimize]
    return grid, math.prod(len(v) for v in grid.values())


def parse_param(param, text, limit=None):
    """The list of values of one option; UsageError naming the option on bad input."""
    try:
        if param.kind is bool:
            values = [_boolean(t) for t in text.split(",")]
        elif param.kind is str:
            values = [t.strip() for t in text.split(",")]
        else:
            values = parse_values(text, param.kind, limit=limit)
    except ValueError as err:
        raise UsageError(f"{param.flag}: {err}") from None
    for v in values:
        if param.choices and v not in param.choices:
            raise UsageError(f"{param.flag} must be one of {', '.join(map(str, param.choices))}; got {v!r}")
        if param.check is not None and not param.check(v):
            raise UsageError(f"{param.flag} must be {param.allowed}; got {v}")
    return values


def _boolean(text):
    t = text.strip().lower()
    if t in TRUE:
        return True
    if t in FALSE:
        return False
    raise ValueError(f"{text.strip()!r} is not a boolean (true/false)")


def run(problem, grid, progress=False, on_row=None, cluster=None):
    """Solve every point of the Cartesian product, in product order; returns the output rows.

    The continuation axis is the last option with more than one value (it varies fastest), when
    it is numeric: a point is warm-started from the last converged result when every other option
    is unchanged.
    A point the solver refuses (ValueError) keeps a row with its parameters, ``converged=False``
    and ``status="invalid"``, and the sweep goes on; when it is the only point, UsageError.
    ``on_row(row)`` is called with each finished row, in grid order.  ``cluster``: a
    ``replica.sweep.Cluster`` (``--workers``/``--scheduler``) to which the independent continuation
    chains go when the sweep is large enough (:mod:`replica.sweep`), or None.  Ctrl-C raises
    :class:`Interrupted` with the rows done (in grid order; with a cluster, also the chains that
    finished beyond the first unfinished one).
    """
    from .sweep import run_chains

    names = list(grid)
    total = math.prod(len(v) for v in grid.values())
    axis = continuation_axis(problem, grid)
    step = _PointStep(problem.solve, total == 1)
    rows = []
    try:
        for _, _, (row, message) in run_chains(step, grid, None if axis is None else names[axis], cluster,
                                                progress=progress):
            if message:
                tqdm.write(message, file=sys.stderr)
            rows.append(row)
            if on_row is not None:
                on_row(row)
    except KeyboardInterrupt as stop:
        rows += [row for _, _, (row, _) in getattr(stop, "finished", ())]
        raise Interrupted(rows, total - len(rows)) from None
    return rows


def continuation_axis(problem, grid):
    """Index of the last option with more than one value when it is numeric, else None.

    Product order varies that option fastest, so consecutive points differ only in it (until
    another option changes); a categorical option (loss, weights, bias) is never continued across.
    """
    kinds = {p.name: p.kind for p in problem.params}
    swept = [i for i, values in enumerate(grid.values()) if len(values) > 1]
    if swept and kinds.get(list(grid)[swept[-1]], float) in (int, float):
        return swept[-1]
    return None


class _PointStep:
    """One point of a CLI sweep as :func:`replica.sweep.run_chains` runs it, in this process or on a
    dask worker: ``(point, start) -> ((row, message or None), next start or None)``."""

    def __init__(self, solve, only):
        self.solve, self.only = solve, only

    def __call__(self, point, start):
        row, result, message = _solve_point(self.solve, point, start, self.only)
        return (row, message), (result if result is not None and not not_converged(row) else None)


def _solve_point(solve, kwargs, start, only):
    """``(row, result, message)`` of one point; ``result`` is None when the solver gave no state,
    ``message`` (for stderr) None unless the point failed without a state or was refused."""
    try:
        result = solve(**kwargs, start=start)
    except ConvergenceError as err:
        result = err.state
        if not is_dataclass(result):
            return ordered({**kwargs, "converged": False, "iterations": err.iterations,
                            "residual": err.residual, "status": getattr(err, "status", None) or MAX_ITER}), None, \
                f"replica.solve: {_describe(kwargs)}: {err}"
    except ValueError as err:
        if only:
            raise UsageError(str(err)) from None
        return ordered({**kwargs, "converged": False, "status": INVALID}), None, \
            f"replica.solve: {_describe(kwargs)}: {err} (row kept with status={INVALID})"
    row = dict(kwargs)
    row.update({k: v for k, v in asdict(result).items() if k not in row})
    return ordered(row), result, None


def _describe(kwargs):
    return ", ".join(f"{k}={v}" for k, v in kwargs.items())


def _run_custom(problem, args, total, on_row=None):
    """Rows of a custom problem (``run`` returns a list or yields rows); Ctrl-C keeps the rows done."""
    rows = []
    try:
        for row in problem.run(args):
            row = ordered(row)
            rows.append(row)
            if on_row is not None:
                on_row(row)
    except ValueError as err:
        raise UsageError(str(err)) from None
    except KeyboardInterrupt:
        raise Interrupted(rows, max(total - len(rows), 0)) from None
    return rows




def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    out, total, rows, skipped, grid = None, 0, [], None, {}
    try:
        problems = load_problems()
        args = build_parser(problems).parse_args(argv)
        problem = problems[args.problem]
        if problem.run is None:
            grid, total = parse_grid(problem, args, args.max_points)
        else:
            total = _custom_size(problem, args)
            check_size(total, args.max_points)
            _convert_deferred(args)
        if args.format == "parquet" and args.out is None:
            raise UsageError("--format parquet writes a binary file: give --out FILE (nothing goes to stdout)")
        stale = []
        if getattr(args, "resume", False):
            if args.out is None:
                raise UsageError("--resume needs --out FILE (the file of the run to resume)")
            try:
                args.previous, stale = previous_rows(args.out)
            except OutPathError as err:
                raise UsageError(str(err)) from None
        if args.out is not None:
            try:
                out = OutFile(args.out, args.force or getattr(args, "resume", False),
                              parquet=args.format == "parquet")
            except OutPathError as err:
                raise UsageError(str(err)) from None
        progress = args.progress == "on" or (args.progress == "auto" and total > 1 and sys.stderr.isatty())
        on_row = out.add if out is not None else None
        cluster = _cluster(args)
        try:
            if problem.run is None:
                rows = run(problem, grid, progress, on_row, cluster)
            else:
                args.cluster = cluster
                rows = _run_custom(problem, args, total, on_row)
        except Interrupted as stop:
            rows, skipped = stop.rows, stop.skipped
        finally:
            if cluster is not None:
                with sigint_ignored():  # a second Ctrl-C must not lose the rows done
                    cluster.close()
    except UsageError as err:
        if out is not None:
            out.discard()
        print(f"replica.solve: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # before the sweep started (imports, parsing, the --out check)
        if out is not None:
            out.discard()
        print("replica.solve: interrupted before any point was solved", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BaseException:  # a bug: keep what was done, then the traceback
        if out is not None and out.written:
            warn(f"replica.solve: the {out.written} rows done are kept in {out.part}")
        elif out is not None:
            out.discard()
        raise
    seed = grid["seed"] if "seed" in grid else getattr(args, "seed", None)
    with sigint_ignored():
        status = _finish(args, argv, rows, total, skipped, out, seed, problem.present)
        if out is not None and rows:  # the rows of a killed run's temporary files are now in FILE
            for name in stale:
                try:
                    os.unlink(name)
                except OSError:
                    pass
        return status


def _cluster(args):
    """``--workers``/``--scheduler``/``$REPLICA_SCHEDULER``: a ``replica.sweep.Cluster`` or None; a
    scheduler address is connected to now (exit status 2 if it cannot be)."""
    from .sweep import cluster_from_args

    try:
        cluster = cluster_from_args(args)
        if cluster is not None and cluster.address is not None:
            cluster.client()
    except (ValueError, ImportError, ConnectionError) as err:
        raise UsageError(str(err)) from None
    return cluster


def _finish(args, argv, rows, total, skipped, out, seed, present=None):
    """Write ``--out``, print the rows, report failures; the exit status (``skipped`` is None
    unless the sweep was interrupted)."""
    interrupted = skipped is not None
    if out is not None:
        if rows:
            out.finish(rows, sidecar_meta(["python", "-m", "replica.solve", *argv], rows, seed=seed,
                                          points=total, complete=not interrupted))
        else:
            out.discard()
    shown = present(args, rows) if present is not None and rows else rows
    if args.format != "parquet" and (shown or args.format == "json"):
        print(format_rows(shown, args.format))
    failed = [r for r in rows if not_converged(r)]
    if failed:
        statuses = Counter(str(r["status"]) for r in failed if r.get("status") is not None)
        detail = "; status " + ", ".join(f"{s}: {n}" for s, n in statuses.items()) if statuses else ""
        warn(f"replica.solve: {len(failed)} of {len(rows)} points did not converge "
             f"(converged=False in their rows{detail})")
    if interrupted:
        where = ""
        if out is not None:
            where = f"; the rows done are in {args.out}" if rows else f"; nothing written to {args.out}"
        warn(f"replica.solve: interrupted: {len(rows)} of {total} points done, {skipped} skipped{where}")
        return EXIT_INTERRUPTED
    return EXIT_NOT_CONVERGED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
