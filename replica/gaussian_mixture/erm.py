"""Replica-symmetric fixed point of ERM on a two-cluster Gaussian mixture (docs/theory.md §1).

Data ``x = y v*/√N + √Δ z``, ``y = +1`` w.p. ρ; estimator
``argmin_{w,b} Σ_μ ℓ(y_μ(w·x_μ/√N + b)) + λ/2 ‖w‖²`` (Mignacco, Krzakala, Lu,
Zdeborová 2020).  With ``τ = ΔV``, ``μ_y = m + yb``, ``s = √(Δq)``,
``E[F] = ρE_ξF_+ + (1-ρ)E_ξF_-``::

    m̂ = α E[g]     q̂ = αΔ E[g²]     V̂ = (α/V) E[1 - ∂p/∂ω]
    V = 1/(λ + V̂)  m = m̂/(λ + V̂)    q = (m̂² + q̂)/(λ + V̂)²
    learned bias:  E[y g] = 0  (decreasing in b; solved at every iteration)

Units: ``q = ‖w‖²/N``, ``m = w·v*/N``; V is *not* multiplied by Δ.
The square loss also has a closed form (:func:`square_closed_form`).
``replicon`` (docs/stability.md eq. 16–17): ``α E[(1 - ∂p/∂ω)²] ≤ V̂/(λ + V̂)``, < 1 for every λ > 0; the
hinge at λ = 0 is exactly marginal (1.0).
"""

import math
from dataclasses import dataclass

import numpy as np

from .._numba import kernel
from ..saddle_point.continuation import sweep
from ..saddle_point.contract import DIVERGED, OK
from ..saddle_point.fixed_point import ConvergenceError, FixedPointResult, solve_fixed_point
from ..saddle_point.losses import SQUARE, loss_code
from ..saddle_point.quadrature import gauss_legendre
from ..saddle_point.roots import safeguarded_step
from ..saddle_point.special import H
from ._replicon import gm_erm_replicon
from .channel import XI_CUTS, P_CUTS, class_moments, train_error_class
from .problem import GMProblem, validate
from ..saddle_point.contract import RSFlags

PANEL_NODES = 16
TINY = 1e-300        # residual floor: m, q, V converge relatively however small they are
DIVERGED_AT = 1e12   # |V| or |q| beyond this: the minimiser's norm runs off to infinity


@dataclass(frozen=True)
class ERMResult(GMProblem, RSFlags):
    """Fixed point of the ERM equations with its observables and convergence record."""

    m: float
    q: float
    V: float
    b: float
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
def _moments(kind, param, rho, m, q, V, b, delta, x_ref, w_ref, xi_cuts, p_cuts):
    """ρ-weighted moments over both classes; returns (Eg, Eg², E[1-∂p], Eℓ, E[yg], dE[yg]/db)."""
    tau = delta * V
    s = math.sqrt(delta * q)
    out = np.zeros(6)
    same = b == 0.0  # both classes then see the same field m + sξ: integrate once, with weight 1
    for k in range(1 if same else 2):
        y = 1.0 if k == 0 else -1.0
        weight = 1.0 if same else (rho if y > 0 else 1.0 - rho)
        eg, eg2, e1, el, dg = class_moments(kind, param, m + y * b, s, tau, x_ref, w_ref, xi_cuts, p_cuts)
        out[0] += weight * eg
        out[1] += weight * eg2
        out[2] += weight * e1
        out[3] += weight * el
        out[4] += (2.0 * rho - 1.0) * eg if same else weight * y * eg
        out[5] += weight * dg  # d/db of y·g(m + yb + sξ) is y²·∂g/∂ω
    return out


