"""Binary-weight loss minimisers: the finite-β reference measure and the zero-entropy prescription
(docs/theory.md §10; derivation and checks in docs/perceptron_binary_minimizers.md).

The β → ∞ RS ground state of a positive loss over ±1 weights has negative entropy: the minimiser is
isolated, and RS at β = ∞ is wrong.  The frozen-1RSB (zero-entropy) prescription: solve the RS saddle of
the measure ``∝ exp(-β Σ_μ ℓ(Δ_μ))`` over w ∈ {±1}^N at finite β,

    φ(β) = extr_{q,q̂} -½q̂(1-q) + ∫Dz ln 2cosh(√q̂ z) + α ∫Dz ln ∫Du e^{-βℓ(√q z + √(1-q) u)}

(φ = ln Z/N, φ(0) = ln 2), the mean loss per pattern ``e(β) = -(1/α) dφ/dβ = E_z⟨ℓ⟩`` and the entropy
(log-count per weight of the configurations at that energy)

    s(β) = φ(β) + αβ e(β)          (E_total/N = αe: e is per *pattern*, hence the α;
                                     docs/theory.md §10's s = φ + βe holds for an energy per weight)

``ds/dβ = αβ de/dβ < 0``, so s decreases from ln 2 and its root β_s is bracketed and found by brentq in
ln β.  For every β ≥ β_s the equilibrium is the 1RSB state with q1 = 1 and Parisi m = β_s/β: isolated
minimisers, e_min = e(β_s), mutual overlap q0 = q(β_s), the RS state at β_s.  When s(β) stays positive
(error counting below the capacity α_c(κ̃), hinge with margin below κ_max(α)) β_s = ∞ and the reference
is the flat measure on the zero-loss configurations — the Gardner measure at margin κ̃ (the channel's
β → ∞ limit θ(h - κ̃)).

Stationarity: ``q̂ = α E_z(∂_ω ln Z)²`` (Stein + the heat equation, as for Gardner), ``q = E tanh²(√q̂ z)``,
iterated in ``t = -ln(1-q)`` with ``1 - q = E sech²(√q̂ z)`` (no cancellation).
"""

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from .._lazy import brentq

from ..saddle_point.contract import RSFlags
from ..saddle_point.fixed_point import ConvergenceError, solve_fixed_point
from ..saddle_point.losses import LOSSES
from ..saddle_point.quadrature import gauss_legendre
from .loss_channel import ERROR_COUNTING, binary_entropic, gibbs_energetic

NODES = 8
LOG2 = math.log(2.0)
BINARY_LOSSES = ("cross_entropy", "hinge", "error_counting", "logistic", "square")
PARAMS = {"cross_entropy": ("gamma", 1.0), "hinge": ("margin", 1.0), "error_counting": ("margin", 0.0)}
LOG_BETA_MAX = 600.0   # β_s beyond e^600 is not searched (cross-entropy: ln β_s ≈ 2γκ_max(α))


@dataclass(frozen=True)
class BinaryGibbsResult(RSFlags):
    """RS saddle of the measure ∝ e^{-βΣℓ} over ±1 weights at inverse temperature β."""

    loss: str
    loss_param: float
    alpha: float
    beta: float
    q: float
    qhat: float
    phi: float          # ln Z / N (ln 2 at β = 0)
    energy: float       # mean loss per pattern e(β)
    entropy: float      # s = φ + αβe (log-count per weight at energy e)
    train_error: float  # fraction of patterns with Δ < 0
    converged: bool
    iterations: int
    residual: float


@dataclass(frozen=True)
class BinaryReferenceResult(RSFlags):
    """The zero-entropy reference: the RS state at β_s (the frozen 1RSB minimisers for every β ≥ β_s)."""

    loss: str
    loss_param: float
    alpha: float
    beta_s: float       # s(β_s) = 0; inf when zero-loss configurations have positive entropy
    e_min: float        # minimal mean loss per pattern e(β_s)
    q: float            # overlap q0 between two distinct minimisers
    qhat: float
    phi: float          # φ(β_s) = -αβ_s e_min (finite β_s); the zero-loss entropy when β_s = inf
    entropy: float      # s(β_s): 0, or the zero-loss entropy (> 0) when β_s = inf
    distance: float     # (1 - q)/2
    train_error: float
    converged: bool
    iterations: int
    residual: float


