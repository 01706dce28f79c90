"""Optimisers against closed forms and known limits (each test names its reference)."""

import math

import numpy as np
import pytest

from replica.entropic import SGD, EntropySGD, LinearClassifier, Objective, ReplicatedSGD, Scoping


def _quadratic(a):
    """Full-batch gradient of L(w) = Σ_i a_i w_i² / 2 (the minibatch is ignored)."""
    return lambda w, idx: a * w


def _logistic_problem(seed=0, N=8, P=40):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((P, N))
    y = np.where(X[:, 0] + 0.5 * rng.standard_normal(P) > 0, 1.0, -1.0)
    model = LinearClassifier(N, lam=0.1, bias=True)
    return model, Objective(model, X, y), model.init(rng)


def test_sgd_on_quadratic_is_geometric():
    # reference: closed form w_t = (1 - η a)^t w_0 for full-batch GD; exact to 1e-12
    a = np.array([0.5, 1.0, 2.0])
    res = SGD(lr=0.3, batch_size=1).fit(np.ones(3), _quadratic(a), n_samples=1, epochs=25)
    np.testing.assert_allclose(res.params, (1 - 0.3 * a) ** 25, rtol=1e-12)
    assert res.grad_evals == 25 and len(res.history) == 25


def test_sgd_momentum_matches_heavy_ball_recursion_matrix():
    # reference: heavy ball v' = m v + a w, w' = w - η v' as powers of its 2×2 matrix; 1e-12
    a, lr, m, T = 1.5, 0.2, 0.7, 30
    M = np.array([[1 - lr * a, -lr * m], [a, m]])            # acts on (w, v)
    w_ref = (np.linalg.matrix_power(M, T) @ np.array([1.0, 0.0]))[0]
    res = SGD(lr=lr, momentum=m, batch_size=1).fit([1.0], _quadratic(np.array([a])), n_samples=1, epochs=T)
    assert res.params[0] == pytest.approx(w_ref, rel=1e-12)


def test_esgd_with_one_noiseless_inner_step_is_sgd():
    # reference: seed's box with L=1, α=0, ε=0, η=1 gives w <- w - η' ∇L(w; Ξ): SGD with rate η'
    # on the same minibatches (same seed); exact to 1e-13
    model, obj, w0 = _logistic_problem()
    sgd = SGD(lr=0.3, batch_size=7, seed=11).fit(w0, obj, epochs=6)
    esgd = EntropySGD(lr=1.0, sgld_lr=0.3, inner_steps=1, gamma=5.0, noise=0.0, average=0.0,
                      batch_size=7, seed=11).fit(w0, obj, epochs=6)
    np.testing.assert_allclose(esgd.params, sgd.params, rtol=1e-13, atol=1e-15)
    assert esgd.grad_evals == sgd.grad_evals


def test_esgd_two_inner_steps_follow_the_seed_box():
    # reference: the seed's algorithm box worked by hand on L = a w²/2 (ε = 0, L = 2):
    # averaging μ <- α μ + (1-α) w' and an outer step η (w - μ) not multiplied by γ
    a, g, eta_p, alpha, eta, w = 0.8, 2.0, 0.1, 0.6, 0.5, 1.0
    w1 = w - eta_p * a * w
    w2 = w1 - eta_p * (a * w1 + g * (w1 - w))
    mu = alpha * (alpha * w + (1 - alpha) * w1) + (1 - alpha) * w2
    expected = w - eta * (w - mu)
    res = EntropySGD(lr=eta, sgld_lr=eta_p, inner_steps=2, gamma=g, noise=0.0, average=alpha,
                     batch_size=1).fit([w], _quadratic(np.array([a])), n_samples=1, epochs=2)
    assert res.params[0] == pytest.approx(expected, rel=1e-14)