@kernel
def _solve_bias(kind, param, rho, m, q, V, b0, delta, x_ref, w_ref, xi_cuts, p_cuts):
    """Root of the decreasing function b ↦ E[y g]: bracket from ``b0``, then Newton safeguarded by bisection."""
    f0 = _moments(kind, param, rho, m, q, V, b0, delta, x_ref, w_ref, xi_cuts, p_cuts)[4]
    if f0 == 0.0:
        return b0
    step = 0.5 * (1.0 + abs(b0))
    lo, hi = b0, b0
    if f0 > 0.0:
        hi = b0 + step
        while _moments(kind, param, rho, m, q, V, hi, delta, x_ref, w_ref, xi_cuts, p_cuts)[4] > 0.0:
            lo, hi, step = hi, hi + 2.0 * step, 2.0 * step
    else:
        lo = b0 - step
        while _moments(kind, param, rho, m, q, V, lo, delta, x_ref, w_ref, xi_cuts, p_cuts)[4] < 0.0:
            hi, lo, step = lo, lo - 2.0 * step, 2.0 * step
    b = b0 if lo <= b0 <= hi else 0.5 * (lo + hi)
    dx_old = 2.0 * (hi - lo)
    for _ in range(200):
        mom = _moments(kind, param, rho, m, q, V, b, delta, x_ref, w_ref, xi_cuts, p_cuts)
        if mom[4] == 0.0:
            return b
        # E[y g] decreases in b: hand the increasing function -E[y g] to the safeguarded step
        new, lo, hi, dx_old = safeguarded_step(b, -mom[4], -mom[5], lo, hi, dx_old)
        if abs(new - b) <= 1e-15 * (1.0 + abs(b)) or hi - lo <= 1e-15 * (1.0 + abs(b)):
            return new
        b = new
    return b


@kernel
def _gm_map(kind, param, alpha, delta, lam, rho, learn_bias, m, q, V, b, x_ref, w_ref, xi_cuts, p_cuts):
    """One application of the RS map; returns the array (b, m̂, q̂, V̂, m', q', V', train loss per sample)."""
    if learn_bias:
        b = _solve_bias(kind, param, rho, m, q, V, b, delta, x_ref, w_ref, xi_cuts, p_cuts)
    mom = _moments(kind, param, rho, m, q, V, b, delta, x_ref, w_ref, xi_cuts, p_cuts)
    mhat = alpha * mom[0]
    qhat = alpha * delta * mom[1]
    Vhat = alpha * mom[2] / V
    k = lam + Vhat
    return np.array([b, mhat, qhat, Vhat, mhat / k, (mhat * mhat + qhat) / (k * k), 1.0 / k, mom[3]])


def erm(loss, alpha, delta, lam, rho=0.5, bias=False, *, start=None, tol=1e-10, maxiter=5000,
        damping=0.0, method="anderson", strict=True):
    """Solve the RS ERM equations of docs/theory.md §1 for the Gaussian mixture.

    Parameters
    ----------
    loss : {"square", "logistic", "hinge"}
    alpha, delta, lam, rho : float
        Sample ratio α = P/N > 0, noise variance Δ > 0, ridge λ ≥ 0 (λ = 0 only where the
        minimiser is finite), fraction ρ ∈ (0, 1) of the +1 class.
    bias : bool
        Learn an unpenalised bias (True) or fix b = 0.
    start : ERMResult, optional
        Warm start (its m, q, V, b).
    tol, maxiter, damping, method, strict
        Fixed-point options (see :func:`replica.saddle_point.solve_fixed_point`).

    Returns
    -------
    ERMResult
    """
    if loss not in ("square", "logistic", "hinge"):
        raise ValueError(f"loss must be one of square, logistic, hinge; got {loss!r}")
    validate(alpha, delta, lam, rho)
    kind, param = loss_code(loss)
    x_ref, w_ref = gauss_legendre(PANEL_NODES)
    if start is not None:
        x0, b = np.array([start.m, start.q, start.V]), start.b
    else:
        x0, b = _initial_state(alpha, delta, lam, rho, bias), 0.0
    b_state = [b]
    last = {}  # the map's output at the last state it was evaluated at (reused for the observables)

    def F(x):
        if x[1] <= 0.0 or x[2] <= 0.0:
            return np.full(3, np.nan)
        out = _gm_map(kind, param, alpha, delta, lam, rho, bias, x[0], x[1], x[2], b_state[0],
                      x_ref, w_ref, XI_CUTS, P_CUTS)
        b_state[0] = out[0]
        last.update(x=x, out=out)  # the solver never mutates the states it passes in
        return out[4:7]

    describe = f"gm erm(loss={loss}, alpha={alpha}, delta={delta}, lam={lam}, rho={rho}, bias={bias})"
    try:
        fp = _solve_with_fallback(F, x0, tol, maxiter, damping, method, strict, describe)
    except ConvergenceError as err:
        if err.state is not None:
            err.state = _result(loss, kind, param, alpha, delta, lam, rho, bias, err.state, b_state[0],
                                err.status, err.iterations, err.residual, x_ref, w_ref, last)
        raise
    return _result(loss, kind, param, alpha, delta, lam, rho, bias, fp.x, b_state[0], fp.status,
                   fp.iterations, fp.residual, x_ref, w_ref, last)


