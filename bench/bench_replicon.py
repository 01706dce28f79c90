"""Benchmark: what the replicon (RS stability, docs/stability.md) adds to a solve.

Run: python bench/bench_replicon.py   (prints a table to paste into bench/RESULTS.md)

Two kinds of cost, measured separately, best of many repetitions (the machine is shared):

* a separate result-time pass (binary Gardner, GM ERM, teacher–student Bayes): the time of that call against
  the time of the whole solve that includes it;
* spherical Gardner: one fused pass at the root gives G_E, E GH² and λ, replacing the two energetic passes
  (φ, residual) of the committed solver: the net difference against the solve;
* an accumulation added inside a kernel the solver already runs (teacher–student ERM moments, Franz–Parisi
  energetic and entropic terms, minimiser energetic term): the per-call time of the current kernel against the
  kernel as committed before the replicon was added (``BEFORE``, loaded with ``git show BEFORE:<file>``) — the relative overhead per call
  bounds the fraction of a solve made of such calls.
"""

import importlib
import importlib.util
import os
import subprocess
import sys
import warnings


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from _timing import machine, seconds  # noqa: E402
import replica._numba  # noqa: E402
from replica import gaussian_mixture as gm  # noqa: E402
from replica.gaussian_mixture._replicon import gm_erm_replicon  # noqa: E402
from replica.gaussian_mixture.channel import P_CUTS, XI_CUTS  # noqa: E402
from replica.perceptron._replicon import gardner_replicon, gardner_spherical_terms, ts_bayes_replicon  # noqa: E402
from replica.saddle_point.losses import loss_code  # noqa: E402
from replica.saddle_point.quadrature import gauss_hermite, gauss_legendre  # noqa: E402

warnings.simplefilter("ignore")
BEFORE = "d38f2cc"  # the last commit without the replicon accumulations
gardner_mod = importlib.import_module("replica.perceptron.gardner")
ts = importlib.import_module("replica.perceptron.teacher_student")
fp = importlib.import_module("replica.perceptron.franz_parisi")
fpe = importlib.import_module("replica.perceptron.fp_energetic")
fpm = importlib.import_module("replica.perceptron.fp_minimizer")




