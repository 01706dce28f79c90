"""Quadrature rules against mpmath quadrature (reference) with stated tolerances."""

import mpmath as mp
import numpy as np
import pytest

from replica.saddle_point.quadrature import (gauss_hermite, gauss_legendre, gaussian_expectation,
                                             gaussian_expectation_2d, gaussian_panels,
                                             log_gaussian_expectation)

mp.mp.dps = 30


def mp_gauss(f):
    return mp.quad(lambda z: f(z) * mp.npdf(z), [-mp.inf, 0, mp.inf])


def test_hermite_moments_exact():
    """An n-point rule integrates z^k exactly for k < 2n: E z^{2j} = (2j-1)!! (closed form)."""
    z, w = gauss_hermite(10)
    for k in range(0, 20):
        exact = 0.0 if k % 2 else float(np.prod(np.arange(k - 1, 0, -2)))
        scale = float(np.prod(np.arange(k - 1 + k % 2, 0, -2)))  # E|z|^k order of magnitude
        assert abs(np.dot(w, z ** k) - exact) <= 1e-13 * max(scale, 1.0)


def test_rules_read_only():
    z, w = gauss_hermite(5)
    with pytest.raises(ValueError):
        z[0] = 1.0


@pytest.mark.parametrize("name,f,fm", [
    ("log1p_exp", lambda z: np.log1p(np.exp(1.3 * z + 0.2)), lambda z: mp.log1p(mp.exp(1.3 * z + 0.2))),
    ("tanh2", lambda z: np.tanh(0.9 * z) ** 2, lambda z: mp.tanh(0.9 * z) ** 2),
    ("cos", lambda z: np.cos(2 * z), lambda z: mp.cos(2 * z)),
])
def test_gaussian_expectation_converges(name, f, fm):
    """Gauss–Hermite converges to mpmath's value as n grows (error ≤ 1e-12 at n = 120)."""
    ref = float(mp_gauss(fm))
    errors = [abs(gaussian_expectation(f, n) - ref) for n in (10, 40, 120)]
    assert errors[-1] <= 1e-12
    assert errors[-1] <= errors[0]


def test_gaussian_expectation_2d():
    """E[z1² z2²] = 1 + 2c² and E[cos(z1 - z2)] = exp(-(1-c)) for correlation c (closed forms)."""
    c = 0.6
    assert gaussian_expectation_2d(lambda a, b: a * a * b * b, 20, c) == pytest.approx(1 + 2 * c * c, rel=1e-12)
    assert gaussian_expectation_2d(lambda a, b: np.cos(a - b), 60, c) == pytest.approx(np.exp(-(1 - c)), rel=1e-12)


def test_log_gaussian_expectation_no_overflow():
    """log E exp(c + a z) = c + a²/2 (closed form), also for c = 1000 where exp overflows at every node."""
    for c in (0.0, 1000.0):
        assert log_gaussian_expectation(lambda z: c + 0.5 * z, 60) == pytest.approx(c + 0.125, rel=1e-13)


def test_legendre():
    x, w = gauss_legendre(8, 0.0, 2.0)
    assert np.dot(w, x ** 15) == pytest.approx(2 ** 16 / 16, rel=1e-13)


def test_panels_with_a_kink():
    """E max(0, z - 0.3) = G(0.3) - 0.3 H(0.3) (closed form): exact to 1e-14 with a cut at the kink."""
    xr, wr = gauss_legendre(16)
    cuts = np.array([-10.0, -3.0, 0.3, 3.0, 10.0])
    nodes, weights = np.empty(64), np.empty(64)
    gaussian_panels(cuts, xr, wr, nodes, weights)
    ref = float(mp.npdf(0.3) - 0.3 * mp.ncdf(-0.3))
    assert np.dot(weights, np.maximum(0.0, nodes - 0.3)) == pytest.approx(ref, abs=1e-14)
