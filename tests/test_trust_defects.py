"""Regression tests of the trust-contract defects in the solvers (issue: defects 1–4, 10) and of the
contract's own machinery (statuses, RSFlags, the fixed-point solver's floor/limit/domain/patience).

Each defect test reproduces the reported call; before the fix each of them returned an impossible number
with converged=True (or ran for minutes)."""

import math

import numpy as np
import pytest

from replica import gaussian_mixture as gm
from replica.perceptron import capacity, franz_parisi_minimizer, gardner, teacher_student as ts
from replica.saddle_point import ConvergenceError, solve_fixed_point
from replica.saddle_point.contract import DIVERGED, FROZEN, MAX_ITER, OK, RSFlags, verdict
from dataclasses import dataclass


# --- defect 1: binary Gardner beyond the freezing point ---------------------------------------------------

def test_binary_gardner_beyond_freezing_is_frozen_not_converged():
    """Was: q = 1 − 7e-14, φ = −4.1e11, converged=True. The RS binary saddle beyond the freezing point is
    pinned at q → 1: status 'frozen', entropy −∞ (its limit), flagged frozen and entropy_negative."""
    r = gardner(1.5, 0.0, "binary", strict=False)
    assert not r.converged and r.status == FROZEN and r.frozen and r.entropy_negative
    assert r.entropy == -math.inf
    with pytest.raises(ConvergenceError) as info:
        gardner(1.5, 0.0, "binary")
    assert info.value.status == FROZEN


def test_binary_gardner_between_capacity_and_freezing_is_negative_entropy():
    """Above the Krauth–Mézard capacity α_c ≈ 0.833 (zero-entropy condition) the converged RS answer
    describes no solutions: entropy_negative, and below it not."""
    ac = capacity(0.0, "binary")
    assert ac == pytest.approx(0.833, abs=1e-3)        # literature constant, 3 digits
    below, above = gardner(ac - 0.02, 0.0, "binary"), gardner(ac + 0.1, 0.0, "binary")
    assert below.converged and not below.entropy_negative and below.entropy > 0
    assert above.converged and above.entropy_negative and above.entropy < 0


# --- defect 2 and 10: divergence in the separable regime stops early --------------------------------------

@pytest.mark.parametrize("loss,alpha,rho,bias", [("logistic", 3.0, 0.5, False), ("logistic", 2.528, 0.3, True),
                                                 ("hinge", 3.0, 0.5, False)])
def test_separable_lam0_diverges_early(loss, alpha, rho, bias):
    """Was: V = 2.4e58 with converged=True (logistic), and 170 s before failing (biased logistic). Δ = 0.5
    and α below the separability threshold: at λ = 0 the minimiser's norm is infinite. The solver must say
    'diverged' and stop in a few hundred iterations at most."""
    assert alpha < gm.separability_threshold(0.5, rho=rho, bias=bias)
    r = gm.erm(loss, alpha, 0.5, 0.0, rho, bias, strict=False)
    assert not r.converged and r.status == DIVERGED and r.iterations < 300
    with pytest.raises(ConvergenceError) as info:
        gm.erm(loss, alpha, 0.5, 0.0, rho, bias)
    assert info.value.status == DIVERGED


def test_lam0_above_separability_still_converges():
    """Control for the divergence test: above the threshold the λ = 0 minimiser is finite."""
    alpha = gm.separability_threshold(0.5) + 1.0
    r = gm.erm("logistic", alpha, 0.5, 0.0)
    assert r.converged and r.V < 1e6


# --- defect 3: the Franz–Parisi minimiser's entropy bound --------------------------------------------------

@pytest.mark.parametrize("loss,kw,d", [("logistic", {}, 0.4999999), ("cross_entropy", {"gamma": 1.0}, 0.4999999),
                                       ("logistic", {}, 0.49999999)])
def test_fp_minimizer_above_the_shell_entropy_is_flagged(loss, kw, d):
    """Was: φ = +981 with converged=True. A count of solutions on the shell cannot exceed the shell's own
    log-volume ½log(1−S²) ≈ 0 nor the Gardner entropy (≈ −0.86 at α = 1, κ = 0): status 'bound-violated'."""
    r = franz_parisi_minimizer(loss, 1.0, d, strict=False, **kw)
    if r.converged:
        S = 1 - 2 * d
        assert r.phi <= 0.5 * math.log1p(-S * S) + 1e-9 and r.phi <= gardner(1.0, 0.0).entropy + 1e-9
    else:
        assert r.status in ("bound-violated", "frozen", "max-iter", "left-domain")
    assert not (r.phi > 1.0 and r.converged)


def test_fp_minimizer_bound_violation_raises_when_strict():
    with pytest.raises(ConvergenceError) as info:
        franz_parisi_minimizer("logistic", 1.0, 0.4999999)
    assert info.value.status != OK


# --- defect 4: small order parameters converge relatively --------------------------------------------------

