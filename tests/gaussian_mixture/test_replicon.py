"""Replicon of the Gaussian-mixture solvers (docs/stability.md §3, §7), against independent routes.

* convex ERM ⇒ stable on random points, with the bound λ_AT ≤ V V̂ = V̂/(λ + V̂) (eq. 17), hinge saturating it;
* square loss: λ_AT = α(τ/(1+τ))² and the zero-temperature susceptibility identity -dV/dλ = V²/(1 - λ_AT)
  (eq. 8: for the square loss the Hessian does not depend on the minimiser, so N⁻¹Tr H⁻² = -dV/dλ), by
  central differences of the closed-form V(λ) (rel 1e-6) — this fixes the Δ-dependence (no 1/Δ);
* logistic: random-matrix simulation of the minimiser's Hessian, N⁻¹Tr H⁻² / (N⁻¹Tr H⁻¹)² = 1/(1 - λ_AT)
  (N = 300, 3 seeds, Δ = 0.5 so that a spurious factor 1/Δ would double λ; rel 1.5%);
* hinge at λ = 0: exactly marginal (λ_AT = 1, isostatic), reported as 1.0;
* Bayes-optimal: λ_AT = 0 (the data term is linear in the overlaps, eq. 27).
"""

import math

import numpy as np
import pytest
from scipy import optimize, special

from replica import gaussian_mixture as gm


def test_convex_erm_stable_on_random_points():
    """16 random (loss, α, Δ, λ > 0, ρ, bias): rs_stable, 0 ≤ λ_AT ≤ V̂/(λ+V̂) < 1; hinge: equality (rel 1e-9)."""
    rng = np.random.default_rng(11)
    for _ in range(16):
        loss = rng.choice(["square", "logistic", "hinge"])
        alpha, delta = 10 ** rng.uniform(-0.7, 1.0), 10 ** rng.uniform(-1, 0.5)
        lam, rho, bias = 10 ** rng.uniform(-2.5, 1), rng.uniform(0.15, 0.85), bool(rng.integers(2))
        r = gm.erm(loss, alpha, delta, lam, rho, bias)
        bound = r.Vhat / (lam + r.Vhat)
        assert r.converged and r.rs_stable
        assert 0 <= r.replicon <= bound * (1 + 1e-8) < 1
        if loss == "hinge":
            assert r.replicon == pytest.approx(bound, rel=1e-9)


@pytest.mark.parametrize("loss", ["square", "logistic"])
def test_unregularised_smooth_losses_strictly_stable(loss):
    """λ = 0 where the minimiser is finite (square: α > 1; logistic: above the separability threshold):
    α E[1 - ∂p/∂ω] = 1 there, yet λ_AT = α E[(1 - ∂p/∂ω)²] < 1 strictly (square: τ/(1+τ))."""
    alpha, delta = 8.0, 2.0
    r = gm.erm(loss, alpha, delta, 0.0)
    assert r.V * r.Vhat == pytest.approx(1.0, rel=1e-8)
    assert r.rs_stable and r.replicon < 0.9
    if loss == "square":
        tau = delta * r.V
        assert r.replicon == pytest.approx(tau / (1 + tau), rel=1e-9)


def test_hinge_without_ridge_is_marginal():
    """Hinge, λ = 0, non-separable (α = 8 > α*(Δ = 2) = 2.73): 1 - ∂p/∂ω ∈ {0, 1} and α P(kink) = 1, so
    λ_AT = 1 exactly (isostatic: one pattern at the margin per weight) — reported as 1.0, rs_stable False
    (marginal, not unstable: the problem is convex and RS exact, docs/stability.md §3)."""
    r = gm.erm("hinge", 8.0, 2.0, 0.0)
    assert r.converged and r.replicon == 1.0 and r.rs_stable is False


@pytest.mark.parametrize("alpha, delta, lam, rho, bias", [(2.0, 0.5, 0.1, 0.5, False), (3.0, 1.5, 0.01, 0.3, True),
                                                         (0.7, 0.3, 1.0, 0.5, False)])
def test_square_susceptibility_identity(alpha, delta, lam, rho, bias):
    """-dV/dλ = V²/(1 - λ_AT), with V(λ) from the closed form and dV/dλ by central differences
    (h = 1e-5 λ, rel 1e-6); the solver's square result carries the same replicon."""
    V = lambda l: gm.square_closed_form(alpha, delta, l, rho, bias).V
    h = 1e-5 * lam
    dV = (V(lam + h) - V(lam - h)) / (2 * h)
    r = gm.square_closed_form(alpha, delta, lam, rho, bias)
    tau = delta * r.V
    assert r.replicon == pytest.approx(alpha * (tau / (1 + tau)) ** 2, rel=1e-12)
    assert -dV == pytest.approx(r.V ** 2 / (1 - r.replicon), rel=1e-6)
    assert gm.erm("square", alpha, delta, lam, rho, bias).replicon == pytest.approx(r.replicon, rel=1e-8)


def _gm_logistic_hessian_traces(N, alpha, delta, lam, seed):
    rng = np.random.default_rng(seed)
    P = int(alpha * N)
    v = rng.standard_normal(N)
    y = np.where(rng.random(P) < 0.5, 1.0, -1.0)
    X = y[:, None] * v[None, :] / math.sqrt(N) + math.sqrt(delta) * rng.standard_normal((P, N))
    A = y[:, None] * X / math.sqrt(N)

    def f(w):
        h = A @ w
        return np.logaddexp(0, -h).sum() + 0.5 * lam * w @ w, -A.T @ special.expit(-h) + lam * w
    w = optimize.minimize(f, np.zeros(N), jac=True, method="L-BFGS-B",
                          options=dict(maxiter=10000, gtol=1e-10, ftol=1e-16)).x
    s = special.expit(A @ w)
    Hi = np.linalg.inv(lam * np.eye(N) + (X.T * (s * (1 - s))) @ X / N)
    return np.trace(Hi) / N, np.sum(Hi * Hi) / N


def test_logistic_replicon_against_random_matrix_susceptibility():
    """At the logistic minimiser (balanced, no bias, α = 2, Δ = 0.5, λ = 0.1): N⁻¹Tr H⁻¹ → V (2%) and
    N⁻¹Tr H⁻² / (N⁻¹Tr H⁻¹)² → 1/(1 - λ_AT) (1.5%; measured 0.2% at N = 800).  λ_AT = 0.124 here; the
    alternative λ/Δ would give 1.33 instead of 1.14."""
    alpha, delta, lam = 2.0, 0.5, 0.1
    r = gm.erm("logistic", alpha, delta, lam)
    traces = [_gm_logistic_hessian_traces(300, alpha, delta, lam, seed) for seed in range(3)]
    assert np.mean([t1 for t1, _ in traces]) == pytest.approx(r.V, rel=0.02)
    assert np.mean([t2 / t1 ** 2 for t1, t2 in traces]) == pytest.approx(1 / (1 - r.replicon), rel=0.015)


def test_bayes_replicon_zero():
    """The Gaussian posterior: λ_AT = 0, RS exact and stable."""
    r = gm.bayes_overlaps(2.0, 0.5, 0.3)
    assert r.replicon == 0.0 and r.rs_stable
