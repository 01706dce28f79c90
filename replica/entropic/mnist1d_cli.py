"""``python -m replica.solve train --data mnist1d --model cnn|mlp ...``: the MNIST-1D runs of the ``train``
subcommand (hooked in by ``experiments.add_train_arguments`` / ``experiments.run_train``).

Without ``--tune``: one row per (algorithm × Cartesian product of the numeric lists × seed), written as each
run finishes; ``--summary`` then adds one summary row per algorithm (mean ± s.e. and the paired difference to
SGD with its 95 % t-interval).  With ``--tune``: ``protocol.protocol`` — the grids of ``protocol.GRIDS`` on the
validation split at ``--tune-seed``, then the ``--seed`` list (default 1..5) at the chosen points, then the
summary rows.
"""

from . import mnist1d as m1
from .protocol import GRIDS, paired_summary, protocol

__all__ = ["add_mnist1d_arguments", "run_mnist1d", "MNIST1D_ONLY"]

MNIST1D_ONLY = ("n_train", "n_val", "label_noise", "channels", "device", "tune", "tune_seed")
# train options (dest names) that mean nothing for MNIST-1D
_FOREIGN = ("alpha", "delta", "rho", "n_features", "n_test", "lam", "loss", "activation", "bias", "center",
            "replica_init")
_NUMERIC = ("seed", "epochs", "batch_size", "lr", "momentum", "hidden", "replicas", "couple_every", "inner_steps",
            "outer_lr", "outer_momentum", "sgld_lr", "noise", "average", "gamma0", "gamma1", "gamma_max", "samples",
            "n_train", "n_val", "label_noise", "channels")


def add_mnist1d_arguments(parser):
    """The options only ``--data mnist1d`` uses (the shared numeric options come from ``add_train_arguments``)."""
    g = parser.add_argument_group("mnist1d (needs torch and mnist1d: pip install replica[deep])")
    g.add_argument("--n-train", type=int, default=None, help="training sequences (of the 4000; default 3200)")
    g.add_argument("--n-val", type=int, default=None, help="validation sequences carved from the 4000 (default 800)")
    g.add_argument("--label-noise", type=float, default=None,
                   help="probability p that a training label is redrawn uniformly (default 0)")
    g.add_argument("--channels", type=int, default=None, help="channels of the cnn's convolutions (default 16)")
    g.add_argument("--device", default=None, choices=("cpu", "cuda"), help="torch device (default cpu)")
    g.add_argument("--tune", action="store_true",
                   help="choose each algorithm's grid point on the validation split, then run the seeds")
    g.add_argument("--tune-seed", type=int, default=None, help="seed of the tuning runs (default 0)")
    return parser


def _given(args, name):
    v = getattr(args, name, None)
    return v not in (None, False)


def check_other_data(args):
    """Refuse the MNIST-1D-only options for the other data sets (one line, exit 2)."""
    for name in MNIST1D_ONLY:
        if _given(args, name):
            raise ValueError(f"--{name.replace('_', '-')} applies only to --data mnist1d; got --data {args.data}")


def _as_list(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]


def run_mnist1d(args):
    """Validate everything, then return a generator of rows (so that bad input fails before any run)."""
    try:
        import mnist1d  # noqa: F401
        import torch
    except ImportError as err:
        raise ValueError(f"data mnist1d needs torch and mnist1d (pip install replica[deep]); {err}") from None
    torch.set_num_threads(1)
    for name in _FOREIGN:
        if getattr(args, name, None) is not None:
            raise ValueError(f"--{name.replace('_', '-')} does not apply to --data mnist1d")
    algorithms = _as_list(getattr(args, "algorithm", ["sgd", "esgd", "rsgd"]))
    for a in algorithms:
        if a not in m1.ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(m1.ALGORITHMS)} for data=mnist1d; got {a!r}")
    model = getattr(args, "model", None) or "cnn"
    if model not in m1.MODELS:
        raise ValueError(f"model must be one of {', '.join(m1.MODELS)} for data=mnist1d; got {model!r}")
    fixed = {"model": model, "device": getattr(args, "device", None)}
    if getattr(args, "sigmas", None) is not None:
        fixed["sigmas"] = tuple(_as_list(args.sigmas))
    sweep = {n: _as_list(getattr(args, n)) for n in _NUMERIC if getattr(args, n, None) is not None}
    progress = getattr(args, "progress", "auto")
    if getattr(args, "tune", False):
        tuned = sorted({k for a in algorithms for k in GRIDS[a]} & set(sweep))
        if tuned:
            raise ValueError(f"--{tuned[0].replace('_', '-')} is chosen by --tune; drop it or drop --tune")
        seeds = sweep.pop("seed", [1, 2, 3, 4, 5])
        for k, v in sweep.items():
            if len(v) != 1:
                raise ValueError(f"--{k.replace('_', '-')} takes one value with --tune; got {len(v)}")
        base = m1.mnist1d_config(**fixed, **{k: v[0] for k, v in sweep.items()})
        tune_seed = 0 if getattr(args, "tune_seed", None) is None else args.tune_seed
        gen = protocol(base, algorithms, seeds, tune_seed=tune_seed, progress=progress)
        first = next(gen)  # protocol validates before its first run
        return _chain(first, gen)
    if _given(args, "tune_seed"):
        raise ValueError("--tune-seed applies only with --tune")
    combos = [dict()]
    for k, vals in sweep.items():
        combos = [dict(c, **{k: v}) for c in combos for v in vals]
    cfgs = [m1.mnist1d_config(**fixed, algorithm=a, **c) for a in algorithms for c in combos]
    return _runs(cfgs, [k for k, v in sweep.items() if len(v) > 1 and k != "seed"],
                 getattr(args, "summary", False), progress)


def _chain(first, gen):
    yield first
    yield from gen


def _runs(cfgs, swept, summary, progress):
    from .._lazy import tqdm_auto as tqdm

    disable = {"on": False, "off": True, "auto": None, True: None, False: True}[progress]
    rows = []
    for cfg in tqdm(cfgs, desc="mnist1d", disable=disable):
        row = m1.run(cfg)
        rows.append(row)
        yield row
    if summary:
        keys = ["test_error", "val_error", "train_error", "train_loss"]
        keys += [f"le_{kind}_{s:g}" for kind in ("train", "test") for s in cfgs[0].sigmas if s > 0]
        yield from paired_summary(rows, keys, by=tuple(["model"] + swept))

