"""Benchmark: binary Franz–Parisi point and 40-point d-curve, against the slow scipy reference.

Run: python bench/bench_perceptron.py   (prints a table to paste into bench/RESULTS.md)
Warm timings (numba compiled and cached before timing); one run each, best of 3 for the short ones.
"""

import os
import platform
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from replica.perceptron import franz_parisi, franz_parisi_curve, gardner  # noqa: E402
from replica.perceptron.fp_energetic import fp_energetic  # noqa: E402
from replica.saddle_point.quadrature import gauss_legendre  # noqa: E402
from tests.perceptron import reference_slow as ref  # noqa: E402

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
    franz_parisi(alpha, d, "binary")  # compile / load cache
    ref_g = gardner(alpha, 0.0, "binary")
    t_point, r = best(lambda: franz_parisi(alpha, d, "binary"))
    near = franz_parisi(alpha, d * 1.02, "binary")
    t_warm, _ = best(lambda: franz_parisi(alpha, d, "binary", start=near))
    ds = np.geomspace(0.002, 0.3, 40)
    t_curve, sw = best(lambda: franz_parisi_curve(alpha, ds, "binary"), n=1)
    x, w = gauss_legendre(8)
    args = (ref_g.q, 0.0, 0.0, r.S, r.Q, r.s0)
    t_fast_ge, ge = best(lambda: fp_energetic(*args, x, w))
    t_slow_ge, ge_slow = best(lambda: ref.fp_energetic(*args), n=1)
    t_sph, rs = best(lambda: franz_parisi(1.0, 0.1, "spherical"))
    t_sph_slow, (xs, phis) = best(lambda: ref.fp_spherical_solve(1.0, 0.1), n=1)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print("| measurement | replica | slow scipy reference | ratio | agreement |")
    print("|---|---|---|---|---|")
    print(f"| binary FP point α=0.5 d=0.05, cold start ({r.iterations} it) | {t_point*1e3:.1f} ms | | | |")
    print(f"| binary FP point, warm start from d=0.051 | {t_warm*1e3:.1f} ms | | | |")
    print(f"| binary FP 40-point d-curve 0.3→0.002 | {t_curve:.2f} s | | | "
          f"{sum(x.converged for x in sw.results)}/40 converged |")
    print(f"| energetic term G_E (one evaluation) | {t_fast_ge*1e3:.2f} ms | {t_slow_ge:.2f} s | "
          f"{t_slow_ge/t_fast_ge:.0f}× | {abs(ge[0]-ge_slow):.1e} |")
    print(f"| spherical FP point α=1 d=0.1 (full solve) | {t_sph*1e3:.1f} ms | {t_sph_slow:.1f} s | "
          f"{t_sph_slow/t_sph:.0f}× | Δφ = {abs(rs.phi-phis):.1e} |")


if __name__ == "__main__":
    main()
