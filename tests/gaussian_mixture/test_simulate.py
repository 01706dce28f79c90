"""Tests of the Gaussian-mixture ERM simulation (replica/gaussian_mixture/simulate.py).

(a) Convention checks: on a tiny problem (N=20, P=40) the scikit-learn fit of ``fit_erm`` must equal
    the minimiser of *our* objective ``Σ ℓ(y(w·x/√N + b)) + λ/2‖w‖²`` (bias unpenalised) computed
    independently with scipy, and each test also shows that a convention slip (λ off by a factor 2,
    a penalised intercept) would be caught by the tolerance it uses.
(b) Data generation against docs/theory.md §1 within 4 standard errors; the gen_error formula against a
    Monte Carlo estimate on fresh test points.
(c) slow: replica theory (``replica.gaussian_mixture.erm``) against simulation within 3 standard
    errors at N = 1000 for square, logistic and hinge, balanced and unbalanced.
"""

import math

import numpy as np
import pytest
from scipy.linalg import lstsq
from scipy.optimize import minimize
from scipy.special import expit

from replica.gaussian_mixture.simulate import (
    LOSS_NAMES,
    SimulationResult,
    fit_erm,
    observables,
    population_error,
    sample_mixture,
    simulate_erm,
)

# ------------------------------------------------------------------------------------------ helpers
TINY_N, TINY_P, TINY_DELTA, TINY_RHO = 20, 40, 1.0, 0.3
LAMS = (0.1, 1.0)

# Tolerances of the convention checks (max-abs difference of w and of b against the reference).
# Reached on this problem: square ≤ 5e-15, logistic ≤ 7e-10, hinge ≤ 2e-8 without bias (liblinear) and
# ≤ 5e-7 with bias (libsvm; a floor independent of its tol, from its single-precision kernel cache).
# The negative controls (λ → 2λ, penalised intercept) move w by ≥ 8e-2 on this problem.
TOL = {"square": 1e-10, "logistic": 1e-7, "hinge": 5e-6}


def _tiny_data(seed=12345):
    X, y, v = sample_mixture(TINY_P, TINY_N, TINY_DELTA, TINY_RHO, np.random.default_rng(seed))
    assert 0 < np.sum(y > 0) < TINY_P
    return X, y, v


def _loss(name, h):
    if name == "square":
        return 0.5 * (1 - h) ** 2
    if name == "logistic":
        return np.logaddexp(0, -h)
    return np.maximum(0, 1 - h)


def _objective(name, A, y, lam, w, b):
    return float(np.sum(_loss(name, y * (A @ w + b))) + 0.5 * lam * w @ w)


def _square_reference(A, y, lam, bias):
    """Exact least squares: rows [A, 1] w̃ = y and [√λ I, 0] w̃ = 0 (the bias row is not penalised)."""
    P, N = A.shape
    design = np.vstack([np.hstack([A, np.ones((P, 1))]), np.hstack([math.sqrt(lam) * np.eye(N), np.zeros((N, 1))])])
    if not bias:
        design = design[:, :N]
    sol = lstsq(design, np.concatenate([y, np.zeros(N)]))[0]
    return sol[:N], (float(sol[N]) if bias else 0.0)


def _logistic_reference(A, y, lam, bias):
    """Newton-type trust-region solve with exact Hessian; certified by ‖∇F‖/λ_min(∇²F) (strong convexity)."""
    P, N = A.shape
    design = np.hstack([A, np.ones((P, 1))]) if bias else A
    k = design.shape[1]
    reg = np.full(k, lam)
    if bias:
        reg[-1] = 0.0

    def f(z):
        return float(np.sum(np.logaddexp(0, -y * (design @ z))) + 0.5 * np.sum(reg * z * z))

    def grad(z):
        return -(y * expit(-y * (design @ z))) @ design + reg * z

    def hess(z):
        h = design @ z
        s = expit(h) * expit(-h)
        return (design * s[:, None]).T @ design + np.diag(reg)

    z = minimize(f, np.zeros(k), jac=grad, hess=hess, method="trust-exact", options={"gtol": 1e-13}).x
    for _ in range(3):  # polish with plain Newton steps (quadratic convergence)
        z = z - np.linalg.solve(hess(z), grad(z))
    error_bound = np.linalg.norm(grad(z)) / np.linalg.eigvalsh(hess(z))[0]
    assert error_bound < 1e-11, error_bound
    return z[:N], (float(z[N]) if bias else 0.0)


