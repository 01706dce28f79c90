"""Tests of the GM normalised local entropy (docs/theory.md §5; derivation docs/gm_local_entropy.md).

References: the independent slow implementation ``reference_local_entropy.py`` (scipy quad/root on
the free-entropy *function*), closed forms at d → 0 and d = 1/2, the identities Φ_β → -αβ·shell_error
as β → 0 and dΦ_β/dβ = -α e(β), and (slow) direct simulations at N = 500–1000.
"""

import importlib
import math

import numpy as np
import pytest

from replica.gaussian_mixture.erm import erm
from replica.gaussian_mixture.local_entropy import (local_entropy, local_entropy_curve, local_free_entropy,
                                                   shell_error)
from replica.saddle_point.continuation import hysteresis
from replica.saddle_point.fixed_point import ConvergenceError
from tests.gaussian_mixture import reference_local_entropy as slow
from tests.reference import gm_slow

# the module (the package's ``local_entropy`` attribute is the function of that name)
le_module = importlib.import_module("replica.gaussian_mixture.local_entropy")


@pytest.fixture(scope="module")
def square_ref():
    return gm_slow.square_closed_form(2.0, 1.0, 1.0)


def test_shell_error_matches_slow_reference(square_ref):
    # reference: scipy.quad + brentq prox; tolerance 1e-8 (both quadratures resolve the step)
    r = square_ref
    for d in (0.002, 0.05, 0.3):
        ref = slow.shell_error_ref("square", 1.0, 0.5, r["m"], r["q"], r["V"], 0.0, d)
        assert shell_error("square", 2.0, 1.0, 1.0, d) == pytest.approx(ref, abs=1e-8)
    e = erm("logistic", 2.0, 1.0, 0.3, rho=0.3, bias=True)
    ref = slow.shell_error_ref("logistic", 1.0, 0.3, e.m, e.q, e.V, e.b, 0.1)
    assert shell_error("logistic", 2.0, 1.0, 0.3, 0.1, rho=0.3, bias=True, reference=e) == pytest.approx(ref, abs=1e-8)


def test_free_entropy_matches_slow_saddle(square_ref):
    # reference: stationary point of F(Q, M, T) by scipy.optimize.root, 1201-point ξ grid: tolerance 2e-5
    r = square_ref
    ref = slow.FreeEntropyRef("square", 2.0, 1.0, 0.5, r["m"], r["q"], r["V"], 0.0, 0.05, n_xi=1201, n_z=100)
    sad = ref.saddle(2.0)
    ours = local_free_entropy("square", 2.0, 1.0, 1.0, 0.05, 2.0)
    assert ours.phi == pytest.approx(sad["phi"], abs=2e-5)
    assert ours.energy == pytest.approx(sad["energy"], abs=2e-5)
    assert (ours.Q, ours.M, ours.T) == pytest.approx((sad["Q"], sad["M"], sad["T"]), abs=1e-4)


def test_small_beta_limit_and_thermodynamic_identity():
    # Φ_β = -αβ·shell_error + O(β²) (closed-form shell_error); dΦ_β/dβ = -α e(β) by central differences
    alpha, d = 2.0, 0.05
    e0 = shell_error("logistic", alpha, 1.0, 1.0, d)
    beta = 1e-4
    small = local_free_entropy("logistic", alpha, 1.0, 1.0, d, beta)
    assert small.phi == pytest.approx(-alpha * beta * e0, rel=1e-3)
    h = 1e-4
    mid = local_free_entropy("logistic", alpha, 1.0, 1.0, d, 1.5)
    up = local_free_entropy("logistic", alpha, 1.0, 1.0, d, 1.5 + h, start=mid)
    dn = local_free_entropy("logistic", alpha, 1.0, 1.0, d, 1.5 - h, start=mid)
    assert (up.phi - dn.phi) / (2 * h) == pytest.approx(-alpha * mid.energy, rel=1e-5)
    assert mid.phi < 0 and mid.energy < e0  # Φ_β ≤ 0 and e(β) decreasing


def test_limits_in_d():
    # d → 0: random shell points keep the reference's training error; d = 1/2 (S = 0, no bias): error 1/2
    ref = erm("square", 2.0, 1.0, 1.0)
    assert shell_error("square", 2.0, 1.0, 1.0, 1e-4, reference=ref) == pytest.approx(ref.train_error, abs=2e-3)
    assert shell_error("square", 2.0, 1.0, 1.0, 0.5, reference=ref) == pytest.approx(0.5, abs=1e-8)  # quadrature normalisation ~3e-10
    tiny = local_entropy("square", 2.0, 1.0, 1.0, 1e-4, reference=ref)
    assert -1e-4 < tiny.phi <= 0.0


def test_curve_is_nonpositive_decreasing_and_flatter_near_bayes():
    # Φ ≤ 0, Φ decreasing in d; the seed's claim: larger λ (closer to Bayes, balanced) is flatter
    ds = [0.001, 0.01, 0.05, 0.15, 0.25]
    curves = {}
    for lam in (0.1, 10.0):
        res = local_entropy_curve("logistic", 2.0, 1.0, lam, d=ds).results
        assert all(r.converged for r in res)
        phi = np.array([r.phi for r in res])
        assert np.all(phi <= 0) and np.all(np.diff(phi) < 0)
        # at β*, typical counted points have the reference's error: e(β*) = e
        for r in res:
            if r.beta > 0:
                fe = local_free_entropy("logistic", 2.0, 1.0, lam, r.d, r.beta, start=r)
                assert fe.energy == pytest.approx(r.train_error, abs=1e-8)
        curves[lam] = phi
    assert np.all(curves[10.0] > curves[0.1])


