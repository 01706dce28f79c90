"""Margin losses ``ℓ(h)``, their derivatives and proximal maps (docs/theory.md §0).

Losses (``h = y · preactivation``; ``param`` is the loss's own parameter):

==================  =====================================  ==================
name                ℓ(h)                                   param
==================  =====================================  ==================
``square``          (1 - h)²/2                             unused
``logistic``        log(1 + e^{-h})                        unused
``hinge``           max(0, κ - h)                          margin κ (default 1)
``cross_entropy``   -h/2 + log(2cosh(γh))/(2γ)             sharpness γ
==================  =====================================  ==================

``cross_entropy`` tends to ``max(0, -h)`` as γ → ∞ (Baldassi–Pittorino–Zecchina
2020).  The proximal map with "time" τ is ``p = argmin_p (p-ω)²/(2τ) + ℓ(p)``;
it satisfies ``p - ω + τℓ'(p) = 0`` and ``∂p/∂ω = 1/(1 + τℓ''(p))``.  For the
smooth losses that root is found by Newton's method safeguarded by bisection on
the bracket ``[ω, ω+τ]`` (ℓ' ∈ [-1, 0]); plain Newton cycles for τ ≳ 20.
"""

import math

import numpy as np

from .._numba import kernel
from .roots import safeguarded_step

SQUARE, LOGISTIC, HINGE, CROSS_ENTROPY = 0, 1, 2, 3
LOSSES = {"square": SQUARE, "logistic": LOGISTIC, "hinge": HINGE, "cross_entropy": CROSS_ENTROPY}
DEFAULT_PARAM = {"square": 0.0, "logistic": 0.0, "hinge": 1.0, "cross_entropy": 1.0}


def loss_code(name, param=None):
    """Map a loss name (and optional parameter) to the ``(code, param)`` pair the kernels take."""
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {name!r}")
    if param is None:
        param = DEFAULT_PARAM[name]
    if name == "cross_entropy" and not param > 0:
        raise ValueError(f"cross-entropy sharpness gamma must be > 0; got {param}")
    return LOSSES[name], float(param)


@kernel
def _sigmoid(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@kernel
def loss_value(kind, h, param):
    """``ℓ(h)``."""
    if kind == SQUARE:
        return 0.5 * (1.0 - h) ** 2
    if kind == LOGISTIC:
        return max(-h, 0.0) + math.log1p(math.exp(-abs(h)))
    if kind == HINGE:
        return max(0.0, param - h)
    # -h/2 + log(2cosh γh)/(2γ) = max(0, -h) + log1p(e^{-2γ|h|})/(2γ), without cancellation
    return max(-h, 0.0) + math.log1p(math.exp(-2.0 * param * abs(h))) / (2.0 * param)


@kernel
def loss_d1(kind, h, param):
    """``ℓ'(h)`` (hinge: the left derivative at the kink)."""
    if kind == SQUARE:
        return h - 1.0
    if kind == LOGISTIC:
        return -_sigmoid(-h)
    if kind == HINGE:
        return -1.0 if h <= param else 0.0
    return -_sigmoid(-2.0 * param * h)  # = (tanh(γh) - 1)/2 without cancellation


@kernel
def loss_d2(kind, h, param):
    """``ℓ''(h)`` (hinge: 0 away from the kink)."""
    if kind == SQUARE:
        return 1.0
    if kind == LOGISTIC:
        return _sigmoid(h) * _sigmoid(-h)
    if kind == HINGE:
        return 0.0
    return 2.0 * param * _sigmoid(2.0 * param * h) * _sigmoid(-2.0 * param * h)


@kernel
def loss_terms(kind, h, param):
    """``(ℓ(h), ℓ'(h), ℓ''(h))`` together, sharing one exponential for the smooth losses."""
    if kind == SQUARE:
        return 0.5 * (1.0 - h) ** 2, h - 1.0, 1.0
    if kind == HINGE:
        return max(0.0, param - h), (-1.0 if h <= param else 0.0), 0.0
    a = 1.0 if kind == LOGISTIC else 2.0 * param  # ℓ' = -σ(-a h) for both smooth losses
    e = math.exp(-a * abs(h))                      # σ(-a|h|) = e/(1+e)
    small = e / (1.0 + e)
    s_minus = small if h >= 0.0 else 1.0 - small   # σ(-a h)
    value = max(-h, 0.0) + math.log1p(e) / (1.0 if kind == LOGISTIC else a)
    return value, -s_minus, a * small * (1.0 - small)


@kernel
def prox(kind, omega, tau, param):
    """Proximal map: returns ``(p, ∂p/∂ω)`` for ``p = argmin (p-ω)²/(2τ) + ℓ(p)``."""
    if kind == SQUARE:
        return (omega + tau) / (1.0 + tau), 1.0 / (1.0 + tau)
    if kind == HINGE:
        if omega < param - tau:
            return omega + tau, 1.0
        if omega <= param:
            return param, 0.0
        return omega, 1.0
    # smooth losses with ℓ' ∈ [-1, 0]: root of f(p) = p - ω + τℓ'(p) in [ω, ω + τ]
    lo, hi = omega, omega + tau
    p = omega - tau * loss_d1(kind, omega, param)
    dx_old = 2.0 * tau
    for _ in range(200):
        f = p - omega + tau * loss_d1(kind, p, param)
        if f == 0.0:
            break
        new, lo, hi, dx = safeguarded_step(p, f, 1.0 + tau * loss_d2(kind, p, param), lo, hi, dx_old)
        dx_old = dx
        if abs(new - p) <= 1e-15 * (1.0 + abs(p)) or hi - lo <= 1e-15 * (1.0 + abs(p)):
            p = new
            break
        p = new
    return p, 1.0 / (1.0 + tau * loss_d2(kind, p, param))


def prox_array(name, omega, tau, param=None):
    """Vectorised proximal map from Python: returns arrays ``(p, ∂p/∂ω)``."""
    code, param = loss_code(name, param)
    omega = np.asarray(omega, dtype=float)
    p = np.empty_like(omega)
    dp = np.empty_like(omega)
    for i, w in enumerate(omega.flat):
        p.flat[i], dp.flat[i] = prox(code, w, tau, param)
    return p, dp


def loss_array(name, h, param=None, derivative=0):
    """``ℓ``, ``ℓ'`` or ``ℓ''`` (``derivative`` = 0, 1, 2) on an array, from Python."""
    code, param = loss_code(name, param)
    fn = (loss_value, loss_d1, loss_d2)[derivative]
    return np.array([fn(code, x, param) for x in np.asarray(h, dtype=float).flat]).reshape(np.shape(h))
