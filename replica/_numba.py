"""One place that decides how numba compiles the package's kernels.

Kernels are compiled with ``cache=True`` (the on-disk cache lives next to the
sources, or in ``NUMBA_CACHE_DIR`` if set) and ``error_model="numpy"`` (division
by zero gives inf/nan like numpy instead of raising).  ``fastmath`` is never
used: the special functions and quadratures rely on IEEE semantics.
Set ``REPLICA_NUMBA_CACHE=0`` to disable the on-disk cache.
"""

import os

import numba

CACHE = os.environ.get("REPLICA_NUMBA_CACHE", "1") != "0"


def kernel(func=None, **options):
    """``numba.njit`` with the package's options; usable as ``@kernel`` or ``@kernel(...)``."""
    options.setdefault("cache", CACHE)
    options.setdefault("error_model", "numpy")
    if func is None:
        return lambda f: numba.njit(**options)(f)
    return numba.njit(**options)(func)


def ufunc(signatures):
    """``numba.vectorize`` with the package's options (a numpy ufunc over a scalar kernel)."""
    return numba.vectorize(signatures, cache=CACHE)
