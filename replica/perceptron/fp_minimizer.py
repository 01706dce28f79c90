"""Local entropy around loss minimisers on the sphere (docs/theory.md §4, β → ∞ reference; *derived*).

Reference: ``w̃ = argmin_{‖w‖²=N} Σ_μ ℓ(ξ^μ·w/√N)`` on random Gaussian patterns (labels absorbed).
As β → ∞ the reference overlap q0 → 1 with ``χ = β(1-q0)`` finite; a pattern's training stability
is ``u*(z) = prox_{χℓ}(z)``, z ~ N(0,1) its cavity field, and the spherical constraint fixes χ by
``α E_z (u*(z) - z)² = 1``.  The general spherical FP entropy (franz_parisi.py) with
``δ = (S - s0)/(1 - q0)`` finite gives in this limit (derivation: docs/perceptron.md)::

    φ(S) = extr_{Q,δ} ½log(1-Q) + (Q - 2Sδ + δ²)/(2(1-Q)) + α ∫Dz0 Dη log H(X)
    X = (κ - S z0 - δ(u*(z0) - z0) - √(Q-S²) η)/√(1-Q)

Stationarity: ``Q = (2Sδ - δ² + r)/(1 + r)``, ``r = αE[GH(X)²]``;
``δ = S - α√(1-Q) E[GH(X)(u* - z0)]``.  Unconstrained copies (β = 0 on w) have Q = S², δ = S:
the fraction of patterns violated by a random w at distance d is ``E_z H((S u*(z) - κ)/√(1-S²))``.
``replicon``: the constrained copies' ``α E[GH'(X)²]`` (docs/stability.md eq. 24).
"""

import functools
import math
from dataclasses import dataclass

import numpy as np
from .._lazy import brentq

from .._numba import kernel
from ..saddle_point.fixed_point import ConvergenceError, solve_fixed_point
from ..saddle_point.losses import CROSS_ENTROPY, HINGE, loss_code, loss_d1, loss_value, prox
from ..saddle_point.quadrature import gauss_legendre
from ..saddle_point.special import GH, H, log_H
from ._quad import BASE, KINK_OFFSETS, Z_MAX, add_feature, rule
from ._replicon import fp_replicon
from ._solve import robust_fixed_point
from .binary_minimizer import binary_minimizer_fp, binary_minimizer_fp_curve
from .franz_parisi import contract_status
from .gardner import gardner, spherical_capacity
from ..saddle_point.contract import FROZEN, OK, RSFlags

NODES = 16
MIN_LOSSES = ("hinge", "cross_entropy", "logistic", "square")
U_POINTS = np.array([-4.0, -1.0, 0.0, 1.0, 4.0])
T_FROZEN = 20.0  # t = -log(1 - Q) beyond this (1 - Q < 2e-9): the constrained copies froze


@dataclass(frozen=True)
class MinimizerFPResult(RSFlags):
    loss: str
    loss_param: float
    alpha: float
    d: float
    kappa: float
    weights: str
    S: float
    chi: float
    Q: float
    delta: float
    phi: float
    dphi_dS: float
    violated_random: float   # β = 0 prediction: fraction of violated patterns for random w at distance d
    train_loss: float        # E ℓ(u*) per pattern
    train_error: float       # P(u* < 0)
    converged: bool
    iterations: int
    residual: float


@kernel
def z_rule(kind, param, chi, x_ref, w_ref):
    cuts = np.empty(BASE.shape[0] + 2 * KINK_OFFSETS.shape[0] + U_POINTS.shape[0] + 1)
    cuts[:BASE.shape[0]] = BASE
    cuts[BASE.shape[0]] = chi * loss_d1(kind, 0.0, param)  # z where u* crosses 0 (training-error step)
    n = BASE.shape[0] + 1
    if kind == HINGE:
        n = add_feature(cuts, n, param - chi, 0.02, KINK_OFFSETS)
        n = add_feature(cuts, n, param, 0.02, KINK_OFFSETS)
    else:
        scale = 1.0 / param if kind == CROSS_ENTROPY else 1.0
        for p in U_POINTS:
            u = p * scale
            cuts[n] = u + chi * loss_d1(kind, u, param)  # z such that u*(z) = u
            n += 1
    return rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref)


