"""Teacher–student perceptron: ERM fixed points, Bayes-optimal, Gibbs and Hebb errors (docs/theory.md §2).

Labels ``y = sign(ν)``, ``ν = w*·x/√N``; estimator ``argmin_w Σ_μ ℓ(y_μ w·x_μ/√N) + λ/2‖w‖²``;
``m = w·w*/N``, ``q = ‖w‖²/N``, ``ε_gen = arccos(m/√q)/π``.  With ``ω = √q ξ``, ``ρ = m/√q``,
``V* = 1 - ρ²`` and ``g(ω) = (prox_{Vℓ}(ω) - ω)/V`` the margin response, the symmetry
``ℓ(y, ω) = ℓ(yω)`` folds the label average onto y = +1 with the teacher factor
``T(ξ) = P(ν > 0 | ξ) = H(-ρξ/√V*)``::

    q̂ = 2α ∫Dξ T g²     V̂ = (2α/V) ∫Dξ T (1 - ∂p/∂ω)     m̂ = (2α/√V*) ∫Dξ G(ρξ/√V*) g
    V = 1/(λ+V̂)         m = m̂/(λ+V̂)                      q = (m̂² + q̂)/(λ+V̂)²

(m̂ = (α/V*)E[(ν - ρω/√q) y g]; the ν average is done in closed form.)  As α grows, ρ → 1 and T
becomes a step of width √V*/ρ at ξ = 0 (and G(ρξ/√V*)/√V* a narrow Gaussian): the ξ rule is cut
on that scale (see ``_quad``), so large α needs no more nodes.

``replicon`` (docs/stability.md): ERM ``α E[(1 - ∂p/∂ω)²] ≤ V̂/(λ + V̂) < 1`` (eq. 16–17, convex losses are
stable); Bayes-optimal ``α√(1-q)√(2/π)∫Ds GH(y)(GH(y) - y)²`` (eq. 25), the slope of the Bayes map (eq. 26).
"""

import math
from dataclasses import dataclass

import numpy as np
from .._lazy import brentq

from .._numba import kernel
from ..saddle_point.continuation import sweep
from ..saddle_point.fixed_point import ConvergenceError, solve_fixed_point
from ..saddle_point.losses import HINGE, loss_code, loss_d1, loss_value, prox
from ..saddle_point.quadrature import gauss_hermite, gauss_legendre
from ..saddle_point.special import GH, G, H
from ._quad import BASE, KINK_OFFSETS, STEP_OFFSETS, Z_MAX, add_feature, rule
from ._replicon import ts_bayes_replicon
from ..saddle_point.contract import OK, RSFlags
from ..saddle_point.stability import erm_replicon

NODES = 12
P_POINTS = np.array([-8.0, -2.0, 0.0, 2.0, 8.0])
TS_LOSSES = ("square", "logistic", "hinge")


@dataclass(frozen=True)
class ERMResult(RSFlags):
    """Fixed point of the teacher–student ERM equations with observables and convergence record."""

    loss: str
    alpha: float
    lam: float
    m: float
    q: float
    V: float
    mhat: float
    qhat: float
    Vhat: float
    gen_error: float
    train_error: float
    train_loss: float
    converged: bool
    iterations: int
    residual: float


@kernel
def _rule(kind, param, q, V, rho, x_ref, w_ref):
    sq = math.sqrt(q)
    vstar = max(1.0 - rho * rho, 0.0)
    cuts = np.empty(BASE.shape[0] + STEP_OFFSETS.shape[0] + KINK_OFFSETS.shape[0] * 2 + P_POINTS.shape[0] + 2)
    cuts[:BASE.shape[0]] = BASE
    n = add_feature(cuts, BASE.shape[0], 0.0, math.sqrt(vstar) / max(rho, 1e-300), STEP_OFFSETS)
    if kind == HINGE:
        n = add_feature(cuts, n, (param - V) / sq, 0.05, KINK_OFFSETS)
        n = add_feature(cuts, n, param / sq, 0.05, KINK_OFFSETS)
    else:
        for p in P_POINTS:
            cuts[n] = (p + V * loss_d1(kind, p, param)) / sq
            n += 1
    cuts[n] = V * loss_d1(kind, 0.0, param) / sq  # where p = 0 (training error threshold)
    n += 1
    return rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref)


