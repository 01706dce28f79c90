"""Franz–Parisi local entropy of the perceptron around typical solutions (THEORY §4).

References w̃ are drawn uniformly among the solutions with margin κ̃ (``kappa_ref``; the
Gardner order parameters q0, q̂0 of §3 at (α, κ̃) describe them and the FP part does not feed
back); we count solutions w with margin κ at overlap ``S = 1 - 2d`` with w̃.  Order parameters:
Q (among constrained copies), s0 (constrained copy · another reference) and, binary, the
conjugates Q̂, ŝ0, ŝ1.  With G_E from :mod:`.fp_energetic`::

    spherical: φ = extr_{Q,s0} ½log(1-Q) + (Q-K)/(2(1-Q)) + αG_E,
               K = (S-s0)(S+s0-2q0S)/(1-q0)²
    binary:    φ = extr -½Q̂(1-Q) + ŝ0s0 - ŝ1S + G_S + αG_E,
               G_S = ∫Dz0Dη Σ_± ½(1±t0) log 2cosh(h ± (ŝ1-ŝ0)),
               h = (ŝ0/√q̂0)z0 + √(Q̂-ŝ0²/q̂0)η,  t0 = tanh(√q̂0 z0)

``phi`` counts configurations (binary: the α = 0 value is the shell entropy -d log d -
(1-d) log(1-d); spherical: ½log(1-S²), log-volume relative to the sphere).  Stationarity
equations (docs/perceptron.md): spherical ``Q = (K + r)/(1 + r)``, ``r = αE[W GH²]``,
``s0 = q0S - α(1-q0)²(1-Q)∂G_E/∂s0``; binary ``Q̂ = -2α∂_Q G_E``, ``ŝ0 = -α∂_{s0}G_E``,
``∂_{ŝ1}G_S = S`` (solved for ŝ1), ``Q = 1 - 2∂_{Q̂}G_S``, ``s0 = -∂_{ŝ0}G_S``.
``dphi_dS`` is the explicit S-derivative at the saddle (= dφ/dS by stationarity).
"""

import math
from dataclasses import dataclass

import numpy as np

from .._numba import kernel
from ..saddle_point.continuation import sweep
from ..saddle_point.fixed_point import ConvergenceError, solve_fixed_point
from ..saddle_point.quadrature import gauss_legendre
from ..saddle_point.special import log_2cosh
from ._quad import BASE, KINK_OFFSETS, STEP_OFFSETS, Z_MAX, add_feature, rule
from .fp_energetic import fp_energetic
from .gardner import WEIGHTS, gardner, kappa_max, spherical_capacity

NODES = 8


@dataclass(frozen=True)
class FPResult:
    """Franz–Parisi saddle point at distance d (overlap S = 1 - 2d) from the reference."""

    alpha: float
    d: float
    weights: str
    kappa_ref: float
    kappa: float
    S: float
    q0: float
    qhat0: float
    Q: float
    s0: float
    Qhat: float
    shat0: float
    shat1: float
    phi: float
    dphi_dS: float
    converged: bool
    iterations: int
    residual: float


# ----------------------------------------------------------------------------- binary entropic term
@kernel
def fp_entropic_binary(qhat0, Qhat, shat0, shat1, x_ref, w_ref):
    """``(G_S, ∂G_S/∂ŝ1, ∂²G_S/∂ŝ1², Q = 1 - 2∂_{Q̂}G_S, -∂_{ŝ0}G_S)``."""
    sq = math.sqrt(qhat0)
    coef = shat0 / sq
    v = max(Qhat - shat0 * shat0 / qhat0, 0.0)
    sv = math.sqrt(v)
    delta = shat1 - shat0
    znodes, zweights = rule_feature2(0.0, 1.0 / max(sq, 1e-3), 0.0, 1.0, x_ref, w_ref)
    gs = d1 = d2 = Qn = s0n = 0.0
    for i in range(znodes.shape[0]):
        z0 = znodes[i]
        t0 = math.tanh(sq * z0)
        pp, pm = 0.5 * (1.0 + t0), 0.5 * (1.0 - t0)
        m0 = coef * z0
        if sv > 0.0:
            enodes, eweights = rule_feature2((-delta - m0) / sv, 1.0 / sv, (delta - m0) / sv, 1.0 / sv,
                                             x_ref, w_ref)
        else:
            enodes, eweights = np.zeros(1), np.ones(1)
        a_gs = a_d1 = a_d2 = a_Q = a_Mz = a_Mp = 0.0
        for j in range(enodes.shape[0]):
            h = m0 + sv * enodes[j]
            tp = math.tanh(h + delta)
            tm = math.tanh(h - delta)
            w = eweights[j]
            a_gs += w * (pp * log_2cosh(h + delta) + pm * log_2cosh(h - delta))
            a_d1 += w * (pp * tp - pm * tm)
            sec = pp * (1.0 - tp * tp) + pm * (1.0 - tm * tm)
            a_d2 += w * sec
            a_Q += w * (pp * tp * tp + pm * tm * tm)
            a_Mz += w * (pp * tp + pm * tm)
            a_Mp += w * sec
        zw = zweights[i]
        gs += zw * a_gs
        d1 += zw * a_d1
        d2 += zw * a_d2
        Qn += zw * a_Q
        # ∂_{ŝ0}G_S = E[M z0]/√q̂0 - (ŝ0/q̂0)E[M'] - E[M_diff]   (Stein in η for the variance term)
        s0n += zw * (a_Mz * z0 / sq - shat0 / qhat0 * a_Mp - a_d1)
    return gs, d1, d2, Qn, -s0n