@kernel
def reference_moments(kind, param, chi, kappa, S, x_ref, w_ref):
    """``(E(u*-z)², E ℓ(u*), P(u*<0), E H((S u* - κ)/√(1-S²)))``."""
    nodes, weights = z_rule(kind, param, chi, x_ref, w_ref)
    out = np.zeros(4)
    sS = math.sqrt(max(1.0 - S * S, 0.0))
    for i in range(nodes.shape[0]):
        z = nodes[i]
        u = prox(kind, z, chi, param)[0]
        w = weights[i]
        out[0] += w * (u - z) ** 2
        out[1] += w * loss_value(kind, u, param)
        if u < 0.0:
            out[2] += w
        out[3] += w * H((S * u - kappa) / sS)
    return out


@kernel
def min_energetic(kind, param, chi, kappa, S, Q, delta, x_ref, w_ref):
    """``(E log H(X), E GH(X)², E GH(X)(u*-z0), ∂_S E log H(X), E GH'(X)²)``, ``GH' = GH(GH - X)`` (the last gives
    the constrained copies' replicon α E GH'(X)², docs/stability.md eq. 24)."""
    nodes, weights = z_rule(kind, param, chi, x_ref, w_ref)
    sb = math.sqrt(max(Q - S * S, 1e-300))
    sQ = math.sqrt(1.0 - Q)
    out = np.zeros(5)
    for i in range(nodes.shape[0]):
        z0 = nodes[i]
        u = prox(kind, z0, chi, param)[0]
        mean = S * z0 + delta * (u - z0)
        cuts = np.empty(BASE.shape[0] + KINK_OFFSETS.shape[0])
        cuts[:BASE.shape[0]] = BASE
        n = add_feature(cuts, BASE.shape[0], (kappa - mean) / sb, sQ / sb, KINK_OFFSETS)
        enodes, eweights = rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref)
        a0 = a1 = a2 = a3 = a4 = 0.0
        for j in range(enodes.shape[0]):
            X = (kappa - mean - sb * enodes[j]) / sQ
            gx = GH(X)
            w = eweights[j]
            a0 += w * log_H(X)
            a1 += w * gx * gx
            a2 += w * gx
            cx = gx * (gx - X)
            a3 += w * cx
            a4 += w * cx * cx
        zw = weights[i]
        out[0] += zw * a0
        out[1] += zw * a1
        out[2] += zw * a2 * (u - z0)
        # ∂X/∂S = (-z0 + Sη/√(Q-S²))/√(1-Q); Stein: E[GH(X) η] = -(√(Q-S²)/√(1-Q)) E[GH'(X)]
        out[3] += zw * (z0 * a2 + S * a3 / sQ) / sQ
        out[4] += zw * a4
    return out


def _loss(loss, loss_params):
    if loss not in MIN_LOSSES:
        raise ValueError(f"loss must be one of {', '.join(MIN_LOSSES)}; got {loss!r}")
    names = {"hinge": "margin", "cross_entropy": "gamma"}
    allowed = {names[loss]} if loss in names else set()
    extra = set(loss_params) - allowed
    if extra:
        raise ValueError(f"loss {loss} takes {'only ' + names[loss] if allowed else 'no parameters'}; "
                         f"got {', '.join(sorted(extra))}")
    param = loss_params.get(names.get(loss, ""), None)
    if loss == "cross_entropy" and param is not None and not (np.isfinite(param) and param > 0):
        raise ValueError(f"gamma must be > 0; got {param}")
    if loss == "hinge" and param is not None and not np.isfinite(param):
        raise ValueError(f"margin must be a finite number; got {param}")
    return loss_code(loss, param)


LOG_CHI_MAX = 60.0  # the smooth losses' prox (bisection on [z, z + χ]) is resolved up to χ = e^60


