"""Timing helpers shared by the benchmark scripts (run as ``python bench/<script>.py``)."""

import os
import platform
import time

import numpy as np


def best(f, n=3, warm=False):
    """``(best wall time of n calls of f, f's last output)``; ``warm`` makes one untimed call first
    (numba compilation / cache load)."""
    if warm:
        f()
    times, out = [], None
    for _ in range(n):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def seconds(f, n):
    """Best wall time of n calls of f after one untimed warm-up call."""
    return best(f, n, warm=True)[0]


def machine():
    """One line naming the machine and the numerical stack, for bench/RESULTS.md."""
    return (f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
            f"python {platform.python_version()}, numpy {np.__version__}")
