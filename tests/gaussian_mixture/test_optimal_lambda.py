"""Optimal regularisation (issue 13, part 4): ``gm.optimal_lambda`` and ``teacher_student.optimal_lambda``.

References: the ridge teacher–student optimum λ* = π/2 − 1 at every α (docs/theory.md §2); the balanced
mixture's λ → ∞ limit ε_BO (docs/theory.md §1); the square-loss closed form minimised on a dense grid + golden
search."""

import math
import warnings

import numpy as np
import pytest
from scipy import optimize

from replica import gaussian_mixture as gm
from replica.gaussian_mixture.optimal import OptimumAtBoundWarning
from replica.perceptron import teacher_student as ts


@pytest.mark.parametrize("alpha", [0.5, 2.0, 5.0])
def test_teacher_student_ridge_optimum_is_pi_over_2_minus_1(alpha):
    lam, r = ts.optimal_lambda("square", alpha)
    assert lam == pytest.approx(math.pi / 2 - 1, rel=1e-5)
    assert r.lam == lam and r.converged
    # the error is flat at the optimum: equal to the solver tolerance (fixed points to rel 1e-10)
    assert r.gen_error == pytest.approx(ts.erm("square", alpha, math.pi / 2 - 1).gen_error, abs=1e-9)


@pytest.mark.parametrize("loss", ["square", "logistic", "hinge"])
def test_balanced_mixture_optimum_reaches_bayes(loss):
    """docs/theory.md §1: balanced ERM tends to ε_BO as λ → ∞.  The error never goes below ε_BO, decreases along
    a λ grid, and the optimum found equals ε_BO to 1e-8 (square and logistic at the
    upper end of the interval, with a warning; the hinge reaches the Hebbian minimiser at a finite λ)."""
    alpha, delta = 2.0, 1.0
    bo = gm.bayes_error(alpha, delta)
    errors = [gm.erm(loss, alpha, delta, lam).gen_error for lam in np.logspace(-2, 3, 11)]
    assert np.all(np.diff(errors) <= 1e-12) and min(errors) >= bo - 1e-12
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lam, r = gm.optimal_lambda(loss, alpha, delta)
    assert -1e-14 <= r.gen_error - bo < 1e-8  # square at λ = 1e4: 2.3e-9 above (the gap closes as 1/λ)
    if loss != "hinge":
        assert lam == pytest.approx(1e4, rel=1e-4)
        assert any(issubclass(w.category, OptimumAtBoundWarning) for w in caught)


def test_unbalanced_square_optimum_against_closed_form():
    """ρ = 0.3, learned bias: a finite λ*.  Reference: the square-loss closed form (no fixed-point
    iteration) on a 2001-point log grid, refined by golden-section search."""
    alpha, delta, rho = 2.0, 1.0, 0.3
    err = lambda t: gm.square_closed_form(alpha, delta, math.exp(t), rho, True).gen_error
    grid = np.linspace(math.log(1e-3), math.log(1e3), 2001)
    i = int(np.argmin([err(t) for t in grid]))
    t_ref = optimize.golden(err, brack=(grid[i - 1], grid[i], grid[i + 1]), tol=1e-10)
    lam, r = gm.optimal_lambda("square", alpha, delta, rho, bias=True)
    assert lam == pytest.approx(math.exp(t_ref), rel=1e-4)
    assert r.gen_error == pytest.approx(err(t_ref), abs=1e-12)
    assert r.gen_error < gm.bayes_error(alpha, delta, rho) + 0.05 and r.gen_error < min(rho, 1 - rho)


@pytest.mark.parametrize("loss", ["logistic", "hinge"])
def test_unbalanced_optimum_is_a_local_minimum(loss):
    alpha, delta, rho = 2.0, 1.0, 0.3
    lam, r = gm.optimal_lambda(loss, alpha, delta, rho, bias=True)
    for factor in (0.99, 1.01):
        assert gm.erm(loss, alpha, delta, lam * factor, rho, True).gen_error >= r.gen_error - 1e-12