def _hinge_reference(A, y, lam, bias):
    """Exact SVM: SLSQP on the dual QP, then the KKT system solved on its active set and verified.

    Our objective's dual: max_a Σa - ‖Σ a_μ y_μ A_μ‖²/(2λ), 0 ≤ a ≤ 1, plus Σ a_μ y_μ = 0 when the
    bias is free (unpenalised); w = Σ a_μ y_μ A_μ/λ. KKT: margin h_μ = y_μ(A_μ·w + b) is < 1 ⇒ a=1,
    > 1 ⇒ a=0, = 1 for 0<a<1. Returns (w, b, kkt_violation).
    """
    P, N = A.shape
    Z = y[:, None] * A
    Q = Z @ Z.T / lam
    constraints = [{"type": "eq", "fun": lambda a: a @ y, "jac": lambda a: y}] if bias else []
    res = minimize(lambda a: 0.5 * a @ Q @ a - a.sum(), np.zeros(P), jac=lambda a: Q @ a - 1.0,
                   bounds=[(0.0, 1.0)] * P, constraints=constraints, method="SLSQP",
                   options={"ftol": 1e-15, "maxiter": 2000})
    a0 = res.x
    at_one = a0 > 1 - 1e-6
    free = (a0 > 1e-6) & ~at_one
    # Solve exactly on the active set: unknowns a_free (and b).
    Zf, Zl = Z[free], Z[at_one]
    w_fixed = Zl.sum(axis=0) / lam
    nf = int(free.sum())
    if bias:
        M = np.zeros((nf + 1, nf + 1))
        r = np.zeros(nf + 1)
        M[:nf, :nf] = Zf @ Zf.T / lam
        M[:nf, nf] = y[free]
        r[:nf] = 1 - Zf @ w_fixed
        M[nf, :nf] = y[free]
        r[nf] = -y[at_one].sum()
    else:
        M = Zf @ Zf.T / lam
        r = 1 - Zf @ w_fixed
    sol = np.linalg.solve(M, r) if M.size else np.zeros(0)
    a = np.where(at_one, 1.0, 0.0)
    a[free] = sol[:nf]
    b = float(sol[nf]) if bias else 0.0
    w = (a * y) @ A / lam
    h = y * (A @ w + b)
    rest = ~free & ~at_one
    violation = max(
        np.max(-a, initial=0.0), np.max(a - 1, initial=0.0),
        np.max(np.abs(h[free] - 1), initial=0.0),
        np.max(h[at_one] - 1, initial=0.0), np.max(1 - h[rest], initial=0.0),
        abs(a @ y) if bias else 0.0,
    )
    return w, b, violation


def _reference(name, A, y, lam, bias):
    if name == "square":
        return _square_reference(A, y, lam, bias)
    if name == "logistic":
        return _logistic_reference(A, y, lam, bias)
    w, b, violation = _hinge_reference(A, y, lam, bias)
    assert violation < 1e-10, f"hinge reference is not a certified KKT point (violation {violation:.2e})"
    return w, b


# ------------------------------------------------------------------------------------------ (a) conventions
@pytest.mark.parametrize("bias", [False, True], ids=["nobias", "bias"])
@pytest.mark.parametrize("lam", LAMS)
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_fit_erm_matches_direct_minimiser(name, lam, bias):
    X, y, _ = _tiny_data()
    A = X / math.sqrt(TINY_N)
    w, b = fit_erm(X, y, name, lam, bias)
    w_ref, b_ref = _reference(name, A, y, lam, bias)
    tol = TOL[name]
    assert np.max(np.abs(w - w_ref)) < tol
    assert abs(b - b_ref) < tol
    if not bias:
        assert b == 0.0
    # The library's point is no worse than the reference for our objective (up to solver accuracy).
    f_lib, f_ref = _objective(name, A, y, lam, w, b), _objective(name, A, y, lam, w_ref, b_ref)
    assert f_lib - f_ref < 10 * tol * max(1.0, abs(f_ref))
    # Negative control: a factor-2 slip in λ moves the minimiser far outside the tolerance.
    w_wrong, _ = _reference(name, A, y, 2 * lam, bias)
    assert np.max(np.abs(w - w_wrong)) > 1e3 * tol