@pytest.mark.parametrize("loss,lam,rho,bias", [("square", 0.1, 0.5, False), ("logistic", 1.0, 0.5, False),
                                               ("hinge", 0.5, 0.5, False), ("logistic", 0.3, 0.3, True)])
def test_curve_swept_both_ways_has_no_hysteresis(loss, lam, rho, bias):
    # convex losses: one saddle point per d, so the branches warm-started from d = 0.001 up and from
    # d = 0.5 down agree (continuation.hysteresis reports no d) on Φ and β to 1e-8 relative
    ds = np.geomspace(1e-3, 0.5, 12)
    sw = local_entropy_curve(loss, 2.0, 1.0, lam, d=ds, rho=rho, bias=bias, direction="both")
    assert all(r.converged for r in sw.forward + sw.backward)
    assert hysteresis(sw, "phi", rtol=1e-8) == []
    assert hysteresis(sw, "beta", rtol=1e-8) == []


def test_joint_newton_agrees_with_bracketed_fallback(monkeypatch):
    # the two solvers of the β-condition: joint Newton in (Q, M, T, β) and the fallback (β bracketed
    # then Brent, each e(β) from a damped-Anderson fixed point); Brent's rtol 1e-10 on β and the 1e-10
    # fixed-point tolerance give agreement to 1e-9 on Φ and 1e-8 on β
    ref = erm("logistic", 2.0, 1.0, 0.3, rho=0.3, bias=True)
    newton = local_entropy("logistic", 2.0, 1.0, 0.3, 0.1, rho=0.3, bias=True, reference=ref)

    def fail(*args, **kwargs):
        raise le_module._NewtonFailed("disabled by the test")

    monkeypatch.setattr(le_module._Shell, "newton", fail)
    slow_path = local_entropy("logistic", 2.0, 1.0, 0.3, 0.1, rho=0.3, bias=True, reference=ref)
    assert slow_path.converged and slow_path.iterations > newton.iterations
    assert newton.phi == pytest.approx(slow_path.phi, abs=1e-9)
    assert newton.beta == pytest.approx(slow_path.beta, rel=1e-8)
    assert (newton.Q, newton.M, newton.T) == pytest.approx((slow_path.Q, slow_path.M, slow_path.T), abs=1e-8)


def test_failure_is_flagged_or_raised(monkeypatch):
    # no β ≤ BETA_MAX reaches e (β* ≈ 3.2 at d = 0.25): ConvergenceError carrying a non-converged result,
    # or with strict=False that result (NaN Φ), never a silent number
    def fail(*args, **kwargs):
        raise le_module._NewtonFailed("disabled by the test")

    monkeypatch.setattr(le_module._Shell, "newton", fail)
    monkeypatch.setattr(le_module, "BETA_MAX", 2.5)
    with pytest.raises(ConvergenceError, match="no β") as info:
        local_entropy("square", 2.0, 1.0, 1.0, 0.25)
    assert info.value.state is not None and not info.value.state.converged
    r = local_entropy("square", 2.0, 1.0, 1.0, 0.25, strict=False)
    assert not r.converged and math.isnan(r.phi) and r.shell_error > r.train_error


def test_bad_input():
    with pytest.raises(ValueError, match="^d must be in"):
        local_entropy("square", 2.0, 1.0, 1.0, 0.7)
    with pytest.raises(ValueError, match="^beta must be >= 0"):
        local_free_entropy("square", 2.0, 1.0, 1.0, 0.1, -1.0)
    with pytest.raises(ValueError, match="^alpha must be > 0"):
        local_entropy("square", -2.0, 1.0, 1.0, 0.1)


# ------------------------------------------------------------------------------------------------
# simulations (slow).  Allowance for finite N: 0.005 in a training error (O(1/√N) corrections),
# 0.01 in Φ_β.
# ------------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("loss,lam", [("square", 1.0), ("logistic", 0.1)])
@pytest.mark.parametrize("d", [0.01, 0.1])
def test_shell_error_against_simulation(loss, lam, d):
    from tests.gaussian_mixture.sim_flatness import shell_error_mc
    (mean, se), _ = shell_error_mc(loss, 2.0, 1.0, lam, d, n=1000, seeds=range(6), draws=100)
    theory = shell_error(loss, 2.0, 1.0, lam, d)
    assert abs(mean - theory) <= 3 * se + 0.005


@pytest.fixture(scope="module")
def metropolis_run():
    from tests.gaussian_mixture.sim_flatness import metropolis_energy
    betas = np.linspace(0.0, 2.0, 9)
    mean, se, _ = metropolis_energy("square", 2.0, 1.0, 1.0, 0.05, betas, n=500, seeds=range(4), sweeps=200,
                                    burn=60)
    return betas, mean, se


@pytest.mark.slow
def test_metropolis_energy_against_theory(metropolis_run):
    betas, mean, se = metropolis_run
    for beta, m, s in zip(betas[1:], mean[1:], se[1:]):
        theory = local_free_entropy("square", 2.0, 1.0, 1.0, 0.05, beta).energy
        assert abs(m - theory) <= 3 * s + 0.005


@pytest.mark.slow
def test_thermodynamic_integration_against_theory(metropolis_run):
    # Φ_β = -α ∫_0^β e(β') dβ' (trapezoid on the simulated e); SE propagated assuming independent points
    betas, mean, se = metropolis_run
    h = betas[1] - betas[0]
    w = np.full(len(betas), h)
    w[0] = w[-1] = h / 2
    phi_mc = -2.0 * w @ mean
    phi_se = 2.0 * math.sqrt(np.sum((w * se) ** 2))
    theory = local_free_entropy("square", 2.0, 1.0, 1.0, 0.05, betas[-1]).phi
    assert abs(phi_mc - theory) <= 3 * phi_se + 0.01
