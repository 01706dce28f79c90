"""Gaussian-mixture ERM solver against the independent slow reference and identities of the theory."""

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from replica.gaussian_mixture import (ERMResult, bayes_error, bayes_overlaps, erm, erm_curve, gen_error,
                                      separability_threshold, square_closed_form)
from replica.saddle_point import ConvergenceError
from tests.reference import gm_slow

LOSSES = ("square", "logistic", "hinge")
GRID = list(itertools.product(LOSSES, (1e-3, 1e-1, 1e3), (0.1, 1.0, 10.0), (0.1, 4.0),
                              ((0.5, False), (0.2, True))))


def _rel(a, b):
    return abs(a - b) / max(1.0, abs(b))


@pytest.mark.parametrize("loss,lam,alpha,delta,rho_bias", GRID)
def test_fixed_point_of_the_slow_reference(loss, lam, alpha, delta, rho_bias):
    """Our fixed point is a fixed point of the independent scipy-quad/brentq map (tests/reference/gm_slow.py):
    one reference update moves (m, q, V, b) by ≤ 1e-8 relative, and the reference's observables at it agree
    with ours to 1e-7 (the issue's tolerance)."""
    rho, bias = rho_bias
    r = erm(loss, alpha, delta, lam, rho=rho, bias=bias)
    assert r.converged and r.residual <= 1e-10
    ref = gm_slow.slow_update(loss, alpha, delta, lam, rho, bias, r.m, r.q, r.V, r.b)
    for name in ("m", "q", "V", "b", "mhat", "qhat", "Vhat"):
        assert _rel(getattr(r, name), ref[name]) <= 1e-8, name
    obs = gm_slow.slow_observables(loss, alpha, delta, lam, rho, bias, r.m, r.q, r.V, r.b)
    for name in ("gen_error", "train_error", "train_loss"):
        assert _rel(getattr(r, name), obs[name]) <= 1e-7, name


@pytest.mark.parametrize("loss,alpha,delta,lam,rho,bias", [
    ("logistic", 2.0, 0.5, 0.1, 0.5, False),
    ("hinge", 1.0, 1.0, 1e-2, 0.2, True),
    ("logistic", 2.0, 0.5, 0.1, 0.3, True),
])
def test_same_fixed_point_as_slow_reference_solved_from_scratch(loss, alpha, delta, lam, rho, bias):
    """The slow reference iterated from its own start (damped, tol 1e-11) lands on our answer (1e-7)."""
    ref = gm_slow.slow_erm(loss, alpha, delta, lam, rho=rho, bias=bias)
    r = erm(loss, alpha, delta, lam, rho=rho, bias=bias)
    for name in ("m", "q", "V", "b", "gen_error", "train_error", "train_loss"):
        assert _rel(getattr(r, name), ref[name]) <= 1e-7, name


@pytest.mark.parametrize("alpha,delta,lam,rho,bias", [(2.0, 1.0, 1.0, 0.5, False), (0.7, 0.5, 0.1, 0.5, False),
                                                      (3.0, 2.0, 0.3, 0.2, True), (1.5, 0.5, 1e-3, 0.7, True)])
def test_square_iteration_agrees_with_closed_form(alpha, delta, lam, rho, bias):
    """The generic iteration for the square loss, started away from it, reaches the closed form of docs/theory.md §1
    (1e-9 relative on every field)."""
    closed = square_closed_form(alpha, delta, lam, rho, bias)
    far = ERMResult(**{**closed.__dict__, "m": 0.05, "q": 3.0, "V": 0.2, "b": 0.0})
    it = erm("square", alpha, delta, lam, rho=rho, bias=bias, start=far)
    assert it.iterations > 3
    for name in ("m", "q", "V", "b", "mhat", "qhat", "Vhat", "gen_error", "train_error", "train_loss"):
        assert _rel(getattr(it, name), getattr(closed, name)) <= 1e-9, name


def test_square_closed_form_example():
    """docs/theory.md §1: α = 2, Δ = 1, λ = 1 gives V = √2 - 1."""
    assert square_closed_form(2.0, 1.0, 1.0).V == pytest.approx(np.sqrt(2) - 1, rel=1e-14)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("rho,bias", [(0.5, False), (0.2, True)])
