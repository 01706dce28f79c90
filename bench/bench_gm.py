"""Benchmark: the fast Gaussian-mixture ERM solver against the slow independent reference, in one run.

    python bench/bench_gm.py            # prints a markdown table (paste into bench/RESULTS.md)

Targets (foundation issue): a logistic point (ρ=0.5, α=2, Δ=0.5, λ=0.1, residual 1e-10) ≤ 2 ms warm;
a 50-point warm-started α-curve ≤ 0.1 s; first call in a fresh process with a warm numba cache ≤ 3 s;
≥ 1000× faster than the slow reference (scipy quad + brentq, tests/reference/gm_slow.py) at equal
accuracy (both agree to ≤ 1e-9 on every observable, checked below).
"""

import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from replica.gaussian_mixture import erm, erm_curve  # noqa: E402
from tests.reference import gm_slow  # noqa: E402

POINT = dict(loss="logistic", alpha=2.0, delta=0.5, lam=0.1, rho=0.5, bias=False)


def best_of(fn, repeat, number=1):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return min(times), float(np.median(times))


def fresh_process_first_call():
    code = "from replica.gaussian_mixture import erm; erm('logistic', 2.0, 0.5, 0.1)"
    subprocess.run([sys.executable, "-c", code], check=True)  # make sure the cache is warm
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t


def main():
    erm(**POINT)
    fast_best, fast_med = best_of(lambda: erm(**POINT), repeat=20, number=20)
    alphas = np.linspace(0.5, 5.0, 50)
    erm_curve("logistic", alphas, 0.5, 0.1)
    curve_best, curve_med = best_of(lambda: erm_curve("logistic", alphas, 0.5, 0.1), repeat=5)
    first = fresh_process_first_call()
    slow_res = {}
    slow_best, slow_med = best_of(lambda: slow_res.update(gm_slow.slow_erm("logistic", 2.0, 0.5, 0.1, tol=1e-11)),
                                  repeat=3)
    fast = erm(**POINT)
    agree = max(abs(getattr(fast, k) - slow_res[k]) / max(1.0, abs(slow_res[k]))
                for k in ("m", "q", "V", "gen_error", "train_error", "train_loss"))
    rows = [
        ("logistic point (warm), residual ≤ 1e-10", f"{fast_med * 1e3:.3f} ms", "≤ 2 ms"),
        ("50-point warm-started α-curve", f"{curve_med:.4f} s", "≤ 0.1 s"),
        ("first call, fresh process, warm cache", f"{first:.2f} s", "≤ 3 s"),
        ("slow reference, same point (tol 1e-11)", f"{slow_med:.3f} s", ""),
        ("speed ratio slow/fast (medians)", f"{slow_med / fast_med:.0f}×", "≥ 1000×"),
        ("max relative difference fast vs slow", f"{agree:.1e}", "≤ 1e-9"),
    ]
    print(f"Machine: {platform.processor() or platform.machine()}, {platform.system()}, Python "
          f"{platform.python_version()}, numpy {np.__version__}; fast iterations {fast.iterations}, "
          f"residual {fast.residual:.1e}\n")
    print("| measurement | result | target |\n|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")


if __name__ == "__main__":
    main()