def loss_spec(loss, loss_params):
    """``(kind, param)`` of a binary-minimiser loss, with one-line ValueErrors naming the parameter."""
    if loss not in BINARY_LOSSES:
        raise ValueError(f"loss must be one of {', '.join(BINARY_LOSSES)}; got {loss!r}")
    name, default = PARAMS.get(loss, (None, None))
    extra = set(loss_params) - ({name} if name else set())
    extra = {k for k in extra if loss_params[k] is not None}
    if extra:
        raise ValueError(f"loss {loss} takes {'only ' + name if name else 'no parameters'}; "
                         f"got {', '.join(sorted(extra))}")
    param = loss_params.get(name) if name else None
    param = default if param is None else float(param)
    if loss == "cross_entropy" and not (np.isfinite(param) and param > 0):
        raise ValueError(f"gamma must be > 0; got {param}")
    if name == "margin" and not np.isfinite(param):
        raise ValueError(f"margin must be a finite number; got {param}")
    kind = ERROR_COUNTING if loss == "error_counting" else LOSSES[loss]
    return kind, (0.0 if param is None else param)


def _check_alpha(alpha):
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be > 0; got {alpha}")


def binary_gibbs(loss, alpha, beta, *, start=None, tol=1e-12, maxiter=500, strict=True, **loss_params):
    """RS saddle of the finite-β measure over ±1 weights; returns :class:`BinaryGibbsResult`.

    ``beta = inf`` is allowed for error counting and hinge (the channel becomes θ(h - κ̃): the Gardner
    measure at margin κ̃); ``start`` warm-starts q from a neighbouring result.
    """
    kind, param = loss_spec(loss, loss_params)
    _check_alpha(alpha)
    if not beta >= 0:
        raise ValueError(f"beta must be >= 0; got {beta}")
    if beta == np.inf:
        if loss not in ("hinge", "error_counting"):
            raise ValueError(f"beta must be finite for loss {loss} (its beta -> inf RS state has negative "
                             f"entropy: use binary_reference); got inf")
        kind = ERROR_COUNTING
    return _gibbs(loss, kind, param, alpha, float(beta), start, tol, maxiter, strict)


def _gibbs(loss, kind, param, alpha, beta, start, tol, maxiter, strict):
    x_ref, w_ref = gauss_legendre(NODES)

    def F(x):
        t = x[0]
        if not 0.0 <= t < 40.0:
            return np.array([np.nan])
        q = -math.expm1(-t)
        qhat = alpha * gibbs_energetic(kind, param, beta, q, x_ref, w_ref)[1]
        one_q = binary_entropic(qhat, x_ref, w_ref)[2]
        return np.array([-math.log(one_q) if one_q > 0 else np.nan])

    q0 = start.q if start is not None and 0.0 < getattr(start, "q", -1.0) < 1.0 else 0.5
    describe = f"binary_gibbs({loss}, alpha={alpha}, beta={beta}, param={param})"
    try:
        fp = solve_fixed_point(F, [-math.log1p(-q0)], tol=tol, maxiter=maxiter, strict=True, describe=describe)
    except ConvergenceError as err:
        if err.state is None or not np.all(np.isfinite(err.state)):
            raise
        result = _gibbs_result(loss, kind, param, alpha, beta, float(err.state[0]), err.status, err.iterations,
                               err.residual, x_ref, w_ref)
        if strict:
            err.state = result
            raise
        return result
    return _gibbs_result(loss, kind, param, alpha, beta, float(fp.x[0]), fp.status, fp.iterations, fp.residual,
                         x_ref, w_ref)