@kernel
def _moments(kind, param, m, q, V, x_ref, w_ref):
    """``(∫T g², ∫T(1-∂p), ∫G(ρξ/√V*) g/√V*, ∫T ℓ(p), ∫T [p<0], ∫T(1-∂p)²)`` (each to be doubled; the last
    gives the replicon α E[(1-∂p/∂ω)²], docs/stability.md eq. 16)."""
    sq = math.sqrt(q)
    rho = min(m / sq, 1.0)
    vstar = max(1.0 - rho * rho, 1e-300)
    sv = math.sqrt(vstar)
    nodes, weights = _rule(kind, param, q, V, rho, x_ref, w_ref)
    out = np.zeros(6)
    for i in range(nodes.shape[0]):
        xi = nodes[i]
        omega = sq * xi
        p, dp = prox(kind, omega, V, param)
        g = (p - omega) / V
        t = H(-rho * xi / sv)
        w = weights[i]
        out[0] += w * t * g * g
        out[1] += w * t * (1.0 - dp)
        out[5] += w * t * (1.0 - dp) * (1.0 - dp)
        out[2] += w * G(rho * xi / sv) / sv * g
        out[3] += w * t * loss_value(kind, p, param)
        if p < 0.0:
            out[4] += w * t
    return out


@kernel
def _ts_map(kind, param, alpha, lam, m, q, V, x_ref, w_ref):
    mom = _moments(kind, param, m, q, V, x_ref, w_ref)
    qhat = 2.0 * alpha * mom[0]
    Vhat = 2.0 * alpha * mom[1] / V
    mhat = 2.0 * alpha * mom[2]
    k = lam + Vhat
    return mhat, qhat, Vhat, mhat / k, (mhat * mhat + qhat) / (k * k), 1.0 / k


TINY = 1e-300  # residual floor of m, q, V: relative convergence in every order parameter


def _validate(alpha, lam=None):
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be > 0; got {alpha}")
    if lam is not None and not (np.isfinite(lam) and lam > 0):
        raise ValueError(f"lam must be > 0; got {lam}")


def erm(loss, alpha, lam, *, start=None, tol=1e-10, maxiter=5000, damping=0.0, method="anderson",
        strict=True, hinge_margin=1.0):
    """RS fixed point of ridge-penalised ERM on teacher–student perceptron data (docs/theory.md §2).

    loss ∈ {square, logistic, hinge} (hinge ``max(0, 1 - h)``); α > 0; λ > 0.
    Returns :class:`ERMResult`; non-convergence raises ``ConvergenceError`` unless ``strict=False``.
    """
    if loss not in TS_LOSSES:
        raise ValueError(f"loss must be one of square, logistic, hinge; got {loss!r}")
    _validate(alpha, lam)
    kind, param = loss_code(loss, hinge_margin if loss == "hinge" else None)
    x_ref, w_ref = gauss_legendre(NODES)
    x0 = np.array([start.m, start.q, start.V]) if start is not None else _hebb_start(alpha, lam)

    def F(x):
        m, q, V = x
        if not (q > 0 and V > 0 and abs(m) < math.sqrt(q) * (1 + 1e-12)):
            return np.full(3, np.nan)
        return np.array(_ts_map(kind, param, alpha, lam, m, q, V, x_ref, w_ref)[3:])

    describe = f"teacher-student erm(loss={loss}, alpha={alpha}, lam={lam})"
    try:  # relative residual in m, q, V however small (q ~ 1/λ² at large λ)
        fp = solve_fixed_point(F, x0, tol=tol, maxiter=maxiter, damping=damping, method=method,
                               strict=strict, describe=describe, floor=TINY)
    except ConvergenceError as err:
        if err.state is not None:
            err.state = _result(loss, kind, param, alpha, lam, err.state, err.status, err.iterations,
                                err.residual, x_ref, w_ref)
        raise
    return _result(loss, kind, param, alpha, lam, fp.x, fp.status, fp.iterations, fp.residual, x_ref, w_ref)


