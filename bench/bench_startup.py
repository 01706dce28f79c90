"""Benchmark: start-up times, each in a fresh subprocess (issue 13, part 7).

    python bench/bench_startup.py                          # this checkout
    python bench/bench_startup.py --baseline /tmp/head     # also a copy of an older tree, for ratios

``--baseline DIR``: a folder holding an older ``replica/`` package (e.g. ``mkdir /tmp/head && git archive
HEAD replica | tar -x -C /tmp/head``); the same commands run against it in the same run, and the table
gives before/after ratios.  Every command runs from an empty temporary folder (so that the package is
the one on ``PYTHONPATH`` or the installed one, not the current directory).

Measured: the interpreter alone (``python -c pass``), ``import replica``, ``from replica import
gaussian_mixture as gm``, and the README's main job ``python -m replica.solve gm-erm --loss logistic
--alpha 0.5:4:8 --delta 0.5 --lam 0.1`` warm (numba cache filled; best and median of ``--repeat`` runs)
and cold (a fresh, empty ``NUMBA_CACHE_DIR``: every kernel it uses is compiled; one run).
Targets: ``import replica`` ≤ 0.3 s, the main job warm ≤ 1.5 s.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAIN_JOB = ["-m", "replica.solve", "gm-erm", "--loss", "logistic", "--alpha", "0.5:4:8", "--delta", "0.5",
            "--lam", "0.1"]
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "import replica": ["-c", "import replica"],
    "from replica import gaussian_mixture as gm": ["-c", "from replica import gaussian_mixture as gm"],
    "README main job (gm-erm, 8 points), warm": MAIN_JOB,
}


def timed(args, env, cwd):
    t = time.perf_counter()
    out = subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if out.returncode != 0:
        raise RuntimeError(f"{args}: exit {out.returncode}\n{out.stderr}")
    return elapsed


def measure(package_dir, repeat, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "PYTHONPATH")}
    env["REPLICA_COMPILE_NOTICE"] = "0"
    if package_dir is not None:
        env["PYTHONPATH"] = str(package_dir)
    found = subprocess.run([sys.executable, "-c", "import replica; print(replica.__file__)"], env=env, cwd=cwd,
                           capture_output=True, text=True, check=True).stdout.strip()
    timed(MAIN_JOB, env, cwd)  # fill the default (in-tree) cache
    rows = {}
    for name, args in COMMANDS.items():
        times = [timed(args, env, cwd) for _ in range(repeat)]
        rows[name] = (min(times), statistics.median(times))
    with tempfile.TemporaryDirectory() as cache:
        cold = timed(MAIN_JOB, {**env, "NUMBA_CACHE_DIR": cache}, cwd)
    rows["README main job, cold (empty NUMBA_CACHE_DIR)"] = (cold, cold)
    return found, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="folder holding an older replica/ package")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    import numba
    import numpy

    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, python {platform.python_version()}, "
          f"numpy {numpy.__version__}, numba {numba.__version__}; best / median of {args.repeat} runs (s)")
    with tempfile.TemporaryDirectory() as cwd:
        found, now = measure(None, args.repeat, cwd)
        before = measure(args.baseline, args.repeat, cwd)[1] if args.baseline else None
    print(f"package: {found}" + (f"; baseline: {args.baseline}" if before else ""))
    print()
    if before:
        print("| measurement | now: best | median | before: best | median | before/now (best) |")
        print("|---|---|---|---|---|---|")
    else:
        print("| measurement | best | median |")
        print("|---|---|---|")
    for name, (best, median) in now.items():
        cells = f"| {name} | {best:.3f} | {median:.3f} |"
        if before:
            b_best, b_median = before[name]
            cells += f" {b_best:.3f} | {b_median:.3f} | {b_best / best:.2f}× |"
        print(cells)
    base = now["python -c pass"][0]
    warm, cold = (now[k][0] for k in ("README main job (gm-erm, 8 points), warm",
                                      "README main job, cold (empty NUMBA_CACHE_DIR)"))
    print()
    print(f"above the bare interpreter (best): import replica {now['import replica'][0] - base:+.3f} s, "
          f"gm {now['from replica import gaussian_mixture as gm'][0] - base:+.3f} s; "
          f"cold/warm main job: {cold / warm:.1f}×")


if __name__ == "__main__":
    main()