def test_esgd_noiseless_quadratic_follows_local_entropy_gradient():
    # reference: for L = Σ a_i w_i²/2 the noiseless inner loop converges to
    # w' = γ w/(a+γ), so the outer step is w <- w - η a w/(a+γ): the closed-form local-entropy
    # gradient γ(w - <w'>) divided by γ.  L = 200 inner steps: transient (1-η'(a+γ))^200 < 1e-30
    a = np.array([0.2, 1.0, 3.0])
    g, eta, T, L = 1.5, 0.7, 5, 200
    res = EntropySGD(lr=eta, sgld_lr=0.2, inner_steps=L, gamma=g, noise=0.0, average=0.0,
                     batch_size=1).fit(np.ones(3), _quadratic(a), n_samples=1, epochs=T * L)
    np.testing.assert_allclose(res.params, (1 - eta * a / (a + g)) ** T, rtol=1e-12)
    assert res.state["t"] == T


def test_esgd_large_gamma_reduces_to_sgd():
    # reference: for γ → ∞ (ε = 0) the inner fixed point is w' = w - ∇L(w')/γ, so with η = γ η_SGD
    # the outer step is an SGD step with rate η_SGD up to O(|Hessian|/γ): γ = 1e4, tolerance 1e-3
    model, obj, w0 = _logistic_problem(seed=1)
    P = obj.n_samples
    g, lr_sgd, T, L = 1e4, 0.5, 8, 60
    sgd = SGD(lr=lr_sgd, batch_size=P).fit(w0, obj, epochs=T)
    esgd = EntropySGD(lr=g * lr_sgd, sgld_lr=0.5 / g, inner_steps=L, gamma=g, noise=0.0, average=0.0,
                      batch_size=P).fit(w0, obj, epochs=T * L)
    np.testing.assert_allclose(esgd.params, sgd.params, rtol=1e-3)


def test_sgld_noise_convention_gives_the_discrete_ou_variance():
    # reference: w' <- w' - η'((a+γ)w' - γw) + sqrt(η') ε ξ is a discrete OU process with mean
    # γw/(a+γ) and stationary variance η'ε²/(1-(1-η'(a+γ))²) (≈ ε²/(2(a+γ)): temperature ε²/2).
    # One outer step of L = 300 inner steps with η = 0 (w fixed) on n = 20000 coordinates;
    # tolerance 5 standard errors (relative s.e. of a variance sqrt(2/n), of a mean sqrt(var/n)).
    n, a, g, eta_p, eps, L = 20000, 1.0, 0.5, 0.1, 0.05, 300
    w = np.full(n, 2.0)
    res = EntropySGD(lr=0.0, sgld_lr=eta_p, inner_steps=L, gamma=g, noise=eps, average=0.0,
                     batch_size=1, seed=3).fit(w, _quadratic(np.full(n, a)), n_samples=1, epochs=L)
    wp = res.state["w_prime"]
    var = eta_p * eps ** 2 / (1 - (1 - eta_p * (a + g)) ** 2)
    mean = g * 2.0 / (a + g)
    assert abs(wp.mean() - mean) < 5 * math.sqrt(var / n)
    assert abs(wp.var() / var - 1) < 5 * math.sqrt(2 / n)
    np.testing.assert_array_equal(res.params, w)                 # η = 0: the centre did not move


