"""Teacher–student: ridge optimum, Hebb limit, Bayes/Gibbs asymptotics, slow reference, large α."""

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from replica.perceptron import teacher_student as ts
from . import reference_slow as ref


@pytest.mark.parametrize("alpha", [0.5, 3.0])
def test_ridge_optimal_lambda(alpha):
    # derived (docs/theory.md §2): optimal ridge on ±1 labels λ* = π/2 - 1 at every α; tol 1e-5
    o = minimize_scalar(lambda l: ts.erm("square", alpha, l, tol=1e-14).gen_error, bounds=(0.2, 1.5), method="bounded",
                        options=dict(xatol=1e-8))
    assert o.x == pytest.approx(math.pi / 2 - 1, abs=1e-5)


def test_hebb_limit():
    # closed form: λ → ∞ gives the Hebb error arccos(√(2α/(2α+π)))/π; λ = 1e7 so O(1/λ) < 1e-6
    for loss in ("square", "hinge"):
        assert ts.erm(loss, 3.0, 1e7).gen_error == pytest.approx(ts.hebb_error(3.0), abs=1e-6)
    assert ts.hebb_error(3.0) == pytest.approx(ref.hebb(3.0), rel=1e-14)


def test_bayes_against_slow_and_asymptotics():
    # slow scipy brentq reference, tol 1e-10; literature αε_BO → 0.442, αε_Gibbs → 0.625, tol 1e-3 at α = 2000
    assert ts.bayes(2.0).q == pytest.approx(ref.bayes_q(2.0), abs=1e-10)
    a = 2000.0
    assert a * ts.bayes_error(a) == pytest.approx(0.442, abs=1e-3)
    assert a * ts.gibbs_error(a) == pytest.approx(0.625, abs=1e-3)


@pytest.mark.parametrize("alpha", [2.0, 60.0])
def test_square_against_slow(alpha):
    # slow scipy iteration of the same equations (quad over the teacher step); tol 1e-8
    m, q, V, eps = ref.ts_erm_square(alpha, 0.3)
    r = ts.erm("square", alpha, 0.3)
    assert (r.m, r.q, r.V, r.gen_error) == pytest.approx((m, q, V, eps), abs=1e-8)


@pytest.mark.parametrize("loss", ["square", "logistic", "hinge"])
def test_large_alpha_converges(loss):
    # robustness: α = 50, 200 converge; the error must beat Hebb and decrease with α (learning curve)
    errs = [ts.erm(loss, a, 0.05).gen_error for a in (50.0, 200.0)]
    assert errs[1] < errs[0] < ts.hebb_error(50.0)


def test_bad_input():
    with pytest.raises(ValueError, match="^lam must be > 0"):
        ts.erm("square", 1.0, 0.0)
    with pytest.raises(ValueError, match="^loss must be one of"):
        ts.erm("huber", 1.0, 1.0)
    with pytest.raises(ValueError, match="^alpha must be > 0"):
        ts.bayes_error(-1.0)


# --------------------------------------------------------------------------- Bayes-optimal at large α
def _bayes_mpmath(alpha, dps=30):
    """Independent reference: solve ``(1-u)/√u = (α/π) ∫Dt e^{-(1-u)t²/2}/H(-√(1-u) t)`` for u = 1 - q
    with mpmath (``dps`` digits, adaptive quadrature, secant root from the asymptote u ≈ (π/(α I(1)))²).
    Returns ``(u, ε_BO, ε_Gibbs)`` as mpf."""
    import mpmath as mp

    with mp.workdps(dps):
        H = lambda x: mp.erfc(x / mp.sqrt(2)) / 2
        D = lambda t: mp.exp(-t * t / 2) / mp.sqrt(2 * mp.pi)

        def integral(q):
            return mp.quad(lambda t: D(t) * mp.exp(-q * t * t / 2) / H(-mp.sqrt(q) * t), [-mp.inf, -5, 0, 5, mp.inf])

        a = mp.mpf(alpha)
        # log form in s = log u: log(1-u) - s/2 = log(α/π) + log I(1-u)
        g = lambda s: mp.log(1 - mp.exp(s)) - s / 2 - mp.log(a / mp.pi) - mp.log(integral(1 - mp.exp(s)))
        if alpha > 100:
            s0 = 2 * mp.log(mp.pi / (a * integral(1)))
        else:
            s0 = mp.log(mp.mpf(ts.bayes(alpha).one_minus_q))  # only a starting point; the root is mpmath's
        s = mp.findroot(g, (s0, s0 + mp.mpf("1e-3")), solver="secant", tol=mp.mpf(10) ** (-2 * dps + 10))
        u = mp.exp(s)
        q = 1 - u
        return u, mp.acos(mp.sqrt(q)) / mp.pi, mp.acos(q) / mp.pi


