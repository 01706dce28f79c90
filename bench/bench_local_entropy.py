"""Benchmark: GM local entropy Φ(d) — one point (warm), a 30-point curve, against the slow scipy reference.

Run from the repo root: python bench/bench_local_entropy.py   (prints one line per measurement)
"""

import platform
import time

import numpy as np
import os, sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from replica.gaussian_mixture.erm import erm
from replica.gaussian_mixture.local_entropy import local_entropy, local_entropy_curve, local_free_entropy
from tests.gaussian_mixture.reference_local_entropy import FreeEntropyRef


def timed(fn, repeat=3):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    ref = erm("logistic", 2.0, 1.0, 1.0)
    local_entropy("logistic", 2.0, 1.0, 1.0, 0.05, reference=ref)  # compile / warm the cache
    t_point, r = timed(lambda: local_entropy("logistic", 2.0, 1.0, 1.0, 0.05, reference=ref))
    t_fixed, fe = timed(lambda: local_free_entropy("logistic", 2.0, 1.0, 1.0, 0.05, 1.0, reference=ref))
    t_curve, _ = timed(lambda: local_entropy_curve("logistic", 2.0, 1.0, 1.0, reference=ref), repeat=1)
    t0 = time.perf_counter()
    slow = FreeEntropyRef("logistic", 2.0, 1.0, 0.5, ref.m, ref.q, ref.V, ref.b, 0.05).saddle(1.0)
    t_slow = time.perf_counter() - t0
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"Phi(d) point (logistic, alpha=2, lam=1, d=0.05), warm: {1e3 * t_point:.1f} ms (phi={r.phi:.6f})")
    print(f"Phi_beta point at fixed beta=1, warm: {1e3 * t_fixed:.1f} ms")
    print(f"30-point curve d=0.001..0.25: {t_curve:.2f} s")
    print(f"slow scipy reference Phi_beta (4001x160 grid + root): {t_slow:.2f} s; ratio {t_slow / t_fixed:.0f}x "
          f"(|dphi| = {abs(slow['phi'] - fe.phi):.1e})")


if __name__ == "__main__":
    main()
