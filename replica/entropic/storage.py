"""Binary-weight perceptron storage near capacity: plain vs entropic solvers under one budget (issue 12).

Instances
---------
``P = round(αN)`` random patterns ``ξ^μ ∈ {±1}^N`` with random ±1 labels absorbed into them (the law is
symmetric),
N odd, so that the integer field ``f_μ = Σ_i w_i ξ^μ_i`` of binary weights ``w ∈ {±1}^N`` is odd and never zero.
A solution has every stability ``Δ_μ = f_μ/√N > 0``.  Instance ``k`` of size N at load α draws its patterns from
``SeedSequence([seed, N, round(1e6 α), k])``; the solver's own randomness from ``SeedSequence([seed, N,
round(1e6 α), k, method code, run])`` — every row is reproducible on its own, and all methods see the same
instances.

Budget (equal for every method, replicas count)
-----------------------------------------------
The unit is one **sweep-equivalent** = P·N elementary pattern–weight operations: N single-flip proposals
(each costs O(P): the change of every field) or one epoch of per-pattern gradients (P patterns × N weights).
A run with ``budget = B`` gets ``B·N`` proposals (SA; replicated SA: ``B/y`` sweeps of each of the y replicas)
or ``B·P`` per-pattern gradient evaluations (SGD: ``B`` epochs; Replicated-SGD: ``B/y`` epochs of each replica;
Entropy-SGD: ``B·P/batch`` inner SGLD steps).  A run stops as soon as it holds a solution (it then reports the
sweep-equivalents it used) and fails when the budget is spent.  Checking for a solution is free (the fields of
every configuration are updated incrementally, O(P) per weight that changes sign) and is the same for all.

Methods (``ALGORITHMS``)
------------------------
``sa``    simulated annealing on ``E(w) = Σ_μ max(0, -Δ_μ)`` (the *stability* energy; ``energy="errors"`` counts
          violated patterns instead), Metropolis single flips, β geometric from β0 to β1 over the budget;
``rsa``   replicated simulated annealing (robust ensemble, Baldassi et al. PNAS 2016 — the scheme of
          :mod:`replica.perceptron.dense_simulate` with the centre traced out): y replicas, measure
          ``Π_a e^{-βE(w^a)} Π_i 2cosh(γ m_i)``, ``m_i = Σ_a w^a_i``; β and the scoped coupling γ geometric from
          (β0, γ0) to (β1, γ1) over the budget; solved when a replica or the majority centre sign(m) is a solution;
``sgd``   "binary-connect" SGD: continuous hidden weights ``h ∈ [-1, 1]^N`` (clipped), forward pass with
          ``w = sign(h)``, minibatch gradient of the hinge ``max(0, κ_t - Δ_μ)`` passed straight through to h;
``rsgd``  Replicated-SGD on the same: y hidden replicas, each a binary-connect SGD chain with its own minibatch
          stream, pulled after every step toward their mean c by ``h^a += η γ_t (c - h^a)``, γ_t geometric from
          γ0 to γ1 (scoping); solved when a replica or the centre sign(c) is a solution;
``esgd``  Entropy-SGD on the same: a walker h' (SGLD: ``h' += η'(-∇L(sign h') - γ_t(h' - h)) + √η' ε N(0, I)``,
          clipped) started from the centre h at every outer step, running mean ``μ <- a μ + (1-a) h'``, outer step
          ``h <- h - η_o (h - μ)`` after L inner steps (the package's conventions, :mod:`.optimizers`); solved when
          the walker or the centre sign(h) is a solution.

The kernels are numba-compiled (``bench/bench_storage.py``: against plain numpy loops).  ``run_instance`` runs one
(method, N, α, instance); :func:`storage_rows` the product with a progress bar, one row per instance as it
finishes; :func:`summarize` the success probability per point (Wilson 95 % interval) and :func:`alpha_alg` the
algorithmic threshold (logistic fit in α, bootstrap error bar over instances).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .storage_kernels import ALGORITHMS, _esgd, _rsa, _rsgd, _seed, _sgd
from .storage_stats import _truthy, alpha_alg, summarize, threshold_differences, wilson  # noqa: F401 (re-exported)


__all__ = ["ALGORITHMS", "DEFAULTS", "patterns", "run_instance", "StorageRun", "storage_rows", "summarize",
           "alpha_alg", "threshold_differences", "local_energy_flips", "overlap"]

_CODE = {name: k for k, name in enumerate(ALGORITHMS)}
ENERGIES = ("stability", "errors")

# Hyperparameters of every method: the best of a grid of four settings per method (equal search budget) by the
# number of instances solved at N = 201, α ∈ {0.6, 0.65}, budget 1000, on instances 1000-1019, which the experiments
# do not use (docs/storage_binary.md; figures/data/storage_binary_tuning.jsonl).  Batch size 10 for the SGD family.
DEFAULTS = {
    "sa": dict(beta0=5.0, beta1=200.0, energy="stability"),
    "rsa": dict(y=7, beta0=2.0, beta1=100.0, gamma0=0.5, gamma1=2.5, energy="stability"),
    "sgd": dict(lr=0.01, kappa_train=0.5, batch=10),
    "rsgd": dict(y=7, lr=0.05, kappa_train=0.5, batch=10, gamma0=0.01, gamma1=2.0),
    "esgd": dict(lr=0.05, kappa_train=0.5, batch=10, inner=10, noise=1e-2, average=0.75, outer_lr=0.5,
                 gamma0=0.1, gamma1=10.0),
}


# ----------------------------------------------------------------------------------------- instances
def patterns(n, alpha, instance, seed=0):
    """The ±1 patterns (P, N) of instance ``instance`` (int8), labels absorbed (module docstring)."""
    n, p = _sizes(n, alpha)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), n, int(round(1e6 * alpha)), int(instance)]))
    return (2 * rng.integers(0, 2, size=(p, n), dtype=np.int8) - 1).astype(np.int8)


def _sizes(n, alpha):
    n = int(n)
    if n < 3 or n % 2 == 0:
        raise ValueError(f"n must be an odd integer >= 3 (the fields of binary weights are then never 0); got {n}")
    if not (math.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be a finite number > 0; got {alpha}")
    p = int(round(alpha * n))
    if p < 1:
        raise ValueError(f"alpha*n must round to at least 1 pattern; got alpha={alpha}, n={n}")
    return n, p


# ----------------------------------------------------------------------------------------- one run
@dataclass(frozen=True)
class StorageRun:
    """One run: ``solved``, the configuration returned (the solution if solved: the replica/walker or centre that
    satisfied every pattern; otherwise the centre, or SA's state), its violated fraction, the sweep-equivalents used
    (``used`` ≤ ``budget``; ``spent``: the same counted from the kernel's own work, also for a failed run), who
    solved (``"replica"``, ``"centre"`` or ``""``) and the wall time."""

    method: str
    n: int
    alpha: float
    instance: int
    solved: bool
    used: float
    budget: float
    train_error: float
    found_by: str
    seconds: float
    w: np.ndarray = field(repr=False)
    spent: float = math.nan     # sweep-equivalents actually done (proposals/N or gradients/P), solved or not


def _params(method, params):
    if method not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}; got {method!r}")
    out = dict(DEFAULTS[method])
    for k, v in (params or {}).items():
        if k not in out:
            raise ValueError(f"{method} has no hyperparameter {k!r} (it has {', '.join(out)})")
        out[k] = v
    if "y" in out and not (int(out["y"]) >= 1 and int(out["y"]) % 2 == 1):
        raise ValueError(f"y (replicas) must be an odd integer >= 1; got {out['y']}")
    if "energy" in out and out["energy"] not in ENERGIES:
        raise ValueError(f"energy must be one of {', '.join(ENERGIES)}; got {out['energy']!r}")
    for k, v in out.items():
        if k not in ("energy",) and not (math.isfinite(float(v)) and float(v) > 0):
            raise ValueError(f"{method}: {k} must be a finite number > 0; got {v}")
    return out


def run_instance(method, n, alpha, instance, budget=1000, seed=0, run=0, params=None, X=None):
    """Run ``method`` on instance ``instance`` of size ``n`` at load ``alpha`` with ``budget`` sweep-equivalents
    (module docstring); ``params`` override :data:`DEFAULTS`; ``run`` numbers independent runs on the same
    instance (different solver randomness).  Returns a :class:`StorageRun`."""
    hp = _params(method, params)
    n, p = _sizes(n, alpha)
    if not (math.isfinite(budget) and budget > 0):
        raise ValueError(f"budget must be a finite number > 0 (sweep-equivalents); got {budget}")
    X = patterns(n, alpha, instance, seed) if X is None else np.ascontiguousarray(X, dtype=np.int8)
    XT = np.ascontiguousarray(X.T)
    ss = np.random.SeedSequence([int(seed), n, int(round(1e6 * alpha)), int(instance), _CODE[method], int(run)])
    rng = np.random.default_rng(ss)
    _seed(int(rng.integers(2**31 - 1)))
    t0 = time.perf_counter()
    Xl = X.astype(np.int64)
    if method in ("sa", "rsa"):
        y = int(hp.get("y", 1))
        W = rng.choice([-1.0, 1.0], size=(y, n))
        F = (W.astype(np.int64) @ Xl.T)
        m = W.sum(axis=0)
        wc = np.where(m > 0, 1, -1)
        G = Xl @ wc
        sweeps = max(1, int(budget // y))
        who, done = _rsa(XT, W, F, m, G, 1 if hp["energy"] == "errors" else 0, float(hp["beta0"]),
                         float(hp["beta1"]), float(hp.get("gamma0", 0.0)), float(hp.get("gamma1", 0.0)), sweeps,
                         y > 1)
        used = done / n
        if who == y:
            w, by = np.where(m > 0, 1.0, -1.0), "centre"
        elif who >= 0:
            w, by = W[who].copy(), "replica"
        else:
            w, by = (np.where(m > 0, 1.0, -1.0) if y > 1 else W[0].copy()), ""
    else:
        kf = float(hp["kappa_train"]) * math.sqrt(n)
        max_grads = int(round(budget * p))
        batch = int(hp["batch"])
        if method == "sgd":
            h = rng.uniform(-1.0, 1.0, n) * 0.1
            w = np.where(h >= 0, 1.0, -1.0)
            F = Xl @ w.astype(np.int64)
            who, grads = _sgd(X, XT, h, w, F, float(hp["lr"]), kf, batch, max_grads)
            by = "replica" if who == 0 else ""
        elif method == "rsgd":
            y = int(hp["y"])
            H = rng.uniform(-1.0, 1.0, (y, n)) * 0.1
            W = np.where(H >= 0, 1.0, -1.0)
            F = W.astype(np.int64) @ Xl.T
            c = H.mean(axis=0)
            wc = np.where(c >= 0, 1.0, -1.0)
            G = Xl @ wc.astype(np.int64)
            who, grads = _rsgd(X, XT, H, W, F, c, wc, G, float(hp["lr"]), kf, batch, float(hp["gamma0"]),
                               float(hp["gamma1"]), max_grads)
            w = W[who].copy() if 0 <= who < y else wc.copy()
            by = "centre" if who == y else ("replica" if who >= 0 else "")
        else:
            h = rng.uniform(-1.0, 1.0, n) * 0.1
            w = np.where(h >= 0, 1.0, -1.0)
            F = Xl @ w.astype(np.int64)
            hp_, wp, Fp, mu = h.copy(), w.copy(), F.copy(), h.copy()
            who, grads = _esgd(X, XT, h, w, F, hp_, wp, Fp, mu, float(hp["lr"]), kf, batch, int(hp["inner"]),
                               float(hp["noise"]), float(hp["average"]), float(hp["outer_lr"]),
                               float(hp["gamma0"]), float(hp["gamma1"]), max_grads)
            if who == 1:
                w = wp.copy()
            by = {0: "centre", 1: "replica"}.get(int(who), "")
        used = grads / p
    seconds = time.perf_counter() - t0
    w = np.asarray(w, dtype=float)
    err = float(np.mean(Xl @ w.astype(np.int64) < 0))
    solved = err == 0.0
    return StorageRun(method, n, float(alpha), int(instance), solved, float(used) if solved else float(budget),
                      float(budget), err, by, seconds, w, float(used))


# ----------------------------------------------------------------------------------------- flatness
def local_energy_flips(X, w, flip_p, n_draws=50, rng=None):
    """δε(p): mean fraction of patterns violated after flipping each weight independently with probability p,
    minus the fraction violated by w itself (the estimator of :mod:`replica.perceptron.local_energy_simulate`);
    returns ``(mean, standard error over draws)``."""
    rng = np.random.default_rng(rng)
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    e0 = np.mean(X @ w < 0)
    flips = rng.random((n_draws, w.size)) < flip_p
    Wn = w[None, :] * np.where(flips, -1.0, 1.0)
    e = np.mean((Wn @ X.T) < 0, axis=1) - e0
    return float(e.mean()), float(e.std(ddof=1) / math.sqrt(n_draws)) if n_draws > 1 else math.nan


def overlap(w1, w2):
    """q = w1·w2/N of two binary configurations."""
    return float(np.dot(w1, w2) / len(w1))


# ----------------------------------------------------------------------------------------- sweeps
def storage_rows(methods, ns, alphas, instances, budget=1000, seed=0, params=None, flip_p=(), n_draws=50,
                 done=None, progress=False, first_instance=0):
    """One row per (method × N × α × instance), yielded as each finishes (product order: method slowest).

    ``done``: rows already computed (``--resume``): a row whose (algorithm, n, alpha, instance, budget, seed) is in it
    is skipped.  ``flip_p``: flip probabilities at which δε(p) of each solution is measured (columns
    ``le_p{p}``).  ``progress``: a tqdm bar over the runs on stderr."""
    from .._lazy import tqdm

    params = params or {}
    for m in methods:
        _params(m, params.get(m))
    for n in ns:
        _sizes(n, min(alphas))
    if int(instances) < 1:
        raise ValueError(f"instances must be >= 1; got {instances}")
    keys = {_key(r) for r in (done or ())}
    todo = [(m, int(n), float(a), k) for m in methods for n in ns for a in alphas
            for k in range(first_instance, first_instance + int(instances))]
    bar = tqdm(total=len(todo), desc="storage", file=sys.stderr, disable=not progress, leave=False)
    try:
        for m, n, a, k in todo:
            if (m, n, round(a, 12), k, float(budget), int(seed)) in keys:
                bar.update(1)
                continue
            bar.set_postfix_str(f"{m} N={n} α={a:g}", refresh=False)
            r = run_instance(m, n, a, k, budget, seed, params=params.get(m))
            row = {"algorithm": m, "n": n, "alpha": a, "instance": k, "seed": int(seed), "budget": float(budget),
                   "solved": r.solved, "used": r.used, "train_error": r.train_error, "found_by": r.found_by,
                   "seconds": round(r.seconds, 4)}
            if flip_p:
                X = patterns(n, a, k, seed)
                for j, pf in enumerate(flip_p):
                    row[f"le_p{pf:g}"] = local_energy_flips(X, r.w, pf, n_draws, rng=[int(seed), k, j])[0] \
                        if r.solved else math.nan
            bar.update(1)
            yield row
    finally:
        bar.close()


def _key(r):
    return (str(r["algorithm"]), int(float(r["n"])), round(float(r["alpha"]), 12), int(float(r["instance"])),
            float(r.get("budget", math.nan)), int(float(r.get("seed", 0))))

