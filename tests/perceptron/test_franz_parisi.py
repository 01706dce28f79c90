"""Franz–Parisi: slow-reference integrals, derivative identities, the theory's own checks (issue part 5)."""

import math

import numpy as np
import pytest

from replica.perceptron import franz_parisi, franz_parisi_curve, gardner
from replica.perceptron.fp_energetic import fp_energetic
from replica.perceptron.franz_parisi import fp_entropic_binary
from replica.saddle_point import ConvergenceError, hysteresis
from replica.saddle_point.quadrature import gauss_legendre
from . import reference_slow as ref

X, W = gauss_legendre(8)


@pytest.mark.parametrize("weights,alpha,d", [("spherical", 1.0, 0.1), ("binary", 0.5, 0.003)])
def test_energetic_against_slow(weights, alpha, d):
    # slow nested scipy quad of docs/theory.md §4's G_E at a solved point (incl. the near-step one, d = 0.003); tol 1e-8
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
    # identity (docs/theory.md §4): with κ̃ = κ, max_d φ_FP sits at d = (1-q0)/2 and equals the Gardner entropy.
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


def test_binary_saddle_stationary_against_slow_near_freezing():
    # the steep part of the α = 0.7 typical curve just above the freezing point (d = 0.0021, 1 - Q = 2.4e-4):
    # every one of the five stationarity conditions of φ(Q, s0, Q̂, ŝ0, ŝ1), evaluated with the slow scipy
    # G_E, G_S and central finite differences (not the fast code's derivative formulas): relative 1e-6;
    # φ assembled from the slow terms at the fast saddle: abs 1e-8
    alpha = 0.7
    r = franz_parisi(alpha, 0.0021, "binary")
    assert 1.0 - r.Q < 1e-3
    GE = lambda Q, s0: ref.fp_energetic(r.q0, 0.0, 0.0, r.S, Q, s0)
    GS = lambda Qh, sh0, sh1: ref.fp_entropic_binary(r.qhat0, Qh, sh0, sh1)
    hq, hs, hh, hc = 1e-4 * (1 - r.Q), 1e-5, 1e-4 * r.Qhat, 1e-4
    dQ = (GE(r.Q + hq, r.s0) - GE(r.Q - hq, r.s0)) / (2 * hq)
    ds0 = (GE(r.Q, r.s0 + hs) - GE(r.Q, r.s0 - hs)) / (2 * hs)
    dQh = (GS(r.Qhat + hh, r.shat0, r.shat1) - GS(r.Qhat - hh, r.shat0, r.shat1)) / (2 * hh)
    dsh0 = (GS(r.Qhat, r.shat0 + hc, r.shat1) - GS(r.Qhat, r.shat0 - hc, r.shat1)) / (2 * hc)
    dsh1 = (GS(r.Qhat, r.shat0, r.shat1 + hc) - GS(r.Qhat, r.shat0, r.shat1 - hc)) / (2 * hc)
    assert -2 * alpha * dQ == pytest.approx(r.Qhat, rel=1e-6)
    assert -alpha * ds0 == pytest.approx(r.shat0, rel=1e-6)
    assert 2 * dQh == pytest.approx(1 - r.Q, rel=1e-6)
    assert -dsh0 == pytest.approx(r.s0, rel=1e-6)
    assert dsh1 == pytest.approx(r.S, rel=1e-6)
    phi = -0.5 * r.Qhat * (1 - r.Q) + r.shat0 * r.s0 - r.shat1 * r.S + GS(r.Qhat, r.shat0, r.shat1) + alpha * GE(r.Q, r.s0)
    assert r.phi == pytest.approx(phi, abs=1e-8)


def test_binary_branch_freezes_at_small_d():
    # α = 0.7, κ̃ = κ = 0: the RS saddle exists down to d_c ≈ 0.00192, where the constrained copies freeze
    # (1 - Q → 0 linearly in d - d_c, φ → -∞); below it there is no saddle with Q < 1 and the solver says so.
    # The linear extrapolation of 1 - Q from d = 0.00194, 0.00196 must put d_c between the last d that
    # converges and the first that freezes (consistency of two different solver behaviours).
    d1, d2 = 0.00196, 0.00194
    r1, r2 = franz_parisi(0.7, d1, "binary"), franz_parisi(0.7, d2, "binary")
    assert r2.phi < r1.phi < franz_parisi(0.7, 0.003, "binary").phi < 0
    dc = d2 - (1 - r2.Q) * (d1 - d2) / ((1 - r1.Q) - (1 - r2.Q))
    assert 0.0019 < dc < d2
    with pytest.raises(ConvergenceError, match="freeze"):
        franz_parisi(0.7, 0.0019, "binary")