def test_small_q_converges_relatively():
    """Was: relative error 2e-4 in q ~ 5e-7 at the default tol 1e-10 (absolute residual). Reference: the
    same solve at tol = 1e-14; the declared tol must hold relatively (allowed 10·tol for the contraction)."""
    r, ref = ts.erm("logistic", 0.5, 587.8), ts.erm("logistic", 0.5, 587.8, tol=1e-14)
    assert ref.q < 1e-6
    for f in ("m", "q", "V"):
        assert getattr(r, f) == pytest.approx(getattr(ref, f), rel=1e-9)
    g, gref = gm.erm("logistic", 0.5, 1.0, 1e3), gm.erm("logistic", 0.5, 1.0, 1e3, tol=1e-14)
    assert gref.q < 1e-6 and g.q == pytest.approx(gref.q, rel=1e-9)


# --- the contract's machinery -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Result(RSFlags):
    value: float
    converged: bool


def test_rsflags_status_must_agree_with_converged():
    assert _Result(1.0, True).status == OK and _Result(1.0, False).status == MAX_ITER
    with pytest.raises(ValueError, match="contradicts"):
        _Result(1.0, True, status=DIVERGED)
    with pytest.raises(ValueError, match="contradicts"):
        _Result(1.0, False, status=OK)
    with pytest.raises(ValueError, match="status must be one of"):
        _Result(1.0, False, status="nope")


def test_rsflags_stability_follows_the_replicon():
    assert _Result(1.0, True, replicon=0.5).rs_stable is True
    assert _Result(1.0, True, replicon=1.5).rs_stable is False
    assert _Result(1.0, True).rs_stable is None           # not assessed
    with pytest.raises(ValueError, match="rs_stable"):
        _Result(1.0, True, replicon=1.5, rs_stable=True)


def test_verdict_precedence():
    assert verdict(1e-12, 1e-10) == (True, OK)
    assert verdict(1e-9, 1e-10) == (False, MAX_ITER)
    assert verdict(np.nan, 1e-10) == (False, "non-finite")
    assert verdict(1e-12, 1e-10, [(False, FROZEN), (True, DIVERGED), (True, FROZEN)]) == (False, DIVERGED)


def test_relative_floor_resolves_small_fixed_points():
    """x = c + x/2 has the fixed point 2c (closed form). With c = 1e-9 an absolute residual (floor 1) passes at
    the start state x = 0 already within tol = 1e-8; the relative one (floor 1e-300) needs the answer to 1e-8."""
    c = 1e-9
    loose = solve_fixed_point(lambda x: c + 0.5 * x, [0.0], tol=1e-8)
    tight = solve_fixed_point(lambda x: c + 0.5 * x, [0.0], tol=1e-8, floor=1e-300)
    assert loose.iterations == 0 and loose.x[0] == 0.0
    assert tight.x[0] == pytest.approx(2 * c, rel=2e-8)


def test_limit_stops_a_linear_drift_as_diverged():
    """x = x + 1 drifts linearly: its relative residual 1/|x| falls below any tol eventually — it must be
    reported 'diverged' when |x| passes the limit, never converged."""
    r = solve_fixed_point(lambda x: x + 1.0, [1.0], tol=1e-3, floor=1e-300, limit=1e2, method="damped",
                          maxiter=10 ** 6, strict=False, patience=10 ** 6)
    assert r.status == DIVERGED and not r.converged and 100 < r.x[0] <= 102


def test_domain_and_patience():
    frozen = solve_fixed_point(lambda x: 0.5 * x + 10.0, [0.0], domain=lambda x: FROZEN if x[0] > 5 else None,
                               strict=False)
    assert frozen.status == FROZEN and not frozen.converged
    # x ↦ -x cycles with a constant residual: stalled after `patience` iterations, not maxiter
    cyc = solve_fixed_point(lambda x: -x, [1.0], method="damped", maxiter=10 ** 5, patience=50, strict=False)
    assert cyc.status == MAX_ITER and cyc.iterations <= 52
    with pytest.raises(ConvergenceError, match="stalled") as info:
        solve_fixed_point(lambda x: -x, [1.0], method="damped", maxiter=10 ** 5, patience=50)
    assert info.value.status == MAX_ITER


@pytest.mark.parametrize("alpha,d,kappa_ref", [(0.3, 3.26e-4, "max"), (0.7, 2.68e-4, "max"), (0.5, None, 0.0)])
def test_vanishing_field_variance_is_not_a_domain_violation(alpha, d, kappa_ref):
    """The field variance Q̂ - ŝ0²/q̂0 of the binary FP entropic term is exactly 0 at d_typ (κ̃ = κ) and → 0
    around max-margin references at small d; its round-off (relative 1e-9, absolute 1e-8) must not flag these
    genuine saddles as left-domain. Reference at d_typ: φ_FP = the Gardner entropy (1e-9)."""
    from replica.perceptron import franz_parisi
    g = gardner(alpha, 0.0, "binary")
    r = franz_parisi(alpha, (1 - g.q) / 2 if d is None else d, "binary", kappa_ref)
    assert r.converged and r.status == OK
    if d is None:
        assert r.phi == pytest.approx(g.entropy, abs=1e-9)