def _gibbs_result(loss, kind, param, alpha, beta, t, status, iterations, residual, x_ref, w_ref):
    q = -math.expm1(-t)
    e = gibbs_energetic(kind, param, beta, q, x_ref, w_ref)
    qhat = alpha * e[1]
    ent = binary_entropic(qhat, x_ref, w_ref)
    phi = -0.5 * qhat * (1.0 - q) + ent[0] + alpha * e[0]
    energy = float(e[2])
    entropy = phi if energy == 0.0 else phi + alpha * beta * energy
    replicon = float(ent[3] * alpha * e[3])   # λ_AT = γ_S γ_E, γ_S = E sech⁴, γ_E = αE(∂²_ω ln Z)²
    return BinaryGibbsResult(loss, param, alpha, beta, q, float(qhat), float(phi), energy, float(entropy),
                             float(e[4]), status == "ok", int(iterations), float(residual), status=status,
                             replicon=replicon, entropy_negative=bool(entropy < 0))


def binary_reference(loss, alpha, *, tol=1e-12, **loss_params):
    """The zero-entropy reference of the binary minimiser of ``loss``: :class:`BinaryReferenceResult` with
    β_s (s(β_s) = 0) and e_min = e(β_s).  Losses: cross_entropy (``gamma=``, default 1), hinge (``margin=``,
    default 1), error_counting (``margin=`` κ̃, default 0: counts patterns with Δ < κ̃), logistic, square.
    Cached per (loss, parameter, α, tol)."""
    kind, param = loss_spec(loss, loss_params)
    _check_alpha(alpha)
    return _reference_cached(loss, kind, param, float(alpha), float(tol))


@lru_cache(maxsize=256)
def _reference_cached(loss, kind, param, alpha, tol):
    describe = f"binary_reference({loss}, alpha={alpha}, param={param})"
    if loss in ("hinge", "error_counting"):
        # zero-loss configurations with positive entropy: β_s = ∞.  Beyond κ_max(α) the β = ∞ saddle has
        # negative entropy or none at all (q → 1; the iteration stalls): both mean a finite β_s
        zero = _gibbs(loss, ERROR_COUNTING, param, alpha, np.inf, None, tol, 2000, False)
        if zero.converged and zero.entropy > 0.0:
            return _as_reference(zero, np.inf)
    state = {"last": None}

    def s(log_beta):
        r = _gibbs(loss, kind, param, alpha, math.exp(log_beta), state["last"], tol, 2000, True)
        state["last"] = r
        return r.entropy

    lo, hi = 0.0, 1.0
    if s(lo) < 0.0:
        while s(lo - 1.0) < 0.0:
            lo -= 1.0
        lo, hi = lo - 1.0, lo
    else:
        hi = lo + 1.0
        while s(hi) > 0.0:
            lo, hi = hi, hi + 1.0
            if hi > LOG_BETA_MAX:
                raise ConvergenceError(f"{describe}: s(beta) > 0 up to beta = e^{LOG_BETA_MAX:g}")
    log_beta = brentq(s, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps)
    r = _gibbs(loss, kind, param, alpha, math.exp(log_beta), state["last"], tol, 2000, True)
    return _as_reference(r, math.exp(log_beta))


def _as_reference(r, beta_s):
    return BinaryReferenceResult(r.loss, r.loss_param, r.alpha, float(beta_s), r.energy, r.q, r.qhat, r.phi,
                                 r.entropy, (1.0 - r.q) / 2.0, r.train_error, r.converged, r.iterations,
                                 r.residual, status=r.status, replicon=r.replicon,
                                 entropy_negative=bool(r.entropy < -1e-9))


def reference_channel(ref):
    """``(kind, param, beta)`` of the reference's channel e^{-β_s ℓ}: θ(h - κ̃) when β_s = ∞."""
    kind, param = loss_spec(ref.loss, {PARAMS[ref.loss][0]: ref.loss_param} if ref.loss in PARAMS else {})
    if ref.beta_s == np.inf:
        return ERROR_COUNTING, param, np.inf
    return kind, param, ref.beta_s
