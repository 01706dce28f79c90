"""Tests of the GM local energy under multiplicative weight noise (docs/theory.md §6).

References: the ERM closed-form training error (σ = 0), scipy quad + brentq (slow reference),
the square-loss closed form E(1-p-sζ)²/2 = (1-p)²/2 + s²/2, the σ → ∞ limit 1/2, and (slow) Monte
Carlo on actual minimisers at N = 1000.
"""

import pytest

from replica.gaussian_mixture.erm import erm
from replica.gaussian_mixture.local_energy import local_energy
from tests.gaussian_mixture import reference_local_entropy as slow


@pytest.mark.parametrize("loss", ["square", "logistic", "hinge"])
def test_sigma_zero_matches_closed_form_training_error(loss):
    # quadrature E Θ(-p) against the closed form Φ((τℓ'(0) - μ)/s) of erm(): tolerance 1e-9
    r = local_energy(loss, 2.0, 1.0, 0.5, 0.0, rho=0.3, bias=True)
    ref = erm(loss, 2.0, 1.0, 0.5, rho=0.3, bias=True)
    assert r.train_error == pytest.approx(ref.train_error, abs=1e-9)
    assert r.train_loss == pytest.approx(ref.train_loss, abs=1e-9)
    assert r.delta_train_error == 0.0 and r.gen_error == pytest.approx(ref.gen_error, abs=1e-14)


@pytest.mark.parametrize("loss,sigma", [("logistic", 0.02), ("logistic", 0.5), ("hinge", 0.3)])
def test_noisy_training_error_matches_slow_reference(loss, sigma):
    # reference: scipy.quad of E H(p/(σ√(Δq))) with a brentq prox; tolerance 1e-8
    ref = erm(loss, 2.0, 1.0, 0.5, rho=0.3, bias=True)
    expected = slow.noisy_train_error_ref(loss, 1.0, 0.3, ref.m, ref.q, ref.V, ref.b, sigma)
    r = local_energy(loss, 2.0, 1.0, 0.5, sigma, rho=0.3, bias=True, start=ref)
    assert r.train_error == pytest.approx(expected, abs=1e-8)


def test_square_loss_increase_is_closed_form_and_large_sigma_limit():
    # square: δ(train loss) = σ²Δq/2 exactly; σ → ∞: training error → 1/2 (within 1e-3 at σ = 1e4)
    r = local_energy("square", 3.0, 0.5, 0.2, 0.7)
    assert r.delta_train_loss == pytest.approx(0.5 * 0.49 * 0.5 * r.q, rel=1e-9)
    assert local_energy("square", 3.0, 0.5, 0.2, 1e4).train_error == pytest.approx(0.5, abs=1e-3)
    assert r.delta_train_error > 0 and r.gen_error > local_energy("square", 3.0, 0.5, 0.2, 0.0).gen_error


def test_bad_sigma():
    with pytest.raises(ValueError, match="^sigma must be >= 0"):
        local_energy("square", 2.0, 1.0, 1.0, -0.1)


@pytest.mark.slow
@pytest.mark.parametrize("loss,lam", [("square", 1.0), ("logistic", 0.1)])
@pytest.mark.parametrize("sigma", [0.1, 0.5])
def test_local_energy_against_monte_carlo(loss, lam, sigma):
    # N = 1000, 6 seeds × 20 noise draws; allowance 0.005 (error) / 0.01 (loss) for finite N
    from tests.gaussian_mixture.sim_flatness import local_energy_mc
    (te, te_se), (tl, tl_se), (ge, ge_se) = local_energy_mc(loss, 2.0, 1.0, lam, sigma, n=1000, seeds=range(6),
                                                            draws=20, n_test=4000)
    th = local_energy(loss, 2.0, 1.0, lam, sigma)
    assert abs(te - th.train_error) <= 3 * te_se + 0.005
    assert abs(tl - th.train_loss) <= 3 * tl_se + 0.01
    assert abs(ge - th.gen_error) <= 3 * ge_se + 0.005