def _solve_with_fallback(F, x0, tol, maxiter, damping, method, strict, describe):
    """Anderson as asked; if it fails to converge, once more from the same start with damping ψ = 0.5.

    Near the kinks of the hinge loss the map is not smooth and undamped Anderson can cycle.  The
    residual is relative in every order parameter (m, q, V: floor 1e-300), and a state with V or q
    beyond ``DIVERGED_AT`` is reported as ``diverged`` at once (λ = 0 in the separable regime: the
    minimiser's norm is infinite); that is not retried.
    """
    checks = dict(floor=TINY, limit=DIVERGED_AT, describe=describe)
    try:
        return solve_fixed_point(F, x0, tol=tol, maxiter=maxiter, damping=damping, method=method,
                                 strict=True, **checks)
    except ConvergenceError as err:
        if damping >= 0.5 or err.status == DIVERGED:
            if strict:
                raise
            return FixedPointResult(err.state, False, err.iterations, err.residual, err.status)
        return solve_fixed_point(F, x0, tol=tol, maxiter=maxiter, damping=max(damping, 0.5), method=method,
                                 strict=strict, **checks)


def _initial_state(alpha, delta, lam, rho, bias):
    """Start from the square-loss closed form (finite for every λ > 0; at λ = 0 use λ = 0.01)."""
    try:
        sq = square_closed_form(alpha, delta, lam if lam > 0 else 1e-2, rho, bias)
        return np.array([sq.m, sq.q, sq.V])
    except (ValueError, ZeroDivisionError):
        return np.array([0.5, 1.0, 1.0])


def _result(loss, kind, param, alpha, delta, lam, rho, bias, x, b, status, iterations, residual,
            x_ref, w_ref, last):
    m, q, V = (float(v) for v in x)
    out = last.get("out")
    if out is None or not np.array_equal(last["x"], x):
        out = _gm_map(kind, param, alpha, delta, lam, rho, bias, m, q, V, b, x_ref, w_ref, XI_CUTS, P_CUTS)
    b, mhat, qhat, Vhat, train_loss = out[0], out[1], out[2], out[3], out[7]
    s, tau = math.sqrt(delta * q), delta * V
    train_error = (rho * train_error_class(kind, param, m + b, s, tau)
                   + (1 - rho) * train_error_class(kind, param, m - b, s, tau))
    return ERMResult(loss=loss, alpha=alpha, delta=delta, lam=lam, rho=rho, bias=bool(bias), m=m, q=q, V=V,
                     b=float(b), mhat=float(mhat), qhat=float(qhat), Vhat=float(Vhat),
                     gen_error=gen_error(m, q, b, delta, rho), train_error=float(train_error),
                     train_loss=float(train_loss), converged=status == OK, iterations=int(iterations),
                     residual=float(residual), status=status,
                     replicon=gm_erm_replicon(kind, param, alpha, delta, lam, rho, m, q, V, float(b), float(Vhat),
                                              x_ref, w_ref, XI_CUTS, P_CUTS))


def gen_error(m, q, b, delta, rho=0.5):
    """``ε_gen = ρH((m+b)/√(Δq)) + (1-ρ)H((m-b)/√(Δq))``."""
    s = math.sqrt(delta * q)
    return rho * H((m + b) / s) + (1.0 - rho) * H((m - b) / s)


