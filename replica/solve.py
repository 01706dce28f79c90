"""``python -m replica.solve <problem> [--param value|list|range ...]``.

Every numeric option takes a value (``2``), a list (``1,2,4``) or a range
(``0.5:4:8`` = 8 evenly spaced values); a sweep is the Cartesian product, with
each point warm-started from its neighbour along the last varying option.
``--format table|csv|json``; ``--out FILE`` writes CSV plus a JSON sidecar.
Bad input: one line naming the parameter and what is allowed, exit status 2.
Points that did not converge are flagged in every row and counted on stderr,
and the exit status is then 3.
"""

import argparse
import importlib
import itertools
import sys
from dataclasses import asdict

from tqdm import tqdm

from .cli.output import format_rows, warn, write_out
from .cli.parsing import parse_values
from .cli.problems import REGISTRY
from .saddle_point.fixed_point import ConvergenceError

PROBLEM_MODULES = ("replica.gaussian_mixture.cli", "replica.gaussian_mixture.flatness_cli",
                   "replica.perceptron.cli", "replica.entropic.cli")
EXIT_BAD_INPUT, EXIT_NOT_CONVERGED = 2, 3
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


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


def build_parser(problems):
    parser = _Parser(prog="python -m replica.solve", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="problem", metavar="problem")
    sub.required = True
    for problem in problems.values():
        p = sub.add_parser(problem.name, help=problem.help, description=problem.help)
        if problem.add_arguments is not None:
            problem.add_arguments(p)
        for param in problem.params:
            text = param.help + (f" (default {param.default})" if not param.required else "")
            if param.choices:
                text += f"; one of {', '.join(map(str, param.choices))}"
            p.add_argument(param.flag, dest=param.name, required=param.required, help=text,
                           default=None if param.required else str(param.default))
        p.add_argument("--format", choices=("table", "csv", "json"), default="table")
        p.add_argument("--out", help="write CSV here, plus a JSON sidecar FILE.json")
        p.add_argument("--progress", choices=("auto", "on", "off"), default="auto")
    return parser


def parse_param(param, text):
    """The list of values of one option; UsageError naming the option on bad input."""
    try:
        if param.kind is bool:
            values = [_boolean(t) for t in text.split(",")]
        elif param.kind is str:
            values = [t.strip() for t in text.split(",")]
        else:
            values = parse_values(text, param.kind)
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


def run(problem, grid, progress=False):
    """Solve every point of the Cartesian product; returns the output rows."""
    names = list(grid)
    points = list(itertools.product(*grid.values()))
    rows, start, previous = [], None, None
    with tqdm(total=len(points), disable=not progress, file=sys.stderr) as bar:
        for point in points:
            kwargs = dict(zip(names, point))
            # warm start only along the last option: every other value must be unchanged
            if previous is None or previous[:-1] != point[:-1]:
                start = None
            try:
                result = problem.solve(**kwargs, start=start)
            except ConvergenceError as err:
                result = err.state
                if result is None:
                    raise
            except ValueError as err:
                raise UsageError(str(err)) from None
            row = dict(kwargs)
            row.update({k: v for k, v in asdict(result).items() if k not in row})
            rows.append(row)
            start = result if row.get("converged", True) else start
            previous = point
            bar.update()
    return rows


def _run_custom(problem, args):
    try:
        return problem.run(args)
    except ValueError as err:
        raise UsageError(str(err)) from None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    problems = load_problems()
    try:
        args = build_parser(problems).parse_args(argv)
        problem = problems[args.problem]
        grid = {p.name: parse_param(p, getattr(args, p.name)) for p in problem.params}
        if problem.run is not None:
            rows = _run_custom(problem, args)
        else:
            size = 1
            for values in grid.values():
                size *= len(values)
            progress = args.progress == "on" or (args.progress == "auto" and size > 1 and sys.stderr.isatty())
            rows = run(problem, grid, progress)
    except UsageError as err:
        print(f"replica.solve: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(format_rows(rows, args.format))
    if args.out:
        seed = grid.get("seed", getattr(args, "seed", None))
        write_out(args.out, rows, ["python", "-m", "replica.solve", *argv], seed=seed)
    failed = sum(1 for r in rows if r.get("converged") is False)
    if failed:
        warn(f"replica.solve: {failed} of {len(rows)} points did not converge (converged=False in their rows)")
        return EXIT_NOT_CONVERGED
    return 0


if __name__ == "__main__":
    sys.exit(main())