def test_envelope_identity_in_lambda(loss, rho, bias):
    """Stationarity identity: the training objective per N, f(λ) = α·train_loss + λq/2, has df/dλ = q/2
    (envelope theorem); central finite difference, relative 1e-5."""
    alpha, delta, lam, h = 2.0, 0.7, 0.3, 1e-4

    def f(l):
        r = erm(loss, alpha, delta, l, rho=rho, bias=bias, tol=1e-13)
        return alpha * r.train_loss + l * r.q / 2

    dfdl = (f(lam + h) - f(lam - h)) / (2 * h)
    assert dfdl == pytest.approx(erm(loss, alpha, delta, lam, rho=rho, bias=bias).q / 2, rel=1e-5)


@pytest.mark.parametrize("loss", LOSSES)
def test_large_lambda_reaches_bayes_balanced(loss):
    """Balanced ERM with any loss tends to ε_BO = H(√(α/(Δ(α+Δ)))) as λ → ∞ (docs/theory.md §1): 1e-6 at λ = 1e5."""
    alpha, delta = 2.0, 1.0
    r = erm(loss, alpha, delta, 1e5)
    assert r.gen_error == pytest.approx(gm_slow.H(np.sqrt(alpha / (delta * (alpha + delta)))), abs=1e-6)


@pytest.mark.parametrize("loss", LOSSES)
def test_large_lambda_unbalanced_tends_to_minority_fraction(loss):
    """Unbalanced, bias learned, λ → ∞: ε_gen → min(ρ, 1-ρ) (docs/theory.md §1), and stays above ε_BO at every λ."""
    rho = 0.2
    assert erm(loss, 2.0, 1.0, 1e5, rho=rho, bias=True).gen_error == pytest.approx(rho, abs=1e-4)
    for lam in (1e-2, 1.0, 1e2):
        assert erm(loss, 2.0, 1.0, lam, rho=rho, bias=True).gen_error > bayes_error(2.0, 1.0, rho)


@pytest.mark.parametrize("rho", [0.5, 0.2, 0.7])
def test_bayes_bias_minimises_the_error_at_m_equal_q(rho):
    """Bayes-optimal ⇒ m = q = α/(α+Δ), and b_BO = (Δ/2)log(ρ/(1-ρ)) is the error-minimising bias there
    (numerical minimisation over b, 1e-6)."""
    alpha, delta = 1.5, 0.8
    bo = bayes_overlaps(alpha, delta, rho)
    assert bo.m == bo.q == pytest.approx(alpha / (alpha + delta), rel=1e-15)
    best = minimize_scalar(lambda b: gen_error(bo.q, bo.q, b, delta, rho), bracket=(-1, 1), tol=1e-12)
    assert best.x == pytest.approx(bo.b, abs=1e-6)
    assert bo.gen_error == pytest.approx(best.fun, abs=1e-12)


def test_bayes_error_against_monte_carlo():
    """ε_BO against the reference's direct simulation of the posterior-mean classifier (N = 2000, 4σ)."""
    mc = gm_slow.mc_bayes_error(2.0, 1.0, 0.2, N=1000, n_samples=10, n_test=5000, seed=3)
    mc, err = mc["exact_mean"], mc["exact_sem"]
    assert abs(bayes_error(2.0, 1.0, 0.2) - mc) <= 4 * err


@pytest.mark.parametrize("delta,rho,bias", [(1.0, 0.5, False), (0.5, 0.5, False), (1.0, 0.2, True),
                                            (2.0, 0.2, False)])
def test_separability_threshold_against_reference(delta, rho, bias):
    """Against the reference's separate optimisation (1e-6) and Cover's limit 2 as Δ → ∞ (1e-5)."""
    ref = gm_slow.slow_separability_threshold(delta, rho, bias)["alpha_star"]
    assert separability_threshold(delta, rho, bias) == pytest.approx(ref, rel=1e-6)
    assert separability_threshold(1e6) == pytest.approx(2.0, abs=1e-5)


def test_curve_warm_start_matches_cold_points_both_directions():
    """A warm-started α-curve equals cold solves (1e-9) in both directions; no hysteresis for a convex loss."""
    alphas = np.linspace(0.5, 4, 8)
    s = erm_curve("logistic", alphas, 0.5, 0.1, direction="both")
    for a, fwd, bwd in zip(alphas, s.forward, s.backward):
        cold = erm("logistic", a, 0.5, 0.1)
        assert _rel(fwd.q, cold.q) <= 1e-9 and _rel(bwd.q, cold.q) <= 1e-9
        assert fwd.alpha == a