def _alpha_range(loss, kind, param, x_ref, w_ref):
    """``(α_min, m2_max, message)``: a finite root χ of ``α E(u*-z)² = 1`` exists (within χ ≤ e^LOG_CHI_MAX)
    iff ``α > α_min`` and ``α·m2_max > 1``, with ``m2_max = E(u*-z)²`` at χ = e^LOG_CHI_MAX (docs/perceptron.md,
    "Range of α for the minimiser").  E(u*-z)² increases with χ from 0 to its χ → ∞ limit: 2 (square),
    1/α_c(margin) (hinge: u* → max(z, margin)), unbounded (logistic, cross-entropy: u* → ∞)."""
    m2_max = float(reference_moments(kind, param, math.exp(LOG_CHI_MAX), 0.0, 0.0, x_ref, w_ref)[0])
    if loss == "square":
        return 0.5, m2_max, (
            "alpha must be > {} for the square-loss minimiser on the sphere (chi = 1/(sqrt(2 alpha) - 1); "
            "below, the zero-loss set meets the sphere)")
    if loss == "hinge":
        return max(spherical_capacity(param), 1.0 / m2_max), m2_max, (
            f"alpha must be > capacity(margin={param:g})={{}} for the hinge minimiser to be unique (below it "
            f"the zero-loss set has volume)")
    name, rate = ("logistic", "") if loss == "logistic" else (f"cross_entropy (gamma={param:g})", "2 gamma ")
    return 1.0 / m2_max, m2_max, (
        f"alpha must be > {{}} for the {name} minimiser: a finite chi exists for every alpha > 0, but "
        f"log chi ~ {rate}kappa_max(alpha) exceeds {LOG_CHI_MAX:g} below, beyond the double-precision prox")


def minimizer_alpha_min(loss, **loss_params):
    """Smallest α (exclusive) at which :func:`reference_chi` has a finite root: 0.5 for square, the Gardner
    capacity α_c(margin) for hinge, the numerical limit ``1/E(u*-z)²|_{χ=e^60}`` for logistic and
    cross-entropy (a finite χ exists at every α > 0 there, with log χ → ∞ as α → 0)."""
    kind, param = _loss(loss, loss_params)
    x_ref, w_ref = gauss_legendre(NODES)
    return _alpha_range(loss, kind, param, x_ref, w_ref)[0]


def reference_chi(loss, alpha, **loss_params):
    """χ = β(1-q0) of the minimiser: root of ``α E(u* - z)² = 1`` (increasing in χ).

    Raises a one-line ValueError when no finite root exists: α ≤ 0.5 (square), α ≤ α_c(margin)
    (hinge), α ≤ :func:`minimizer_alpha_min` (logistic, cross-entropy: χ > e^60).
    """
    kind, param = _loss(loss, loss_params)
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be > 0; got {alpha}")
    x_ref, w_ref = gauss_legendre(NODES)
    alpha_min, m2_max, message = _alpha_range(loss, kind, param, x_ref, w_ref)
    if loss == "square":  # closed form; 2α - 1 is exact, so χ keeps full accuracy as α ↓ 1/2
        if not alpha > 0.5:
            raise ValueError(message.format(0.5) + f"; got {alpha}")
        return (math.sqrt(2.0 * alpha) + 1.0) / (2.0 * alpha - 1.0)
    if not (alpha > alpha_min and alpha * m2_max > 1.0):
        shown = f"{alpha_min:.6g}"
        if float(shown) < alpha_min:  # round the bound up, so that every α below it is refused
            shown = f"{float(shown) + 10.0 ** (math.floor(math.log10(alpha_min)) - 5):.6g}"
        if float(shown) < alpha:  # α within rounding of the bound
            shown = f"{alpha_min:.17g}"
        raise ValueError(message.format(shown) + f"; got {alpha}")
    f = lambda t: alpha * reference_moments(kind, param, math.exp(t), 0.0, 0.0, x_ref, w_ref)[0] - 1.0
    lo, hi = -1.0, min(1.0, LOG_CHI_MAX)
    while f(lo) > 0:
        lo -= 2.0
    while f(hi) < 0:  # ends: f(LOG_CHI_MAX) > 0 was checked above
        lo, hi = hi, min(hi + 2.0, LOG_CHI_MAX)
    return math.exp(brentq(f, lo, hi, xtol=1e-14))


