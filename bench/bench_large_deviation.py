"""Benchmark: y = ∞ dense-region local entropy (issue 10 part 10), against the slow scipy reference.

Run: python bench/bench_large_deviation.py   (prints a table to paste into bench/RESULTS.md)
Targets (issue 10): a y = ∞ point ≤ 5 ms warm, a 40-point curve ≤ 0.2 s, a finite-y point ≤ 0.2 s (the finite-y slow
reference, tests/perceptron/reference_ld_finite_slow.py, is timed for one evaluation of its five equations: a whole
slow solve takes minutes).
Warm timings (numba compiled and cached before timing), best of 20 for points and kernels, best of 3 for curves;
one run of the slow reference (scipy quad + brentq + optimize.root on the five direct stationarity conditions,
tests/perceptron/reference_ld_slow.py, imports nothing from ``replica``), started from the fast saddle perturbed
by 2 %.  "agreement" is |ΔS_I| and the largest |Δ| of (q1, δq, q̂0, ĉ, σ̂).
"""

import os
import platform
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from replica.perceptron.large_deviation import ld_local_entropy, ld_local_entropy_curve, ld_threshold  # noqa: E402
from replica.perceptron.ld_kernels import ld_map  # noqa: E402
from replica.saddle_point.quadrature import gauss_legendre  # noqa: E402
from tests.perceptron import reference_ld_slow as ref  # noqa: E402
from tests.perceptron import reference_ld_finite_slow as fref  # noqa: E402

warnings.simplefilter("ignore")


def best(f, n=3):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return min(ts), out


def main():
    alpha, d = 0.5, 0.05
    ld_local_entropy_curve(alpha, [0.2, 0.05])   # compile / load the cache
    near = ld_local_entropy(alpha, d * 1.02)
    t_warm, r = best(lambda: ld_local_entropy(alpha, d, start=near), n=20)
    t_cold, rc = best(lambda: ld_local_entropy(alpha, d), n=3)
    x, w = gauss_legendre(8)
    y = (-np.log1p(-r.q1), np.log(r.dq), r.sigma_hat)
    t_map, _ = best(lambda: ld_map(*y, alpha, 0.0, x, w), n=50)
    start = (r.q1 * 1.02, r.dq * 1.02, r.qhat0 * 0.98, r.chat * 1.02, r.sigma_hat * 1.02)
    t_slow, s = best(lambda: ref.solve(alpha, d, start), n=1)
    dx = max(abs(a - b) for a, b in zip((r.q1, r.dq, r.qhat0, r.chat, r.sigma_hat),
                                        (s["q1"], s["dq"], s["qhat0"], s["chat"], s["sigma"])))
    ds = np.geomspace(0.005, 0.24, 40)
    curves = [(a, *best(lambda a=a: ld_local_entropy_curve(a, ds), n=3)) for a in (0.3, 0.5, 0.6, 0.75)]
    t_thr, a_thr = best(lambda: ld_threshold(), n=1)
    # finite y (target ≤ 0.2 s): cold at y = 500 (y = ∞ solve + Newton), warm at y = 10 (a finite-y start at d·1.02)
    ld_local_entropy(0.6, 0.05, y=500.0)
    t_fy, rf = best(lambda: ld_local_entropy(0.6, 0.05, y=500.0), n=3)
    near10 = ld_local_entropy(0.6, 0.051, y=10.0)
    t_fy10, r10 = best(lambda: ld_local_entropy(0.6, 0.05, y=10.0, start=near10), n=3)
    x10 = np.array([r10.q1, r10.q0, r10.qhat1, r10.qhat0, r10.sigma_hat])
    t_fslow, res_slow = best(lambda: np.max(np.abs(fref.equations(x10, 10.0, 0.6, 0.0, r10.S))), n=1)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    print("| measurement | replica | slow scipy reference | ratio | agreement |")
    print("|---|---|---|---|---|")
    print(f"| y=∞ point α=0.5 d=0.05, warm (Newton from d·1.02, {r.iterations} it) | {t_warm*1e3:.2f} ms | "
          f"{t_slow:.2f} s | {t_slow/t_warm:.0f}× | ΔS_I {abs(r.phi - s['phi']):.1e}, max Δ {dx:.1e} |")
    print(f"| y=∞ point α=0.5 d=0.05, cold (continuation from S*) | {t_cold*1e3:.1f} ms | "
          f"{t_slow:.2f} s (from a 2 % start) | {t_slow/t_cold:.0f}× | same saddle |")
    print(f"| reduced map ld_map (energetic + entropic pass) | {t_map*1e6:.0f} µs | — | — | — |")
    for a, t, c in curves:
        ok = sum(p.converged for p in c)
        print(f"| 40-point curve α={a} d = 0.005…0.24 (from S*) | {t*1e3:.0f} ms | — | — | {ok}/40 converged |")
    print(f"| breakup threshold κ=0 (bracket + brentq, xtol 1e-6) | {t_thr:.2f} s | — | — | α_U = {a_thr:.6f} |")
    print(f"| finite-y point α=0.6 d=0.05 y=500, cold (y=∞ solve + Newton, {rf.iterations} evaluations) | "
          f"{t_fy*1e3:.0f} ms | — | — | status {rf.status} |")
    print(f"| finite-y point α=0.6 d=0.05 y=10, warm (from d=0.051, {r10.iterations} evaluations) | {t_fy10*1e3:.0f} ms "
          f"| {t_fslow:.1f} s for ONE evaluation of the five slow equations | {t_fslow/t_fy10:.0f}× (vs a whole "
          f"fast solve) | slow residual at the fast saddle {res_slow:.1e} |")


if __name__ == "__main__":
    main()
