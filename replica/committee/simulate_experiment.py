"""Success probability of the finite-K committee storage experiment, α_alg, and the CSV driver.

``run_experiment`` trains every (seed, activation, K, method, α) of a grid with
:func:`replica.committee.simulate.train` and appends one row per instance to a CSV as it finishes
(an interrupted run keeps its rows; a rerun skips the rows already there).  ``simulation_points`` gives
the fraction solved ± s.e. (binomial, √(p(1−p)/n)) and the mean local energy of the solutions found
(a DataFrame, the simulation panel of figures/committee_relu_vs_sign.py and figures/committee_methods.py);
``alpha_alg`` the α where the success probability crosses ½, from the maximum-likelihood logistic
fit ``p(α) = 1/(1 + exp((α − α_alg)/s))`` with a bootstrap error bar (instances resampled within each
α); ``alpha_alg_table`` tabulates it per (activation, K, N, method).

Command (the README's table; every pass of ``PASSES``, resumable)::

    OMP_NUM_THREADS=1 nice -n 10 python -m replica.committee.simulate_experiment
    python -m replica.committee.simulate_experiment --summary        # the α_alg table
"""

import argparse
import csv
import math
import os
import sys
import time

import numpy as np

from . import simulate

SIGMAS = (0.05, 0.1, 0.2, 0.4)
# hyper-parameters of each method (chosen on 3-instance pilots at K = 3, 5, 7 and α = 0.5 … 2.5)
METHOD_KW = {"gd": {}, "rsgd": {"replicas": 3, "gamma0": 0.1}, "esgd": {"inner_steps": 5, "gamma0": 0.01}}
TRAIN_KW = {"budget": 2000, "lr": 0.05, "lr_final": 5e-4, "momentum": 0.9, "kappa": 0.05}
FIELDS = ["activation", "K", "N", "alpha", "P", "method", "seed", "solved", "train_errors",
          "grad_evals", "epochs", "time_s"] + [f"le_{s:g}" for s in SIGMAS] + [f"le_se_{s:g}" for s in SIGMAS]
KEY = ("activation", "K", "N", "alpha", "method", "seed")


def run_instance(activation, K, N, alpha, method, seed, train_kw=None, sigmas=SIGMAS, samples=20):
    """Train one instance and return its row (local energies are nan when not solved)."""
    kw = {**TRAIN_KW, **METHOD_KW[method], **(train_kw or {})}
    X, y = simulate.instance(alpha, N, K, seed)
    t0 = time.process_time()
    r = simulate.train(X, y, activation, method, seed=seed, **kw)
    row = {"activation": activation, "K": K, "N": N, "alpha": alpha, "P": len(y), "method": method,
           "seed": seed, "solved": int(r.solved), "train_errors": r.train_errors, "grad_evals": r.grad_evals,
           "epochs": r.grad_evals, "time_s": round(time.process_time() - t0, 3)}
    le, se = ((np.full(len(sigmas), math.nan),) * 2 if not r.solved
              else simulate.local_energy(r.weights, X, y, activation, sigmas, samples, seed))
    row.update({f"le_{s:g}": v for s, v in zip(sigmas, le)})
    row.update({f"le_se_{s:g}": v for s, v in zip(sigmas, se)})
    return row


def _key(row):
    return (str(row["activation"]), int(row["K"]), int(row["N"]), float(row["alpha"]), str(row["method"]),
            int(row["seed"]))