def franz_parisi_minimizer(loss, alpha, d, kappa=0.0, weights="spherical", *, start=None, tol=1e-10,
                           maxiter=500, strict=True, **loss_params):
    """Local entropy of solutions with margin κ at distance d around the minimiser of ``loss``.

    loss ∈ {hinge (``margin=``, default 1), cross_entropy (``gamma=``), logistic, square}.
    ``weights="binary"``: the β → ∞ binary reference is not replica symmetric; the zero-entropy (frozen 1RSB)
    minimiser is used instead — :func:`.binary_minimizer.binary_minimizer_fp` (also loss ``error_counting``,
    ``margin=`` κ̃), returning a :class:`.binary_minimizer.BinaryMinimizerFPResult` with ``beta_s``, ``e_min``.
    """
    if weights not in ("spherical", "binary"):
        raise ValueError(f"weights must be spherical or binary for franz_parisi_minimizer; got {weights!r}")
    if not (np.isfinite(d) and 0 < d < 0.5):
        raise ValueError(f"d must be in (0, 0.5); got {d}")
    if not np.isfinite(kappa):
        raise ValueError(f"kappa must be a finite number; got {kappa}")
    if weights == "binary":
        return binary_minimizer_fp(loss, alpha, d, kappa, start=start, tol=tol, maxiter=maxiter, strict=strict,
                                   **loss_params)
    if loss == "error_counting":
        raise ValueError("loss error_counting needs weights='binary' (no spherical error-counting minimiser); "
                         "got weights='spherical'")
    kind, param = _loss(loss, loss_params)
    chi = reference_chi(loss, alpha, **loss_params)
    S = 1.0 - 2.0 * d
    x_ref, w_ref = gauss_legendre(NODES)
    # state (t, δ) with t = -log(1 - Q): the residual is relative in 1 - Q, and Q → 1 (no saddle: the copies
    # freeze, e.g. around a minimiser with training errors at small d) cannot pass for convergence
    t_min = -math.log1p(-S * S)            # Q > S²
    cold = np.array([-math.log(0.5 * (1 - S * S)), S])
    x0 = np.array([-math.log1p(-start.Q), start.delta]) if start is not None and S * S < start.Q < 1 else cold

    def F(x):
        t, delta = x
        if not (t_min < t < T_FROZEN):
            return np.full(2, np.nan)
        Q = -math.expm1(-t)
        e = min_energetic(kind, param, chi, kappa, S, Q, delta, x_ref, w_ref)
        r = alpha * e[1]
        # 1 - Q' = (1 - 2Sδ + δ²)/(1 + r) = ((δ - S)² + 1 - S²)/(1 + r), no cancellation
        return np.array([math.log1p(r) - math.log((delta - S) ** 2 + 1.0 - S * S),
                         S - alpha * math.sqrt(1 - Q) * e[2]])

    describe = f"franz_parisi_minimizer({loss}, alpha={alpha}, d={d}, kappa={kappa})"
    make = lambda x, c, it, res: _result(loss, kind, param, alpha, d, kappa, S, chi, x, c, it, res, x_ref, w_ref)
    frozen = lambda x: x[0] > T_FROZEN - 2.0
    try:  # Anderson from the warm and the cold start, then on the Newton-preconditioned map
        fp = robust_fixed_point(F, x0, cold, tol=tol, maxiter=maxiter, damping=0.0, method="anderson",
                                strict=True, describe=describe, frozen=frozen)
    except ConvergenceError as err:
        failure = err
        if err.state is None or not frozen(err.state):  # Anderson can leave the domain: damped steps
            try:
                fp, failure = solve_fixed_point(F, cold, tol=tol, maxiter=maxiter, strict=True, describe=describe,
                                                method="damped", damping=0.5), None
            except ConvergenceError as err2:
                failure = err if err.state is not None and frozen(err.state) else err2
        if failure is not None:
            if failure.state is not None and frozen(failure.state):
                failure.args = (f"{describe}: no replica-symmetric saddle with Q < 1 — the constrained copies "
                                f"freeze (Q → 1); the RS branch ends at a larger d",)
            if failure.state is None:
                raise failure
            if failure.state is not None and frozen(failure.state):
                failure.status = FROZEN
            result = make(failure.state, failure.status, failure.iterations, failure.residual)
            if strict:
                failure.state = result
                raise failure
            return result
    result = make(fp.x, fp.status, fp.iterations, fp.residual)
    status = contract_status(result.phi, result.Q, S, "spherical", _gardner_entropy(alpha, kappa))
    if status != OK:  # a spurious saddle (e.g. φ = +981 at d → 1/2): flagged, never returned as converged
        result = make(fp.x, status, fp.iterations, fp.residual)
        if strict:
            raise ConvergenceError(f"{describe}: {status} (phi={result.phi:.10g}, Q={result.Q:.10g})", result,
                                   fp.residual, fp.iterations, status)
    return result


@functools.lru_cache(maxsize=256)
def _gardner_entropy(alpha, kappa):
    """Log-fraction of the sphere solving margin κ: the bound of every FP count at κ (-∞ beyond capacity)."""
    if not alpha < spherical_capacity(kappa):
        return -math.inf
    g = gardner(alpha, kappa, "spherical", strict=False)
    return g.entropy if g.converged else math.inf


