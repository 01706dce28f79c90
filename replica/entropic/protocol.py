"""A fair comparison protocol for optimisers: tuning on a validation split with the same search budget for
every method, evaluation over seeds at the chosen settings, and paired differences with t-intervals.

1. **Tuning** (``tune``): every method runs each point of its grid (``GRIDS``: the same number of points,
   ``SEARCH_BUDGET``, for every method) once, on the tuning seed, at the common budget of gradient
   evaluations; the point with the lowest validation error (``val_error``, measured on held-out training
   sequences, never the test set) is chosen; ties go to the first point of the grid, a diverged point
   counts as error +inf.
2. **Evaluation** (``evaluate``): each method at its chosen point, on the evaluation seeds (disjoint from the
   tuning seed).  The same seed gives every method the same split, label noise and initialisation.
3. **Paired differences** (``paired_summary``): per seed, d_s = x_s(method) - x_s(reference), and the 95 %
   t-interval  d̄ ± t_{0.975, n-1} s_d / √n  (s_d the sample standard deviation, n seeds; scipy.stats.t).

``protocol`` chains the three and yields each row as soon as it is done (``phase`` = ``"tune"``,
``"eval"`` or ``"summary"``), so an interrupted run keeps its finished rows.
"""

import itertools
import math
from dataclasses import replace

import numpy as np

from .._lazy import tqdm_auto as tqdm
from .mnist1d import ALGORITHMS, Mnist1dConfig, mnist1d_config, run

__all__ = ["GRIDS", "SEARCH_BUDGET", "VARIANTS", "grid_points", "common_budget", "select", "at_edge", "t_interval",
           "paired_summary", "protocol"]

# Every method gets the same number of tuning runs (SEARCH_BUDGET); the grids vary each method's step size and,
# for the entropic methods, the initial coupling γ0 of the scoping γ_t = γ0 (1 + γ1)^t.
GRIDS = {
    "sgd": {"lr": (0.02, 0.05, 0.1, 0.2)},                             # momentum 0.9
    "esgd": {"sgld_lr": (0.3, 1.0), "gamma0": (0.01, 0.1)},           # L = 5, η = 1, outer momentum 0.5
    "rsgd": {"lr": (0.1, 0.3), "gamma0": (0.01, 0.1)},               # y = 3, momentum 0.9
}
SEARCH_BUDGET = 4
# the two settings of the benchmark: the full training set, and a small training set with noisy labels
VARIANTS = {
    "clean": dict(n_train=3200, n_val=800, label_noise=0.0),
    "noisy": dict(n_train=1000, n_val=800, label_noise=0.2),
}


def grid_points(algorithm, grids=None):
    """The points of ``algorithm``'s grid (Cartesian product, first option slowest) as option dicts."""
    grid = (GRIDS if grids is None else grids)[algorithm]
    names = list(grid)
    return [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]


def common_budget(base, algorithms):
    """G = round(epochs ⌈n_train/B⌉) if every algorithm spends exactly G (G a multiple of each step's cost:
    L for Entropy-SGD, y for Replicated-SGD), else ValueError naming the nearest valid budgets."""
    G = base.grad_budget
    unit = math.lcm(*[{"sgd": 1, "esgd": base.inner_steps, "rsgd": base.replicas}[a] for a in algorithms])
    if G % unit:
        lo = G // unit * unit
        raise ValueError(f"epochs must give a multiple of {unit} gradient evaluations (the cost of one step of each "
                         f"of {', '.join(algorithms)}) for an equal budget; got {G} (try {lo or unit} or {lo + unit}: "
                         f"epochs = G / {base.batches_per_epoch})")
    return G


def select(rows, key="val_error"):
    """The row of ``rows`` (one algorithm's tuning runs, in grid order) with the lowest ``key``; a diverged or
    NaN row counts as +inf; ties go to the earliest row."""
    def score(r):
        v = float(r.get(key, math.nan))
        return math.inf if (r.get("diverged") or math.isnan(v)) else v

    return min(enumerate(rows), key=lambda ir: (score(ir[1]), ir[0]))[1]