@pytest.mark.parametrize("lam", LAMS)
def test_penalised_liblinear_intercept_would_be_caught(lam):
    """liblinear penalises the intercept (our objective + λb²/(2s²) for intercept_scaling=s).

    The hinge-with-bias convention test above would catch that: LinearSVC at s=1 misses the
    exact unpenalised minimiser by far more than the tolerance, and the miss shrinks roughly like
    1/s² (s = 1 → 3), as the penalty argument predicts. ``fit_erm`` uses libsvm instead.
    """
    from sklearn.svm import LinearSVC

    X, y, _ = _tiny_data()
    A = X / math.sqrt(TINY_N)
    w_ref, b_ref = _reference("hinge", A, y, lam, True)
    misses = []
    for s in (1.0, 3.0):
        est = LinearSVC(loss="hinge", C=1 / lam, intercept_scaling=s, tol=1e-10, max_iter=10**6,
                        random_state=0).fit(A, y)
        misses.append(max(np.max(np.abs(est.coef_[0] - w_ref)), abs(est.intercept_[0] - b_ref)))
    assert misses[0] > 1e3 * TOL["hinge"]
    assert misses[1] < misses[0] / 5
    # ...and the strong-convexity bound ‖w_s - w*‖ ≤ |b*|/s holds for the penalised fit.
    est = LinearSVC(loss="hinge", C=1 / lam, intercept_scaling=1.0, tol=1e-10, max_iter=10**6, random_state=0)
    est.fit(A, y)
    assert np.linalg.norm(est.coef_[0] - w_ref) <= abs(b_ref) + 1e-6


def test_hinge_bias_without_precomputed_gram(monkeypatch):
    """The large-P path (SVC with kernel="linear", no Gram matrix) solves the same problem."""
    import replica.gaussian_mixture.simulate as simulate

    X, y, _ = _tiny_data()
    monkeypatch.setattr(simulate, "_GRAM_MAX_BYTES", 0)
    w, b = simulate.fit_erm(X, y, "hinge", 0.1, True)
    w_ref, b_ref = _reference("hinge", X / math.sqrt(TINY_N), y, 0.1, True)
    assert np.max(np.abs(w - w_ref)) < TOL["hinge"]
    assert abs(b - b_ref) < TOL["hinge"]


def test_fit_erm_rejects_bad_input():
    X, y, _ = _tiny_data()
    with pytest.raises(ValueError, match="loss"):
        fit_erm(X, y, "cauchy", 0.1)
    with pytest.raises(ValueError, match="lam"):
        fit_erm(X, y, "square", 0.0)
    with pytest.raises(ValueError, match="single class"):
        fit_erm(X, np.ones_like(y), "hinge", 0.1, True)
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        fit_erm(X, (y > 0).astype(float), "logistic", 0.1)


# ------------------------------------------------------------------------------------------ (b) data & observables
@pytest.mark.parametrize("rho", [0.5, 0.2])
def test_sample_mixture_matches_theory(rho):
    N, P, delta = 200, 20000, 0.7
    X, y, v = sample_mixture(P, N, delta, rho, np.random.default_rng(7))
    assert X.shape == (P, N) and y.shape == (P,) and v.shape == (N,)
    assert set(np.unique(y)) == {-1.0, 1.0}
    # class frequency: Binomial(P, ρ)/P
    freq = np.mean(y > 0)
    assert abs(freq - rho) < 4 * math.sqrt(rho * (1 - rho) / P)
    # projection on v*: y x·v*/√N = ‖v*‖²/N + √Δ y z·v*/√N, mean ‖v*‖²/N, variance Δ‖v*‖²/N (given v*)
    proj = y * (X @ v) / math.sqrt(N)
    v2 = v @ v / N
    assert abs(proj.mean() - v2) < 4 * math.sqrt(delta * v2 / P)
    for cls in (1.0, -1.0):  # per class: mean of x·v*/√N is y‖v*‖²/N
        sel = y == cls
        assert abs((X[sel] @ v).mean() / math.sqrt(N) - cls * v2) < 4 * math.sqrt(delta * v2 / sel.sum())
    # the centre is N(0, I): ‖v*‖²/N = 1 ± √(2/N)
    assert abs(v2 - 1) < 4 * math.sqrt(2 / N)
    # noise: X - y v*/√N = √Δ z, so its mean square is Δ with s.e. Δ√(2/(PN))
    noise = X - np.outer(y, v) / math.sqrt(N)
    assert abs(np.mean(noise**2) - delta) < 4 * delta * math.sqrt(2 / (P * N))
    # noise is independent of the label: class-wise mean of the noise projected on a fixed direction
    u = np.random.default_rng(0).standard_normal(N)
    u /= np.linalg.norm(u)
    for cls in (1.0, -1.0):
        sel = y == cls
        assert abs((noise[sel] @ u).mean()) < 4 * math.sqrt(delta / sel.sum())


def test_sample_mixture_is_reproducible():
    a = sample_mixture(30, 10, 1.0, 0.4, 3)
    b = sample_mixture(30, 10, 1.0, 0.4, np.random.default_rng(3))
    for x1, x2 in zip(a, b):
        np.testing.assert_array_equal(x1, x2)