def _hebb_start(alpha, lam):
    """The λ → ∞ solution rescaled: m = α√(2/π)/(λ+α), q = (2α²/π + α)/(λ+α)², V = 1/(λ+α)."""
    k = lam + alpha
    return np.array([alpha * math.sqrt(2 / math.pi) / k, (2 * alpha ** 2 / math.pi + alpha) / k ** 2, 1.0 / k])


def _result(loss, kind, param, alpha, lam, x, status, iterations, residual, x_ref, w_ref):
    m, q, V = (float(v) for v in x)
    mhat, qhat, Vhat = _ts_map(kind, param, alpha, lam, m, q, V, x_ref, w_ref)[:3]
    mom = _moments(kind, param, m, q, V, x_ref, w_ref)
    return ERMResult(loss, alpha, lam, m, q, V, float(mhat), float(qhat), float(Vhat),
                     gen_error=math.acos(min(1.0, m / math.sqrt(q))) / math.pi,
                     train_error=float(2 * mom[4]), train_loss=float(2 * mom[3]),
                     converged=status == OK, iterations=int(iterations), residual=float(residual), status=status,
                     replicon=float(erm_replicon(alpha, 2 * mom[5])))


def erm_curve(loss, alpha, lam, *, direction="forward", progress=None, **options):
    """:func:`erm` along a list of α or of λ (exactly one a sequence), warm-started."""
    params = dict(alpha=alpha, lam=lam)
    swept = [k for k, v in params.items() if np.ndim(v) == 1]
    if len(swept) != 1:
        raise ValueError(f"exactly one of alpha, lam must be a sequence; got {swept or 'none'}")
    name = swept[0]
    options.setdefault("strict", False)
    return sweep(lambda v, s: erm(loss, start=s, **{**params, name: float(v)}, **options), params[name],
                 direction=direction, progress=progress)


@kernel
def _bayes_integral(q, nodes, weights):
    """``∫Dt exp(-qt²/2)/H(-√q t) = √(2π) ∫Dt GH(-√q t)``."""
    s = math.sqrt(q)
    acc = 0.0
    for i in range(nodes.shape[0]):
        acc += weights[i] * GH(-s * nodes[i])
    return math.sqrt(2.0 * math.pi) * acc


@dataclass(frozen=True)
class BayesResult(RSFlags):
    alpha: float
    q: float
    one_minus_q: float
    qhat: float
    bayes_error: float
    gibbs_error: float
    converged: bool
    iterations: int
    residual: float


BAYES_ALPHA_MAX = 1e150


