"""Benchmark: distributed sweeps (``replica.sweep`` on dask.distributed), in one run.

    python bench/bench_sweep.py [--wait-load 0.5]     # prints markdown for bench/RESULTS.md

1. A 400-point phase diagram: binary Franz--Parisi local entropy φ_FP over α × d (20 × 20: 20
   continuation chains of 20 warm-started points, ~20 ms a point), in-process and on LocalClusters
   of 1 and 2 single-threaded worker processes (started and warmed up before the clock starts; the
   start-up is reported on its own).  Target: time(1 worker) / time(2 workers) ≥ 1.7 on 2 cores,
   and rows identical (bitwise) to the in-process run.
2. Two 40-run simulation ensembles, one task per (size, seed): simulated annealing of the binary
   perceptron (``binary_minimizer_simulate.anneal``: hinge loss, α = 0.5, N = 400 and 800, 20 seeds
   each, 1000 sweeps; Numba, compute-bound) -- same target -- and scikit-learn logistic ERM on the
   Gaussian mixture (N = 1000, α = 2, 40 seeds, ``replica.sweep.per_seed(simulate_erm)``; BLAS and
   memory-bound: reported, not targeted).
   The 1- and 2-worker runs of each workload alternate, twice each, and the best time of each is kept.
3. The overhead per task: no-op tasks through the same engine (one point per task) on 1 worker.
4. Small grids (the README's 8-point gm-erm α-sweep, a 15-point Franz--Parisi grid) with
   ``workers=2``: they must stay in-process (no cluster started) and take the serial time.
5. From the per-point and per-task costs, what a 10⁶-point diagram costs on a 100-worker cluster.

The machine is shared: the 1-minute load average is printed before and after each measurement;
``--wait-load L`` waits (up to ``--max-wait`` seconds, default 20 min) until it is below L.
"""

import argparse
import contextlib
import logging
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import replica  # noqa: E402
from replica import sweep as sweep_module  # noqa: E402
from replica.gaussian_mixture import erm  # noqa: E402
from replica.gaussian_mixture.simulate import simulate_erm  # noqa: E402
from replica.perceptron import franz_parisi  # noqa: E402
from replica.perceptron.binary_minimizer_simulate import anneal  # noqa: E402

FP_GRID = {"alpha": list(np.linspace(0.2, 0.8, 20)), "d": list(np.linspace(0.3, 0.01, 20))}
SA_ENSEMBLE = {"loss": ["hinge"], "alpha": [0.5], "n": [400, 800], "seed": list(range(20)), "sweeps": [1000]}
ERM_ENSEMBLE = {"loss": ["logistic"], "alpha": [2.0], "delta": [1.0], "lam": [0.1], "n_features": [1000],
                "seed": list(range(40))}
TIMEOUT = 600
REPEAT = 2


def fp(alpha, d, start=None):
    return franz_parisi(alpha, d, "binary", start=start, strict=False)


def gm_erm(alpha, start=None):
    return erm("logistic", alpha, 0.5, 0.1, start=start, strict=False)


def _warm_up():
    fp(0.3, 0.2)
    anneal("hinge", 0.5, 100, 0, sweeps=10)
    simulate_erm("logistic", 2.0, 1.0, 0.1, n_features=200, seeds=(0,))


def noop(item):
    return item


def load():
    return os.getloadavg()[0]


def same_rows(a, b):
    def same(x, y):
        return x == y or (isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y))
    return len(a) == len(b) and all(r.keys() == s.keys() and all(same(r[k], s[k]) for k in r) for r, s in zip(a, b))


def timed(fn):
    before = load()
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out, (before, load())


