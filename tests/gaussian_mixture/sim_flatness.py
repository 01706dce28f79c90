"""Direct simulations for the flatness tests (local energy, shell error, Metropolis on the shell).

Independent of the replica code: data from docs/theory.md §1, minimisers from numpy (square: ridge normal
equations) or scikit-learn (logistic: ``LogisticRegression(C=1/λ, fit_intercept=False)`` on
``x/√N``, whose objective ``Σ_μ log(1+e^{-y w·x/√N}) + |w|²/(2C)`` is the one of docs/theory.md §1 with λ = 1/C).
"""

import math

import numba
import numpy as np


def sample_mixture(n, alpha, delta, rho, rng):
    """``X`` (P×N, rows x_μ) and ``y`` per docs/theory.md §1, and the signal v*."""
    P = int(round(alpha * n))
    v = rng.standard_normal(n)
    y = np.where(rng.random(P) < rho, 1.0, -1.0)
    X = np.outer(y, v) / math.sqrt(n) + math.sqrt(delta) * rng.standard_normal((P, n))
    return X, y, v


def fit_minimiser(loss, X, y, lam):
    """ERM minimiser w (no bias) of ``Σ ℓ(y w·x/√N) + λ/2 |w|²``."""
    P, n = X.shape
    Xs = X / math.sqrt(n)
    if loss == "square":
        return np.linalg.solve(Xs.T @ Xs + lam * np.eye(n), Xs.T @ y)
    if loss == "logistic":
        from sklearn.linear_model import LogisticRegression
        clf = LogisticRegression(C=1.0 / lam, fit_intercept=False, tol=1e-10, max_iter=10000)
        clf.fit(Xs, y)
        return clf.coef_.ravel()
    raise ValueError(f"loss must be square or logistic; got {loss!r}")


def _mean_se(values):
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def local_energy_mc(loss, alpha, delta, lam, sigma, n, seeds, draws=50, n_test=20000):
    """Mean ± SE over seeds of (train error, train loss, test error) of ``w ⊙ (1+σz)`` at the minimiser."""
    rows = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        X, y, v = sample_mixture(n, alpha, delta, 0.5, rng)
        w = fit_minimiser(loss, X, y, lam)
        Xt, yt, _ = _resample(v, n_test, delta, rng)
        tr_e, tr_l, te_e = [], [], []
        for _ in range(draws):
            wp = w * (1.0 + sigma * rng.standard_normal(n))
            h = y * (X @ wp) / math.sqrt(n)
            tr_e.append(np.mean(h < 0))
            tr_l.append(np.mean(0.5 * (1 - h) ** 2 if loss == "square" else np.logaddexp(0.0, -h)))
            te_e.append(np.mean(yt * (Xt @ wp) < 0))
        rows.append((np.mean(tr_e), np.mean(tr_l), np.mean(te_e)))
    rows = np.array(rows)
    return [_mean_se(rows[:, k]) for k in range(3)]


def _resample(v, P, delta, rng):
    n = v.shape[0]
    y = np.where(rng.random(P) < 0.5, 1.0, -1.0)
    X = np.outer(y, v) / math.sqrt(n) + math.sqrt(delta) * rng.standard_normal((P, n))
    return X, y, v


def _rotate_to_reference(X, w):
    """X in an orthonormal basis whose first vector is ŵ = w/|w| (Householder reflection)."""
    n = w.shape[0]
    e = w / np.linalg.norm(w)
    v = e.copy()
    v[0] -= 1.0
    H = np.eye(n) - 2.0 * np.outer(v, v) / (v @ v)  # symmetric, H e = e_0
    return X @ H


