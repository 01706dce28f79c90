"""Local entropy around loss minimisers: slow reference (χ, φ and its stationarity), dφ/dS, β = 0 limit."""

import math

import pytest

from replica.perceptron import franz_parisi_minimizer, reference_chi
from replica.perceptron.fp_minimizer import stabilities
from . import reference_slow as ref


def test_chi_against_slow():
    # slow scipy brentq-in-quad reference for α E(u*-z)² = 1, cross-entropy γ = 2; tol 1e-8 relative
    assert reference_chi("cross_entropy", 1.0, gamma=2.0) == pytest.approx(ref.ce_chi(1.0, 2.0), rel=1e-8)


def test_phi_and_stationarity_against_slow():
    # slow quad φ(Q, δ) at the fast solution: value (tol 1e-8) and zero gradient by central FD (h=1e-4, tol 1e-6)
    gamma, alpha, d = 2.0, 1.0, 0.05
    r = franz_parisi_minimizer("cross_entropy", alpha, d, gamma=gamma)
    chi = ref.ce_chi(alpha, gamma)
    phi = lambda Q, dl: ref.fp_minimizer_phi(alpha, r.S, Q, dl, 0.0, lambda z: ref.ce_prox(z, chi, gamma))
    assert r.phi == pytest.approx(phi(r.Q, r.delta), abs=1e-8)
    h = 1e-4
    assert (phi(r.Q + h, r.delta) - phi(r.Q - h, r.delta)) / (2 * h) == pytest.approx(0.0, abs=1e-6)
    assert (phi(r.Q, r.delta + h) - phi(r.Q, r.delta - h)) / (2 * h) == pytest.approx(0.0, abs=1e-6)


def test_dphi_dS_finite_differences():
    # identity: dφ/dS = -½ dφ/dd along the solved curve; central FD at h = 2e-4, 1e-4 with Richardson
    # extrapolation (removes the O(h²) term); tol 1e-8
    d = 0.05
    f = lambda x: franz_parisi_minimizer("cross_entropy", 1.0, x, gamma=5.0, tol=1e-13).phi
    D = lambda h: (f(d - h / 2) - f(d + h / 2)) / (2 * h)
    fd = D(1e-4) + (D(1e-4) - D(2e-4)) / 3
    assert franz_parisi_minimizer("cross_entropy", 1.0, d, gamma=5.0, tol=1e-13).dphi_dS == pytest.approx(fd, abs=1e-8)


def test_ce_minimiser_is_flat_at_large_gamma():
    # β = 0 identity: unconstrained copies have Q = S², δ = S, φ = ½log(1-S²); when the minimiser's
    # violated fraction at distance d is ~0 (γ = 20), φ_FP must equal the shell volume (tol 1e-6)
    r = franz_parisi_minimizer("cross_entropy", 1.0, 0.002, gamma=20.0)
    assert r.violated_random < 1e-6
    assert r.phi == pytest.approx(0.5 * math.log(1 - r.S ** 2), abs=1e-6)


def test_stabilities_square_closed_form():
    # closed form: square loss prox u* = (z + χ)/(1 + χ) with χ from α E(u*-z)² = 1 ⇔ χ = 1/(√(α·2)-1)... checked via
    # α(χ/(1+χ))² E(1-z)² = 1 ⇒ χ/(1+χ) = 1/√(2α); tol 1e-10
    alpha = 2.0
    chi = reference_chi("square", alpha)
    assert chi / (1 + chi) == pytest.approx(1 / math.sqrt(2 * alpha), rel=1e-10)
    assert stabilities("square", alpha, 0.3) == pytest.approx((0.3 + chi) / (1 + chi), rel=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="^alpha must be > capacity"):
        franz_parisi_minimizer("hinge", 0.3, 0.1, margin=1.0)
    with pytest.raises(ValueError, match="^gamma must be > 0"):
        franz_parisi_minimizer("cross_entropy", 1.0, 0.1, gamma=-1.0)
    with pytest.raises(ValueError, match="^weights must be spherical"):
        franz_parisi_minimizer("logistic", 1.0, 0.1, weights="binary")


def test_hinge_minimiser_branch_ends_by_freezing():
    # the hinge (margin 1) minimiser at α = 1 violates a fraction Φ(-χ) = 8.5% of the patterns (margin 0), so
    # margin-0 solutions cannot be found arbitrarily close to it: the saddle's 1 - Q → 0 at d ≈ 0.009 and
    # below there is no RS saddle.  The old solver (absolute residual in Q) "converged" there to φ ~ -1e12.
    from replica.saddle_point import ConvergenceError
    r = franz_parisi_minimizer("hinge", 1.0, 0.0095, margin=1.0)
    assert r.converged and 1 - r.Q < 1e-3 and r.phi < franz_parisi_minimizer("hinge", 1.0, 0.0113, margin=1.0).phi
    with pytest.raises(ConvergenceError, match="freeze"):
        franz_parisi_minimizer("hinge", 1.0, 0.008, margin=1.0)
