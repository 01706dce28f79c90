"""Slow, independent reference for the binary-weight minimisers (docs/theory.md §10, docs/perceptron_binary_minimizers.md).

scipy only (``quad``, ``brentq``, ``log_ndtr``); imports nothing from ``replica``.  Written from the
equations, with different formulas where the fast code has a choice:

* the channel ``Z(ω, V) = ∫Dt e^{-βℓ(ω+√V t)}`` in closed form for hinge and error counting
  (``H(t_k) + e^{-β(m-ω)+β²V/2}Φ(t_k - β√V)`` and ``H(t_k) + e^{-β}Φ(t_k)``, t_k = (m - ω)/√V), by adaptive
  quadrature of the log-shifted integrand for cross-entropy (the fast code uses its level-set rule);
* ``∂_ω ln Z = -β⟨ℓ'⟩`` (cross-entropy) or a central difference (closed forms) — the fast code uses ⟨t⟩/√V;
* the mean loss ``e = -∂_β E_z ln Z`` by a central difference in β for the closed forms, ⟨ℓ⟩ by quad
  for cross-entropy;
* q from ``brentq`` on ``E tanh²(√(αE(∂_ω ln Z)²) z) = q`` (the fast code iterates in -ln(1-q));
* the Franz–Parisi energetic term in the representation with the own-reference noise integrated out,
  ``G_E = ∫Dz0 ∫Dη [Z(√q0 z0 + cη, a)/Z(√q0 z0, 1-q0)] ln H((κ - r z0 - √b η)/√(1-Q))`` (b = Q - s0²/q0,
  c = (S-s0)/√b, a = 1 - q0 - c²: docs/theory.md §4 with H(·)/H(x0) → Z(·, a)/Z(x0)), whereas the fast code
  integrates that noise explicitly over the tilted measure.
"""

import math

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import expit, log_ndtr

from tests.reference.gauss import SQ2PI, dens, logH  # noqa: F401 (used below)

OPTS = dict(epsabs=1e-13, epsrel=1e-11, limit=400)


def E(f, points=None, lo=-11.0, hi=11.0):
    pts = sorted(p for p in (points or []) if lo < p < hi)
    return quad(lambda z: dens(z) * f(z), lo, hi, points=pts or None, **OPTS)[0]


# --------------------------------------------------------------------------- losses
def ce_loss(x, gamma):
    return max(-x, 0.0) + math.log1p(math.exp(-2 * gamma * abs(x))) / (2 * gamma)


def ce_dloss(x, gamma):
    return -float(expit(-2 * gamma * x))


def _logaddexp(a, b):
    return float(np.logaddexp(a, b))


def log_z(loss, p, beta, omega, V):
    """ln Z(ω, V) for loss ∈ {cross_entropy (p = γ), hinge (p = margin), error_counting (p = κ̃)}."""
    sv = math.sqrt(V)
    if loss == "hinge":
        tk = (p - omega) / sv
        if beta == math.inf:
            return logH(tk)
        return _logaddexp(logH(tk), -beta * (p - omega) + 0.5 * beta * beta * V + float(log_ndtr(tk - beta * sv)))
    if loss == "error_counting":
        tk = (p - omega) / sv
        if beta == math.inf:
            return logH(tk)
        return _logaddexp(logH(tk), -beta + float(log_ndtr(tk)))
    return _ce_moments(p, beta, omega, V)[0]


def _ce_mode(gamma, beta, omega, sv):
    # ψ'(t) = -t - β√V ℓ'(ω + √V t) is decreasing; its root lies in [0, β√V]
    g = lambda t: -t - beta * sv * ce_dloss(omega + sv * t, gamma)
    return brentq(g, -1e-9, beta * sv + 1e-9, xtol=1e-14, maxiter=500)


def _ce_moments(gamma, beta, omega, V):
    """(ln Z, ⟨ℓ'⟩, ⟨ℓ⟩) of the cross-entropy channel by quad around the mode of the log-integrand."""
    sv = math.sqrt(V)
    tm = _ce_mode(gamma, beta, omega, sv)
    psi = lambda t: -0.5 * t * t - beta * ce_loss(omega + sv * t, gamma)
    pm = psi(tm)
    f = lambda t, k: math.exp(psi(t) - pm) * (1.0, ce_dloss(omega + sv * t, gamma), ce_loss(omega + sv * t, gamma))[k]
    pts = [tm, -omega / sv]
    if beta > 2 * gamma:
        pts.append((math.log(beta / (2 * gamma)) / (2 * gamma) - omega) / sv)
    lo, hi = tm - 10.0, tm + 10.0
    pts = sorted(set(x for x in pts if lo < x < hi))
    m = [quad(f, lo, hi, args=(k,), points=pts, **OPTS)[0] for k in range(3)]
    return pm - math.log(SQ2PI) + math.log(m[0]), m[1] / m[0], m[2] / m[0]


