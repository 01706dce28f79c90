"""Gaussian primitives for the slow scipy references (scipy only: nothing from ``replica``).

``dens`` is the standard normal density G, ``logH(x) = log ∫_x^∞ Dz`` (scipy's log_ndtr, accurate in both
tails), ``GH = G/H`` and ``log2cosh`` without overflow.
"""

import math

from scipy.special import log_ndtr

SQ2PI = math.sqrt(2 * math.pi)


def dens(x):
    return math.exp(-0.5 * x * x) / SQ2PI


def logH(x):
    return float(log_ndtr(-x))


def GH(x):
    return math.exp(-0.5 * x * x - math.log(SQ2PI) - logH(x))


def log2cosh(x):
    a = abs(x)
    return a + math.log1p(math.exp(-2 * a))
