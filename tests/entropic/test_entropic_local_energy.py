"""Local energy δε(σ) (docs/theory.md §6) against exact values and closed forms."""

import math

import numpy as np
from scipy.stats import norm

from replica.entropic import LinearClassifier, OneHiddenLayer, local_energy
from replica.entropic.data import gaussian_mixture


def test_sigma_zero_is_exactly_zero():
    # reference: w ⊙ (1 + 0·z) = w, so δε(0) = 0 exactly, for both model kinds
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 6)), np.where(rng.random(50) < 0.5, 1.0, -1.0)
    for model in (LinearClassifier(6, bias=True), OneHiddenLayer(6, 4, activation="tanh")):
        p = model.init(rng)
        le = local_energy(model, p, X, y, [0.0, 0.3], samples=10, seed=1)
        assert le.delta[0] == 0.0 and le.sem[0] == 0.0
        assert le.error0 == model.error(p, X, y)


def test_linear_local_energy_matches_per_sample_closed_form():
    # reference: with z ~ N(0, I) on the weights only, the perturbed score of sample μ is
    # Gaussian with mean h_μ = u·x_μ + b and variance σ² Σ_i u_i² x_μi², so
    # E_z ε = mean_μ H(y_μ h_μ / (σ sqrt(Σ_i u_i² x_μi²))) exactly.  Tolerance: 4 s.e.
    rng = np.random.default_rng(1)
    N, P = 40, 300
    X, y = rng.standard_normal((P, N)), np.where(rng.random(P) < 0.5, 1.0, -1.0)
    X[:, :5] += 0.8 * y[:, None]
    model = LinearClassifier(N, bias=True)
    p = np.append(0.3 * rng.standard_normal(N) + 0.5 * (np.arange(N) < 5), 0.2)
    sigmas = [0.1, 0.5, 1.0]
    le = local_energy(model, p, X, y, sigmas, samples=400, seed=2)
    u, b = p[:N], p[N]
    h = X @ u + b
    e0 = np.mean(y * h <= 0)
    for s, d, se in zip(sigmas, le.delta, le.sem):
        exact = np.mean(norm.sf(y * h / (s * np.sqrt((X ** 2) @ (u ** 2))))) - e0
        assert 0 < se < 0.05
        assert abs(d - exact) < 4 * se


def test_biases_are_not_perturbed():
    # reference: a classifier that is all bias (u = 0, b ≠ 0) is unchanged by multiplicative
    # weight noise: δε(σ) = 0 exactly at every σ; the same for a network whose weights are zero
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((60, 5)), np.where(rng.random(60) < 0.3, 1.0, -1.0)
    lin = LinearClassifier(5, bias=True)
    le = local_energy(lin, np.append(np.zeros(5), -0.4), X, y, [0.5, 2.0], samples=5)
    np.testing.assert_array_equal(le.delta, 0.0)
    net = OneHiddenLayer(5, 3, n_classes=3)
    p = np.where(net.weight_mask, 0.0, rng.standard_normal(net.n_params))
    le = local_energy(net, p, X, rng.integers(0, 3, 60), [0.5, 2.0], samples=5)
    np.testing.assert_array_equal(le.delta, 0.0)


def test_gm_test_local_energy_matches_theory_formula():
    # reference: docs/theory.md §6, population test error under noise of a linear classifier with order
    # parameters (m, q, b): ρH((m+b)/√(Δq(1+σ²))) + (1-ρ)H((m-b)/√(Δq(1+σ²))), minus ε_gen.
    # Finite N and test set: tolerance 4 s.e. (noise draws) + 3 s.e. of the test-set error + 1/N
    N, n_test, delta, rho = 400, 20000, 1.0, 0.3
    rng = np.random.default_rng(4)
    Xt, yt, v = gaussian_mixture(n_test, N, delta, rho, rng)
    model = LinearClassifier(N, bias=True)
    w = 0.6 * v + rng.standard_normal(N)                    # some classifier correlated with v*
    p = np.append(w / math.sqrt(N), 0.25)
    ov = model.overlaps(p, v)
    m, q, b = ov["m"], ov["q"], ov["b"]
    sigmas = [0.3, 0.7, 1.2]
    le = local_energy(model, p, Xt, yt, sigmas, samples=60, seed=5)

    def population_error(s):
        scale = math.sqrt(delta * q * (1 + s * s))
        return rho * norm.sf((m + b) / scale) + (1 - rho) * norm.sf((m - b) / scale)

    e_gen = population_error(0.0)
    tol_set = 3 * math.sqrt(e_gen * (1 - e_gen) / n_test)
    assert abs(le.error0 - e_gen) < tol_set + 1 / N
    for s, d, se in zip(sigmas, le.delta, le.sem):
        assert abs(d + le.error0 - population_error(s)) < 4 * se + tol_set + 1 / N


def test_local_energy_is_reproducible():
    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((30, 4)), np.where(rng.random(30) < 0.5, 1.0, -1.0)
    model = LinearClassifier(4)
    p = model.init(rng)
    a = local_energy(model, p, X, y, [0.2, 0.4], samples=20, seed=9)
    b = local_energy(model, p, X, y, [0.2, 0.4], samples=20, seed=9)
    np.testing.assert_array_equal(a.delta, b.delta)
    assert set(a.as_dict("le_")) == {"le_0.2", "le_se_0.2", "le_0.4", "le_se_0.4"}