def bayes(alpha):
    """Bayes-optimal overlap ``q`` from ``q/√(1-q) = (α/π)∫Dt e^{-qt²/2}/H(-√q t)`` (Gaussian prior).

    Solved for ``t = -log(1-q)`` in log form, ``log q + t/2 = log(α/π) + log I(q)``, so that
    ``u = 1 - q = e^{-t}`` stays resolved as q → 1: ``1 - q ≈ (π/(α I(1)))²`` with
    ``I(1) = ∫Dt e^{-t²/2}/H(-t) = 2.26398`` (the integral is smooth at q = 1), hence
    ``αε_BO → 1/I(1) = 0.44170`` and ``αε_Gibbs → √2/I(1) = 0.62466``.  The errors are computed
    from ``u`` and ``q`` separately (``arccos √q = atan2(√u, √q)``), so they keep full relative
    accuracy at both ends.  α is allowed in ``(0, 1e150]``: beyond, u falls towards the smallest
    normal double and ``q̂ = q/u`` overflows (ValueError).
    """
    _validate(alpha)
    if alpha > BAYES_ALPHA_MAX:
        raise ValueError(f"alpha must be in (0, {BAYES_ALPHA_MAX:g}] for the Bayes-optimal teacher-student "
                         f"perceptron (1 - q ~ 1/alpha² underflows beyond); got {alpha}")
    nodes, weights = gauss_hermite(120)
    log_a = math.log(alpha) - math.log(math.pi)

    def f(t):  # t = -log(1-q); increasing in t
        q = -math.expm1(-t)
        return math.log(q) + 0.5 * t - log_a - math.log(_bayes_integral(q, nodes, weights))

    if alpha < 1e-200:  # q = (2/π)α(1 + O(α)): exact in double precision
        t = 2.0 * alpha / math.pi
    else:
        lo, hi = min(alpha / 8.0, 1e-3), 1.0
        while f(hi) < 0:
            hi *= 2.0
        t = brentq(f, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
    q, u = -math.expm1(-t), math.exp(-t)
    return BayesResult(alpha, q, u, q / u, math.atan2(math.sqrt(u), math.sqrt(q)) / math.pi,
                       math.atan2(math.sqrt(u * (1.0 + q)), q) / math.pi, True, 0, abs(f(t)),
                       replicon=ts_bayes_replicon(alpha, q, u, *gauss_hermite(40)))  # 40 nodes: rel 2e-12


def bayes_error(alpha):
    """Bayes-optimal generalisation error ``arccos(√q)/π``; ``α ε → 0.442`` at large α."""
    return bayes(alpha).bayes_error


def gibbs_error(alpha):
    """Gibbs (posterior-sample) error ``arccos(q)/π``; ``α ε → 0.625`` at large α."""
    return bayes(alpha).gibbs_error


def hebb_error(alpha):
    """Hebb rule ``w ∝ Σ y x`` (λ → ∞ limit of any ERM): ``arccos(√(2α/(2α+π)))/π``."""
    _validate(alpha)
    return math.acos(math.sqrt(2 * alpha / (2 * alpha + math.pi))) / math.pi


@dataclass(frozen=True)
class OptimalERMResult(ERMResult):
    """:class:`ERMResult` at the λ* minimising ``gen_error``; ``lam_at_bound``: λ* is at an end of the
    interval searched."""

    lam_at_bound: bool = False


def optimize_lambda(loss, alpha, *, bounds=(1e-4, 1e4), start=None, xatol=1e-6, strict=True, **options):
    """Like :func:`optimal_lambda`, but returns one :class:`OptimalERMResult` (``lam`` = λ*,
    ``lam_at_bound``); used by the CLI (``ts-erm --optimize lam``)."""
    from ..saddle_point.thresholds import minimize_log

    _validate(alpha)
    start = start if isinstance(start, ERMResult) and start.converged else None

    def solve(lam, previous):
        return erm(loss, alpha, lam, start=previous, strict=False, **options)

    lam, result, at_bound = minimize_log(solve, lambda r: r.gen_error if r.converged else math.inf, *bounds,
                                         start=start, xatol=xatol)
    if strict and not result.converged:
        result = erm(loss, alpha, lam, strict=True, **options)  # raises ConvergenceError
    fields = {f: getattr(result, f) for f in result.__dataclass_fields__}
    return OptimalERMResult(**fields, lam_at_bound=at_bound)


def optimal_lambda(loss, alpha, *, bounds=(1e-4, 1e4), start=None, xatol=1e-6, strict=True, **options):
    """The ridge λ* minimising the teacher–student ERM generalisation error, and the ERM fixed point there.

    Bounded Brent search in log λ over ``bounds``, each solve warm-started from the previous one.
    Square loss: λ* = π/2 − 1 at every α (docs/theory.md §2).  Returns ``(λ*, ERMResult)``; a λ* at an end
    of ``bounds`` issues a ``RuntimeWarning`` (the optimum may lie beyond it).  ``**options`` go to
    :func:`erm`.

    Examples
    --------
    >>> from replica.perceptron import teacher_student as ts
    >>> lam, r = ts.optimal_lambda("square", alpha=2.0)
    >>> round(lam, 4)  # π/2 - 1
    0.5708
    """
    import warnings

    best = optimize_lambda(loss, alpha, bounds=bounds, start=start, xatol=xatol, strict=strict, **options)
    if best.lam_at_bound:
        warnings.warn(f"gen_error is smallest at an end λ = {best.lam:.6g} of the interval searched; the optimum "
                      f"may lie beyond it", RuntimeWarning, stacklevel=2)
    return best.lam, ERMResult(**{f: getattr(best, f) for f in ERMResult.__dataclass_fields__})
