"""Franz–Parisi: slow-reference integrals, derivative identities, the theory's own checks (issue part 5)."""

import math

import numpy as np
import pytest

from replica.perceptron import franz_parisi, franz_parisi_curve, gardner
from replica.perceptron.fp_energetic import fp_energetic
from replica.perceptron.franz_parisi import fp_entropic_binary
from replica.saddle_point.quadrature import gauss_legendre
from . import reference_slow as ref

X, W = gauss_legendre(8)


@pytest.mark.parametrize("weights,alpha,d", [("spherical", 1.0, 0.1), ("binary", 0.5, 0.003)])
def test_energetic_against_slow(weights, alpha, d):
    # slow nested scipy quad of THEORY §4's G_E at a solved point (incl. the near-step one, d = 0.003); tol 1e-8
    r = franz_parisi(alpha, d, weights)
    fast = fp_energetic(r.q0, 0.0, 0.0, r.S, r.Q, r.s0, X, W)
    assert fast[0] == pytest.approx(ref.fp_energetic(r.q0, 0.0, 0.0, r.S, r.Q, r.s0), abs=1e-8)
    assert fast[5] == pytest.approx(1.0, abs=1e-8)  # identity: ∫Dη W = 1 for every z0


def test_entropic_binary_against_slow():
    # slow scipy quad of G_S; tol 1e-9
    args = (0.67, 1.2, 0.5, 2.5)
    assert fp_entropic_binary(*args, X, W)[0] == pytest.approx(ref.fp_entropic_binary(*args), abs=1e-9)


def test_energetic_derivatives():
    # finite differences (h = 1e-6, tol 1e-6) and the Stein identity ∂_Q G_E = -E[W GH²]/(2(1-Q)) (tol 1e-8)
    args, h = (0.585, 0.0, 0.0, 0.95, 0.93, 0.57), 1e-6
    out = fp_energetic(*args, X, W)
    for k, idx in ((1, 4), (2, 5), (3, 3)):
        up, dn = list(args), list(args)
        up[idx] += h
        dn[idx] -= h
        fd = (fp_energetic(*up, X, W)[0] - fp_energetic(*dn, X, W)[0]) / (2 * h)
        assert out[k] == pytest.approx(fd, abs=1e-6)
    assert out[1] == pytest.approx(-out[4] / (2 * (1 - args[4])), abs=1e-8)


def test_spherical_point_against_slow_solver():
    # independent slow solve (scipy root on finite-difference gradients of the quad φ); tol 1e-7
    (Q, s0), phi = ref.fp_spherical_solve(1.0, 0.1)
    r = franz_parisi(1.0, 0.1, "spherical")
    assert (r.Q, r.s0, r.phi) == pytest.approx((Q, s0, phi), abs=1e-6)
    assert r.phi == pytest.approx(phi, abs=1e-7)


@pytest.mark.parametrize("weights,alpha", [("spherical", 1.0), ("binary", 0.5)])
def test_stationarity_dphi_dS(weights, alpha):
    # identity: dφ/dS = -½dφ/dd of the solved curve = the explicit S-derivative at the saddle; central FD h=1e-4, tol 1e-6
    d, h = 0.1, 1e-4
    fd = (franz_parisi(alpha, d - h / 2, weights).phi - franz_parisi(alpha, d + h / 2, weights).phi) / (2 * h)
    assert franz_parisi(alpha, d, weights).dphi_dS == pytest.approx(fd, abs=1e-6)


@pytest.mark.parametrize("weights,alpha", [("spherical", 1.0), ("binary", 0.5)])
def test_maximum_at_typical_distance_equals_gardner(weights, alpha):
    # identity (THEORY §4): with κ̃ = κ, max_d φ_FP sits at d = (1-q0)/2 and equals the Gardner entropy.
    # The saddle is degenerate exactly there (b = 0), so fit a quartic through d_typ ± {4, 6, 8, 10}e-3:
    # its maximum within 1e-4 of d_typ, value within 1e-7 of the entropy.
    g = gardner(alpha, 0.0, weights)
    offsets = np.array([-1e-2, -8e-3, -6e-3, -4e-3, 4e-3, 6e-3, 8e-3, 1e-2])
    phis = [franz_parisi(alpha, g.distance + o, weights).phi for o in offsets]
    assert max(phis) < g.entropy
    c = np.polyfit(offsets, phis, 4)
    roots = np.roots(np.polyder(c))
    vertex = roots[np.argmin(np.abs(roots))].real
    assert abs(vertex) < 1e-4
    assert np.polyval(c, vertex) == pytest.approx(g.entropy, abs=1e-7)


@pytest.mark.parametrize("weights", ["binary", "spherical"])
def test_alpha_to_zero_is_shell_volume(weights):
    # α → 0: φ_FP → shell log-volume (binary -d log d -(1-d)log(1-d); spherical ½log(1-S²)); α = 1e-5, tol 1e-4
    d = 0.1
    S = 1 - 2 * d
    shell = -d * math.log(d) - (1 - d) * math.log(1 - d) if weights == "binary" else 0.5 * math.log(1 - S * S)
    assert franz_parisi(1e-5, d, weights).phi == pytest.approx(shell, abs=1e-4)


def test_binary_typical_isolated_and_curve_to_small_d():
    # Huang–Kabashima 2014: typical binary solutions are isolated, φ_FP < 0 just above d = 0;
    # the continuation curve must converge down to d = 0.002
    sw = franz_parisi_curve(0.5, np.geomspace(0.3, 0.002, 12), "binary")
    assert all(r.converged for r in sw.results)
    assert sw.results[-1].phi < 0 < sw.results[0].phi


def test_bad_input():
    with pytest.raises(ValueError, match=r"^d must be in \(0, 0.5\)"):
        franz_parisi(0.5, 0.6)
    with pytest.raises(ValueError, match="^weights must be"):
        franz_parisi(0.5, 0.1, "ising")
    with pytest.raises(ValueError, match="^alpha must be"):
        franz_parisi(2.5, 0.1, "spherical")
    with pytest.raises(ValueError, match="^kappa_ref must be"):
        franz_parisi(0.5, 0.1, "binary", kappa_ref=2.0)