def run_experiment(out, activations=("sign", "relu"), Ks=(3, 5, 7), N=315, alphas=(0.5, 1.0, 1.5, 2.0, 2.5, 3.0),
                   methods=simulate.METHODS, seeds=range(10), train_kw=None, progress=True):
    """Append one row per finished instance to the CSV ``out`` (seeds outermost, so that an
    interrupted run has every point at fewer seeds); rows already in ``out`` are skipped."""
    done = set()
    if os.path.exists(out):
        with open(out, newline="") as f:
            done = {_key(r) for r in csv.DictReader(f)}
    new = not os.path.exists(out) or os.path.getsize(out) == 0
    todo = [(a, K, N, al, m, s) for s in seeds for a in activations for K in Ks for m in methods for al in alphas]
    todo = [t for t in todo if (t[0], t[1], t[2], float(t[3]), t[4], t[5]) not in done]
    t0 = time.time()
    with open(out, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        if new:
            w.writeheader()
        for i, t in enumerate(todo):
            w.writerow(run_instance(*t, train_kw=train_kw))
            f.flush()
            if progress:
                print(f"\r{i + 1}/{len(todo)} {time.time() - t0:.0f}s", end="", file=sys.stderr, flush=True)
    return time.time() - t0


# the README's data set: a coarse α grid at 10 instances, then two α in between, then 15 instances around the
# transitions (each pass resumes the CSV, so the passes can be run, interrupted and rerun in any order)
PASSES = ({"alphas": (0.5, 1.0, 1.5, 2.0, 2.5, 3.0), "seeds": range(10)},
          {"alphas": (1.75, 2.25), "seeds": range(10)},
          {"alphas": (1.5, 1.75, 2.0, 2.25, 2.5), "seeds": range(15)})


def run_all(out="figures/data/committee_simulation.csv", progress=True):
    """Every pass of ``PASSES`` (K = 3, 5, 7; N = 315; sign and ReLU; gd, rsgd, esgd); returns the wall time."""
    return sum(run_experiment(out, progress=progress, **p) for p in PASSES)


def _logistic_nll(theta, a, s):
    mid, logw = theta
    z = (a - mid) / math.exp(logw)
    # p = 1/(1+e^z): −log p = log(1+e^z), −log(1−p) = log(1+e^{−z})
    return float(np.sum(np.where(s > 0, np.logaddexp(0, z), np.logaddexp(0, -z))))


def _fit_mid(a, s):
    from scipy.optimize import minimize

    if s.all() or not s.any():
        return math.nan
    best = min((minimize(_logistic_nll, [m0, math.log(0.2)], args=(a, s), method="Nelder-Mead")
                for m0 in np.unique(a)), key=lambda r: r.fun)
    return float(best.x[0])


def alpha_alg(alpha, solved, n_boot=200, seed=0):
    """α where the logistic MLE of the success probability crosses ½, and its bootstrap s.e.

    ``nan`` when the data never cross (all solved or none solved at every α).  When the outcomes are
    completely separated (every success at a smaller α than every failure) the logistic MLE does not
    exist; the midpoint of the gap is returned with half the gap as its error.
    """
    a, s = np.asarray(alpha, float), np.asarray(solved, float)
    if s.all() or not s.any():
        return math.nan, math.nan
    hi_ok, lo_fail = a[s > 0].max(), a[s == 0].min()
    if hi_ok < lo_fail:                    # complete separation: the MLE width → 0, any gap point fits
        return 0.5 * (hi_ok + lo_fail), 0.5 * (lo_fail - hi_ok)
    mid = _fit_mid(a, s)
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(a == v) for v in np.unique(a)]
    boots = []
    for _ in range(n_boot):
        idx = np.concatenate([rng.choice(g, len(g)) for g in groups])
        boots.append(_fit_mid(a[idx], s[idx]))
    boots = np.asarray(boots)
    boots = boots[np.isfinite(boots)]
    return mid, float(boots.std(ddof=1)) if len(boots) > 1 else math.nan


def simulation_points(path="figures/data/committee_simulation.csv"):
    """Per (activation, K, N, method, α): ``n``, ``frac_solved`` ± ``se``, mean grad evals of the solved
    runs, and the local energy ``le_σ`` ± ``le_se_σ`` (mean ± s.e. over solved instances)."""
    import pandas as pd

    df = pd.read_csv(path)
    out = []
    for key, g in df.groupby(["activation", "K", "N", "method", "alpha"]):
        p, n = g["solved"].mean(), len(g)
        row = dict(zip(["activation", "K", "N", "method", "alpha"], key), n=n, frac_solved=p,
                   se=math.sqrt(p * (1 - p) / n), grad_evals_solved=g.loc[g.solved == 1, "grad_evals"].mean())
        sol = g[g.solved == 1]
        for s in SIGMAS:
            c = f"le_{s:g}"
            if c in g:
                row[c] = sol[c].mean()
                row[f"le_se_{s:g}"] = sol[c].std(ddof=1) / math.sqrt(len(sol)) if len(sol) > 1 else math.nan
        out.append(row)
    return pd.DataFrame(out)


def alpha_alg_table(path="figures/data/committee_simulation.csv", n_boot=200):
    """α_alg ± bootstrap s.e. per (activation, K, N, method), with the measured α range and the
    K = ∞ RS spherical capacity α_c = k′(1)/B(0) = 2 k′(1) (B(0) = ∫_0^∞ Dt t² = ½; ∞ for sign)."""
    import pandas as pd

    from .kernels import kernel

    df = pd.read_csv(path)
    rows = []
    for key, g in df.groupby(["activation", "K", "N", "method"]):
        mid, se = alpha_alg(g["alpha"], g["solved"], n_boot=n_boot)
        rows.append(dict(zip(["activation", "K", "N", "method"], key), alpha_alg=mid, alpha_alg_se=se,
                         alpha_min=g.alpha.min(), alpha_max=g.alpha.max(), n_instances=len(g),
                         alpha_c_rs_kinf=2.0 * kernel(key[0]).dk1))
    return pd.DataFrame(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="figures/data/committee_simulation.csv")
    ap.add_argument("--n", type=int, default=315)
    ap.add_argument("--K", default="3,5,7")
    ap.add_argument("--alpha", default=None, help="comma-separated α (default: every pass of PASSES)")
    ap.add_argument("--seeds", type=int, default=10, help="instances 0 … SEEDS−1 (with --alpha)")
    ap.add_argument("--methods", default=",".join(simulate.METHODS))
    ap.add_argument("--summary", action="store_true", help="print the α_alg table of --out and exit")
    args = ap.parse_args(argv)
    if args.summary:
        print(alpha_alg_table(args.out).to_string(index=False))
        return
    if args.alpha is None:
        wall = run_all(args.out)
    else:
        wall = run_experiment(args.out, Ks=tuple(int(k) for k in args.K.split(",")), N=args.n,
                              alphas=tuple(float(a) for a in args.alpha.split(",")),
                              methods=tuple(args.methods.split(",")), seeds=range(args.seeds))
    print(f"\nwall time {wall:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
