"""``replica.thresholds``: phase-diagram thresholds by bracketing + root finding, against closed forms,
literature constants and the independent computations of other tests."""

import math

import pytest

from replica import thresholds
from replica.perceptron import gardner


def _spherical_capacity(kappa):
    """Closed form α_c(κ) = 1/[(1+κ²)Φ(κ) + κG(κ)] (docs/theory.md §3), here from math.erfc and math.exp."""
    phi = 0.5 * math.erfc(-kappa / math.sqrt(2))
    g = math.exp(-kappa * kappa / 2) / math.sqrt(2 * math.pi)
    return 1.0 / ((1 + kappa * kappa) * phi + kappa * g)


@pytest.mark.parametrize("kappa", [-1.0, 0.0, 0.7])
def test_spherical_capacity_and_kappa_max_invert_the_closed_form(kappa):
    ac = _spherical_capacity(kappa)
    assert thresholds.capacity(kappa) == pytest.approx(ac, rel=1e-13)
    # κ_max(α) found by bracketing + brentq along κ must invert the closed form
    assert thresholds.kappa_max(ac) == pytest.approx(kappa, abs=1e-11)


def test_binary_capacity_and_kappa_max():
    """Krauth–Mézard α_c(0) = 0.833 (zero entropy); κ_max at that load is 0; the entropy vanishes there."""
    ac = thresholds.capacity(0.0, "binary")
    assert ac == pytest.approx(0.833, abs=5e-4)
    assert abs(gardner(ac, 0.0, "binary", strict=False).entropy) < 1e-10
    assert thresholds.kappa_max(ac, "binary") == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize("kappa, expected", [(-0.5, 3.9507), (-1.0, 7.8736)])
def test_at_line_negative_margin(kappa, expected):
    """Reference: the α_AT(κ) of tests/perceptron/test_replicon.py, computed there independently (scipy quad
    for q and E GH'², brentq; abs 1e-4).  The replicon is 1 at the threshold, and it lies below capacity."""
    at = thresholds.at_line(kappa)
    assert at == pytest.approx(expected, abs=1e-4)
    assert gardner(at, kappa).replicon == pytest.approx(1.0, abs=1e-9)
    assert at < _spherical_capacity(kappa)


def test_at_line_absent_for_positive_margin_and_binary_above_capacity():
    with pytest.raises(thresholds.NoThresholdError):
        thresholds.at_line(0.5)  # RS stable up to capacity (docs/theory.md §10)
    at = thresholds.at_line(0.0, "binary")  # above α_c(0) = 0.833; in (1, 1.03) as in test_replicon
    assert 1.0 < at < 1.03 and gardner(at, 0.0, "binary").replicon == pytest.approx(1.0, abs=1e-9)


def test_separability_large_noise_asymptote():
    """Balanced, no bias, Δ → ∞: α* = max_c 2(1 - c² + 4c/√(2πΔ)) + O(1/Δ²) = 2 + 4/(πΔ) (expanding
    E[(ξ - x)₊²] = ½ - 2xG(0) + O(x²) in docs/theory.md §1's formula); Cover's α = 2 in the limit."""
    for delta in (1e3, 1e4):
        excess = thresholds.separability(delta) - 2.0
        assert excess == pytest.approx(4 / (math.pi * delta), rel=1 / delta)  # measured: rel 0.27/Δ
    assert thresholds.separability(1.0) > thresholds.separability(2.0) > 2.0  # less noise, separable longer


def test_dense_region_break_between_published_landmarks():
    """α_U(κ = 0) lies above α ≈ 0.73, where the max-margin local entropy (a lower bound of the dense-region
    one) loses monotonicity (Baldassi et al. PRL 2021), and below the capacity 0.833."""
    assert 0.73 < thresholds.dense_region_break(0.0) < 0.833
