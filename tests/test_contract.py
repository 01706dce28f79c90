"""The trust contract (replica.saddle_point.contract) as a tested property of every public solver.

For random parameters drawn by hypothesis, every solver either raises one of its documented exceptions
(ValueError for input outside its range; ConvergenceError only with strict=True) or returns a result
whose flags are consistent: converged ⇔ status == "ok", and converged ⇒ the residual is below the declared
tolerance, every order parameter is inside its domain and every free entropy inside its bounds. The
bounds are the theory's own: a log-fraction is ≤ 0, a binary log-count ≤ log 2 (its α = 0 value), a
Franz–Parisi count ≤ the shell's entropy and ≤ the Gardner entropy at the counted margin (docs/theory.md §3–§5).

The default suite runs a short budget; ``-m slow`` runs the long one.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from replica import gaussian_mixture as gm
from replica import committee
from replica.perceptron import franz_parisi, franz_parisi_minimizer, gardner, teacher_student as ts
from replica.perceptron.franz_parisi import shell_entropy
from replica.saddle_point import ConvergenceError
from replica.saddle_point.contract import OK, STATUSES

TOL = 1e-10
LOG2 = math.log(2.0)
FAST = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
LONG = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])



def contract_property(*strategies):
    """A property as two tests: the short budget (default suite) and the long one (``-m slow``)."""
    def pair(body):
        return FAST(given(*strategies)(body)), pytest.mark.slow(LONG(given(*strategies)(body)))
    return pair


alphas = st.floats(0.05, 6.0)
lams = st.one_of(st.floats(1e-4, 1e3), st.just(0.0))


def check_flags(r, tol=TOL):
    """The part of the contract every result shares."""
    assert r.status in STATUSES
    assert r.converged == (r.status == OK), (r.converged, r.status)
    if r.converged:
        assert r.residual <= tol, r
    if r.status == "frozen":
        assert r.frozen


def finite(*values):
    return all(math.isfinite(v) for v in values)


def call(solver, *args, **kwargs):
    """The solver's result with strict=False, or None for documented bad input (ValueError)."""
    try:
        return solver(*args, strict=False, **kwargs)
    except ValueError:
        return None


# --- Gaussian mixture ------------------------------------------------------------------------------------

@contract_property(st.sampled_from(["square", "logistic", "hinge"]), alphas, st.floats(0.1, 4.0), lams,
                   st.floats(0.1, 0.9), st.booleans())
def _gm_erm_contract(loss, alpha, delta, lam, rho, bias):
    r = call(gm.erm, loss, alpha, delta, lam, rho, bias)
    if r is None:
        return
    check_flags(r)
    if r.converged:
        assert r.q > 0 and 0 < r.V < math.inf and finite(r.m, r.b, r.mhat, r.qhat, r.Vhat)
        assert 0 <= r.gen_error <= 1 and 0 <= r.train_error <= 1 and r.train_loss >= 0
        assert r.rs_stable in (True, False)  # every RS answer says whether it is stable
    else:
        assert r.status != OK


test_gm_erm_contract, test_gm_erm_contract_long = _gm_erm_contract


@contract_property(st.sampled_from(["square", "logistic"]), st.floats(0.5, 4.0), st.floats(0.01, 10.0),
                   st.floats(0.01, 0.45))
def _gm_local_entropy_contract(loss, alpha, lam, d):
    r = call(gm.local_entropy, loss, alpha, 1.0, lam, d)
    if r is None:
        return
    check_flags(r)
    if r.converged:
        assert r.phi <= 0.0 and 0 <= r.Q < 1 and 0 <= r.shell_error <= 1


test_gm_local_entropy_contract, test_gm_local_entropy_contract_long = _gm_local_entropy_contract


# --- perceptron ------------------------------------------------------------------------------------------

@contract_property(st.floats(0.0, 3.0), st.floats(-1.0, 1.0), st.sampled_from(["spherical", "binary"]))
def _gardner_contract(alpha, kappa, weights):
    r = call(gardner, alpha, kappa, weights)
    if r is None:
        return
    check_flags(r, tol=1e-10)
    if r.converged:
        assert 0 <= r.q < 1 and finite(r.phi, r.entropy)
        assert r.phi <= 1e-12  # log-fraction of the sphere / of the 2^N vectors
        if weights == "binary":
            assert r.entropy <= LOG2 + 1e-12 and r.entropy_negative == (r.entropy < 0)
    if r.frozen:
        assert not r.converged and r.entropy == -math.inf


test_gardner_contract, test_gardner_contract_long = _gardner_contract


@contract_property(st.sampled_from(["sign", "relu", "erf", "linear"]), st.floats(0.0, 3.0), st.floats(-1.0, 1.0),
                   st.sampled_from(["spherical", "binary"]))