def test_non_convergence_is_never_silent():
    with pytest.raises(ConvergenceError) as info:
        erm("logistic", 2.0, 0.5, 0.1, maxiter=2)
    assert isinstance(info.value.state, ERMResult) and not info.value.state.converged
    r = erm("logistic", 2.0, 0.5, 0.1, maxiter=2, strict=False)
    assert not r.converged and r.residual > 1e-10


@pytest.mark.parametrize("kwargs,match", [
    (dict(loss="huber"), "loss must be one of"), (dict(alpha=0.0), "alpha must be > 0"),
    (dict(delta=-1.0), "delta must be > 0"), (dict(lam=-0.1), "lam must be >= 0"),
    (dict(rho=1.0), "rho must be in"),
])
def test_bad_input(kwargs, match):
    args = dict(loss="logistic", alpha=1.0, delta=1.0, lam=0.1, rho=0.5) | kwargs
    with pytest.raises(ValueError, match=match):
        erm(**args)


def _square_closed_form_mpmath(alpha, delta, lam, rho, bias, dps=50):
    """The docs/theory.md §1 closed form evaluated naively (textbook quadratic formula, no rearrangement) in mpmath at
    ``dps`` digits, where the cancellations are harmless; returns the fields as floats."""
    import mpmath as mp

    with mp.workdps(dps):
        al, de, la, rh = (mp.mpf(x) for x in (alpha, delta, lam, rho))
        a2, a1 = la * de, la + de * (al - 1)
        V = 1 / a1 if a2 == 0 else (-a1 + mp.sqrt(a1 * a1 + 4 * a2)) / (2 * a2)
        c = 4 * rh * (1 - rh) if bias else mp.mpf(1)
        k = 1 + de * V
        A = al * c * V / k
        m = A / (1 + A)
        b = (2 * rh - 1) * (1 - m) if bias else mp.mpf(0)
        mhat = al * c * (1 - m) / k
        q = V * V * (mhat ** 2 + al * de * c * (1 - m) ** 2 / k ** 2) / (1 - al * de ** 2 * V * V / k ** 2)
        Vhat = al * de / k
        qhat = q * (la + Vhat) ** 2 - mhat ** 2
        return {name: float(v) for name, v in dict(V=V, m=m, q=q, b=b, mhat=mhat, qhat=qhat, Vhat=Vhat).items()}


@pytest.mark.parametrize("lam", [1e-12, 1e-6, 1.0, 1e6])
@pytest.mark.parametrize("rho,bias", [(0.5, False), (0.2, True)])
def test_square_closed_form_against_mpmath(lam, rho, bias):
    """Reference: the closed form at 50 digits (mpmath, ``_square_closed_form_mpmath``); relative tolerance
    1e-13 on V, m, q, b, m̂, q̂, V̂, over α ∈ {0.3, 0.9, 1, 1.1, 2, 50} (both sides of 1) and Δ ∈ {0.1, 1, 5}.
    The textbook root (-a₁ + √(a₁² + 4a₂))/(2a₂) lost 2e-5 at (α, Δ, λ) = (2, 0.5, 1e-12) and 30 % at
    (50, 2, 1e-12)."""
    for alpha, delta in itertools.product((0.3, 0.9, 1.0, 1.1, 2.0, 50.0), (0.1, 1.0, 5.0)):
        r = square_closed_form(alpha, delta, lam, rho, bias)
        ref = _square_closed_form_mpmath(alpha, delta, lam, rho, bias)
        for name, value in ref.items():
            assert getattr(r, name) == pytest.approx(value, rel=1e-13, abs=0.0), (alpha, delta, name)


def test_square_closed_form_reported_case_and_lam_zero():
    """The reported case gm.square_closed_form(2, 0.5, 1e-12).V (mpmath at 50 digits, rel 1e-13); λ = 0 with
    α > 1 gives V = 1/(Δ(α-1)) exactly (closed form, rel 1e-15); λ = 0 with α ≤ 1 has no positive root."""
    assert square_closed_form(2.0, 0.5, 1e-12).V == pytest.approx(_square_closed_form_mpmath(2.0, 0.5, 1e-12, 0.5, False)["V"],
                                                                 rel=1e-13, abs=0.0)
    assert square_closed_form(3.0, 0.5, 0.0).V == pytest.approx(1.0, rel=1e-15)
    for alpha in (0.5, 1.0):
        with pytest.raises(ValueError, match="needs alpha > 1"):
            square_closed_form(alpha, 0.5, 0.0)
