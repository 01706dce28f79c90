"""Teacher–student: ridge optimum, Hebb limit, Bayes/Gibbs asymptotics, slow reference, large α."""

import math

import pytest
from scipy.optimize import minimize_scalar

from replica.perceptron import teacher_student as ts
from . import reference_slow as ref


@pytest.mark.parametrize("alpha", [0.5, 3.0])
def test_ridge_optimal_lambda(alpha):
    # derived (THEORY §2): optimal ridge on ±1 labels λ* = π/2 - 1 at every α; tol 1e-5
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