@kernel
def rule_feature2(c1, w1, c2, w2, x_ref, w_ref):
    cuts = np.empty(BASE.shape[0] + 2 * KINK_OFFSETS.shape[0])
    cuts[:BASE.shape[0]] = BASE
    n = add_feature(cuts, BASE.shape[0], c1, w1, KINK_OFFSETS)
    n = add_feature(cuts, n, c2, w2, KINK_OFFSETS)
    return rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref)


@kernel
def solve_shat1(qhat0, Qhat, shat0, S, guess, x_ref, w_ref):
    """Root of ``∂_{ŝ1}G_S(ŝ1) = S`` (increasing in ŝ1): Newton safeguarded by bisection."""
    lo, hi = guess - 1.0, guess + 1.0
    while fp_entropic_binary(qhat0, Qhat, shat0, lo, x_ref, w_ref)[1] > S:
        lo -= 2.0 * (hi - lo)
    while fp_entropic_binary(qhat0, Qhat, shat0, hi, x_ref, w_ref)[1] < S:
        hi += 2.0 * (hi - lo)
    x = min(max(guess, lo), hi)
    for _ in range(100):
        out = fp_entropic_binary(qhat0, Qhat, shat0, x, x_ref, w_ref)
        f = out[1] - S
        if f > 0.0:
            hi = x
        else:
            lo = x
        new = x - f / out[2] if out[2] > 0.0 else 0.5 * (lo + hi)
        if not lo < new < hi:
            new = 0.5 * (lo + hi)
        if abs(new - x) < 1e-14 * (1.0 + abs(x)) or hi - lo < 1e-14 * (1.0 + abs(x)):
            return new
        x = new
    return x


# ----------------------------------------------------------------------------- solver
def _validate(alpha, d, weights, kappa_ref, kappa):
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of spherical, binary; got {weights!r}")
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be > 0; got {alpha}")
    if not (np.isfinite(d) and 0 < d < 0.5):
        raise ValueError(f"d must be in (0, 0.5); got {d}")
    for name, v in (("kappa_ref", kappa_ref), ("kappa", kappa)):
        if not np.isfinite(v):
            raise ValueError(f"{name} must be a finite number; got {v}")


def _reference(alpha, weights, kappa_ref):
    if weights == "spherical":
        ac = spherical_capacity(kappa_ref)
        if not alpha < ac:
            raise ValueError(f"alpha must be < the spherical capacity {ac:.6g} at kappa_ref={kappa_ref} "
                             f"(spherical max-margin references are unique: use franz_parisi_minimizer); got {alpha}")
    ref = gardner(alpha, kappa_ref, weights)
    if weights == "binary" and ref.entropy < -1e-9:
        raise ValueError(f"kappa_ref must be <= kappa_max(alpha)={kappa_max(alpha, 'binary'):.6g} "
                         f"(no binary references beyond it); got {kappa_ref}")
    return ref