def best(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wait-load", type=float, default=None)
    parser.add_argument("--max-wait", type=float, default=1200, help="seconds (default 1200)")
    opts = parser.parse_args()
    if opts.wait_load is not None:
        deadline = time.monotonic() + opts.max_wait
        while load() > opts.wait_load and time.monotonic() < deadline:
            time.sleep(15)
    from distributed import Client, LocalCluster

    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, python {platform.python_version()}, "
          f"numpy {np.__version__}, dask {__import__('dask').__version__}; load average at start "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")

    # in-process references (numba compiled first)
    _warm_up()
    one_seed = replica.sweep.per_seed(simulate_erm)
    workloads = {"fp": (fp, FP_GRID), "sa": (anneal, SA_ENSEMBLE), "erm": (one_seed, ERM_ENSEMBLE)}
    serial = {name: timed(lambda: replica.sweep(fn, grid)) for name, (fn, grid) in workloads.items()}

    # both clusters started and warmed up first; then the 1- and 2-worker runs alternate (REPEAT
    # times each, the best kept) so that a change of the machine's load hits both alike
    results = {n: {} for n in (1, 2)}
    clients = {}
    with contextlib.ExitStack() as stack:
        for n in (1, 2):
            t0 = time.perf_counter()
            cluster = stack.enter_context(LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                       dashboard_address=":0", silence_logs=logging.ERROR))
            clients[n] = stack.enter_context(Client(cluster))
            results[n]["start"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            clients[n].run(_warm_up)  # imports and the first compilation, on every worker
            results[n]["warm"] = time.perf_counter() - t0
        for name, (fn, grid) in workloads.items():
            for _ in range(REPEAT):
                for n in (1, 2):
                    t, out, ld = timed(lambda: replica.sweep(fn, grid, clients[n], timeout=TIMEOUT))
                    if t < results[n].get(name, (np.inf,))[0]:
                        results[n][name] = (t, out, ld)
        saved = sweep_module.MIN_TASK_SECONDS
        sweep_module.MIN_TASK_SECONDS = 0.0  # one no-op point per task
        try:
            t_noop, _, _ = timed(lambda: list(replica.sweep.imap(noop, list(range(402)), clients[1], serial_below=0,
                                                                 timeout=TIMEOUT)))
        finally:
            sweep_module.MIN_TASK_SECONDS = saved

    # small grids with workers=2: no cluster may be started
    def refuse(self):
        raise AssertionError("a cluster was started for a small grid")

    small = {}
    readme = {"alpha": list(np.linspace(0.5, 4, 8))}
    fp15 = {"alpha": [0.3, 0.5, 0.7], "d": [0.3, 0.2, 0.1, 0.05, 0.02]}
    real_client = sweep_module.Cluster.client
    sweep_module.Cluster.client = refuse
    try:
        for name, fn, grid in (("gm-erm, 8-point α-curve (README)", gm_erm, readme),
                               ("franz-parisi, 3 × 5 grid", fp, fp15)):
            small[name] = (best(lambda: replica.sweep(fn, grid)), best(lambda: replica.sweep(fn, grid, workers=2)))
    finally:
        sweep_module.Cluster.client = real_client
    cli = [sys.executable, "-m", "replica.solve", "gm-erm", "--loss", "logistic", "--alpha", "0.5:4:8", "--delta",
           "0.5", "--lam", "0.1"]
    cli_serial = best(lambda: subprocess.run(cli, check=True, capture_output=True), repeat=3)
    cli_workers = best(lambda: subprocess.run(cli + ["--workers", "2"], check=True, capture_output=True), repeat=3)
    report(serial, results, t_noop / 400, small, cli_serial, cli_workers)


def _close(a, b):
    ga = np.array([r.gen_error for r in a.results])
    gb = np.array([r.gen_error for r in b.results])
    return float(np.max(np.abs(ga - gb)))


LABELS = {"fp": "400-point φ_FP grid (20 chains × 20 points)",
          "sa": "40-run SA ensemble (binary perceptron, N = 400, 800 × 20 seeds)",
          "erm": "40-run ERM ensemble (scikit-learn logistic, N = 1000)"}


def report(serial, results, overhead, small, cli_serial, cli_workers):
    r1, r2 = results[1], results[2]
    ld = lambda pair: f"{pair[0]:.2f}→{pair[1]:.2f}"  # noqa: E731
    print()
    print("| workload | in-process | 1 worker | 2 workers | ratio 1/2 workers | target | load avg (1 min) during "
          "in-process / 1 / 2 workers |")
    print("|---|---|---|---|---|---|---|")
    for name, label in LABELS.items():
        (ts, _, ls), (t1, _, l1), (t2, _, l2) = serial[name], r1[name], r2[name]
        print(f"| {label} | {ts:.2f} s | {t1:.2f} s | {t2:.2f} s | **{t1 / t2:.2f}×** | "
              f"{'≥ 1.7×' if name != 'erm' else '(reported)'} | {ld(ls)} / {ld(l1)} / {ld(l2)} |")
    print(f"| LocalCluster start | | {r1['start']:.2f} s | {r2['start']:.2f} s | | | |")
    print(f"| workers' warm-up (imports, first compilation) | | {r1['warm']:.2f} s | {r2['warm']:.2f} s | | | |")
    print()
    fp_serial = serial["fp"][1]
    same = [same_rows(r["fp"][1].rows(), fp_serial.rows()) for r in (r1, r2)]
    n_fp = len(fp_serial.results)
    sa_same = all(r["sa"][1].results == serial["sa"][1].results for r in (r1, r2))
    print(f"φ_FP rows identical (bitwise) to the in-process run: 1 worker {same[0]}, 2 workers {same[1]} "
          f"({r2['fp'][1].distributed} of {n_fp} points solved on the workers); SA energies identical: {sa_same}; "
          f"ERM ensemble max |Δ gen_error| vs in-process "
          f"{max(_close(r['erm'][1], serial['erm'][1]) for r in (r1, r2)):.1e} (the workers run BLAS "
          "single-threaded).")
    per_point = serial["fp"][0] / n_fp
    print(f"Overhead per task (no-op tasks through `replica.sweep.imap`, one per task, 1 worker, 400 tasks): "
          f"{1e3 * overhead:.2f} ms. Mean time per φ_FP point in-process: {1e3 * per_point:.1f} ms.")
    print()
    print("| small grid, `workers=2` (no cluster started) | in-process | `workers=2` | ratio |")
    print("|---|---|---|---|")
    for name, (s, w) in small.items():
        print(f"| {name} | {1e3 * s:.1f} ms | {1e3 * w:.1f} ms | {w / s:.2f} |")
    print(f"| CLI end to end: `gm-erm --alpha 0.5:4:8` (README) | {cli_serial:.2f} s | {cli_workers:.2f} s "
          f"| {cli_workers / cli_serial:.2f} |")
    print()
    chain = 100
    tasks = 10**6 // chain
    work = 10**6 * per_point
    wall = work / 100 + tasks * overhead / 100
    print(f"Extrapolation: a 10⁶-point φ_FP diagram (10⁴ (α, κ) pairs × {chain} d-values) is {tasks:.0e} "
          f"chains "
          f"of {chain} points; at {1e3 * per_point:.0f} ms a point it is {work / 3600:.1f} h of work on one "
          f"core. "
          f"On 100 single-threaded workers that is {work / 100 / 60:.1f} min of solving plus "
          f"{tasks:.0e} × {1e3 * overhead:.1f} ms = {tasks * overhead:.0f} s of per-task overhead (≤ "
          f"{tasks * overhead / 60:.1f} min even if the scheduler handled the tasks one at a time; spread over the "
          f"workers, {tasks * overhead / 100:.1f} s): about {wall / 60:.0f} min in all, plus the cluster's start-up.")


if __name__ == "__main__":
    main()