def test_rsgd_with_one_replica_is_sgd():
    # reference: with y = 1 the coupling vanishes (w^1 = w̄): SGD on the same minibatches; exact
    model, obj, w0 = _logistic_problem(seed=2)
    sgd = SGD(lr=0.2, momentum=0.5, batch_size=6, seed=5).fit(w0, obj, epochs=7)
    rsgd = ReplicatedSGD(lr=0.2, momentum=0.5, replicas=1, gamma=3.0, batch_size=6, seed=5).fit(w0, obj, epochs=7)
    np.testing.assert_allclose(rsgd.params, sgd.params, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("K", [1, 3])
def test_rsgd_quadratic_mean_is_gd_and_spread_contracts(K):
    # reference: for L = a|w|²/2 (full batch) the coupling forces sum to zero, so the mean
    # follows GD exactly, w̄_t = (1-ηa)^t w̄_0, while the deviations shrink by (1-ηa) per plain
    # step and (1-η(a+Kγ)) per coupling step; exact to 1e-12
    a, lr, g, T = 0.5, 0.1, 2.0, 12
    starts = np.array([[1.0, -2.0], [3.0, 0.5], [-1.0, 4.0]])
    res = ReplicatedSGD(lr=lr, replicas=3, gamma=g, couple_every=K, batch_size=1).fit(
        starts, _quadratic(np.full(2, a)), n_samples=1, epochs=T)
    mean0 = starts.mean(axis=0)
    np.testing.assert_allclose(res.params, (1 - lr * a) ** T * mean0, rtol=1e-12)
    n_couple = T // K
    factor = (1 - lr * a) ** (T - n_couple) * (1 - lr * (a + K * g)) ** n_couple
    np.testing.assert_allclose(res.state["replicas"] - res.params, factor * (starts - mean0), rtol=1e-10, atol=1e-14)


def test_rsgd_trained_centre_converges_to_the_minimiser():
    # reference: for a strictly convex L the replicated loss Σ_a L(w^a) + γ/2 Σ_a |w^a - c|² has the
    # unique minimiser w^a = c = argmin L; here argmin of Σ a_i (w_i - w*_i)²/2 is w*; tol 1e-9
    a, w_star = np.array([0.5, 2.0]), np.array([1.0, -3.0])
    grad = lambda w, idx: a * (w - w_star)
    starts = np.array([[0.0, 0.0], [2.0, 1.0], [-1.0, 5.0], [3.0, -2.0]])
    res = ReplicatedSGD(lr=0.2, replicas=4, gamma=0.3, center="trained", center_lr=0.5,
                        batch_size=1).fit(starts, grad, n_samples=1, epochs=800)
    np.testing.assert_allclose(res.params, w_star, atol=1e-9)
    np.testing.assert_allclose(res.state["replicas"], np.tile(w_star, (4, 1)), atol=1e-9)


def test_history_records_every_epoch():
    # reference: the documented record (keys, budget in gradient evaluations, γ from the schedule)
    model, obj, w0 = _logistic_problem(seed=3)
    nb = -(-obj.n_samples // 8)
    res = EntropySGD(lr=1.0, sgld_lr=0.1, inner_steps=3, gamma=Scoping(0.1, 0.05), batch_size=8,
                     seed=0).fit(w0, obj, epochs=4)
    assert [r["grad_evals"] for r in res.history] == [nb, 2 * nb, 3 * nb, 4 * nb]
    t_last = -(-4 * nb // 3) - 1                 # index of the last outer step
    assert res.history[-1]["gamma"] == pytest.approx(0.1 * 1.05 ** t_last)
    for key in ("epoch", "loss", "train_error", "distance", "sq_distance", "gamma", "lr"):
        assert key in res.history[-1]
    rs = ReplicatedSGD(lr=0.1, replicas=3, gamma=1.0, batch_size=8, seed=0).fit(w0, obj, epochs=2.6)
    assert [r["epoch"] for r in rs.history] == [1.0, 2.0, 2.6]
    assert rs.grad_evals == 3 * round(2.6 * nb)
    assert 0.0 <= rs.history[-1]["distance"] < 0.5


def test_fixed_seed_is_reproducible_and_seeds_differ():
    model, obj, w0 = _logistic_problem(seed=4)
    make = lambda seed: EntropySGD(lr=1.0, sgld_lr=0.2, inner_steps=3, noise=1e-2, batch_size=5, seed=seed)
    r1, r2, r3 = (make(s).fit(w0, obj, epochs=3) for s in (7, 7, 8))
    np.testing.assert_array_equal(r1.params, r2.params)
    assert r1.history == r2.history
    assert not np.allclose(r1.params, r3.params)


def test_unstable_coupling_warns():
    # reference: the explicit coupling step contracts deviations by (1 - η K γ); |.| > 1 for ηKγ > 2
    with pytest.warns(RuntimeWarning, match="lr \\* couple_every \\* gamma = 3 >= 2"):
        ReplicatedSGD(lr=1.0, replicas=2, gamma=3.0, batch_size=1).fit(np.ones(2), _quadratic(np.ones(2)),
                                                                      n_samples=1, epochs=1)
    with pytest.warns(RuntimeWarning, match="sgld_lr \\* gamma"):
        EntropySGD(sgld_lr=1.0, gamma=2.5, batch_size=1).fit(np.ones(2), _quadratic(np.ones(2)),
                                                              n_samples=1, epochs=1)
