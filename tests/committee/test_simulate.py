"""Finite-K tree committee machine simulation (replica/committee/simulate.py, simulate_experiment.py)."""

import math

import numpy as np
import pytest

from replica.committee import simulate
from replica.committee.simulate_experiment import alpha_alg, run_experiment, simulation_points

SMALL = dict(budget=300, lr=0.05, lr_final=5e-3)


def _hand_field(W, x_flat, activation):
    """Independent forward pass with explicit loops over the K blocks of the flat input."""
    K, n = W.shape
    out = np.zeros(len(x_flat))
    for mu, x in enumerate(x_flat):
        h = 0.0
        for l in range(K):
            lam = sum(W[l, i] * x[l * n + i] for i in range(n)) / math.sqrt(n)
            g = (max(lam, 0.0) - 1.0 / math.sqrt(2.0 * math.pi)) if activation == "relu" else math.copysign(1.0, lam)
            h += (1.0 if l % 2 == 0 else -1.0) * g
        var = 0.5 - 1.0 / (2.0 * math.pi) if activation == "relu" else 1.0
        out[mu] = h / math.sqrt(K * var)
    return out


@pytest.mark.parametrize("activation", ["sign", "relu"])
@pytest.mark.parametrize("K", [3, 4, 5])
def test_forward_pass_matches_hand_computation(activation, K):
    # reference: explicit loops over disjoint contiguous blocks of N/K inputs, c = +1,-1,+1,...;
    # tolerance 1e-12 (round-off of a sum of ~10 terms)
    N = 4 * K
    X, y = simulate.instance(2.0, N, K, seed=3)
    assert X.shape == (8 * K, K, 4) and y.shape == (8 * K,)
    W = np.random.default_rng(0).standard_normal((K, N // K))
    h = simulate.output_field(W, X, activation)
    np.testing.assert_allclose(h, _hand_field(W, X.reshape(len(X), N), activation), atol=1e-12)
    assert simulate.train_errors(W, X, y, activation) == np.sum(y * h <= 0)
    c = simulate.output_weights(K)
    assert c.sum() == K % 2 and set(c) == {1.0, -1.0}


def test_centred_field_has_unit_variance():
    # reference: with |w_l|² = n and x ~ N(0, I), λ_l ~ N(0, 1) iid, so the centred, normalised field
    # has mean 0 and variance 1 (module docstring); 20000 patterns → s.e. ≈ 0.007 (mean), 0.01 (var); 5 s.e.
    X, _ = simulate.instance(20000 / 35, 35, 5, seed=1)
    W = simulate._project(np.random.default_rng(2).standard_normal((5, 7)))
    for act in ("sign", "relu"):
        h = simulate.output_field(W, X, act)
        assert abs(h.mean()) < 0.04 and abs(h.var() - 1.0) < 0.05


def test_relu_gradient_matches_finite_differences():
    # reference: central finite differences of the softplus-surrogate hinge loss, step 1e-6, rel. tol. 1e-6
    X, y = simulate.instance(1.0, 30, 3, 0)
    W, _ = simulate._starts(1, len(y), 3, 10, 0)
    L, G, _ = simulate._loss_grad(W, X, y, "relu", 0.5, 3.0)
    D = np.random.default_rng(1).standard_normal(W.shape)
    Lp = simulate._loss_grad(W + 1e-6 * D, X, y, "relu", 0.5, 3.0)[0]
    Lm = simulate._loss_grad(W - 1e-6 * D, X, y, "relu", 0.5, 3.0)[0]
    assert float((Lp - Lm)[0] / 2e-6) == pytest.approx(float(np.sum(G * D)), rel=1e-6)


def test_sign_straight_through_gradient_by_hand():
    # reference: the straight-through rule written with loops: Δ from the true sign network,
    # ∂L/∂w_l = −Σ_{μ: Δ_μ<κ} y_μ c_l β(1 − tanh²(βλ_μl)) x_μl / (√n √K); tolerance 1e-12 (round-off)
    K, n, kappa, beta = 3, 10, 0.3, 2.0
    X, y = simulate.instance(1.0, K * n, K, 0)
    W, _ = simulate._starts(1, len(y), K, n, 0)
    L, G, errs = simulate._loss_grad(W, X, y, "sign", kappa, beta)
    ref, loss = np.zeros((K, n)), 0.0
    for mu in range(len(y)):
        lam = [W[0, l] @ X[mu, l] / math.sqrt(n) for l in range(K)]
        stab = y[mu] * sum((1 if l % 2 == 0 else -1) * np.sign(lam[l]) for l in range(K)) / math.sqrt(K)
        if stab < kappa:
            loss += kappa - stab
            for l in range(K):
                c = 1 if l % 2 == 0 else -1
                ref[l] -= y[mu] * c * beta * (1 - math.tanh(beta * lam[l]) ** 2) * X[mu, l] / math.sqrt(n * K)
    np.testing.assert_allclose(G[0], ref, atol=1e-12)
    assert L[0] == pytest.approx(loss, abs=1e-12) and errs[0] == simulate.train_errors(W[0], X, y, "sign")


@pytest.mark.parametrize("method", simulate.METHODS)
def test_seeds_reproduce(method):
    X, y = simulate.instance(1.5, 30, 3, 0)
    a = simulate.train(X, y, "sign", method, seed=4, **SMALL)
    b = simulate.train(X, y, "sign", method, seed=4, **SMALL)
    c = simulate.train(X, y, "sign", method, seed=5, **SMALL)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.grad_evals == b.grad_evals
    assert not np.array_equal(a.weights, c.weights)


@pytest.mark.parametrize("activation", ["sign", "relu"])
def test_equal_budgets_on_an_unsolvable_instance(activation):
    # α = 8 at K = 3 is above the Cover/Mitchison–Durbin counting bound for sign units (5.42), far above
    # the K = ∞ ReLU RS capacity (2.93): no method stops early, each spends exactly the budget
    # (30 is a multiple of y = 3 replicas and of L = 5 inner steps)
    X, y = simulate.instance(8.0, 30, 3, 0)
    spent = {m: simulate.train(X, y, activation, m, seed=0, budget=30).grad_evals for m in simulate.METHODS}
    assert spent == {"gd": 30, "rsgd": 30, "esgd": 30}


def _planted(alpha, N, K, activation, seed):
    """Labels from a random teacher committee of the same architecture: a solution exists."""
    X, _ = simulate.instance(alpha, N, K, seed)
    T = simulate._project(np.random.default_rng(seed + 100).standard_normal((K, N // K)))
    return X, np.where(simulate.output_field(T, X, activation) > 0, 1.0, -1.0)


@pytest.mark.parametrize("activation", ["sign", "relu"])
@pytest.mark.parametrize("method", simulate.METHODS)
def test_planted_easy_instance_is_solved(activation, method):
    X, y = _planted(0.5, 60, 3, activation, seed=1)
    r = simulate.train(X, y, activation, method, seed=0, budget=1500)
    assert r.solved and r.train_errors == 0 and r.grad_evals < 1500
    assert simulate.train_errors(r.weights, X, y, activation) == 0
    np.testing.assert_allclose(np.linalg.norm(r.weights, axis=1), math.sqrt(20), rtol=1e-12)  # on the sphere


@pytest.mark.parametrize("activation", ["sign", "relu"])
def test_loss_decreases(activation):
    # fixed β (beta0 = beta_max), no early stop possible (α = 3): the mean loss of the last 20 steps
    # is below half that of the first step (sign: the true network's hinge loss, straight-through)
    X, y = simulate.instance(3.0, 60, 3, 2)
    r = simulate.train(X, y, activation, "gd", seed=0, budget=200, beta0=5.0, beta_max=5.0)
    assert len(r.loss_history) == 200
    assert r.loss_history[-20:].mean() < 0.5 * r.loss_history[0]


def test_local_energy_limits():
    # reference: σ = 0 leaves the weights unchanged (δε = 0 exactly); σ = 100 makes the weights
    # random, so the error of the perturbed network is ½ (random labels); 200 patterns × 40 draws:
    # s.e. of the mean error ≲ 0.04 (pattern fluctuations dominate), tolerance 0.1
    X, y = _planted(200 / 30, 30, 3, "sign", 0)
    T = simulate._project(np.random.default_rng(100).standard_normal((3, 10)))
    assert simulate.train_errors(T, X, y, "sign") == 0
    m, se = simulate.local_energy(T, X, y, "sign", [0.0, 0.3, 100.0], samples=40)
    assert m[0] == 0.0 and 0.0 < m[1] < m[2]
    assert abs(m[2] - 0.5) < 0.1


def test_alpha_alg_recovers_a_known_logistic():
    # reference: synthetic outcomes from p(α) = 1/(1 + exp((α − 2)/0.3)); the estimate lies within
    # 4 bootstrap s.e. (and 0.2) of 2
    rng = np.random.default_rng(0)
    a = np.repeat(np.linspace(1.0, 3.0, 9), 60)
    s = rng.random(len(a)) < 1.0 / (1.0 + np.exp((a - 2.0) / 0.3))
    mid, se = alpha_alg(a, s, n_boot=100)
    assert 0 < se < 0.1 and abs(mid - 2.0) < min(4 * se, 0.2)
    # complete separation: midpoint of the gap, half the gap as error; no crossing: nan
    assert alpha_alg([1, 1, 2, 2], [1, 1, 0, 0]) == (1.5, 0.5)
    assert all(math.isnan(v) for v in alpha_alg([1, 2], [1, 1]))


def test_experiment_rows_are_incremental_and_resumable(tmp_path):
    out = str(tmp_path / "sim.csv")
    kw = dict(activations=("relu",), Ks=(3,), N=30, alphas=(0.5, 8.0), methods=("gd",), seeds=range(2),
              train_kw={"budget": 60}, progress=False)
    run_experiment(out, **kw)
    lines = open(out).read().splitlines()
    assert len(lines) == 1 + 4
    run_experiment(out, **{**kw, "seeds": range(3)})           # resume: only seed 2 is new
    assert len(open(out).read().splitlines()) == 1 + 6
    pts = simulation_points(out)
    assert list(pts["n"]) == [3, 3] and pts.loc[pts.alpha == 8.0, "frac_solved"].item() == 0.0


def test_bad_input_is_one_line():
    X, y = simulate.instance(1.0, 30, 3, 0)
    with pytest.raises(ValueError, match="activation must be one of"):
        simulate.train(X, y, "tanh")
    with pytest.raises(ValueError, match="method must be one of"):
        simulate.train(X, y, "relu", "adam")
    with pytest.raises(ValueError, match="n_features must be a multiple of K=4"):
        simulate.instance(1.0, 30, 4, 0)


def _cover_bound_log2(P, n, K):
    """log2 of Π_l C(P, n) / 2^P: Cover's count of the dichotomies of P points by one branch
    perceptron, C(P, n) = 2 Σ_{i<n} binom(P−1, i); a sign-unit tree committee realises at most the
    product over its K branches (its output depends on the branch signs only)."""
    C = 2 * sum(math.comb(P - 1, i) for i in range(n))
    return K * math.log2(C) - P


@pytest.mark.slow
@pytest.mark.parametrize("activation", ["sign", "relu"])
def test_fraction_solved_is_one_at_small_and_zero_at_large_alpha(activation):
    # references: at α = 0.25 (P = 16 < n = 21) a single branch can store every pattern, so solutions
    # exist and every instance should be solved (10/10 expected, s.e. 0); at α = 6 the counting bound
    # makes a solution for sign units rarer than 2^-40 (asserted below), and 6 is twice the K = ∞
    # ReLU RS capacity 2π/(π−1) = 2.93: 0/10 expected for every method
    assert _cover_bound_log2(6 * 63, 21, 3) < -40
    for alpha, expected in ((0.25, 1.0), (6.0, 0.0)):
        for method in simulate.METHODS:
            solved = [simulate.train(*simulate.instance(alpha, 63, 3, s), activation, method, seed=s,
                                     budget=1500).solved for s in range(10)]
            assert np.mean(solved) == expected, (alpha, method, solved)
