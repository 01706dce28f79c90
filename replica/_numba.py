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

The first time the package's kernels are set up with an empty cache (a fresh install, a new
``NUMBA_CACHE_DIR``, a new version of replica or numba), one line on stderr says that they are being
compiled -- the first call of each solver then takes seconds instead of milliseconds.  It is printed
once: a marker file ``replica-<version>-numba-<version>.compiled`` is left in the cache folder
(``REPLICA_COMPILE_NOTICE=0`` silences it).  No line is printed when the cache is disabled.
"""

import os
import sys
import warnings

import numba

CACHE = os.environ.get("REPLICA_NUMBA_CACHE", "1") != "0"
_cache_failure = None  # the reason numba could not cache, once it has failed (then no more attempts)
_notice_checked = False  # the first-compile notice is considered once per process


class CacheDisabledWarning(RuntimeWarning):
    """numba's on-disk cache could not be used: kernels are compiled in memory on every run."""


def _compile(build, options):
    """``build(**options)`` with caching, falling back to an in-memory compile if numba cannot cache."""
    global _cache_failure
    if options.get("cache") and _cache_failure is None:
        try:
            built = build(**options)
            _first_use_notice()
            return built
        except (RuntimeError, OSError) as err:  # no cache locator, or the cache folder is unusable
            _cache_failure = " ".join(str(err).split()) or type(err).__name__
            warnings.warn(f"replica: numba's on-disk cache is disabled ({_cache_failure}); kernels are compiled "
                          f"in memory on every run - set NUMBA_CACHE_DIR to a writable folder to cache them",
                          CacheDisabledWarning, stacklevel=3)
    return build(**{**options, "cache": False})


def _probe():
    return 0


def _first_use_notice():
    """One line on stderr when the on-disk cache holds no kernels of this replica/numba version yet
    (then leave the marker file, so that it is said once).  Never raises."""
    global _notice_checked
    if _notice_checked:
        return
    _notice_checked = True
    if os.environ.get("REPLICA_COMPILE_NOTICE", "1") == "0":
        return
    try:
        from . import __version__
        # the folder numba caches this module's kernels in (in-tree __pycache__, NUMBA_CACHE_DIR, ...)
        folder = numba.njit(cache=True)(_probe)._cache._cache_path
        marker = os.path.join(folder, f"replica-{__version__}-numba-{numba.__version__}.compiled")
        if os.path.exists(marker):
            return
        os.makedirs(folder, exist_ok=True)
        with open(marker, "w") as f:
            f.write("replica's numba kernels were first compiled into this cache folder\n")
    except Exception:  # noqa: BLE001 - the notice is a courtesy; any failure just skips it
        return
    print("replica: first run - compiling numba kernels as they are first used (10-20 s more this "
          f"time; cached for later runs in {folder})", file=sys.stderr, flush=True)


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
