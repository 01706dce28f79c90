"""Direct simulations of the perceptron problems of docs/theory.md §2 and §4, to lay beside the replica theory.

Two experiments, each seeded, with the size and the seeds as parameters; every observable is returned as
mean ± standard error over seeds (:class:`Estimate`), under the same name the theory uses.

**Loss minimisers on the sphere** (the references of :mod:`.fp_minimizer`).  Patterns ``a^μ = ξ^μ/√N``
with ``ξ^μ ~ N(0, I_N)`` (labels absorbed), ``P = round(αN)``; the reference is

    w̃ = argmin_{‖w‖² = N} Σ_μ ℓ(h_μ),   h_μ = a^μ·w   (training stabilities).

For a convex decreasing loss whose unconstrained infimum is not reached inside the ball (all losses
here at α < 2, where the patterns are separable and ``Σℓ(s·h) → min`` as ``s → ∞``), the minimiser
over the sphere is the minimiser over the ball ``‖w‖² ≤ N``, a convex problem: a point of the sphere
with ``∇L(w) = -μ w``, ``μ ≥ 0`` is its global minimum (``L(w') ≥ L(w) + ∇L·(w'-w) ≥ L(w)`` on the
ball).  We solve it as follows and *check* that certificate (``multiplier`` ≥ 0 and a vanishing
tangential gradient) instead of trusting the optimiser:

* ``cross_entropy`` (``ℓ_γ(h) = -h/2 + log(2cosh γh)/(2γ) = log(1+e^{-2γh})/(2γ)``) and ``logistic``:
  L-BFGS (``scipy.optimize.minimize``) on the scale-free parametrisation ``w = √N v/‖v‖`` from the Hebb
  direction ``Σ_μ a^μ``;
* ``hinge`` (``max(0, m - h) = m·max(0, 1 - h/m)``): scikit-learn ``LinearSVC(loss="hinge",
  fit_intercept=False)`` on the features ``a/m`` solves ``½‖w‖² + C Σ_μ max(0, 1 - h_μ/m)``; by Lagrange
  duality the sphere minimiser is its solution at the C where ``‖w‖² = N`` (multiplier ``μ = m/C``),
  found by Brent's method on log C (‖w(C)‖ is nondecreasing in C).

Observables per seed: mean training loss, training error, the empirical CDF of the stabilities at given
thresholds, the fraction of patterns exactly at the hinge margin (``|h - m| < 1e-6``), and the fraction
of patterns violated (``h' < κ``) by random configurations ``w'`` uniform on the sphere at distance d
(overlap ``S = 1 - 2d``) from w̃: ``w' = S w̃ + √(1-S²) √N e``, e a uniform unit vector ⟂ w̃.

**Teacher–student ERM** (docs/theory.md §2) with scikit-learn, with the conventions of
``replica.gaussian_mixture.simulate``: ``x ~ N(0, I_N)``, ``w* ~ N(0, I_N)``, ``y = sign(w*·x/√N)``,
estimator ``argmin Σ_μ ℓ(y_μ w·x_μ/√N) + λ/2‖w‖²`` fitted on ``A = X/√N`` without intercept:
``Ridge(alpha=λ)`` (square: twice our objective), ``LogisticRegression(C=1/λ)`` (C × our objective; no
``penalty=`` argument), ``LinearSVC(loss="hinge", C=1/λ, fit_intercept=False)`` (C × our objective).
Observables ``m = w·w*/(√N‖w*‖)`` (the theory's ``w·w*/N`` at ``‖w*‖² = N``: the labels do not depend on
the teacher's norm, so normalising it removes that O(N^-1/2) noise from m without bias), ``q = ‖w‖²/N``,
``gen_error = arccos(w·w*/(‖w‖‖w*‖))/π`` (the exact test error of ``sign(w·x)`` for Gaussian inputs, the
theory's ``arccos(m/√q)/π``), training error and mean training loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq, minimize
from scipy.special import expit

from .._simulation import fit_or_raise, over_seeds, sizes_and_seeds
from .fp_minimizer import _loss

__all__ = ["Estimate", "MinimizerSimulation", "ERMSimulation", "sample_patterns", "minimize_on_sphere",
           "random_at_distance", "simulate_minimizer", "sample_teacher_student", "fit_ts_erm", "simulate_ts_erm",
           "MIN_LOSSES", "TS_LOSSES"]

MIN_LOSSES = ("cross_entropy", "logistic", "hinge")
TS_LOSSES = ("square", "logistic", "hinge")
AT_MARGIN = 1e-6          # |h - m| below this counts as "at the hinge margin"
_LBFGS = dict(maxiter=20000, maxcor=30, gtol=1e-12, ftol=1e-15)
_KKT_TOL = 1e-6           # certificate: tangential gradient / ‖∇L‖ must be below this
_LIBLINEAR_TOL = 1e-9
_LOGISTIC_TOL = 1e-10
_MAX_ITER = 200_000


@dataclass(frozen=True)
class Estimate:
    """Mean and standard error over seeds (``std(ddof=1)/√n``; NaN for one seed), with the raw values."""

    mean: float
    err: float
    values: tuple = field(repr=False, default=())

    @classmethod
    def of(cls, values):
        arr = np.asarray(values, dtype=float)
        err = float(arr.std(ddof=1) / math.sqrt(arr.size)) if arr.size > 1 else float("nan")
        return cls(float(arr.mean()), err, tuple(float(v) for v in arr))


# ----------------------------------------------------------------------------------------- helpers
def _check_positive(name, value):
    if not (isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}")


def _loss_param(loss, loss_params):
    """The loss's own parameter (hinge margin, cross-entropy γ), checked as the theory checks it."""
    if loss not in MIN_LOSSES:
        raise ValueError(f"loss must be one of {', '.join(MIN_LOSSES)}; got {loss!r}")
    return _loss(loss, loss_params)[1]


