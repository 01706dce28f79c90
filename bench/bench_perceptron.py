"""Benchmark: binary Franz–Parisi point and 40-point d-curve, against the slow scipy reference.

Run: python bench/bench_perceptron.py   (prints a table to paste into bench/RESULTS.md)
Targets (issue 3): one binary FP point ≤ 20 ms warm (numba compiled), a 40-point d-curve ≤ 1 s.
Warm timings (numba compiled and cached before timing); best of 5 for the points, best of 3 for the curve,
one run of each slow reference (scipy quad + brentq + finite differences, tests/perceptron/reference_slow.py,
which imports nothing from ``replica``).  The slow binary point solves the same equations to the same
saddle; "agreement" is |Δφ| (and the largest |Δ| of Q, s0, Q̂, ŝ0, ŝ1) between the two.
"""

import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from _timing import best, machine  # noqa: E402
from replica.perceptron import franz_parisi, franz_parisi_curve, gardner  # noqa: E402
from replica.perceptron.fp_energetic import fp_energetic  # noqa: E402
from replica.saddle_point.quadrature import gauss_legendre  # noqa: E402
from tests.perceptron import reference_slow as ref  # noqa: E402

warnings.simplefilter("ignore")


def main():
    alpha, d = 0.5, 0.05
    franz_parisi(alpha, d, "binary")  # compile / load cache
    franz_parisi_curve(alpha, [0.3, 0.2], "binary")
    ref_g = gardner(alpha, 0.0, "binary")
    t_point, r = best(lambda: franz_parisi(alpha, d, "binary"), n=5)
    near = franz_parisi(alpha, d * 1.02, "binary")
    t_warm, rw = best(lambda: franz_parisi(alpha, d, "binary", start=near), n=5)
    ds = np.geomspace(0.002, 0.3, 40)
    t_curve, sw = best(lambda: franz_parisi_curve(alpha, ds, "binary"), n=3)
    its = [x.iterations for x in sw.results]
    t_slow_point, (xs, phi_slow) = best(lambda: ref.fp_binary_solve(alpha, d), n=1)
    dx = max(abs(a - b) for a, b in zip(xs, (r.Q, r.s0, r.Qhat, r.shat0, r.shat1)))
    x, w = gauss_legendre(8)
    args = (ref_g.q, 0.0, 0.0, r.S, r.Q, r.s0)
    t_fast_ge, ge = best(lambda: fp_energetic(*args, x, w), n=20)
    t_slow_ge, ge_slow = best(lambda: ref.fp_energetic(*args), n=1)
    t_sph, rs = best(lambda: franz_parisi(1.0, 0.1, "spherical"), n=5)
    t_sph_slow, (xs_sph, phis) = best(lambda: ref.fp_spherical_solve(1.0, 0.1), n=1)
    print(machine())
    print("| measurement | replica | slow scipy reference | ratio | agreement |")
    print("|---|---|---|---|---|")
    print(f"| binary FP point α=0.5 d=0.05, cold start ({r.iterations} it) | {t_point*1e3:.1f} ms | "
          f"{t_slow_point:.1f} s | {t_slow_point/t_point:.0f}× | Δφ = {abs(r.phi-phi_slow):.1e}, "
          f"max Δ(Q,s0,Q̂,ŝ0,ŝ1) = {dx:.1e} |")
    print(f"| binary FP point, warm start from d=0.051 ({rw.iterations} it) | {t_warm*1e3:.1f} ms | | "
          f"{t_slow_point/t_warm:.0f}× | Δφ = {abs(rw.phi-phi_slow):.1e} |")
    print(f"| binary FP 40-point d-curve 0.3→0.002 ({min(its)}–{max(its)} it/point) | {t_curve:.2f} s | "
          f"(40 × slow point ≈ {40*t_slow_point/60:.0f} min) | {40*t_slow_point/t_curve:.0f}× | "
          f"{sum(x.converged for x in sw.results)}/40 converged |")
    print(f"| energetic term G_E with derivatives (one evaluation) | {t_fast_ge*1e3:.2f} ms | "
          f"{t_slow_ge*1e3:.0f} ms (G_E only) | {t_slow_ge/t_fast_ge:.0f}× | {abs(ge[0]-ge_slow):.1e} |")
    print(f"| spherical FP point α=1 d=0.1 (full solve) | {t_sph*1e3:.1f} ms | {t_sph_slow:.1f} s | "
          f"{t_sph_slow/t_sph:.0f}× | Δφ = {abs(rs.phi-phis):.1e} |")

if __name__ == "__main__":
    main()