def head_module(path, name):
    """The committed version of a package module, compiled without the on-disk cache."""
    source = subprocess.run(["git", "show", f"{BEFORE}:{path}"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    replica._numba.CACHE = False
    try:
        spec = importlib.util.spec_from_loader(f"replica.perceptron.{name}", loader=None)
        module = importlib.util.module_from_spec(spec)
        module.__package__ = "replica.perceptron"
        exec(compile(source, path, "exec"), module.__dict__)
    finally:
        replica._numba.CACHE = True
    return module


def main():
    rows = []
    x12, w12 = gauss_legendre(12)
    x16, w16 = gauss_legendre(16)
    x8, w8 = gauss_legendre(8)

    # --- Gardner.  Spherical: one fused pass at the root (G_E, E GH², λ) replaces the two energetic passes
    # (φ and the residual) the solver made before — the net cost is the difference.  Binary: a separate pass.
    rows_fused = []
    for alpha, kappa in [(0.5, 0.0), (1.5, 0.0), (3.0, -0.5)]:
        r = gardner_mod.gardner(alpha, kappa)
        t_solve = seconds(lambda: gardner_mod.gardner(alpha, kappa), 1000)
        t_fused = seconds(lambda: gardner_spherical_terms(alpha, kappa, r.q, x12, w12), 5000)
        t_two = 2 * seconds(lambda: gardner_mod.energetic(r.q, kappa, x12, w12), 5000)
        rows_fused.append((f"gardner spherical α={alpha} κ={kappa}", t_solve, t_fused, t_two))
    for alpha, kappa, weights in [(0.5, 0.0, "binary"), (0.8, 0.0, "binary")]:
        r = gardner_mod.gardner(alpha, kappa, weights)
        t_solve = seconds(lambda: gardner_mod.gardner(alpha, kappa, weights), 1000)
        t_rep = seconds(lambda: gardner_replicon(alpha, kappa, True, r.q, r.qhat, x12, w12), 5000)
        rows.append((f"gardner {weights} α={alpha} κ={kappa}", t_solve, t_rep, "separate pass"))

    # --- separate pass: GM ERM (square closed form: one product)
    for loss, bias in [("logistic", False), ("logistic", True), ("hinge", True)]:
        args = (loss, 2.0, 0.5, 0.1, 0.3, bias)
        r = gm.erm(*args)
        kind, param = loss_code(loss)
        t_solve = seconds(lambda: gm.erm(*args), 30)
        t_rep = seconds(lambda: gm_erm_replicon(kind, param, 2.0, 0.5, 0.1, 0.3, r.m, r.q, r.V, r.b, r.Vhat,
                                             x16, w16, XI_CUTS, P_CUTS), 3000)
        rows.append((f"gm erm {loss} bias={bias}", t_solve, t_rep, "separate pass"))

    # --- separate pass: teacher–student Bayes
    nodes, weights = gauss_hermite(40)
    r = ts.bayes(2.0)
    t_solve = seconds(lambda: ts.bayes(2.0), 300)
    t_rep = seconds(lambda: ts_bayes_replicon(2.0, r.q, r.one_minus_q, nodes, weights), 3000)
    rows.append(("ts bayes α=2", t_solve, t_rep, "separate pass"))

    # --- accumulations inside existing kernels: current vs BEFORE kernel, per call
    head_ts = head_module("replica/perceptron/teacher_student.py", "_head_ts")
    head_fpe = head_module("replica/perceptron/fp_energetic.py", "_head_fpe")
    head_fp = head_module("replica/perceptron/franz_parisi.py", "_head_fp")
    head_fpm = head_module("replica/perceptron/fp_minimizer.py", "_head_fpm")
    per_call = []
    for loss in ("logistic", "hinge"):
        kind, param = loss_code(loss)
        r = ts.erm(loss, 2.0, 0.1)
        a = (kind, param, r.m, r.q, r.V, x12, w12)
        per_call.append((f"ts erm {loss}: _moments", seconds(lambda: head_ts._moments(*a), 2000),
                         seconds(lambda: ts._moments(*a), 2000), seconds(lambda: ts.erm(loss, 2.0, 0.1), 20)))
    for weights in ("binary", "spherical"):
        r = fp.franz_parisi(0.5, 0.05, weights)
        a = (r.q0, 0.0, 0.0, r.S, r.Q, r.s0, x8, w8)
        per_call.append((f"fp {weights}: fp_energetic", seconds(lambda: head_fpe.fp_energetic(*a), 200),
                         seconds(lambda: fpe.fp_energetic(*a), 200),
                         seconds(lambda: fp.franz_parisi(0.5, 0.05, weights), 10)))
    r = fp.franz_parisi(0.5, 0.05, "binary")
    a = (r.qhat0, r.Qhat, r.shat0, r.shat1, x8, w8)
    per_call.append(("fp binary: entropic (result call)", seconds(lambda: head_fp.fp_entropic_binary(*a), 500),
                     seconds(lambda: fp.fp_entropic_binary(*a), 500), seconds(lambda: fp.franz_parisi(0.5, 0.05), 10)))
    kind, param = loss_code("cross_entropy", 1.0)
    r = fpm.franz_parisi_minimizer("cross_entropy", 1.0, 0.05)
    x16m, w16m = gauss_legendre(fpm.NODES)
    a = (kind, param, r.chi, 0.0, r.S, r.Q, r.delta, x16m, w16m)
    per_call.append(("minimiser: min_energetic", seconds(lambda: head_fpm.min_energetic(*a), 300),
                     seconds(lambda: fpm.min_energetic(*a), 300),
                     seconds(lambda: fpm.franz_parisi_minimizer("cross_entropy", 1.0, 0.05), 10)))

    print(machine())
    print("\n| solve | solve time | replicon pass | fraction |")
    print("|---|---|---|---|")
    for name, t_solve, t_rep, _ in rows:
        print(f"| {name} | {t_solve * 1e3:.3f} ms | {t_rep * 1e6:.1f} µs | {100 * t_rep / t_solve:.2f} % |")
    print("\n| solve | solve time | fused result pass | the two passes it replaced | net |")
    print("|---|---|---|---|---|")
    for name, t_solve, t_fused, t_two in rows_fused:
        print(f"| {name} | {t_solve * 1e3:.3f} ms | {t_fused * 1e6:.1f} µs | {t_two * 1e6:.1f} µs | "
              f"{100 * (t_fused - t_two) / t_solve:+.2f} % |")
    print("\n| kernel (per call) | before | with replicon | overhead per call | solve time |")
    print("|---|---|---|---|---|")
    for name, t_head, t_cur, t_solve in per_call:
        print(f"| {name} | {t_head * 1e6:.1f} µs | {t_cur * 1e6:.1f} µs | "
              f"{100 * (t_cur - t_head) / t_head:+.2f} % | {t_solve * 1e3:.2f} ms |")


if __name__ == "__main__":
    main()