def test_observables_definitions_and_gen_error_by_monte_carlo():
    rng = np.random.default_rng(11)
    N, P, delta, rho = 50, 80, 0.8, 0.3
    X, y, v = sample_mixture(P, N, delta, rho, rng)
    w, b = fit_erm(X, y, "logistic", 0.5, True)
    obs = observables(w, b, X, y, v, delta, rho, "logistic")
    assert obs["m"] == pytest.approx(w @ v / N, rel=1e-14)
    assert obs["q"] == pytest.approx(w @ w / N, rel=1e-14)
    assert obs["b"] == b
    h = y * (X @ w / math.sqrt(N) + b)
    assert obs["train_error"] == np.mean(np.sign(h) != 1)
    assert obs["train_loss"] == pytest.approx(np.mean(np.log1p(np.exp(-h))), rel=1e-12)
    # gen_error: fresh test points from the same mixture (same v*), error rate within 4 s.e.
    n_test = 100_000
    yt = np.where(rng.random(n_test) < rho, 1.0, -1.0)
    Xt = np.outer(yt, v) / math.sqrt(N) + math.sqrt(delta) * rng.standard_normal((n_test, N))
    pre = Xt @ w / math.sqrt(N) + b
    mc = np.mean(np.sign(pre) != yt)
    se = math.sqrt(obs["gen_error"] * (1 - obs["gen_error"]) / n_test)
    assert abs(mc - obs["gen_error"]) < 4 * se
    # limits of the formula
    assert population_error(1.0, 1e-30, 0.0, delta, rho) == pytest.approx(0.0, abs=1e-12)
    assert population_error(0.0, 1.0, 0.0, delta, rho) == pytest.approx(0.5)
    assert population_error(0.0, 0.0, 0.5, delta, rho) == pytest.approx(1 - rho)


def test_simulate_erm_statistics():
    res = simulate_erm("square", 1.5, 1.0, 0.5, rho=0.3, bias=True, n_features=40, seeds=range(4))
    assert isinstance(res, SimulationResult)
    assert res.n_samples == 60 and res.n_seeds == 4 and res.seeds == (0, 1, 2, 3)
    for key in ("m", "q", "b", "gen_error", "train_error", "train_loss"):
        vals = np.array(res.per_seed[key])
        assert res.mean(key) == pytest.approx(vals.mean())
        assert res.err(key) == pytest.approx(vals.std(ddof=1) / 2)
    # seed s reproduces a direct fit on default_rng(s)
    X, y, v = sample_mixture(60, 40, 1.0, 0.3, np.random.default_rng(2))
    w, b = fit_erm(X, y, "square", 0.5, True)
    assert res.per_seed["q"][2] == pytest.approx(w @ w / 40, rel=1e-12)
    with pytest.raises(Exception):
        res.m = 0.0  # frozen
    with pytest.raises(ValueError, match="rho"):
        simulate_erm("square", 1.0, 1.0, 0.1, rho=1.0)


# ------------------------------------------------------------------------------------------ (c) theory vs simulation
SLOW_N = 1000
SLOW_SEEDS = range(20)
SLOW_ALPHA, SLOW_DELTA, SLOW_LAM = 2.0, 1.0, 0.1
N_SE = 3.0


@pytest.mark.slow
@pytest.mark.parametrize("rho,bias", [(0.5, False), (0.2, True)], ids=["balanced", "unbalanced-bias"])
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_theory_matches_simulation(name, rho, bias):
    from replica.gaussian_mixture import erm  # the replica solver (may be written separately)

    theory = erm(name, SLOW_ALPHA, SLOW_DELTA, SLOW_LAM, rho=rho, bias=bias)
    assert theory.converged
    sim = simulate_erm(name, SLOW_ALPHA, SLOW_DELTA, SLOW_LAM, rho=rho, bias=bias,
                       n_features=SLOW_N, seeds=SLOW_SEEDS)
    keys = ["m", "q", "gen_error", "train_error"] + (["b"] if bias else [])
    lines, bad = [], []
    for key in keys + ["train_loss"]:  # train_loss is reported, not asserted
        th, mean, se = getattr(theory, key), sim.mean(key), sim.err(key)
        z = (mean - th) / se
        lines.append(f"{key:12s} theory {th:.5f}  sim {mean:.5f} ± {se:.5f}  z = {z:+.2f}")
        if key in keys and not abs(z) <= N_SE:
            bad.append(key)
    print(f"\n{name} rho={rho} bias={bias}:\n" + "\n".join(lines))  # shown with pytest -s
    if not bias:
        assert sim.b == 0.0
    assert not bad, f"{name} rho={rho} bias={bias}, N={SLOW_N}, {sim.n_seeds} seeds:\n" + "\n".join(lines)
