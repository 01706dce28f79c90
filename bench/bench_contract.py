"""Benchmark: what the trust contract's convergence checks add to a solve.

Run: python bench/bench_contract.py   (prints a table to paste into bench/RESULTS.md)

The checks (replica.saddle_point.contract): the per-iteration state check of the fixed-point solver
(non-finite / divergence limit / the caller's domain), and the domain and bound checks of the result
(Franz–Parisi: the Gardner bound and the shell's entropy; GM local entropy: Φ ≤ 0, 0 ≤ Q < 1). Each solve
is timed as shipped and with those checks replaced by no-ops, in one run, best of many repetitions;
the fraction is (with − without)/without. The replicon's own cost is in bench/bench_replicon.py.
"""

import importlib
import os
import sys
import warnings
from contextlib import contextmanager

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from _timing import machine, seconds  # noqa: E402
from replica import gaussian_mixture as gm  # noqa: E402
from replica.perceptron import franz_parisi, franz_parisi_minimizer, gardner, teacher_student as ts  # noqa: E402
from replica.saddle_point import contract  # noqa: E402

warnings.simplefilter("ignore")
fixed_point = importlib.import_module("replica.saddle_point.fixed_point")
fp_module = importlib.import_module("replica.perceptron.franz_parisi")
fpm_module = importlib.import_module("replica.perceptron.fp_minimizer")
le_module = importlib.import_module("replica.gaussian_mixture.local_entropy")


@contextmanager
def checks_off():
    """Replace every contract check by a no-op (what the solvers cost without the contract)."""
    saved = [(fixed_point, "_state_status", fixed_point._state_status),
             (fp_module, "contract_status", fp_module.contract_status),
             (fp_module, "_entropy_bound", fp_module._entropy_bound),
             (fpm_module, "contract_status", fpm_module.contract_status),
             (fpm_module, "_gardner_entropy", fpm_module._gardner_entropy),
             (le_module, "_status", le_module._status)]
    fixed_point._state_status = lambda x, check: None
    fp_module.contract_status = fpm_module.contract_status = lambda *a, **k: contract.OK
    fp_module._entropy_bound = lambda *a, **k: np.inf
    fpm_module._gardner_entropy = lambda *a, **k: np.inf
    le_module._status = lambda ref, converged, *a, **k: contract.OK if converged else contract.MAX_ITER
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)




CASES = [
    ("gm erm logistic α=2 Δ=0.5 λ=0.1", lambda: gm.erm("logistic", 2.0, 0.5, 0.1), 200),
    ("gm erm hinge ρ=0.3 bias α=2 λ=1e-2", lambda: gm.erm("hinge", 2.0, 0.5, 1e-2, 0.3, True), 200),
    ("ts erm logistic α=2 λ=0.1", lambda: ts.erm("logistic", 2.0, 0.1), 100),
    ("gardner binary α=0.5", lambda: gardner(0.5, 0.0, "binary"), 200),
    ("franz-parisi binary α=0.5 d=0.05", lambda: franz_parisi(0.5, 0.05, "binary"), 20),
    ("franz-parisi binary κ=0.2, κ̃=0 α=0.3 d=0.05", lambda: franz_parisi(0.3, 0.05, "binary", 0.0, 0.2), 20),
    ("fp minimiser logistic α=1 d=0.1", lambda: franz_parisi_minimizer("logistic", 1.0, 0.1), 10),
    ("gm local entropy logistic d=0.05", lambda: gm.local_entropy("logistic", 2.0, 1.0, 0.1, 0.05), 20),
]


def main():
    print(machine() + "\n")
    print("| solve | with checks | without | fraction |")
    print("|---|---|---|---|")
    for name, f, n in CASES:
        with_checks = seconds(f, n)
        with checks_off():
            without = seconds(f, n)
        with_checks = min(with_checks, seconds(f, n))  # interleave: the machine is shared
        print(f"| {name} | {1e3 * with_checks:.3f} ms | {1e3 * without:.3f} ms | "
              f"{100 * (with_checks - without) / without:+.2f} % |")


if __name__ == "__main__":
    main()
