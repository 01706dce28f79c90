"""CLI subcommand ``storage``: binary-weight perceptron storage with SA, replicated SA, SGD, Replicated-SGD and
Entropy-SGD under one budget (:mod:`replica.entropic.storage`).

    python -m replica.solve storage --weights binary --algorithm sa,rsa,sgd,rsgd,esgd --n 201,401 \\
        --alpha 0.4:0.8:9 --instances 50 --summary --out runs.csv

One row per (algorithm × N × α × instance), written to ``--out`` as each finishes; ``--resume`` (with ``--out``)
reads the rows of an earlier run of the same command from FILE (and from the temporary ``.FILE.*.part`` a killed
run leaves) and computes only the missing instances.  ``--summary`` prints, instead of the instance rows, one row
per point (``kind=point``: solved fraction, its s.e. and Wilson 95 % interval) and one per (algorithm, N)
(``kind=threshold``: α_alg with its bootstrap s.e. and 95 % interval) and one per entropic method and N
(``kind=difference``: paired α_alg(rsa) - α_alg(sa), α_alg(rsgd|esgd) - α_alg(sgd), instances resampled jointly);
``--out`` still holds the instance rows.
"""

import argparse
import sys

from ..cli.parsing import non_negative_int, positive_float, positive_int, value_list, word_list
from ..cli.problems import Problem, register
from . import storage

_ALGORITHMS = word_list(storage.ALGORITHMS)


def _setting(text):
    """``METHOD.NAME=VALUE`` (a hyperparameter override)."""
    try:
        lhs, value = str(text).split("=", 1)
        method, name = lhs.split(".", 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected METHOD.NAME=VALUE (e.g. rsa.gamma1=2.5); got {text!r}") from None
    method, name, value = method.strip(), name.strip(), value.strip()
    if method not in storage.ALGORITHMS:
        raise argparse.ArgumentTypeError(f"METHOD must be one of {', '.join(storage.ALGORITHMS)}; got {method!r}")
    if name not in storage.DEFAULTS[method]:
        raise argparse.ArgumentTypeError(f"{method} has no hyperparameter {name!r} "
                                         f"(it has {', '.join(storage.DEFAULTS[method])})")
    default = storage.DEFAULTS[method][name]
    try:
        if isinstance(default, str):
            pass
        elif isinstance(default, int):
            number = float(value)
            if not number.is_integer():
                raise ValueError
            value = int(number)
        else:
            value = float(value)
    except ValueError:
        kind = "an integer" if isinstance(default, int) else "a number"
        raise argparse.ArgumentTypeError(f"{method}.{name}: {value!r} is not {kind}") from None
    return method, name, value


def add_arguments(p):
    p.add_argument("--weights", default="binary", choices=("binary",),
                   help="weights of the perceptron (binary ±1; the only storage problem implemented)")
    p.add_argument("--algorithm", type=_ALGORITHMS, default=list(storage.ALGORITHMS),
                   help=f"list of {', '.join(storage.ALGORITHMS)} (default: all)")
    p.add_argument("--n", type=value_list(int), required=True, help="sizes N (odd), e.g. 201,401")
    p.add_argument("--alpha", type=value_list(float), required=True, help="loads α = P/N, e.g. 0.4:0.8:9")
    p.add_argument("--instances", type=positive_int, default=50, help="instances per point (default 50)")
    p.add_argument("--first-instance", type=non_negative_int, default=0,
                   help="number of the first instance (default 0; the hyperparameters were chosen on 1000+)")
    p.add_argument("--budget", type=positive_float, default=1000.0,
                   help="sweep-equivalents per run, equal for every method (replicas count; default 1000)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="master seed (default 0)")
    p.add_argument("--set", dest="settings", type=_setting, action="append", default=[], metavar="METHOD.NAME=VALUE",
                   help="override a hyperparameter, e.g. --set rsa.y=5 --set sgd.lr=0.1 (repeatable)")
    p.add_argument("--flip-p", type=value_list(float), default=None,
                   help="flip probabilities p at which the local energy δε(p) of each solution is measured")
    p.add_argument("--draws", type=positive_int, default=50, help="flip draws per δε(p) (default 50)")
    p.add_argument("--summary", action="store_true",
                   help="print solved fractions per point and α_alg per (algorithm, N) instead of instance rows")
    p.add_argument("--resume", action="store_true",
                   help="with --out FILE: keep the instance rows already in FILE and compute only the missing ones")
    return p


def _check(args):
    for n in args.n:
        if n < 3 or n % 2 == 0:
            raise ValueError(f"--n must be odd integers >= 3; got {n}")
    for a in args.alpha:
        if not a > 0:
            raise ValueError(f"--alpha must be > 0; got {a}")
    for p in args.flip_p or ():
        if not 0 < p < 0.5:
            raise ValueError(f"--flip-p must be in (0, 0.5); got {p}")


def run(args):
    """Yield the instance rows: first those kept by ``--resume`` (``args.previous``), then the new ones."""
    _check(args)
    params = {}
    for method, name, value in args.settings:
        params.setdefault(method, {})[name] = value
    for method, d in params.items():
        storage._params(method, d)              # ValueError (exit 2) before anything runs
    previous = _dedupe(getattr(args, "previous", None) or [])
    if previous:
        print(f"replica.solve: --resume: {len(previous)} instance rows kept from {args.out}", file=sys.stderr)
    yield from previous
    progress = {"on": True, "off": False}.get(args.progress, sys.stderr.isatty())
    yield from storage.storage_rows(args.algorithm, args.n, args.alpha, args.instances, budget=args.budget,
                                    seed=args.seed, params=params, flip_p=tuple(args.flip_p or ()),
                                    n_draws=args.draws, done=previous, progress=progress,
                                    first_instance=args.first_instance)


_TYPES = {"n": int, "instance": int, "seed": int, "solved": storage._truthy, "algorithm": str, "found_by": str,
          "kind": str}


def _typed(r):
    """A row read back from CSV with its numbers and booleans restored."""
    out = {}
    for k, v in r.items():
        if not isinstance(v, str):
            out[k] = v
        elif k in _TYPES:
            out[k] = _TYPES[k](float(v)) if _TYPES[k] is int else _TYPES[k](v)
        else:
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out


def _dedupe(rows):
    """Rows with a well-formed key, typed, each key once (the first occurrence)."""
    seen, out = set(), []
    for r in rows:
        try:
            r = _typed(r)
            k = storage._key(r)
        except (KeyError, ValueError, TypeError):
            continue
        if k not in seen:
            seen.add(k)
            out.append(r)
    return out


def present(args, rows):
    """The rows printed on stdout: the instance rows, or with ``--summary`` the point and threshold rows."""
    if not getattr(args, "summary", False):
        return rows
    points = [{"kind": "point", **r} for r in storage.summarize(rows)]
    thresholds = [{"kind": "threshold", **r} for r in storage.alpha_alg(rows)]
    diffs = [{"kind": "difference", **r} for ref in ("sa", "sgd") for r in storage.threshold_differences(rows, ref)
             if (r["algorithm"], ref) in PAIRS]
    return points + thresholds + diffs


PAIRS = (("rsa", "sa"), ("rsgd", "sgd"), ("esgd", "sgd"))   # each entropic method against its plain counterpart


register(Problem("storage", "binary-weight perceptron storage: SA / replicated SA / SGD / Replicated-SGD / "
                            "Entropy-SGD at equal budget; solved fraction and algorithmic threshold",
                 add_arguments=add_arguments, run=run, not_swept=("flip_p", "settings"), present=present))