def square_closed_form(alpha, delta, lam, rho=0.5, bias=False):
    """Closed-form square-loss fixed point (docs/theory.md §1); returns an :class:`ERMResult`.

    V is the positive root of ``λΔV² + (λ + Δ(α-1))V - 1 = 0``, ``V̂ = αΔ/(1+ΔV)``;
    with ``c = 4ρ(1-ρ)`` (bias learned) or 1: ``b = (2ρ-1)(1-m)``,
    ``A = αcV/(1+ΔV)``, ``m = A/(1+A)``, ``m̂ = αc(1-m)/(1+ΔV)``,
    ``q = V²[m̂² + αΔc(1-m)²/(1+ΔV)²]/[1 - αΔ²V²/(1+ΔV)²]``.

    Evaluated without cancellation (every field to a few ulps, tested against mpmath): V by the stable
    quadratic formula (``Q = -(a₁ + sign(a₁)√disc)/2``, roots ``-1/Q`` and ``Q/a₂``), ``1 - m = 1/(1+A)``,
    ``1 - αΔ²V²/k² = (1 + λΔV²)/k`` (from the quadratic), ``q̂ = αΔ[c(1-m)² + Δq]/k²`` (= αΔE g²).
    """
    validate(alpha, delta, lam, rho)
    a2, a1 = lam * delta, lam + delta * (alpha - 1.0)
    root = math.hypot(a1, 2.0 * math.sqrt(a2))  # √(a₁² + 4a₂), no overflow
    if a1 > 0.0:
        V = 2.0 / (a1 + root)  # = -1/Q with Q = -(a₁ + √disc)/2
    elif a2 > 0.0:
        V = (root - a1) / (2.0 * a2)  # = Q/a₂ with Q = (√disc - a₁)/2, a sum of positive terms
    else:
        V = math.nan
    if not V > 0:
        raise ValueError(f"square loss at lam=0 needs alpha > 1; got alpha={alpha}")
    c = 4.0 * rho * (1.0 - rho) if bias else 1.0
    k = 1.0 + delta * V
    A = alpha * c * V / k
    one_m = 1.0 / (1.0 + A)  # 1 - m
    m = A / (1.0 + A)
    b = (2.0 * rho - 1.0) * one_m if bias else 0.0
    mhat = alpha * c * one_m / k
    qhat_part = alpha * delta * c * one_m ** 2 / k ** 2
    # 1 - αΔ²V²/k² = (1 + λΔV²)/k: by the quadratic, Δ(α-1)V = 1 - λVk
    q = V * V * (mhat * mhat + qhat_part) * k / (1.0 + lam * delta * V * V)
    Vhat = alpha * delta / k
    tau, s = delta * V, math.sqrt(delta * q)
    train_error = (rho * train_error_class(SQUARE, 0.0, m + b, s, tau)
                   + (1 - rho) * train_error_class(SQUARE, 0.0, m - b, s, tau))
    qhat = alpha * delta * (c * one_m ** 2 + delta * q) / k ** 2  # = q(λ+V̂)² - m̂², without the cancellation
    # per-sample loss: E(1-p)²/2 with 1 - p = (1 - ω)/(1+τ), ω = μ_y + sξ
    second = (rho * (one_m - b) ** 2 + (1 - rho) * (one_m + b) ** 2 + s * s) / (1 + tau) ** 2
    return ERMResult(loss="square", alpha=alpha, delta=delta, lam=lam, rho=rho, bias=bool(bias), m=m, q=q,
                     V=V, b=b, mhat=mhat, qhat=qhat, Vhat=Vhat, gen_error=gen_error(m, q, b, delta, rho),
                     train_error=float(train_error), train_loss=0.5 * second, converged=True,
                     iterations=0, residual=0.0, replicon=alpha * (tau / (1.0 + tau)) ** 2)


SWEPT = ("alpha", "delta", "lam", "rho")


def erm_curve(loss, alpha, delta, lam, rho=0.5, bias=False, *, direction="forward", progress=None,
              **solver_options):
    """:func:`erm` along a list of one parameter (the one given as a sequence), warm-started.

    Returns a :class:`replica.saddle_point.Sweep` (``.results`` in the order of the list;
    ``.forward``/``.backward`` when swept both ways).  Non-converged points are returned
    with ``converged=False`` (``strict=False``), never dropped.
    """
    params = dict(alpha=alpha, delta=delta, lam=lam, rho=rho)
    swept = [k for k, v in params.items() if np.ndim(v) == 1]
    if len(swept) != 1:
        raise ValueError(f"exactly one of {', '.join(SWEPT)} must be a sequence; got {swept or 'none'}")
    name = swept[0]
    solver_options.setdefault("strict", False)

    def solve(value, start):
        return erm(loss, bias=bias, start=start, **{**params, name: float(value)}, **solver_options)

    return sweep(solve, params[name], direction=direction, progress=progress)