def margin_loss(loss, h, param=0.0):
    """ℓ(h) on arrays (own implementation, independent of ``saddle_point.losses``)."""
    h = np.asarray(h, dtype=float)
    if loss == "square":
        return 0.5 * (1.0 - h) ** 2
    if loss == "logistic":
        return np.logaddexp(0.0, -h)
    if loss == "cross_entropy":  # -h/2 + log(2cosh γh)/(2γ) = log(1 + e^{-2γh})/(2γ)
        return np.logaddexp(0.0, -2.0 * param * h) / (2.0 * param)
    return np.maximum(0.0, param - h)  # hinge with margin ``param``


def _margin_loss_d1(loss, h, param):
    if loss == "logistic":
        return -expit(-h)
    return -expit(-2.0 * param * h)  # cross-entropy


# ----------------------------------------------------------------------------------------- minimisers
def sample_patterns(n_samples, n_features, rng=None):
    """``A = ξ/√N`` with ``ξ ~ N(0, I)`` of shape (P, N) (labels absorbed into the patterns)."""
    rng = np.random.default_rng(rng)
    return rng.standard_normal((int(n_samples), int(n_features))) / math.sqrt(n_features)


@dataclass(frozen=True)
class SphereMinimum:
    w: np.ndarray           # ‖w‖² = N
    multiplier: float       # μ in ∇L = -μ w (must be ≥ 0: global-minimum certificate)
    kkt: float              # ‖∇L + μw‖/‖∇L‖ (smooth losses; hinge: relative error of ‖w‖² = N)


def minimize_on_sphere(A, loss, **loss_params):
    """Minimiser of ``Σ_μ ℓ(A_μ·w)`` over ``‖w‖² = N``; returns :class:`SphereMinimum` (see module doc)."""
    param = _loss_param(loss, loss_params)
    A = np.asarray(A, dtype=float)
    n_samples, n = A.shape
    rootn = math.sqrt(n)
    if loss == "hinge":
        return _hinge_on_sphere(A, param)

    def f(v):
        nv = np.linalg.norm(v)
        w = rootn * v / nv
        h = A @ w
        g = A.T @ _margin_loss_d1(loss, h, param)
        return float(np.sum(margin_loss(loss, h, param))), rootn / nv * (g - (g @ v) / (nv * nv) * v)

    v0 = A.sum(axis=0)
    res = minimize(f, v0, jac=True, method="L-BFGS-B", options=_LBFGS)
    w = rootn * res.x / np.linalg.norm(res.x)
    g = A.T @ _margin_loss_d1(loss, A @ w, param)
    mu = -float(g @ w) / n
    kkt = float(np.linalg.norm(g + mu * w) / np.linalg.norm(g))
    if not (mu > 0 and kkt < _KKT_TOL):
        raise RuntimeError(f"minimize_on_sphere({loss}): no certified minimum (multiplier {mu:.3g}, "
                           f"tangential gradient {kkt:.3g}; {res.message})")
    return SphereMinimum(w, mu, kkt)


