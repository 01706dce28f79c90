"""One place that decides how numba compiles the package's kernels.

Kernels are compiled with ``cache=True`` (the on-disk cache lives next to the
sources, or in ``NUMBA_CACHE_DIR`` if set) and ``error_model="numpy"`` (division
by zero gives inf/nan like numpy instead of raising).  ``fastmath`` is never
used: the special functions and quadratures rely on IEEE semantics.
Set ``REPLICA_NUMBA_CACHE=0`` to disable the on-disk cache.

When numba finds no writable place for the cache (read-only install and no writable HOME or
``NUMBA_CACHE_DIR``: numba raises ``RuntimeError: cannot cache function ... no locator available``),
the kernels are compiled in memory instead, with one :class:`CacheDisabledWarning` per process
saying so and why.  It is a ``RuntimeWarning``, not a ``NumbaWarning``.
"""

import os
import warnings

import numba

CACHE = os.environ.get("REPLICA_NUMBA_CACHE", "1") != "0"
_cache_failure = None  # the reason numba could not cache, once it has failed (then no more attempts)


class CacheDisabledWarning(RuntimeWarning):
    """numba's on-disk cache could not be used: kernels are compiled in memory on every run."""


def _compile(build, options):
    """``build(**options)`` with caching, falling back to an in-memory compile if numba cannot cache."""
    global _cache_failure
    if options.get("cache") and _cache_failure is None:
        try:
            return build(**options)
        except (RuntimeError, OSError) as err:  # no cache locator, or the cache folder is unusable
            _cache_failure = " ".join(str(err).split()) or type(err).__name__
            warnings.warn(f"replica: numba's on-disk cache is disabled ({_cache_failure}); kernels are compiled "
                          f"in memory on every run - set NUMBA_CACHE_DIR to a writable folder to cache them",
                          CacheDisabledWarning, stacklevel=3)
    return build(**{**options, "cache": False})


def kernel(func=None, **options):
    """``numba.njit`` with the package's options; usable as ``@kernel`` or ``@kernel(...)``."""
    options.setdefault("cache", CACHE)
    options.setdefault("error_model", "numpy")
    if func is None:
        return lambda f: _compile(lambda **o: numba.njit(**o)(f), options)
    return _compile(lambda **o: numba.njit(**o)(func), options)


def ufunc(signatures):
    """``numba.vectorize`` with the package's options (a numpy ufunc over a scalar kernel)."""
    return lambda f: _compile(lambda **o: numba.vectorize(signatures, **o)(f), {"cache": CACHE})
