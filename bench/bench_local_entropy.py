"""Benchmark: GM local entropy Φ(d) — one point (warm), a 30-point curve, against the slow scipy reference.

Run from the repo root: python bench/bench_local_entropy.py   (prints a table, one row per measurement)

Case: logistic loss, α = 2, Δ = 1, λ = 1, balanced, no bias; the point is d = 0.05.  "Warm" means numba is
compiled and the minimiser is solved; the point itself is solved from scratch (no warm start in β).
Rows:
- Φ(d) point: joint Newton on (Q, M, T, β) (the default path).
- Φ(d) point, bracket + Brent fallback: the pre-Newton algorithm (β bracketed, then Brent, each e(β) from a
  damped-Anderson fixed point), run by disabling Newton, on the same kernels — the algorithmic speed-up.
- Φ_β point at fixed β = β*: the saddle point alone.
- 30-point curve d = 0.001..0.25 (warm-started from the largest d down), and the same swept both ways.
- the slow independent reference (tests/gaussian_mixture/reference_local_entropy.py: F(Q, M, T) on a
  4001 × 160 grid made stationary by scipy.optimize.root) at the same β*, with the differences in Φ_β, in
  Φ(d) = Φ_β + αβ*e and in e(β*) - e (the β-condition checked by the reference), and the time ratios.
"""

import importlib
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from replica.gaussian_mixture.erm import erm  # noqa: E402
from replica.gaussian_mixture.local_entropy import (local_entropy, local_entropy_curve,  # noqa: E402
                                                   local_free_entropy)
from tests.gaussian_mixture.reference_local_entropy import FreeEntropyRef  # noqa: E402

le_module = importlib.import_module("replica.gaussian_mixture.local_entropy")
TARGETS = {"point": 0.050, "curve": 1.5}
ARGS = ("logistic", 2.0, 1.0, 1.0)
D = 0.05


def timed(fn, repeat=5):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def without_newton(fn):
    """Run ``fn`` with the joint Newton solver disabled (the bracket + Brent fallback does the work)."""
    original = le_module._Shell.newton

    def fail(*args, **kwargs):
        raise le_module._NewtonFailed("disabled for the benchmark")

    le_module._Shell.newton = fail
    try:
        return fn()
    finally:
        le_module._Shell.newton = original


def main():
    ref = erm(*ARGS)
    alpha = ARGS[1]
    local_entropy(*ARGS, D, reference=ref)  # compile / warm the cache
    local_entropy_curve(*ARGS, d=[0.01, 0.1], reference=ref)
    t_point, r = timed(lambda: local_entropy(*ARGS, D, reference=ref))
    t_old, r_old = timed(lambda: without_newton(lambda: local_entropy(*ARGS, D, reference=ref)), repeat=1)
    t_fixed, fe = timed(lambda: local_free_entropy(*ARGS, D, r.beta, reference=ref))
    t_curve, sw = timed(lambda: local_entropy_curve(*ARGS, reference=ref), repeat=3)
    t_both, sw2 = timed(lambda: local_entropy_curve(*ARGS, reference=ref, direction="both"), repeat=1)
    assert all(x.converged for x in sw.results + sw2.forward + sw2.backward)
    t0 = time.perf_counter()
    slow = FreeEntropyRef(ARGS[0], alpha, 1.0, 0.5, ref.m, ref.q, ref.V, ref.b, D).saddle(r.beta)
    t_slow = time.perf_counter() - t0
    phi_slow = slow["phi"] + alpha * r.beta * ref.train_error

    rows = [
        ("Φ(d) point, d=0.05 (joint Newton)", t_point, TARGETS["point"],
         f"phi={r.phi:.10f}, beta*={r.beta:.6f}, {r.iterations} Newton steps"),
        ("Φ(d) point, bracket+Brent fallback", t_old, None,
         f"Newton is {t_old / t_point:.0f}x faster; |dphi|={abs(r_old.phi - r.phi):.1e}"),
        ("Φ_β point at fixed β=β*", t_fixed, None, f"{fe.iterations} Newton steps"),
        ("30-point curve d=0.001..0.25", t_curve, TARGETS["curve"],
         f"{sum(x.iterations for x in sw.results)} Newton steps in all"),
        ("30-point curve, both directions", t_both, None, ""),
        ("slow scipy reference Φ_β at β* (4001x160 + root)", t_slow, None,
         f"ratio {t_slow / t_fixed:.0f}x vs Φ_β point, {t_slow / t_point:.0f}x vs Φ(d) point (ref. solves one β)"),
    ]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    print(f"{'measurement':50s} {'time':>10s} {'target':>8s}  notes")
    for name, t, target, note in rows:
        tt = f"{1e3 * t:.1f} ms" if t < 1 else f"{t:.2f} s"
        tg = "" if target is None else (f"{1e3 * target:.0f} ms" if target < 1 else f"{target:.1f} s")
        ok = "" if target is None else (" ok" if t <= target else " MISSED")
        print(f"{name:50s} {tt:>10s} {tg:>8s}{ok}  {note}")
    print(f"accuracy vs reference at β*: |dΦ_β| = {abs(slow['phi'] - fe.phi):.1e}, "
          f"|dΦ(d)| = {abs(phi_slow - r.phi):.1e}, "
          f"|e_ref(β*) - e| = {abs(slow['energy'] - ref.train_error):.1e}, |dQ,dM,dT| = "
          f"{max(abs(slow['Q'] - r.Q), abs(slow['M'] - r.M), abs(slow['T'] - r.T)):.1e}")


if __name__ == "__main__":
    main()