def _result(loss, kind, param, alpha, d, kappa, S, chi, x, status, iterations, residual, x_ref, w_ref):
    Q, delta = -math.expm1(-float(x[0])), float(x[1])
    e = min_energetic(kind, param, chi, kappa, S, Q, delta, x_ref, w_ref)
    phi = 0.5 * math.log1p(-Q) + (Q - 2 * S * delta + delta ** 2) / (2 * (1 - Q)) + alpha * e[0]
    dphi = -delta / (1 - Q) + alpha * e[3]
    ref = reference_moments(kind, param, chi, kappa, S, x_ref, w_ref)
    return MinimizerFPResult(loss, param, alpha, d, kappa, "spherical", S, chi, Q, delta, float(phi), float(dphi),
                             float(ref[3]), float(ref[1]), float(ref[2]), status == OK, int(iterations),
                             float(residual), status=status, frozen=status == FROZEN,
                             replicon=fp_replicon(alpha, False, Q, float(e[4])))


def franz_parisi_minimizer_curve(loss, alpha, ds, kappa=0.0, **options):
    """:func:`franz_parisi_minimizer` over ``ds`` (descending order recommended), warm-started.

    Once the saddle froze (Q → 1: no RS saddle, e.g. the counted solutions cannot be found that close to a
    minimiser that has training errors) at some d while d decreases, the smaller d are reported frozen
    (``converged=False``, Q = 1, φ = NaN) without solving.  Returns a ``Sweep`` (forward branch).
    ``weights="binary"``: :func:`.binary_minimizer.binary_minimizer_fp_curve` (forward, in the order of ``ds``).
    """
    from dataclasses import replace

    from ..saddle_point.continuation import Sweep
    if options.pop("weights", "spherical") == "binary":
        return binary_minimizer_fp_curve(loss, alpha, ds, kappa, direction="forward", **options)
    options.setdefault("strict", False)
    ds = [float(v) for v in ds]
    results, start, frozen = [], None, None
    for i, v in enumerate(ds):
        if frozen is not None and i > 0 and v < ds[i - 1] and v < frozen.d:
            results.append(replace(frozen, d=v, S=1.0 - 2.0 * v, iterations=0))
            continue
        try:
            r = franz_parisi_minimizer(loss, alpha, v, kappa, start=start, **options)
        except ConvergenceError as err:  # keep the point, flagged
            if not isinstance(err.state, MinimizerFPResult):
                raise
            r = err.state
        if r.converged:
            start = r
        elif 1.0 - r.Q < 1e-7:  # the copies froze
            r = replace(r, Q=1.0, phi=math.nan)
            frozen = r if frozen is None or v > frozen.d else frozen
        results.append(r)
    return Sweep(values=tuple(ds), forward=tuple(results))


def stabilities(loss, alpha, z, **loss_params):
    """Predicted training stabilities ``u*(z)`` of the minimiser for cavity fields z (array)."""
    kind, param = _loss(loss, loss_params)
    chi = reference_chi(loss, alpha, **loss_params)
    return np.array([prox(kind, float(v), chi, param)[0] for v in np.ravel(z)]).reshape(np.shape(z))


def stability_cdf(loss, alpha, t, **loss_params):
    """Predicted CDF of the training stabilities, ``P(u* ≤ t)`` (right-continuous).

    ``u*(z) = prox_{χℓ}(z)`` is nondecreasing in z, and ``u* = t`` exactly for the cavity field
    ``z(t) = t + χℓ'(t)``: ``P(u* ≤ t) = Φ(z(t))``.  Hinge (margin m): ``Φ(t - χ)`` for t < m and ``Φ(t)``
    for t ≥ m — the jump ``Φ(m) - Φ(m - χ)`` is the fraction of patterns exactly at the margin.
    """
    from ..saddle_point.special import Phi
    kind, param = _loss(loss, loss_params)
    chi = reference_chi(loss, alpha, **loss_params)

    def one(v):
        if kind == HINGE:
            return Phi(v - chi) if v < param else Phi(v)
        return Phi(v + chi * loss_d1(kind, v, param))
    return np.array([one(float(v)) for v in np.ravel(t)]).reshape(np.shape(t))