def test_binary_curve_no_hysteresis_down_to_freezing():
    # continuation from either side gives the same saddle (the old solver wandered off to Q → 1 when sweeping
    # upwards); warm starts never change the answer: rtol 1e-7 on φ at every point
    sw = franz_parisi_curve(0.7, np.geomspace(0.00194, 0.3, 10), "binary", direction="both")
    assert all(r.converged for r in sw.forward + sw.backward)
    assert hysteresis(sw, "phi", rtol=1e-7) == []


@pytest.mark.parametrize("weights,alpha", [("binary", 0.5), ("spherical", 1.0)])
def test_no_spurious_root_near_typical_distance(weights, alpha):
    # κ̃ = κ: the saddle is degenerate at d_typ (b = 0); within |d - d_typ| ≲ 3e-3 the old chain-rule derivatives
    # (through 1/b) lost ~4 digits and produced roots above the Gardner entropy.  Now every point converges,
    # stays below the entropy, and the maximum is quadratic: the symmetrised (entropy - φ)/δ² agrees at
    # δ = 3e-4, 1e-3, 2e-3 to 2e-3 relative (the cubic term cancels in the ± average).
    g = gardner(alpha, 0.0, weights)
    curv = []
    for delta in (3e-4, 1e-3, 2e-3):
        phis = [franz_parisi(alpha, g.distance + sgn * delta, weights).phi for sgn in (-1, 1)]
        assert max(phis) < g.entropy
        curv.append(np.mean([(g.entropy - p) / delta ** 2 for p in phis]))
    assert np.ptp(curv) < 2e-3 * np.mean(curv)


@pytest.mark.parametrize("alpha", [0.1, 0.3, 0.7])
def test_binary_typical_isolated_at_every_alpha(alpha):
    # landmark (Huang–Kabashima 2014): binary typical solutions are isolated at every α > 0 — φ_FP < 0 on
    # some interval just above d = 0 (where the RS saddle exists), positive further out
    sw = franz_parisi_curve(alpha, np.geomspace(1e-5, 0.3, 30), "binary")
    conv = [r for r in sw.results if r.converged]
    assert conv[-1].phi > 0
    assert conv[0].phi < 0 and conv[0].d < 0.01


@pytest.mark.parametrize("weights,alpha,kappa_ref", [("binary", 0.5, 0.2), ("binary", 0.5, -0.3),
                                                     ("spherical", 1.0, 0.3)])
def test_maximum_for_other_reference_margin_is_gardner_entropy(weights, alpha, kappa_ref):
    # identity: whatever the reference (margin κ̃ ≠ κ), every κ-solution lies at some distance from it, so
    # max_d φ_FP(d) = the Gardner entropy at κ, and at the maximum the counted copies overlap like two
    # typical κ-solutions (Q = q_Gardner(κ)).  Non-degenerate saddle (b > 0) unlike κ̃ = κ.  tol 1e-9, 1e-6
    from scipy.optimize import minimize_scalar
    g = gardner(alpha, 0.0, weights)
    o = minimize_scalar(lambda d: -franz_parisi(alpha, d, weights, kappa_ref, 0.0, tol=1e-13).phi,
                        bounds=(0.05, 0.49), method="bounded", options=dict(xatol=1e-7))
    assert -o.fun == pytest.approx(g.entropy, abs=1e-9)
    assert franz_parisi(alpha, o.x, weights, kappa_ref, 0.0, tol=1e-13).Q == pytest.approx(g.q, abs=1e-6)


@pytest.mark.parametrize("d", [0.0895, 0.2124])
def test_high_margin_reference_against_slow(d):
    # κ̃ = 0.95 κ_max (spherical, α = 1, q0 = 0.98): W's mass can sit outside the Gaussian bulk, between the
    # bulk and a distant step (the old rule lost up to 95% of ∫Dη W there and converged to wrong saddles).
    # Identity ∫Dη W = 1 (tol 1e-8); slow quad φ at the fast saddle (tol 1e-8) and its finite-difference
    # gradient in (Q, s0) vanishing (h = 1e-5, tol 1e-5)
    from replica.perceptron import kappa_max
    kr = 0.95 * kappa_max(1.0)
    r = franz_parisi(1.0, d, "spherical", kr, 0.0)
    assert fp_energetic(r.q0, kr, 0.0, r.S, r.Q, r.s0, X, W)[5] == pytest.approx(1.0, abs=1e-8)
    f = lambda Q, s0: ref.fp_spherical_phi(1.0, kr, 0.0, r.S, Q, s0, r.q0)
    assert r.phi == pytest.approx(f(r.Q, r.s0), abs=1e-8)
    h = 1e-5
    assert (f(r.Q + h, r.s0) - f(r.Q - h, r.s0)) / (2 * h) == pytest.approx(0.0, abs=1e-5)
    assert (f(r.Q, r.s0 + h) - f(r.Q, r.s0 - h)) / (2 * h) == pytest.approx(0.0, abs=1e-5)