def shell_error_mc(loss, alpha, delta, lam, d, n, seeds, draws=200):
    """Mean ± SE over seeds of the training error of uniformly random points on the shell at distance d."""
    S = 1.0 - 2.0 * d
    a = math.sqrt(1.0 - S * S)
    est, ref_err = [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        X, y, _ = sample_mixture(n, alpha, delta, 0.5, rng)
        w = fit_minimiser(loss, X, y, lam)
        wh = w / np.linalg.norm(w) * math.sqrt(n)
        base = y * (X @ wh) / math.sqrt(n)
        ref_err.append(np.mean(base < 0))
        U = rng.standard_normal((draws, n))
        U -= np.outer(U @ wh, wh) / n
        U *= math.sqrt(n) / np.linalg.norm(U, axis=1, keepdims=True)
        eta = y[:, None] * (X @ U.T) / math.sqrt(n)
        est.append(np.mean(S * base[:, None] + a * eta < 0))
    return _mean_se(est), _mean_se(ref_err)


@numba.njit(cache=True)
def _metropolis(Xr, y, c, a, betas, sweeps, burn, theta, seed):
    """Metropolis on u ⊥ e_0, |u|² = N, by Givens rotations of coordinate pairs; energy = #errors.

    Fields ``h_μ = c_μ + a·y_μ Xr_μ·u/√N``.  Returns the mean energy per sample at each β (after burn-in),
    annealing through ``betas`` in order on one chain.
    """
    np.random.seed(seed)
    P, n = Xr.shape
    u = np.zeros(n)
    for i in range(1, n):
        u[i] = np.random.standard_normal()
    u *= math.sqrt(n) / math.sqrt(np.sum(u * u))
    eta = np.zeros(P)
    for mu in range(P):
        acc = 0.0
        for i in range(n):
            acc += Xr[mu, i] * u[i]
        eta[mu] = y[mu] * acc / math.sqrt(n)
    E = 0
    for mu in range(P):
        if c[mu] + a * eta[mu] < 0:
            E += 1
    out = np.zeros(len(betas))
    new_eta = np.zeros(P)
    inv = 1.0 / math.sqrt(n)
    for k in range(len(betas)):
        beta = betas[k]
        total = 0.0
        count = 0
        for sweep in range(sweeps):
            for _ in range(n):
                i = 1 + np.random.randint(n - 1)
                j = 1 + np.random.randint(n - 1)
                if i == j:
                    continue
                t = theta * (2.0 * np.random.random() - 1.0)
                ct, st = math.cos(t), math.sin(t)
                ui = ct * u[i] - st * u[j]
                uj = st * u[i] + ct * u[j]
                di, dj = ui - u[i], uj - u[j]
                dE = 0
                for mu in range(P):
                    ne = eta[mu] + y[mu] * (Xr[mu, i] * di + Xr[mu, j] * dj) * inv
                    new_eta[mu] = ne
                    dE += (c[mu] + a * ne < 0) - (c[mu] + a * eta[mu] < 0)
                if dE <= 0 or np.random.random() < math.exp(-beta * dE):
                    u[i], u[j] = ui, uj
                    eta[:] = new_eta
                    E += dE
            if sweep >= burn:
                total += E
                count += 1
        out[k] = total / count / P
    return out


def metropolis_energy(loss, alpha, delta, lam, d, betas, n, seeds, sweeps=300, burn=100, theta=1.0):
    """Mean ± SE over seeds of the training error of Metropolis samples on the shell, at each β in ``betas``."""
    S = 1.0 - 2.0 * d
    a = math.sqrt(1.0 - S * S)
    rows = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        X, y, _ = sample_mixture(n, alpha, delta, 0.5, rng)
        w = fit_minimiser(loss, X, y, lam)
        Xr = _rotate_to_reference(X, w)
        c = S * y * Xr[:, 0]  # ŵ = √N e_0: y ŵ·x/√N = y Xr[:, 0]
        rows.append(_metropolis(np.ascontiguousarray(Xr), y, c, a, np.asarray(betas, float), sweeps, burn,
                                theta, seed))
    rows = np.array(rows)
    return rows.mean(axis=0), rows.std(axis=0, ddof=1) / math.sqrt(len(seeds)), rows
