"""Special functions against mpmath at 40 digits over |x| ≤ 40 (relative error ≤ 1e-12 where representable)."""

import math

import mpmath as mp
import numpy as np
import pytest

from replica.saddle_point.special import GH, H, G, Phi, log_2cosh, log_H, GH_ufunc, H_ufunc, log_H_ufunc

mp.mp.dps = 40
GRID = np.concatenate([np.linspace(-40, 40, 801), [-1e-8, 1e-8, 29.999, 30.0, 30.001, 37.5, 38.5]])
REL = 1e-12


def mp_H(x):
    return mp.erfc(mp.mpf(x) / mp.sqrt(2)) / 2


def rel_err(value, ref):
    return abs(value - float(ref)) / abs(float(ref))


@pytest.mark.parametrize("x", GRID)
def test_H(x):
    ref = mp_H(x)
    if float(ref) < 1e-300:  # not representable (or denormal): must underflow gracefully to tiny/0
        assert H(x) < 1e-300
    else:
        assert rel_err(H(x), ref) <= REL
        assert rel_err(Phi(-x), ref) <= REL


@pytest.mark.parametrize("x", GRID)
def test_log_H(x):
    ref = mp.log1p(-mp_H(-x)) if x < 0 else mp.log(mp_H(x))
    if abs(ref) < 1e-300:
        return
    assert rel_err(log_H(x), ref) <= REL


@pytest.mark.parametrize("x", GRID)
def test_GH(x):
    ref = mp.npdf(mp.mpf(x)) / mp_H(x)
    if float(ref) < 1e-300:  # G(x) not representable far in the left tail
        assert 0.0 <= GH(x) < 1e-300
    else:
        assert rel_err(GH(x), ref) <= REL


@pytest.mark.parametrize("x", GRID)
def test_log_2cosh(x):
    ref = mp.log(2 * mp.cosh(mp.mpf(x)))
    assert rel_err(log_2cosh(x), ref) <= REL


def test_G():
    for x in (-7.0, 0.0, 0.3, 12.0):
        assert rel_err(G(x), mp.npdf(x)) <= REL


def test_ufuncs_match_kernels():
    """The array versions are the scalar kernels elementwise (reference: the kernels, tested above)."""
    x = np.linspace(-40, 40, 57)
    assert np.array_equal(H_ufunc(x), [H(v) for v in x])
    assert np.array_equal(log_H_ufunc(x), [log_H(v) for v in x])
    assert np.array_equal(GH_ufunc(x), [GH(v) for v in x])


def test_GH_tail_continuity():
    """Switching to the asymptotic series at x = 30 leaves no visible jump (relative 1e-14)."""
    below, above = GH(math.nextafter(30.0, 0.0)), GH(30.0)
    assert abs(below - above) / above < 1e-14
