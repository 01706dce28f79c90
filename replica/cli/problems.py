"""The registry of CLI problems: each is a solver function and a table of its parameters.

A problem module declares its subcommand with :func:`register` (see
``replica/gaussian_mixture/cli.py``); ``python -m replica.solve`` builds argparse
from the registry, sweeps the Cartesian product of the given values with warm
starts, and prints the rows.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Param:
    """One option ``--name`` of a problem.

    kind : float, int, str or bool.  Numeric options accept a value, a list or a range.
    check : callable ``value -> bool``; ``allowed`` is the phrase printed when it fails
        (``"--alpha must be > 0"``).
    """

    name: str
    kind: type = float
    default: object = None
    help: str = ""
    choices: tuple = None
    check: object = None
    allowed: str = ""

    @property
    def flag(self):
        return "--" + self.name.replace("_", "-")

    @property
    def required(self):
        return self.default is None


@dataclass(frozen=True)
class Problem:
    """A subcommand: ``solve(**params, start=previous_result_or_None) -> frozen dataclass``.

    A problem whose options do not fit the parameter table (an experiment rather than a
    saddle point) gives ``add_arguments(parser)`` and ``run(args) -> rows`` instead of ``solve``
    and ``params``; ValueError from ``run`` is bad input (exit status 2).  ``run`` may return a
    list of row dicts or yield them one by one (then each row is written to ``--out`` as it
    finishes and Ctrl-C keeps the rows done).  The size of such a sweep, checked against
    ``--max-points`` before ``run`` is called, is the product of the numbers of values of its
    list-valued options, except those named in ``not_swept`` (lists that do not multiply the
    runs, e.g. the noise levels measured on every run).

    ``optimize``: names of parameters that ``--optimize NAME`` can choose at every point instead
    of taking them from the command line (``gm-erm --optimize lam``: the λ minimising the test
    error); then ``solve`` is called without that parameter and with ``optimize=NAME``, and its
    result carries the chosen value.

    ``present(args, rows) -> rows``: what a custom problem prints on stdout (e.g. a summary of the runs);
    ``--out`` still receives the rows ``run`` yields.  A custom problem with a ``--resume`` flag gets, in
    ``args.previous``, the rows of the earlier ``--out FILE`` (and of the temporary file a killed run left),
    and should yield them again (``replica.solve`` rewrites FILE with every row).
    """

    name: str
    help: str
    solve: object = None
    params: tuple = field(default_factory=tuple)
    add_arguments: object = None
    run: object = None
    not_swept: tuple = ()
    optimize: tuple = ()
    present: object = None


REGISTRY = {}


def register(problem):
    if problem.name in REGISTRY:
        raise ValueError(f"problem {problem.name!r} is registered twice")
    REGISTRY[problem.name] = problem
    return problem


def positive(x):
    return x > 0


def non_negative(x):
    return x >= 0


def open_unit(x):
    return 0 < x < 1