def _hinge_on_sphere(A, margin):
    from sklearn.svm import LinearSVC

    n = A.shape[1]
    # LinearSVC needs two classes: y·X = A/margin with alternating labels, so max(0, 1 - y w·x) = ℓ/margin
    y = np.where(np.arange(A.shape[0]) % 2 == 0, 1.0, -1.0)
    X = A * (y / margin)[:, None]

    def fit(log_c):
        est = LinearSVC(loss="hinge", C=math.exp(log_c), fit_intercept=False, dual=True, tol=_LIBLINEAR_TOL,
                        max_iter=_MAX_ITER, random_state=0)
        return fit_or_raise(est, X, y).coef_[0].copy()

    excess = lambda log_c: float(np.sum(fit(log_c) ** 2)) / n - 1.0
    lo, hi = -2.0, 2.0
    while excess(lo) > 0:
        lo -= 2.0
    while excess(hi) < 0:
        hi += 2.0
        if hi > 30:
            raise RuntimeError("minimize_on_sphere(hinge): ‖w(C)‖ stays below √N (alpha below the capacity?)")
    log_c = brentq(excess, lo, hi, xtol=1e-12, rtol=1e-14)
    w = fit(log_c)
    kkt = abs(float(w @ w) / n - 1.0)
    w *= math.sqrt(n) / np.linalg.norm(w)
    # w = C Σ β_μ a_μ/m with β ∈ [0, 1] a subgradient of ℓ/m: ∇L = -(m/C) w, μ = m/C > 0
    return SphereMinimum(w, margin * math.exp(-log_c), kkt)


def random_at_distance(w, d, rng, n_draws=1):
    """``n_draws`` configurations uniform on the sphere ``‖w'‖² = ‖w‖²`` at distance d (overlap 1-2d), rows."""
    w = np.asarray(w, dtype=float)
    n = w.shape[0]
    S = 1.0 - 2.0 * d
    what = w / np.linalg.norm(w)
    g = rng.standard_normal((n_draws, n))
    g -= np.outer(g @ what, what)
    g /= np.linalg.norm(g, axis=1)[:, None]
    return np.linalg.norm(w) * (S * what[None, :] + math.sqrt(max(1.0 - S * S, 0.0)) * g)


@dataclass(frozen=True)
class MinimizerSimulation:
    """Mean ± standard error over seeds of the minimiser's observables (names as in ``MinimizerFPResult``)."""

    loss: str
    loss_param: float
    alpha: float
    kappa: float
    n_features: int
    n_samples: int
    seeds: tuple
    thresholds: tuple       # t_k of the stability CDF
    ds: tuple               # distances of the random configurations
    train_loss: Estimate    # (1/P) Σ ℓ(h_μ)
    train_error: Estimate   # fraction of h_μ < 0
    cdf: tuple              # Estimate of P(h ≤ t_k) per threshold
    at_margin: Estimate     # fraction with |h - margin| < 1e-6 (hinge; NaN otherwise)
    violated_random: tuple  # Estimate of the violated fraction (h' < κ) per d
    multiplier: Estimate    # KKT multiplier μ (> 0 on every seed)


def simulate_minimizer(loss, alpha, *, n_features=1000, seeds=range(10), thresholds=(), ds=(), kappa=0.0,
                       n_draws=20, progress=None, **loss_params):
    """Find the sphere minimiser on independent pattern sets (one per seed) and measure its observables."""
    param = _loss_param(loss, loss_params)
    _check_positive("alpha", alpha)
    n_features, n_samples, seeds = sizes_and_seeds(alpha, n_features, seeds)
    for d in ds:
        if not 0 < d < 0.5:
            raise ValueError(f"d must be in (0, 0.5); got {d}")
    thresholds, ds = tuple(float(t) for t in thresholds), tuple(float(d) for d in ds)
    rows = dict(loss=[], err=[], cdf=[], margin=[], viol=[], mu=[])
    for seed in over_seeds(seeds, f"minimiser {loss} α={alpha:g}", progress):
        rng = np.random.default_rng(seed)
        A = sample_patterns(n_samples, n_features, rng)
        res = minimize_on_sphere(A, loss, **loss_params)
        h = A @ res.w
        rows["loss"].append(float(np.mean(margin_loss(loss, h, param))))
        rows["err"].append(float(np.mean(h < 0.0)))
        rows["cdf"].append([float(np.mean(h <= t)) for t in thresholds])
        rows["margin"].append(float(np.mean(np.abs(h - param) < AT_MARGIN)) if loss == "hinge" else float("nan"))
        viol = []
        for d in ds:
            wp = random_at_distance(res.w, d, rng, n_draws)
            viol.append(float(np.mean(A @ wp.T < kappa)))
        rows["viol"].append(viol)
        rows["mu"].append(res.multiplier)
    cdf = np.array(rows["cdf"]).reshape(len(seeds), len(thresholds))
    viol = np.array(rows["viol"]).reshape(len(seeds), len(ds))
    return MinimizerSimulation(
        loss=loss, loss_param=param, alpha=float(alpha), kappa=float(kappa), n_features=n_features,
        n_samples=n_samples, seeds=seeds, thresholds=thresholds, ds=ds,
        train_loss=Estimate.of(rows["loss"]), train_error=Estimate.of(rows["err"]),
        cdf=tuple(Estimate.of(cdf[:, k]) for k in range(len(thresholds))),
        at_margin=Estimate.of(rows["margin"]),
        violated_random=tuple(Estimate.of(viol[:, k]) for k in range(len(ds))),
        multiplier=Estimate.of(rows["mu"]))


