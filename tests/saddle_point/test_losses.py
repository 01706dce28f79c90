"""Losses and proximal maps: derivatives against mpmath, prox against its optimality condition."""

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replica.saddle_point.losses import LOSSES, loss_array, loss_code, loss_terms, prox, prox_array

mp.mp.dps = 30
MP_LOSS = {
    "square": lambda h, a: (1 - h) ** 2 / 2,
    "logistic": lambda h, a: mp.log1p(mp.exp(-h)),
    "hinge": lambda h, a: max(mp.mpf(0), a - h),
    "cross_entropy": lambda h, a: -h / 2 + mp.log(2 * mp.cosh(a * h)) / (2 * a),
}
PARAMS = {"square": 0.0, "logistic": 0.0, "hinge": 1.0, "cross_entropy": 3.0}
H_GRID = [-30.0, -3.1, -0.4, 0.05, 0.7, 2.2, 35.0]


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_and_derivatives_against_mpmath(name):
    a = PARAMS[name]
    for h in H_GRID:
        with mp.workdps(250):  # enough digits for -h/2 + log(2cosh γh)/(2γ) ≈ 1e-92 at h = 35
            ref = MP_LOSS[name](mp.mpf(h), a)
        assert loss_array(name, [h], a)[0] == pytest.approx(float(ref), rel=1e-13, abs=1e-300)
        if name == "hinge":
            continue  # piecewise linear: derivatives tested by the prox tests
        with mp.workdps(60):
            d1 = mp.diff(lambda t: MP_LOSS[name](t, a), h, 1)
            d2 = mp.diff(lambda t: MP_LOSS[name](t, a), h, 2)
        assert loss_array(name, [h], a, 1)[0] == pytest.approx(float(d1), rel=1e-12, abs=1e-14)
        assert loss_array(name, [h], a, 2)[0] == pytest.approx(float(d2), rel=1e-10, abs=1e-14)
        # the fused kernel against the same references (mp.diff resolves derivatives only to ~1e-14 absolute)
        value, fd1, fd2 = loss_terms(loss_code(name, a)[0], h, a)
        assert value == pytest.approx(float(ref), rel=1e-13, abs=1e-300)
        assert fd1 == pytest.approx(float(d1), rel=1e-12, abs=1e-14)
        assert fd2 == pytest.approx(float(d2), rel=1e-10, abs=1e-14)


def test_cross_entropy_tends_to_relu():
    """ℓ_γ(h) → max(0, -h) as γ → ∞ (Baldassi–Pittorino–Zecchina 2020): |ℓ_γ - max(0,-h)| ≤ log 2/(2γ)."""
    h = np.linspace(-3, 3, 61)
    gamma = 1e4
    assert np.all(np.abs(loss_array("cross_entropy", h, gamma) - np.maximum(0, -h)) <= np.log(2) / (2 * gamma) + 1e-15)


smooth = st.sampled_from(["logistic", "cross_entropy", "square"])


@settings(max_examples=300, deadline=None)
@given(name=smooth, omega=st.floats(-500, 500), tau=st.floats(1e-4, 1e3), gamma=st.floats(0.05, 50))
def test_prox_optimality(name, omega, tau, gamma):
    """Optimality condition p - ω + τℓ'(p) = 0 to 1e-12 relative, p in [ω, ω+τ], ∂p/∂ω = 1/(1+τℓ''(p))."""
    code, a = loss_code(name, gamma if name == "cross_entropy" else None)
    p, dp = prox(code, omega, tau, a)
    d1 = loss_array(name, [p], a, 1)[0]
    d2 = loss_array(name, [p], a, 2)[0]
    assert abs(p - omega + tau * d1) <= 1e-12 * (1 + abs(omega) + tau)
    if name != "square":
        assert omega <= p <= omega + tau
    assert dp == pytest.approx(1 / (1 + tau * d2), rel=1e-14)


@settings(max_examples=200, deadline=None)
@given(omega=st.floats(-50, 50), tau=st.floats(1e-3, 100), kappa=st.floats(-2, 2))
def test_hinge_prox_is_the_argmin(omega, tau, kappa):
    """Hinge prox beats every point of a fine grid on (p-ω)²/(2τ) + max(0, κ-p) (direct minimisation)."""
    code, a = loss_code("hinge", kappa)
    p, _ = prox(code, omega, tau, a)
    obj = lambda t: (t - omega) ** 2 / (2 * tau) + np.maximum(0, kappa - t)
    grid = np.linspace(min(omega, kappa) - 1, max(omega + tau, kappa) + 1, 20001)
    assert obj(p) <= obj(grid).min() + 1e-12


def test_prox_large_tau_no_cycling():
    """τ = 1e4, where unsafeguarded Newton cycles: the logistic prox still satisfies its optimality condition."""
    p, _ = prox_array("logistic", np.linspace(-2e4, 100, 401), 1e4)
    omega = np.linspace(-2e4, 100, 401)
    resid = p - omega - 1e4 / (1 + np.exp(p))
    assert np.max(np.abs(resid)) <= 1e-12 * 2e4


def test_bad_loss_name():
    with pytest.raises(ValueError, match="loss must be one of"):
        loss_code("huber")