def t_interval(values, confidence=0.95):
    """Mean and two-sided t-interval of the mean: ``(mean, low, high)``; ``x̄ ± t_{(1+c)/2, n-1} s/√n``.

    NaNs are dropped; fewer than two values give NaN bounds.
    """
    from scipy.stats import t

    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return math.nan, math.nan, math.nan
    m = float(v.mean())
    if v.size < 2:
        return m, math.nan, math.nan
    half = float(t.ppf(0.5 + confidence / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return m, m - half, m + half


def paired_summary(rows, keys, reference="sgd", by=("model", "variant"), confidence=0.95):
    """One summary row per (``by`` …, algorithm): ``n``, mean and s.e. of each of ``keys``, and, for every
    algorithm with ``reference`` runs on the same seeds, the paired difference ``{k}_minus_ref`` with its
    ``{k}_minus_ref_lo``/``_hi`` t-interval (``confidence``)."""
    groups = {}
    for r in rows:
        groups.setdefault(tuple(r.get(k) for k in by) + (r["algorithm"],), []).append(r)
    out = []
    for key, rs in groups.items():
        s = dict(zip(by + ("algorithm",), key), phase="summary", n=len(rs),
                 n_diverged=sum(bool(r.get("diverged")) for r in rs), grad_evals=rs[0].get("grad_evals"))
        for k in keys:
            v = np.array([float(r.get(k, math.nan)) for r in rs])
            v = v[~np.isnan(v)]
            s[k] = float(v.mean()) if v.size else math.nan
            s[k + "_se"] = float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan
        ref = {r["seed"]: r for r in groups.get(key[:-1] + (reference,), [])}
        paired = [(r, ref[r["seed"]]) for r in rs if r["seed"] in ref]
        if paired and key[-1] != reference:
            s["n_paired"] = len(paired)
            for k in keys:
                m, lo, hi = t_interval([float(a.get(k, math.nan)) - float(b.get(k, math.nan)) for a, b in paired],
                                       confidence)
                s.update({f"{k}_minus_ref": m, f"{k}_minus_ref_lo": lo, f"{k}_minus_ref_hi": hi})
        out.append(s)
    return out


def at_edge(point, grid):
    """Names of the options of ``point`` that sit at the smallest or largest value of a ``grid`` axis of three or
    more values (a longer axis might have found a better point there), comma-separated; "" when none.  A
    two-value axis cannot bracket an optimum and is not reported."""
    return ",".join(k for k, v in point.items() if len(grid[k]) > 2 and v in (min(grid[k]), max(grid[k])))


def _label(point):
    return ", ".join(f"{k}={v:g}" for k, v in point.items())


def protocol(base=None, algorithms=ALGORITHMS, seeds=range(1, 6), tune_seed=0, grids=None, variant="",
             progress=True, **options):
    """Tune every algorithm on the validation split, then run the evaluation seeds; yields rows.

    ``base``: a ``Mnist1dConfig`` (or ``options`` for one) holding everything not tuned; each algorithm's
    fixed settings are those of ``base``.  ``tune_seed`` must not be one of ``seeds``.  Rows: ``phase="tune"``
    (one per grid point: the options, ``val_error``, ``train_error``, ``grad_evals``; the test error and
    local energy are left out of the row, so selection never sees them), ``phase="eval"`` (one per algorithm and seed, with ``chosen`` = the selected grid point and
    ``grid`` = the grid searched), then the ``paired_summary`` rows (reference SGD when it ran).
    ``progress``: a bar over all runs (True: on a terminal; ``"on"``/``"off"``).
    """
    base = mnist1d_config(**options) if base is None else (replace(base, **options).validate() if options else base)
    algorithms, seeds = list(algorithms), list(seeds)
    if not algorithms:
        raise ValueError("algorithm must name at least one of sgd, esgd, rsgd; got none")
    if tune_seed in seeds:
        raise ValueError(f"tune_seed must differ from the evaluation seeds {seeds}; got {tune_seed}")
    grids = GRIDS if grids is None else grids
    common_budget(base, algorithms)
    points = {a: grid_points(a, grids) for a in algorithms}
    sizes = {len(p) for p in points.values()}
    if len(sizes) != 1:
        raise ValueError(f"grids must have the same number of points for every algorithm; got {sorted(sizes)}")
    for a, pts in points.items():
        for p in pts:
            replace(base, algorithm=a, **p).validate()  # a bad grid fails before any run
    disable = {"on": False, "off": True, "auto": None, True: None, False: True}[progress]
    bar = tqdm(total=sum(map(len, points.values())) + len(algorithms) * len(seeds), desc=f"mnist1d {base.model} "
               f"{variant}".strip(), disable=disable)
    extra = {"variant": variant} if variant else {}
    eval_rows = []
    try:
        chosen = {}
        for a in algorithms:
            tuned = []
            for p in points[a]:
                r = run(replace(base, algorithm=a, seed=tune_seed, samples=2, sigmas=(0.0,), **p))
                row = {"phase": "tune", **extra, **{k: v for k, v in r.items()
                                                    if not k.startswith(("le_", "test_error"))}, "point": _label(p)}
                tuned.append(row)
                bar.update()
                yield row
            best = select(tuned)
            chosen[a] = {k: best[k] for k in points[a][0]}
        grid = {a: "; ".join(f"{k} in {{{', '.join(f'{v:g}' for v in vals)}}}" for k, vals in grids[a].items())
                for a in algorithms}
        for s in seeds:  # seed-major: an interrupted run still holds complete pairs
            for a in algorithms:
                r = run(replace(base, algorithm=a, seed=s, **chosen[a]))
                row = {"phase": "eval", **extra, **r, "chosen": _label(chosen[a]), "grid": grid[a]}
                eval_rows.append(row)
                bar.update()
                yield row
    finally:
        bar.close()
    keys = ["test_error", "val_error", "train_error", "train_loss"]
    keys += [f"le_{kind}_{s:g}" for kind in ("train", "test") for s in base.sigmas if s > 0]
    for s in paired_summary(eval_rows, keys, by=("model", "variant") if variant else ("model",)):
        a = s["algorithm"]
        s["chosen"] = _label(chosen[a])
        s["chosen_at_edge"] = at_edge(chosen[a], grids[a])
        yield s

