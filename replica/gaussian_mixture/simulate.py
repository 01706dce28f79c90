"""Direct simulation of ERM on the two-cluster Gaussian mixture (docs/theory.md §1), with scikit-learn.

Data ``x^μ = y^μ v*/√N + √Δ z^μ`` with ``v* ~ N(0, I_N)``, ``z^μ ~ N(0, I_N)`` and ``y^μ = +1`` with
probability ρ (else -1). The estimator minimises, with the bias unpenalised (``b = 0`` without bias),

    Σ_μ ℓ(y^μ (w·x^μ/√N + b)) + λ/2 ‖w‖²

for the margin losses square ``(1-h)²/2``, logistic ``log(1+e^{-h})`` and hinge ``max(0, 1-h)``.
Every estimator is fitted on ``A = X/√N``, so its coefficients are ``w`` in these units.

How each loss maps onto scikit-learn (checked against direct scipy solves of the objective above in
``tests/gaussian_mixture/test_simulate.py``):

* square: ``Ridge(alpha=λ)`` on the ±1 labels. Ridge minimises ``‖y - Aw - b‖² + λ‖w‖²`` with an
  unpenalised intercept, and ``(1 - yh)² = (y - h)²`` for ``y = ±1``, so that is exactly twice our
  objective.
* logistic: ``LogisticRegression(C=1/λ)`` minimises ``C Σ ℓ + ½‖w‖²`` = ``C`` × our objective; the
  intercept is unpenalised with the ``newton-cg`` solver used here (it reaches ~1e-8 agreement in a
  fraction of a second at N = 1000, where lbfgs stalled near 1e-5). ``penalty=`` is not passed
  (deprecated in scikit-learn 1.8; the L2 penalty is the default ``l1_ratio=0``).
* hinge without bias: ``LinearSVC(loss="hinge", C=1/λ, fit_intercept=False)`` minimises
  ``½‖w‖² + C Σ ℓ`` = ``C`` × our objective exactly.
* hinge with bias: liblinear (``LinearSVC``) penalises the intercept: with ``intercept_scaling=s`` it
  minimises our objective plus ``λ b²/(2s²)``. By λ-strong convexity in ``w`` this moves ``w`` by at
  most ``|b|/s`` (``‖w_s - w*‖² ≤ b*²/s²``) and in practice by ``O(1/s²)``, but liblinear's dual
  coordinate descent slows down sharply as ``s`` grows (N=1000, P=2000, ρ=0.2, λ=0.1: ``s=1`` gives
  ``|δb| = 4e-4`` in 2 s, ``s=3`` gives 5e-5 in 11 s, ``s=10`` gives 4e-6 in 134 s, ``s=30`` does not
  converge in 1e5 epochs). We therefore use ``SVC(kernel="precomputed")`` on the Gram matrix
  ``A Aᵀ`` (or ``kernel="linear"`` when the Gram matrix would be large): libsvm solves the standard
  C-SVM dual with the equality constraint ``Σ α_μ y_μ = 0``, i.e. the *unpenalised* intercept
  (scikit-learn user guide, "SVC" mathematical formulation), and
  ``w = Σ_μ dual_coef_μ A_μ``. Against an exact, KKT-certified solution it agrees to ~5e-7 in ``w``
  and ~3e-8 in ``b`` (a floor set by libsvm's single-precision kernel cache, not by ``tol``), at
  N = 20 and at N = 1000; it takes ~0.5 s at N = 1000, P = 2000.

Accuracy reached in the convention tests (max |Δw|, N=20, P=40): square ~1e-15, logistic ≤ 7e-10,
hinge without bias ≤ 2e-8, hinge with bias ≤ 5e-7.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr

from .._simulation import fit_or_raise, over_seeds, sizes_and_seeds
from .problem import GMProblem

__all__ = ["SimulationResult", "fit_erm", "observables", "population_error", "sample_mixture", "simulate_erm",
           "LOSS_NAMES"]

LOSS_NAMES = ("square", "logistic", "hinge")

# Solver settings (see the module docstring and the convention tests for the accuracy they reach).
_LOGISTIC_TOL = 1e-10
_LIBLINEAR_TOL = 1e-8
_LIBSVM_TOL = 1e-8
_MAX_ITER = 100_000
_GRAM_MAX_BYTES = 512 * 2**20  # precompute A Aᵀ for the hinge-with-bias fit up to this size
_SVC_CACHE_MB = 1000

OBSERVABLES = ("m", "q", "b", "gen_error", "train_error", "train_loss")


# ----------------------------------------------------------------------------------------- helpers
def _loss_name(loss) -> str:
    name = loss if isinstance(loss, str) else getattr(loss, "name", None)
    if not isinstance(name, str) or name.lower() not in LOSS_NAMES:
        raise ValueError(f"loss must be one of {', '.join(LOSS_NAMES)}; got {loss!r}")
    return name.lower()


def _margin_loss(name: str, h: np.ndarray) -> np.ndarray:
    """ℓ(h) for the margin losses of docs/theory.md §0 (own implementation, independent of saddle_point)."""
    if name == "square":
        return 0.5 * (1.0 - h) ** 2
    if name == "logistic":
        return np.logaddexp(0.0, -h)
    return np.maximum(0.0, 1.0 - h)  # hinge


def _H(x):
    """H(x) = ∫_x^∞ Dz = Φ(-x)."""
    return ndtr(-np.asarray(x, dtype=float))


def _check_positive(name, value):
    if not (isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}")


def _check_rho(rho):
    if not (isinstance(rho, (int, float, np.integer, np.floating)) and 0.0 < rho < 1.0):
        raise ValueError(f"rho must lie in (0, 1); got {rho!r}")


# ----------------------------------------------------------------------------------------- data
def sample_mixture(n_samples, n_features, delta, rho=0.5, rng=None):
    """Draw one data set of docs/theory.md §1.

    Returns ``X`` of shape ``(n_samples, n_features)``, labels ``y ∈ {+1, -1}`` (float) with
    ``P(y = +1) = rho``, and the centre ``v_star ~ N(0, I_N)``, with
    ``X[μ] = y[μ] v_star/√N + √delta z[μ]``. ``rng`` is a ``numpy.random.Generator`` or anything
    ``numpy.random.default_rng`` accepts (a seed). Draw order: ``v_star``, ``y``, ``z``.
    """
    n_samples, n_features = int(n_samples), int(n_features)
    if n_samples < 1 or n_features < 1:
        raise ValueError(f"n_samples and n_features must be >= 1; got {n_samples}, {n_features}")
    _check_positive("delta", delta)
    _check_rho(rho)
    rng = np.random.default_rng(rng)
    v_star = rng.standard_normal(n_features)
    y = np.where(rng.random(n_samples) < rho, 1.0, -1.0)
    X = rng.standard_normal((n_samples, n_features))
    X *= math.sqrt(delta)
    X += np.outer(y, v_star / math.sqrt(n_features))
    return X, y, v_star


# ----------------------------------------------------------------------------------------- ERM fit
def fit_erm(X, y, loss, lam, bias=False):
    """Minimise ``Σ_μ ℓ(y_μ(w·x_μ/√N + b)) + lam/2 ‖w‖²`` with scikit-learn; return ``(w, b)``.

    The bias is unpenalised when ``bias`` is true and fixed to 0 otherwise. ``y`` must be ±1 with
    both classes present. See the module docstring for the estimator used for each loss.
    """
    name = _loss_name(loss)
    _check_positive("lam", lam)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (n_samples, n_features) and y (n_samples,); got {X.shape}, {y.shape}")
    if not np.all(np.abs(y) == 1.0):
        raise ValueError("labels y must be +1 or -1")
    if np.all(y == y[0]):
        raise ValueError("labels y contain a single class; ERM needs both (draw more samples)")
    n_features = X.shape[1]
    A = X / math.sqrt(n_features)
    bias = bool(bias)

    if name == "square":
        from sklearn.linear_model import Ridge

        est = Ridge(alpha=lam, fit_intercept=bias, solver="cholesky").fit(A, y)
        w = np.ravel(est.coef_)
        b = float(est.intercept_) if bias else 0.0
    elif name == "logistic":
        from sklearn.linear_model import LogisticRegression

        est = LogisticRegression(C=1.0 / lam, fit_intercept=bias, solver="newton-cg",
                                 tol=_LOGISTIC_TOL, max_iter=_MAX_ITER)
        est = fit_or_raise(est, A, y)
        w = est.coef_[0].copy()
        b = float(est.intercept_[0]) if bias else 0.0
    elif not bias:  # hinge, no intercept: liblinear solves our objective exactly
        from sklearn.svm import LinearSVC

        est = LinearSVC(loss="hinge", C=1.0 / lam, fit_intercept=False, dual=True,
                        tol=_LIBLINEAR_TOL, max_iter=_MAX_ITER, random_state=0)
        est = fit_or_raise(est, A, y)
        w = est.coef_[0].copy()
        b = 0.0
    else:  # hinge with an unpenalised intercept: libsvm (SVC), see module docstring
        from sklearn.svm import SVC

        n_samples = A.shape[0]
        if 8 * n_samples**2 <= _GRAM_MAX_BYTES:
            est = SVC(kernel="precomputed", C=1.0 / lam, tol=_LIBSVM_TOL, shrinking=True,
                      cache_size=_SVC_CACHE_MB, max_iter=-1)
            est = fit_or_raise(est, A @ A.T, y)
        else:
            est = SVC(kernel="linear", C=1.0 / lam, tol=_LIBSVM_TOL, cache_size=_SVC_CACHE_MB, max_iter=-1)
            est = fit_or_raise(est, A, y)
        # binary SVC: decision_function = Σ dual_coef_ K(x_sv, x) + intercept_, > 0 ⇒ classes_[1] = +1
        if est.classes_[1] != 1.0:  # pragma: no cover - classes_ is sorted, so [-1, 1]
            raise RuntimeError("unexpected class order in SVC")
        w = est.dual_coef_[0] @ A[est.support_]
        b = float(est.intercept_[0])
    return np.asarray(w, dtype=float), b


# ----------------------------------------------------------------------------------------- observables
def observables(w, b, X, y, v_star, delta, rho, loss):
    """Order parameters and errors of the fitted ``(w, b)`` on one data set.

    ``m = w·v*/N``, ``q = ‖w‖²/N``, ``b``; ``gen_error`` is the exact population error of
    ``sign(w·x/√N + b)`` given (m, q, b), ``ρH((m+b)/√(Δq)) + (1-ρ)H((m-b)/√(Δq))``;
    ``train_error`` the fraction of training points with ``y(w·x/√N + b) <= 0``; ``train_loss`` the
    mean of ``ℓ(y(w·x/√N + b))`` over the training set (penalty excluded).
    """
    name = _loss_name(loss)
    w = np.asarray(w, dtype=float)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    v_star = np.asarray(v_star, dtype=float)
    n_features = w.shape[0]
    b = float(b)
    m = float(w @ v_star) / n_features
    q = float(w @ w) / n_features
    margins = y * (X @ w / math.sqrt(n_features) + b)
    return {
        "m": m,
        "q": q,
        "b": b,
        "gen_error": population_error(m, q, b, delta, rho),
        "train_error": float(np.mean(margins <= 0.0)),
        "train_loss": float(np.mean(_margin_loss(name, margins))),
    }


def population_error(m, q, b, delta, rho):
    """``ρH((m+b)/√(Δq)) + (1-ρ)H((m-b)/√(Δq))``; for ``q = 0`` the constant classifier ``sign(b)``."""
    s = math.sqrt(delta * q)
    if s == 0.0:  # sign(b) for every input; sign(0) = 0 is an error on both classes
        return float(1.0 - rho if b > 0 else (rho if b < 0 else 1.0))
    return float(rho * _H((m + b) / s) + (1.0 - rho) * _H((m - b) / s))


# ----------------------------------------------------------------------------------------- driver
@dataclass(frozen=True)
class SimulationResult(GMProblem):
    """Mean and standard error over seeds of each observable (same names as ``ERMResult``).

    ``X_err`` is the standard error of the mean, ``std(ddof=1)/√n_seeds`` (NaN for one seed).
    ``per_seed`` holds the raw per-seed values, one tuple per observable, in seed order.
    """

    n_features: int
    n_samples: int
    n_seeds: int
    seeds: tuple
    m: float
    m_err: float
    q: float
    q_err: float
    b: float
    b_err: float
    gen_error: float
    gen_error_err: float
    train_error: float
    train_error_err: float
    train_loss: float
    train_loss_err: float
    per_seed: dict = field(repr=False, compare=False, default_factory=dict)

    def mean(self, name):
        """Mean of observable ``name``."""
        return getattr(self, name)

    def err(self, name):
        """Standard error of observable ``name``."""
        return getattr(self, name + "_err")


def simulate_erm(loss, alpha, delta, lam, rho=0.5, bias=False, n_features=1000, seeds=range(10),
                 progress=None):
    """Fit ERM on independent data sets (one per seed, ``numpy.random.default_rng(seed)``).

    Each seed draws its own ``v*`` and ``P = round(alpha·n_features)`` samples. Returns a
    :class:`SimulationResult` with the mean and standard error over seeds of m, q, b, gen_error,
    train_error and train_loss. ``progress``: show a tqdm bar on stderr (default: only on a TTY).
    """
    name = _loss_name(loss)
    _check_positive("alpha", alpha)
    _check_positive("delta", delta)
    _check_positive("lam", lam)
    _check_rho(rho)
    n_features, n_samples, seeds = sizes_and_seeds(alpha, n_features, seeds)
    iterator = over_seeds(seeds, f"simulate {name} α={alpha:g}", progress)

    rows = {key: [] for key in OBSERVABLES}
    for seed in iterator:
        X, y, v_star = sample_mixture(n_samples, n_features, delta, rho, np.random.default_rng(seed))
        w, b = fit_erm(X, y, name, lam, bias)
        obs = observables(w, b, X, y, v_star, delta, rho, name)
        for key in OBSERVABLES:
            rows[key].append(obs[key])

    stats = {}
    n = len(seeds)
    for key, values in rows.items():
        arr = np.asarray(values, dtype=float)
        stats[key] = float(arr.mean())
        stats[key + "_err"] = float(arr.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
    return SimulationResult(
        loss=name, alpha=float(alpha), delta=float(delta), lam=float(lam), rho=float(rho), bias=bool(bias),
        n_features=n_features, n_samples=n_samples, n_seeds=n, seeds=seeds,
        per_seed={key: tuple(values) for key, values in rows.items()}, **stats,
    )
