"""Gaussian special functions, accurate in both tails (docs/theory.md §0).

``G(x) = exp(-x²/2)/√(2π)``, ``H(x) = ∫_x^∞ Dz = erfc(x/√2)/2``, ``GH = G/H``,
``log H``, ``log 2cosh``.  The scalar kernels (``H``, ``log_H``, ``GH``, ...)
are numba functions to be called from other kernels; the ``*_ufunc`` names are
numpy ufuncs over the same kernels for use from Python.

Tails: ``erfc`` from libm has full relative accuracy until it underflows
(x ≳ 37.5), so ``H`` is ``erfc`` directly.  For x > ``TAIL`` both ``log H`` and
``GH`` use the asymptotic (Mills-ratio) series
``H(x) = G(x)/x · Σ_k (-1)^k (2k-1)!!/x^{2k}``, whose truncation error at
x ≥ 30 after 8 terms is below 1e-20.  For x < 0, ``log H(x) = log1p(-H(-x))``.
"""

import math

from .._numba import kernel, ufunc

SQRT2 = math.sqrt(2.0)
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
TAIL = 30.0


@kernel
def G(x):
    """Standard normal density ``exp(-x²/2)/√(2π)``."""
    return INV_SQRT_2PI * math.exp(-0.5 * x * x)


@kernel
def H(x):
    """Gaussian tail ``H(x) = ∫_x^∞ Dz = erfc(x/√2)/2``."""
    return 0.5 * math.erfc(x / SQRT2)


@kernel
def Phi(x):
    """Normal CDF ``Φ(x) = H(-x)``."""
    return 0.5 * math.erfc(-x / SQRT2)


@kernel
def _mills_series(x):
    """``x·H(x)/G(x) = Σ_k (-1)^k (2k-1)!!/x^{2k}`` for large x (8 terms)."""
    inv = 1.0 / (x * x)
    term = 1.0
    total = 1.0
    for k in range(1, 9):
        term *= -(2.0 * k - 1.0) * inv
        total += term
    return total


@kernel
def log_H(x):
    """``log H(x)``: log1p form for x < 0, direct for moderate x, asymptotic beyond ``TAIL``."""
    if x < 0.0:
        return math.log1p(-0.5 * math.erfc(-x / SQRT2))
    if x < TAIL:
        return math.log(0.5 * math.erfc(x / SQRT2))
    return -0.5 * x * x - LOG_SQRT_2PI - math.log(x) + math.log(_mills_series(x))


@kernel
def GH(x):
    """Inverse Mills ratio ``G(x)/H(x)``; ≈ x for large x (asymptotic series beyond ``TAIL``)."""
    if x < TAIL:
        return G(x) / H(x)
    return x / _mills_series(x)


@kernel
def log_2cosh(x):
    """``log(2 cosh x) = |x| + log1p(exp(-2|x|))``."""
    a = abs(x)
    return a + math.log1p(math.exp(-2.0 * a))




# numpy ufuncs over the scalar kernels, for use from Python on arrays.  Each is built on first use
# (``special.H_ufunc`` goes through the module ``__getattr__``): building a ufunc loads or compiles
# its kernel, which ``import replica`` should not pay for.


def _H_ufunc(x):
    return H(x)


def _Phi_ufunc(x):
    return Phi(x)


def _log_H_ufunc(x):
    return log_H(x)


def _GH_ufunc(x):
    return GH(x)


def _log_2cosh_ufunc(x):
    return log_2cosh(x)


_UFUNCS = {"H_ufunc": _H_ufunc, "Phi_ufunc": _Phi_ufunc, "log_H_ufunc": _log_H_ufunc,
           "GH_ufunc": _GH_ufunc, "log_2cosh_ufunc": _log_2cosh_ufunc}


def __getattr__(name):
    source = _UFUNCS.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    built = globals()[name] = ufunc(["float64(float64)"])(source)
    return built


def __dir__():
    return sorted(set(globals()) | set(_UFUNCS))
