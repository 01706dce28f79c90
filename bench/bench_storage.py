"""Binary storage solvers (issue 12, part 8): replicated-SA sweeps/s and binary-connect SGD steps/s at N = 801
against plain numpy loops (one vectorised numpy operation per proposal / per minibatch step).

    python bench/bench_storage.py            # ~1 min

Replicated sweep: y·N single-flip proposals (y = 7), each O(P) (the change of the stability energy of every
pattern, and the field update when accepted).  SGD step: one minibatch of 10 patterns (forward with sign(h),
hinge gradient, clipped update of the hidden weights, fields of the flipped weights).  α = 0.75 (P = 601): the runs
do not find a solution and spend the whole budget, at the final (cold) β for the SA part of the comparison.
"""

import math
import time

import numpy as np
from _timing import best, machine

from replica.entropic.storage import patterns, run_instance

N, ALPHA, Y = 801, 0.75, 7


def naive_rsa(X, sweeps, y=Y, beta=100.0, gamma=2.5, seed=0):
    """Replicated SA, plain numpy: a Python loop over proposals, numpy over the P patterns of each."""
    rng = np.random.default_rng(seed)
    p, n = X.shape
    XT = X.T.astype(np.int64)
    W = rng.choice([-1, 1], size=(y, n))
    F = W @ X.T.astype(np.int64)
    m = W.sum(axis=0)
    sqrtn = math.sqrt(n)
    lc = lambda x: abs(x) + math.log1p(math.exp(-2 * abs(x)))   # noqa: E731
    for _ in range(sweeps * y * n):
        a = rng.integers(y)
        i = rng.integers(n)
        s = W[a, i]
        new = F[a] - 2 * s * XT[i]
        de = (np.maximum(0, -new).sum() - np.maximum(0, -F[a]).sum()) / sqrtn
        x = -beta * de + lc(gamma * (m[i] - 2 * s)) - lc(gamma * m[i])
        if x >= 0 or rng.random() < math.exp(x):
            W[a, i] = -s
            m[i] -= 2 * s
            F[a] = new
    return W


def naive_sgd(X, steps, lr=0.01, kappa=0.5, batch=10, seed=0, check=True):
    """Binary-connect SGD, plain numpy: one vectorised minibatch step per Python iteration; ``check``: after every
    step test whether sign(h) stores every pattern (all P fields, as the kernel does incrementally — the same
    algorithm, which stops at the first solution), else only the minibatch's fields are computed."""
    rng = np.random.default_rng(seed)
    p, n = X.shape
    Xf = X.astype(float)
    h = rng.uniform(-0.1, 0.1, n)
    perm, pos = rng.permutation(p), 0
    for _ in range(steps):
        if pos + batch > p:
            perm, pos = rng.permutation(p), 0
        idx = perm[pos:pos + batch]
        pos += batch
        w = np.where(h >= 0, 1.0, -1.0)
        stab = Xf[idx] @ w / math.sqrt(n)
        viol = stab < kappa
        h += lr / (batch * math.sqrt(n)) * Xf[idx][viol].sum(axis=0)
        np.clip(h, -1.0, 1.0, out=h)
        if check and np.all(Xf @ np.where(h >= 0, 1.0, -1.0) > 0):
            break
    return h


def main():
    X = patterns(N, ALPHA, 0)
    p = X.shape[0]
    print(machine())
    print(f"N = {N}, alpha = {ALPHA}, P = {p}, y = {Y}")
    for m in ("sa", "rsa", "sgd", "rsgd", "esgd"):    # compile / load the kernels
        run_instance(m, 51, 0.5, 0, budget=10)
    budget = 700.0                                   # 100 replicated sweeps of 7 replicas
    t, r = best(lambda: run_instance("rsa", N, ALPHA, 0, budget=budget), n=3)
    assert not r.solved
    rsa_fast = budget / Y / t
    t_naive, _ = best(lambda: naive_rsa(X, 1), n=1)
    rsa_naive = 1.0 / t_naive
    budget = 100.0
    t, r = best(lambda: run_instance("sgd", N, ALPHA, 0, budget=budget), n=3)
    steps = budget * p / 10
    sgd_fast = steps / t
    n_naive = 3000
    t_naive, _ = best(lambda: naive_sgd(X, n_naive), n=3)
    sgd_naive = n_naive / t_naive
    t_naive, _ = best(lambda: naive_sgd(X, n_naive, check=False), n=3)
    sgd_naive_nocheck = n_naive / t_naive
    print(f"{'measurement':48s} {'numba':>12s} {'numpy loop':>12s} {'ratio':>8s}")
    print(f"{'replicated SA sweeps/s (y·N proposals each)':48s} {rsa_fast:12.1f} {rsa_naive:12.2f} "
          f"{rsa_fast / rsa_naive:7.0f}x")
    print(f"{'binary-connect SGD steps/s (batch 10)':48s} {sgd_fast:12.0f} {sgd_naive:12.0f} "
          f"{sgd_fast / sgd_naive:7.1f}x")
    print(f"{'  numpy loop without the per-step solution check':48s} {'':12s} {sgd_naive_nocheck:12.0f} "
          f"{sgd_fast / sgd_naive_nocheck:7.1f}x")
    t0 = time.perf_counter()
    run_instance("esgd", N, ALPHA, 0, budget=100.0)
    t_e = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_instance("rsgd", N, ALPHA, 0, budget=100.0)
    t_r = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_instance("sa", N, ALPHA, 0, budget=100.0)
    t_s = time.perf_counter() - t0
    print(f"100 sweep-equivalents at N = {N}: sa {t_s:.2f} s, rsgd {t_r:.2f} s, esgd {t_e:.2f} s "
          f"(esgd: N Gaussian draws per inner step)")


if __name__ == "__main__":
    main()