# ----------------------------------------------------------------------------------------- teacher–student
def sample_teacher_student(n_samples, n_features, rng=None):
    """``X ~ N(0, I)`` of shape (P, N), teacher ``w* ~ N(0, I_N)``, labels ``y = sign(w*·x/√N)`` (±1).

    Draw order: ``w_star``, then ``X``.
    """
    rng = np.random.default_rng(rng)
    w_star = rng.standard_normal(int(n_features))
    X = rng.standard_normal((int(n_samples), int(n_features)))
    y = np.where(X @ w_star >= 0.0, 1.0, -1.0)
    return X, y, w_star


def fit_ts_erm(X, y, loss, lam):
    """``argmin_w Σ_μ ℓ(y_μ w·x_μ/√N) + λ/2‖w‖²`` (no intercept) with scikit-learn; returns w."""
    if loss not in TS_LOSSES:
        raise ValueError(f"loss must be one of {', '.join(TS_LOSSES)}; got {loss!r}")
    _check_positive("lam", lam)
    X = np.asarray(X, dtype=float)
    A = X / math.sqrt(X.shape[1])
    if loss == "square":  # ‖y - Aw‖² + λ‖w‖² = 2 × our objective ((1 - yh)² = (y - h)² for y = ±1)
        from sklearn.linear_model import Ridge
        return np.ravel(Ridge(alpha=lam, fit_intercept=False, solver="cholesky").fit(A, y).coef_).copy()
    if loss == "logistic":  # C Σℓ + ½‖w‖² = C × our objective
        from sklearn.linear_model import LogisticRegression
        est = LogisticRegression(C=1.0 / lam, fit_intercept=False, solver="newton-cg", tol=_LOGISTIC_TOL,
                                 max_iter=_MAX_ITER)
        return fit_or_raise(est, A, y).coef_[0].copy()
    from sklearn.svm import LinearSVC  # ½‖w‖² + C Σ max(0, 1 - y w·a) = C × our objective
    est = LinearSVC(loss="hinge", C=1.0 / lam, fit_intercept=False, dual=True, tol=_LIBLINEAR_TOL,
                    max_iter=_MAX_ITER, random_state=0)
    return fit_or_raise(est, A, y).coef_[0].copy()


@dataclass(frozen=True)
class ERMSimulation:
    """Mean ± standard error over seeds (names as in ``teacher_student.ERMResult``)."""

    loss: str
    alpha: float
    lam: float
    n_features: int
    n_samples: int
    seeds: tuple
    m: Estimate
    q: Estimate
    gen_error: Estimate
    train_error: Estimate
    train_loss: Estimate


def simulate_ts_erm(loss, alpha, lam, *, n_features=1000, seeds=range(10), progress=None):
    """Fit teacher–student ERM on independent data sets (``numpy.random.default_rng(seed)`` each)."""
    if loss not in TS_LOSSES:
        raise ValueError(f"loss must be one of {', '.join(TS_LOSSES)}; got {loss!r}")
    _check_positive("alpha", alpha)
    _check_positive("lam", lam)
    n_features, n_samples, seeds = sizes_and_seeds(alpha, n_features, seeds)
    rows = {k: [] for k in ("m", "q", "gen_error", "train_error", "train_loss")}
    for seed in over_seeds(seeds, f"ts-erm {loss} α={alpha:g}", progress):
        X, y, w_star = sample_teacher_student(n_samples, n_features, np.random.default_rng(seed))
        w = fit_ts_erm(X, y, loss, lam)
        margins = y * (X @ w) / math.sqrt(n_features)
        cos = float(w @ w_star) / (np.linalg.norm(w) * np.linalg.norm(w_star))
        rows["m"].append(float(w @ w_star) / (math.sqrt(n_features) * np.linalg.norm(w_star)))
        rows["q"].append(float(w @ w) / n_features)
        rows["gen_error"].append(math.acos(max(-1.0, min(1.0, cos))) / math.pi)
        rows["train_error"].append(float(np.mean(margins <= 0.0)))
        rows["train_loss"].append(float(np.mean(margin_loss(loss, margins, 1.0))))
    return ERMSimulation(loss=loss, alpha=float(alpha), lam=float(lam), n_features=n_features,
                         n_samples=n_samples, seeds=seeds, **{k: Estimate.of(v) for k, v in rows.items()})
