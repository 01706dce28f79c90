"""Models: analytic gradients against central finite differences, unit conventions against
scikit-learn, the tree committee against an explicit loop."""

import math

import numpy as np
import pytest

from replica.entropic import SGD, LinearClassifier, Objective, OneHiddenLayer


def _fd_grad(f, x, h=1e-6):
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def _binary_data(rng, P, N):
    return rng.standard_normal((P, N)), np.where(rng.random(P) < 0.5, 1.0, -1.0)


@pytest.mark.parametrize("loss", ["logistic", "square"])
@pytest.mark.parametrize("bias", [False, True])
def test_linear_gradient_matches_finite_differences(loss, bias):
    # reference: central differences, step 1e-6; tolerance 1e-7 relative to the gradient norm
    rng = np.random.default_rng(0)
    X, y = _binary_data(rng, 30, 7)
    model = LinearClassifier(7, loss=loss, lam=0.3, bias=bias)
    p = model.init(rng) + 0.1 * rng.standard_normal(model.n_params)
    f = lambda q: model.loss(q, X, y) + model.penalty(q)
    _, g = model.loss_grad(p, X, y)
    g = g + model.penalty_grad(p)
    assert np.linalg.norm(g - _fd_grad(f, p)) <= 1e-7 * np.linalg.norm(g)
    assert model.loss_grad(p, X, y)[0] == pytest.approx(model.loss(p, X, y), rel=1e-14)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("train_output", [True, False])
def test_network_gradient_matches_finite_differences(activation, n_classes, train_output):
    # reference: central differences, step 1e-6; tolerance 1e-7 relative to the gradient norm
    rng = np.random.default_rng(1)
    X = rng.standard_normal((25, 6))
    y = rng.integers(0, n_classes, 25) if n_classes > 2 else np.where(rng.random(25) < 0.5, 1.0, -1.0)
    model = OneHiddenLayer(6, 5, n_classes=n_classes, activation=activation, lam=0.2, train_output=train_output)
    p = model.init(rng) + 0.05 * rng.standard_normal(model.n_params)
    f = lambda q: model.loss(q, X, y) + model.penalty(q)
    _, g = model.loss_grad(p, X, y)
    g = g + model.penalty_grad(p)
    assert np.linalg.norm(g - _fd_grad(f, p)) <= 1e-7 * np.linalg.norm(g)


def test_tree_committee_gradient_and_output():
    rng = np.random.default_rng(2)
    K, N = 3, 12
    X, y = _binary_data(rng, 40, N)
    model = OneHiddenLayer(N, K, activation="tanh", tree=True)
    assert model.n_params == N and model.weight_mask.all()      # only the K blocks of N/K weights
    p = model.init(rng)
    # reference: explicit committee sign(Σ_k tanh(w_k · x_k)) over disjoint blocks, exact
    W = p.reshape(K, N // K)
    explicit = [sum(math.tanh(W[k] @ x[k * 4:(k + 1) * 4]) for k in range(K)) for x in X]
    np.testing.assert_allclose(model.scores(p, X), explicit, rtol=1e-13)
    _, g = model.loss_grad(p, X, y)
    assert np.linalg.norm(g - _fd_grad(lambda q: model.loss(q, X, y), p)) <= 1e-7 * np.linalg.norm(g)
    with pytest.raises(ValueError, match="n_hidden must divide n_features=12"):
        OneHiddenLayer(12, 5, tree=True)


def test_objective_gradient_is_gradient_of_mean_objective():
    # reference: finite differences of value() = (Σℓ + penalty)/P; full batch; tolerance 1e-7
    rng = np.random.default_rng(3)
    X, y = _binary_data(rng, 40, 5)
    obj = Objective(LinearClassifier(5, lam=2.0, bias=True), X, y)
    p = rng.standard_normal(6)
    g = obj.grad(p, np.arange(40))
    assert np.linalg.norm(g - _fd_grad(obj.value, p)) <= 1e-7 * np.linalg.norm(g)


def test_linear_units_match_sklearn_logistic_regression():
    # reference: scikit-learn's LogisticRegression (independent solver).  Our sum objective
    # Σℓ + λ/2|w|² with u = w/√N equals C Σℓ + |u|²/2 with C = 1/(λN); full-batch GD on
    # Objective must reach the same minimiser (tolerance 1e-6 on u, b).
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(4)
    N, P, lam = 10, 60, 0.5
    X, y = _binary_data(rng, P, N)
    X[:, 0] += 0.7 * y
    model = LinearClassifier(N, lam=lam, bias=True)
    res = SGD(lr=1.0, batch_size=P, seed=0).fit(np.zeros(N + 1), Objective(model, X, y), epochs=3000)
    clf = LogisticRegression(C=1 / (lam * N), tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(res.params[:N], clf.coef_.ravel(), atol=1e-6)
    assert res.params[N] == pytest.approx(clf.intercept_[0], abs=1e-6)
    # penalty convention λ/2 |w|² with w = √N u
    assert model.penalty(res.params) == pytest.approx(0.5 * lam * np.sum((math.sqrt(N) * res.params[:N]) ** 2))


def test_overlaps_follow_theory_units():
    # reference: docs/theory.md §1 definitions m = w·v*/N, q = |w|²/N with w = √N u (exact)
    rng = np.random.default_rng(5)
    N = 50
    model = LinearClassifier(N, bias=True)
    w, v = rng.standard_normal(N), rng.standard_normal(N)
    ov = model.overlaps(np.append(w / math.sqrt(N), 0.3), v)
    assert ov["m"] == pytest.approx(w @ v / N, rel=1e-12)
    assert ov["q"] == pytest.approx(w @ w / N, rel=1e-12)
    assert ov["b"] == 0.3
