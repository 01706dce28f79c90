"""Benchmark (issue 11 part 8): a committee Gardner point against the perceptron's, and against the slow reference.

Run: python bench/bench_committee.py   (prints a table to paste into bench/RESULTS.md)

The committee solver is the perceptron's with the kernel evaluated in Python on scalars at every step (the numba
energetic kernel is called at the output overlap k(q)); the target is a committee point within 2× the cost of the
corresponding perceptron point (same α/α_c-like load: α = 1 spherical, α = 0.5 binary, κ = 0). The slow scipy
reference (tests/committee/reference_gardner.py, quad + brentq) is timed on the same points and its answer compared.
Best of several repetitions after a warm-up call (numba cache load); the machine is shared.
"""

import os
import sys
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "committee"))
from _timing import best, machine, seconds  # noqa: E402
import reference_gardner as ref  # noqa: E402
from replica.committee import gardner  # noqa: E402
from replica.perceptron import gardner as perceptron_gardner  # noqa: E402

warnings.simplefilter("ignore")
POINTS = [("spherical", 1.0), ("binary", 0.5)]
ACTIVATIONS = ("relu", "sign", "tanh")


def main():
    print(machine())
    print()
    print("| point | perceptron | committee | ratio | slow scipy reference | speed-up | |Δq| vs reference |")
    print("|---|---|---|---|---|---|---|")
    for weights, alpha in POINTS:
        tp = seconds(lambda: perceptron_gardner(alpha, 0.0, weights), 50)
        for activation in ACTIVATIONS:
            tc = seconds(lambda: gardner(alpha, activation, 0.0, weights), 20 if activation == "tanh" else 50)
            r = gardner(alpha, activation, 0.0, weights)
            if activation in ref.KERNELS:
                solve = ref.spherical if weights == "spherical" else ref.binary
                tr, s = best(lambda: solve(alpha, activation), 1)
                slow, speed, dq = f"{tr:.2f} s", f"{tr / tc:.0f}×", f"{abs(r.q - s['q']):.1e}"
            else:
                slow = speed = dq = "—"
            print(f"| {activation}, {weights}, α = {alpha} | {tp * 1e3:.3f} ms | {tc * 1e3:.3f} ms | "
                  f"**{tc / tp:.2f}×** | {slow} | {speed} | {dq} |")


if __name__ == "__main__":
    main()
