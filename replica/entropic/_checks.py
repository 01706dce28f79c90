"""Hyper-parameter validation: one clear ``ValueError`` line naming the parameter and its range."""

import math
import numbers


def real(name, value, *, low=0.0, high=math.inf, low_open=False, high_open=False, allow_inf=False):
    """Return ``float(value)`` if it lies in the interval, else raise ``ValueError``.

    The message names the parameter and the allowed range, e.g.
    ``lr must be a real number in (0, inf); got -0.1``.
    """
    open_top = high_open or (high == math.inf and not allow_inf)
    lo, hi = ("(" if low_open else "["), (")" if open_top else "]")
    allowed = f"{lo}{_fmt(low)}, {_fmt(high)}{hi}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number in {allowed}; got {value!r}")
    v = float(value)
    ok = not math.isnan(v)
    ok = ok and (v > low if low_open else v >= low)
    ok = ok and (v < high if open_top else v <= high)
    if not ok:
        raise ValueError(f"{name} must be a real number in {allowed}; got {value!r}")
    return v


def integer(name, value, *, low=1):
    """Return ``int(value)`` if it is an integer ``>= low``, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    return int(value)


def choice(name, value, allowed):
    """Return ``value`` if it is one of ``allowed``, else raise ``ValueError``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(str, allowed))}; got {value!r}")
    return value


def _fmt(x):
    if x == math.inf:
        return "inf"
    return f"{x:g}"