def dlog_z(loss, p, beta, omega, V, h=1e-5):
    """∂_ω ln Z: -β⟨ℓ'⟩ (cross-entropy), central difference (closed forms)."""
    if loss == "cross_entropy":
        return -beta * _ce_moments(p, beta, omega, V)[1]
    return (log_z(loss, p, beta, omega + h, V) - log_z(loss, p, beta, omega - h, V)) / (2 * h)


def mean_loss(loss, p, beta, omega, V):
    """⟨ℓ⟩ in the tilted measure: quad (cross-entropy), -∂_β ln Z by a central difference (closed forms)."""
    if loss == "cross_entropy":
        return _ce_moments(p, beta, omega, V)[2]
    h = 1e-5 * max(1.0, beta)
    return -(log_z(loss, p, beta + h, omega, V) - log_z(loss, p, beta - h, omega, V)) / (2 * h)


def _features(loss, p, beta, q):
    sq = math.sqrt(q)
    if loss == "cross_entropy":
        pts = [0.0]
        if beta > 2 * p:
            pts.append(math.log(beta / (2 * p)) / (2 * p))
        return [x / sq for x in pts]
    return [p / sq, (p - beta * (1 - q)) / sq if loss == "hinge" and beta < math.inf else p / sq]


# --------------------------------------------------------------------------- finite-β RS reference
def gibbs(loss, p, alpha, beta):
    """RS saddle at β: returns (q, q̂, φ, e, s) with φ = ln Z/N (ln 2 at β = 0) and s = φ + αβe."""
    def qhat_of(q):
        pts = _features(loss, p, beta, q)
        return alpha * E(lambda z: dlog_z(loss, p, beta, math.sqrt(q) * z, 1 - q) ** 2, points=pts)

    def f(q):
        qh = qhat_of(q)
        return E(lambda z: math.tanh(math.sqrt(qh) * z) ** 2, points=[0.0]) - q
    q = brentq(f, 1e-6, 1 - 1e-9, xtol=1e-14)
    qh = qhat_of(q)
    pts = _features(loss, p, beta, q)
    ge = E(lambda z: log_z(loss, p, beta, math.sqrt(q) * z, 1 - q), points=pts)
    lc = E(lambda z: abs(math.sqrt(qh) * z) + math.log1p(math.exp(-2 * abs(math.sqrt(qh) * z))), points=[0.0])
    phi = -0.5 * qh * (1 - q) + lc + alpha * ge
    e = 0.0 if beta == math.inf else E(lambda z: mean_loss(loss, p, beta, math.sqrt(q) * z, 1 - q), points=pts)
    return q, qh, phi, e, phi + (alpha * beta * e if e else 0.0)


def beta_s(loss, p, alpha, lo, hi):
    """Root of s(β) in [lo, hi] by brentq in ln β (each s(β) a full slow RS solve)."""
    return math.exp(brentq(lambda lb: gibbs(loss, p, alpha, math.exp(lb))[4], math.log(lo), math.log(hi),
                           xtol=1e-10))


# --------------------------------------------------------------------------- Franz–Parisi energetic term
def fp_energetic(loss, p, beta, q0, kappa, S, Q, s0):
    """G_E with the own-reference noise integrated out (module docstring), nested quad; closed-form channels
    only (hinge, error counting), where Z(·, a) costs one log_ndtr."""
    b = Q - s0 * s0 / q0
    c = (S - s0) / math.sqrt(b)
    a = 1 - q0 - c * c
    r = s0 / math.sqrt(q0)

    def inner(z0):
        w0 = math.sqrt(q0) * z0
        lz0 = log_z(loss, p, beta, w0, 1 - q0)
        X = lambda eta: (kappa - r * z0 - math.sqrt(b) * eta) / math.sqrt(1 - Q)
        f = lambda eta: math.exp(-0.5 * eta * eta - math.log(SQ2PI) + log_z(loss, p, beta, w0 + c * eta, a) - lz0) \
            * logH(X(eta))
        pts = [(kappa - r * z0) / math.sqrt(b)]
        if c != 0:
            pts.append((p - w0) / c)
            if loss == "hinge" and beta < math.inf:
                pts.append((p - beta * a - w0) / c)
        lo, hi = -12.0, 12.0
        if c > 0:
            hi = max(hi, (p - w0) / c + 12.0)
        elif c < 0:
            lo = min(lo, (p - w0) / c - 12.0)
        pts = sorted(x for x in pts if lo < x < hi)
        return quad(f, lo, hi, points=pts or None, **OPTS)[0]

    return E(inner, points=_features(loss, p, beta, q0) + ([kappa * math.sqrt(q0) / s0] if s0 > 0 else []), lo=-10,
             hi=10)