@pytest.mark.parametrize("alpha", [2.0, 1e4, 3e7, 1e8, 1e12, 1e100])
def test_bayes_large_alpha_against_mpmath(alpha):
    """Reference: independent mpmath solve at 30 digits (``_bayes_mpmath``); relative tolerance 1e-12 on
    u = 1 - q, ε_BO and ε_Gibbs.  α ≥ 3e7 used to raise ZeroDivisionError (q rounded to 1)."""
    r = ts.bayes(alpha)
    u, eps_bo, eps_gibbs = _bayes_mpmath(alpha)
    assert r.converged
    assert r.one_minus_q == pytest.approx(float(u), rel=1e-12)
    assert r.bayes_error == pytest.approx(float(eps_bo), rel=1e-12)
    assert r.gibbs_error == pytest.approx(float(eps_gibbs), rel=1e-12)
    assert r.qhat == pytest.approx(float((1 - u) / u), rel=1e-12)


@pytest.mark.parametrize("alpha", [1e8, 1e12])
def test_bayes_asymptotic_constants(alpha):
    """Literature constants (Opper–Haussler 1991; Engel & Van den Broeck, Statistical Mechanics of
    Learning, ch. 3): αε_BO → 0.442 and αε_Gibbs → 0.625, to 3 digits (abs 5e-4); and the closed
    form of the limit, 1/I(1) and √2/I(1) with I(1) = ∫Dt e^{-t²/2}/H(-t) by mpmath, to rel 1e-10."""
    import mpmath as mp

    I1 = mp.quad(lambda t: mp.exp(-t * t) / (mp.sqrt(2 * mp.pi) * mp.erfc(-t / mp.sqrt(2)) / 2), [-mp.inf, 0, mp.inf])
    r = ts.bayes(alpha)
    assert alpha * r.bayes_error == pytest.approx(0.442, abs=5e-4)
    assert alpha * r.gibbs_error == pytest.approx(0.625, abs=5e-4)
    assert alpha * r.bayes_error == pytest.approx(float(1 / I1), rel=1e-10)
    assert alpha * r.gibbs_error == pytest.approx(float(mp.sqrt(2) / I1), rel=1e-10)


def test_bayes_monotone_and_continuous_in_alpha():
    """Property: ε_BO and ε_Gibbs strictly decrease with α over 1e-3 … 1e150 (log grid, 4 points per
    decade, across the old failure point 3e7); αε_BO increases towards its limit (non-decreasing up to
    rounding, rel 1e-13); neighbouring grid points differ smoothly (ratio of αε within 1e-2 of 1 for
    α ≥ 1e3, continuity through the former breakdown).  Gibbs ≥ Bayes at every α (Bayes is optimal)."""
    alphas = np.logspace(-3, 150, 4 * 153 + 1)
    res = [ts.bayes(a) for a in alphas]
    bo = np.array([r.bayes_error for r in res])
    gi = np.array([r.gibbs_error for r in res])
    assert all(r.converged for r in res)
    assert np.all(np.diff(bo) < 0) and np.all(np.diff(gi) < 0)
    assert np.all(gi >= bo)
    scaled = alphas * bo
    assert np.all(np.diff(scaled) > -1e-13 * scaled[1:])
    big = alphas >= 1e3
    assert np.all(np.abs(scaled[big][1:] / scaled[big][:-1] - 1) < 1e-2)


def test_bayes_alpha_range():
    """Beyond α = 1e150, 1 - q ≈ (π/(2.264α))² underflows: a one-line ValueError naming the range
    (the CLI turns it into exit status 2)."""
    assert ts.bayes(1e150).converged
    with pytest.raises(ValueError, match=r"^alpha must be in \(0, 1e\+150\]") as info:
        ts.bayes(1e151)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match=r"^alpha must be > 0"):
        ts.bayes(math.inf)