def franz_parisi(alpha, d, weights="binary", kappa_ref=0.0, kappa=0.0, *, start=None, tol=1e-10,
                 maxiter=500, damping=0.0, method="anderson", strict=True, reference=None):
    """Franz–Parisi local entropy at distance d; returns :class:`FPResult`.

    ``kappa_ref = "max"`` (or κ̃ ≥ κ_max up to 1e-9) selects the max-margin references (binary).
    ``start`` warm-starts (Q, s0, ŝ1) from a neighbouring FPResult.
    """
    if isinstance(kappa_ref, str):
        if kappa_ref != "max":
            raise ValueError(f"kappa_ref must be a number or 'max'; got {kappa_ref!r}")
        kappa_ref = kappa_max(alpha, weights) - 1e-10 if alpha > 0 else 0.0
    _validate(alpha, d, weights, kappa_ref, kappa)
    ref = reference if reference is not None else _reference(alpha, weights, kappa_ref)
    q0, qhat0 = ref.q, ref.qhat
    S = 1.0 - 2.0 * d
    x_ref, w_ref = gauss_legendre(NODES)
    feasible = lambda Q, s0: Q < 1.0 and s0 * s0 < Q * q0 and (S - s0) ** 2 < (1 - q0) * (Q - s0 * s0 / q0)
    if start is not None and feasible(start.Q, start.s0) and start.weights == weights:
        x0 = np.array([start.Q, start.s0])
        shat1 = [start.shat1 if np.isfinite(start.shat1) else math.atanh(S)]
    else:
        # unconstrained copies at overlap S sit at (Q, s0) = (S², q0S) on the boundary a = 0: step inside
        x0 = np.array([S * S + 0.5 * (1.0 - S * S), q0 * S])
        shat1 = [math.atanh(S)]
    state = {}

    def F(x):
        Q, s0 = x
        if not feasible(Q, s0):
            return np.full(2, np.nan)
        e = fp_energetic(q0, kappa_ref, kappa, S, Q, s0, x_ref, w_ref)
        if weights == "spherical":
            K = (S - s0) * (S + s0 - 2 * q0 * S) / (1 - q0) ** 2
            r = -2.0 * alpha * (1.0 - Q) * e[1]
            return np.array([(K + r) / (1.0 + r), q0 * S - alpha * (1 - q0) ** 2 * (1 - Q) * e[2]])
        Qhat, shat0 = -2.0 * alpha * e[1], -alpha * e[2]
        s1 = solve_shat1(qhat0, Qhat, shat0, S, shat1[0], x_ref, w_ref)
        shat1[0] = s1
        out = fp_entropic_binary(qhat0, Qhat, shat0, s1, x_ref, w_ref)
        return np.array([out[3], out[4]])

    describe = f"franz_parisi(alpha={alpha}, d={d}, weights={weights}, kappa_ref={kappa_ref}, kappa={kappa})"
    make = lambda x, conv, it, res: _result(alpha, d, weights, kappa_ref, kappa, S, q0, qhat0, x, shat1[0],
                                             conv, it, res, x_ref, w_ref)
    try:
        fp = solve_fixed_point(F, x0, tol=tol, maxiter=maxiter, damping=damping, method=method,
                               strict=strict, describe=describe)
    except ConvergenceError as err:
        if err.state is not None:
            try:
                err.state = make(err.state, False, err.iterations, err.residual)
            except Exception:  # noqa: BLE001 - keep the raw state if it is out of the domain
                pass
        raise
    result = make(fp.x, fp.converged, fp.iterations, fp.residual)
    if kappa == kappa_ref and result.phi > ref.entropy + 1e-9:
        # φ_FP ≤ Gardner entropy is exact (Σ_d e^{Nφ_FP(d)} counts all solutions); a saddle above it is a
        # spurious root of the near-degenerate equations (|d - d_typ| ≲ 3e-3): flag it, never return it silently
        result = make(fp.x, False, fp.iterations, fp.residual)
        if strict:
            raise ConvergenceError(f"{describe}: spurious saddle above the Gardner entropy "
                                   f"(phi={result.phi:.10g} > {ref.entropy:.10g})", result, fp.residual,
                                   fp.iterations)
    return result


def _result(alpha, d, weights, kappa_ref, kappa, S, q0, qhat0, x, shat1, converged, iterations, residual,
            x_ref, w_ref):
    Q, s0 = (float(v) for v in x)
    e = fp_energetic(q0, kappa_ref, kappa, S, Q, s0, x_ref, w_ref)
    if weights == "spherical":
        K = (S - s0) * (S + s0 - 2 * q0 * S) / (1 - q0) ** 2
        dK_dS = (2 * S - 4 * q0 * S + 2 * q0 * s0) / (1 - q0) ** 2
        phi = 0.5 * math.log1p(-Q) + (Q - K) / (2 * (1 - Q)) + alpha * e[0]
        Qhat = -2 * alpha * e[1]
        shat0 = -alpha * e[2]
        shat1 = float("nan")
        dphi = -dK_dS / (2 * (1 - Q)) + alpha * e[3]
    else:
        Qhat, shat0 = -2.0 * alpha * e[1], -alpha * e[2]
        shat1 = solve_shat1(qhat0, Qhat, shat0, S, shat1, x_ref, w_ref)  # at the final (Q, s0)
        gs = fp_entropic_binary(qhat0, Qhat, shat0, shat1, x_ref, w_ref)[0]
        phi = -0.5 * Qhat * (1 - Q) + shat0 * s0 - shat1 * S + gs + alpha * e[0]
        dphi = -shat1 + alpha * e[3]
    return FPResult(alpha, d, weights, kappa_ref, kappa, S, q0, qhat0, Q, s0, float(Qhat), float(shat0),
                    float(shat1), float(phi), float(dphi), bool(converged), int(iterations), float(residual))


def franz_parisi_curve(alpha, ds, weights="binary", kappa_ref=0.0, kappa=0.0, *, direction="backward",
                       progress=None, **options):
    """:func:`franz_parisi` over the list ``ds`` with warm starts (default: from large d down to small d).

    Returns a :class:`replica.saddle_point.Sweep`; non-converged points are kept, flagged.
    """
    ds = [float(v) for v in ds]
    if isinstance(kappa_ref, str):
        kappa_ref = kappa_max(alpha, weights) - 1e-10
    for v in ds:
        _validate(alpha, v, weights, kappa_ref, kappa)
    ref = _reference(alpha, weights, kappa_ref)
    options.setdefault("strict", False)

    def solve(v, s):
        try:
            return franz_parisi(alpha, v, weights, kappa_ref, kappa, start=s, reference=ref, **options)
        except ConvergenceError as err:  # keep the point, flagged
            if isinstance(err.state, FPResult):
                return err.state
            raise
    return sweep(solve, ds, direction=direction, progress=progress)