def _committee_gardner_contract(activation, alpha, kappa, weights):
    # the committee machine's Gardner volume (issue 11): the perceptron's bounds, at the output overlap k(q)
    r = call(committee.gardner, alpha, activation, kappa, weights)
    if r is None:
        return
    check_flags(r, tol=1e-10)
    if r.converged:
        assert 0 <= r.q < 1 and 0 <= r.output_overlap <= 1 and finite(r.phi, r.entropy)
        assert r.phi <= 1e-12
        if weights == "binary":
            assert r.entropy <= LOG2 + 1e-12 and r.entropy_negative == (r.entropy < 0)
    if r.frozen:
        assert not r.converged and r.entropy == -math.inf


test_committee_gardner_contract, test_committee_gardner_contract_long = _committee_gardner_contract


@contract_property(st.sampled_from(["sign", "relu"]), st.floats(0.05, 0.8), st.floats(1e-3, 0.4999))
def _committee_franz_parisi_contract(activation, alpha, d):
    # Franz–Parisi around typical committee solutions (binary weights): shell and Gardner bounds
    r = call(committee.franz_parisi, alpha, d, activation, 0.0, "binary")
    if r is None:
        return
    check_flags(r)
    if r.converged:
        assert r.Q < 1 and r.phi <= shell_entropy(r.S, "binary") + 1e-9
        assert r.phi <= committee.gardner(alpha, activation, 0.0, "binary", strict=False).entropy + 1e-9


test_committee_franz_parisi_contract, test_committee_franz_parisi_contract_long = _committee_franz_parisi_contract


@contract_property(st.sampled_from(["square", "logistic", "hinge"]), st.floats(0.1, 20.0), st.floats(1e-3, 1e3))
def _teacher_student_contract(loss, alpha, lam):
    r = call(ts.erm, loss, alpha, lam)
    if r is None:
        return
    check_flags(r)
    if r.converged:
        assert 0 < r.q and abs(r.m) <= math.sqrt(r.q) * (1 + 1e-12) and r.V > 0
        assert 0 <= r.gen_error <= 0.5 + 1e-12


test_teacher_student_contract, test_teacher_student_contract_long = _teacher_student_contract


@contract_property(st.floats(0.05, 0.8), st.floats(1e-3, 0.4999), st.sampled_from(["binary", "spherical"]),
                   st.sampled_from([0.0, "max"]))
def _franz_parisi_contract(alpha, d, weights, kappa_ref):
    if weights == "spherical" and kappa_ref == "max":
        kappa_ref = 0.0
    r = call(franz_parisi, alpha, d, weights, kappa_ref)
    if r is None:
        return
    check_flags(r)
    if r.converged:
        assert r.Q < 1 and r.phi <= shell_entropy(r.S, weights) + 1e-9
        g = gardner(alpha, 0.0, weights, strict=False)
        assert r.phi <= g.entropy + 1e-9
        assert r.entropy_negative == (weights == "binary" and r.phi < 0)


test_franz_parisi_contract, test_franz_parisi_contract_long = _franz_parisi_contract


@contract_property(st.sampled_from(["logistic", "cross_entropy", "hinge", "square"]), st.floats(0.3, 1.9),
                   st.floats(1e-3, 0.4999999))
def _franz_parisi_minimizer_contract(loss, alpha, d):
    r = call(franz_parisi_minimizer, loss, alpha, d)
    if r is None:
        return
    check_flags(r)
    if r.converged:
        assert r.Q < 1 and r.phi <= shell_entropy(r.S, "spherical") + 1e-9
        assert r.phi <= gardner(alpha, 0.0, "spherical").entropy + 1e-9


test_franz_parisi_minimizer_contract, test_franz_parisi_minimizer_contract_long = _franz_parisi_minimizer_contract


# --- warm starts agree with isolated solves ----------------------------------------------------------

@contract_property(st.sampled_from(["square", "logistic", "hinge"]), st.floats(0.2, 5.0), st.floats(0.2, 5.0),
                   st.floats(1e-3, 10.0))
def _warm_started_curve_equals_isolated_solves(loss, a, b, lam):
    """Both solves end with an undamped relative residual ≤ tol = 1e-10; the distance to the fixed point is
    that residual over (1 - contraction), so the two may differ by a few tol: allowed 10·tol, relative."""
    alpha = sorted({round(a, 6), round(b, 6), round(0.5 * (a + b), 6)})
    for curve, single, kw in ((gm.erm_curve(loss, alpha, 0.7, lam), gm.erm, dict(delta=0.7, lam=lam)),
                              (ts.erm_curve(loss, alpha, max(lam, 1e-2)), ts.erm, dict(lam=max(lam, 1e-2)))):
        for r in curve.results:
            if not r.converged:
                continue
            iso = single(loss, alpha=r.alpha, strict=False, **kw)
            assert iso.converged
            for field in ("m", "q", "V"):
                assert getattr(r, field) == pytest.approx(getattr(iso, field), rel=10 * TOL)


test_warm_started_curve_equals_isolated_solves, test_warm_started_curve_equals_isolated_solves_long = _warm_started_curve_equals_isolated_solves
