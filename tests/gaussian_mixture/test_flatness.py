"""Tests of the maximum-flatness estimator (``flatness.py``; docs/theory.md §1, §5).

References: the closed-form Bayes-optimal error of the balanced mixture ``H(√(α/(Δ(α+Δ))))`` (docs/theory.md §1,
computed here with scipy, not with ``replica``); the limit min(ρ, 1-ρ) of unbalanced ERM with a learned
bias as λ → ∞ (docs/theory.md §1); and, for each row of a scan, an independent cold-started
:func:`local_entropy` (the scan warm-starts each λ from the previous one).
"""

import math

import pytest
from scipy.special import erfc

from replica.gaussian_mixture.flatness import flatness_scan, flattest_minimiser
from replica.gaussian_mixture.local_entropy import local_entropy

ALPHA, DELTA, D = 2.0, 1.0, 0.05


def bayes_balanced(alpha, delta):
    """docs/theory.md §1: ε_BO = H(√(α/(Δ(α+Δ)))), H(x) = erfc(x/√2)/2."""
    return 0.5 * erfc(math.sqrt(alpha / (delta * (alpha + delta))) / math.sqrt(2.0))


@pytest.fixture(scope="module")
def balanced_scan():
    return flatness_scan(ALPHA, DELTA, D, [0.1, 1.0, 10.0, 100.0, 1e4])


def test_balanced_estimator_picks_largest_lambda_and_reaches_bayes(balanced_scan):
    # balanced mixture: Φ(d) grows with λ for both losses and the flattest minimiser is the largest λ of
    # the grid; its generalisation error is within 1e-6 of the Bayes-optimal error (the λ = 1e4 ERM
    # minimiser is ∝ Σ y x up to O(1/λ): excess ≈ 2e-9 for the square loss)
    res = balanced_scan
    assert all(r.converged for r in res.rows)
    for loss in ("square", "logistic"):
        phi = [r.phi for r in res.rows if r.loss == loss]
        assert all(b > a for a, b in zip(phi, phi[1:]))
    assert res.best.lam == 1e4
    bo = bayes_balanced(ALPHA, DELTA)
    assert res.bayes_error == pytest.approx(bo, abs=1e-14)
    assert res.best.gen_error == pytest.approx(bo, abs=1e-6)
    assert 0.0 <= res.excess_error < 1e-6
    assert res.best_gen_error == min(r.gen_error for r in res.rows)


def test_chosen_point_is_the_maximum_of_independently_solved_rows(balanced_scan):
    # identity: Φ of the chosen point is the max over the rows; each row's Φ(d) (warm-started from the
    # previous λ in the scan) equals a cold-started solve of the same minimiser to 1e-9
    res = balanced_scan
    assert res.best in res.rows and res.best.phi == max(r.phi for r in res.rows)
    for r in res.rows:
        cold = local_entropy(r.loss, ALPHA, DELTA, r.lam, D)
        assert r.phi == pytest.approx(cold.phi, abs=1e-9)
        assert r.beta == pytest.approx(cold.beta, rel=1e-7)


def test_flattest_minimiser_default_grid():
    # default grid λ ∈ 1e-2..1e2 (9 points): the largest λ wins in the balanced case
    res = flattest_minimiser(ALPHA, DELTA, d=0.02, losses=("logistic",))
    assert len(res.rows) == 9 and res.best.lam == pytest.approx(100.0)
    assert res.excess_error == pytest.approx(res.best.gen_error - bayes_balanced(ALPHA, DELTA), abs=1e-14)


def test_unbalanced_failure_mode_majority_collapse():
    # documented failure mode: with ρ ≠ 1/2 and a learned bias, large λ collapses the minimiser onto the
    # majority class (gen and training error → min(ρ, 1-ρ) = 0.3, docs/theory.md §1); every shell point then
    # makes the same predictions, so Φ(d) = 0 — the largest possible value — and the estimator picks it,
    # although its error is far above Bayes (0.1785)
    res = flatness_scan(ALPHA, DELTA, D, [0.1, 1.0, 100.0], losses=("logistic",), rho=0.3, bias=True)
    best = res.best
    assert best.lam == 100.0 and best.phi >= -1e-9
    assert best.gen_error == pytest.approx(0.3, abs=1e-6) and best.train_error == pytest.approx(0.3, abs=1e-6)
    assert res.excess_error > 0.1 and res.best_gen_error < best.gen_error


def test_bad_lams():
    with pytest.raises(ValueError, match="^lams must be"):
        flatness_scan(ALPHA, DELTA, D, [])
