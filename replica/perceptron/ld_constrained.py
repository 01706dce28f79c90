"""Dense regions whose centre is itself a solution (PRL 2015's measure), finite y, RS (docs/large_deviation.md §14).

Measure over centres ``P(w̃) ∝ X_κ̃(w̃) N(w̃, d)^y`` (X_κ̃ = 1 iff w̃ satisfies every pattern with margin κ̃; κ̃ = κ by
default).  Replicas: n → 0 groups (one centre w̃^a and y copies w^{ai} each).  Overlaps: q1 (copies of one group),
q0 (copies of different groups), S (centre – own copy, fixed), t (centre – copy of another group), p (centre –
centre); conjugates q̂1, q̂0, Ŝ, t̂, p̂.  The RS free entropy (derivation: docs §14)::

    Φ = -yŜS - ½yq̂1(1 + (y-1)q1) + ½y²q̂0q0 + y t̂ t - ½p̂(1 - p) + G_S + αG_E,
    G_S = E_{(z_w, z_m)} log Σ_{w̃=±1} e^{z_w w̃} E_u [2cosh(z_m + u + (Ŝ - t̂)w̃)]^y,
          (z_w, z_m) ~ N(0, [[p̂, t̂], [t̂, q̂0]]),  u ~ N(0, q̂1 - q̂0),
    G_E = E_{(ω̃, ω)} log E_g H((κ̃ - ω̃ - Bg)/D) H((κ - ω - g)/√(1-q1))^y,
          (ω̃, ω) ~ N(0, [[p, t], [t, q0]]),  g ~ N(0, q1 - q0),
          B = (S - t)/(q1 - q0),  D² = 1 - p - (S - t)²/(q1 - q0).

Stationarity (⟨·⟩ the tilted group average, μ = tanh(z_m + u + (Ŝ - t̂)w̃), f = GH(x)/√(1-q1) with
x = (κ - ω - g)/√(1-q1), f̃ = GH(x̃)/D with x̃ = (κ̃ - ω̃ - Bg)/D)::

    S = E⟨w̃μ⟩, q1 = E⟨μ²⟩, q0 = E⟨μ⟩², t = E⟨w̃⟩⟨μ⟩, p = E⟨w̃⟩²,
    q̂1 = αE⟨f²⟩, q̂0 = αE⟨f⟩², t̂ = αE⟨f̃⟩⟨f⟩, p̂ = αE⟨f̃⟩²,

and by the envelope theorem ``S_I = ∂Φ/∂y = -ŜS + t̂t - ½q̂1(1-q1) - (ĉq1 + q̂0δq) + E⟨log 2cosh⟩ + αE⟨log H(x)⟩``
(ĉ = y(q̂1 - q̂0), δq = y(q1 - q0), both computed as variances), ``Σ_ext = Φ - yS_I`` and
``dΦ/dS = -yσ_eff`` with ``σ_eff = Ŝ - αE⟨f̃f⟩`` (S also enters B and D).  Along the y* curve (Σ_ext = 0)
``dS_I*/dd = 2σ_eff``.  With t̂ = p̂ = 0 and the centre factor dropped this is :mod:`.ld_finite`; at y → 0 it is
the Franz–Parisi potential around typical solutions of margin κ̃ (Φ → φ_Gardner(κ̃)).

At κ = κ̃ = 0 the y* curve of this measure is monotone in d (σ_eff > 0) from d = 0.1 to 0.001 at α = 0.775 and not
at α = 0.78 (σ_eff < 0 by d = 0.005): its breakup threshold lies in (0.775, 0.78) (≈ 0.7757 with d_min = 0.001,
≈ 0.7777 with d_min = 0.005; docs §10 item 4), inside the published 0.77–0.78.
"""

import math
from dataclasses import dataclass

import numpy as np

from .._lazy import root
from .._numba import kernel
from ..saddle_point.contract import LEFT_DOMAIN, MAX_ITER, RSFlags, verdict
from ..saddle_point.quadrature import gauss_legendre
from ..saddle_point.special import GH, log_2cosh, log_H
from ._quad import BASE, STEP_OFFSETS, Z_MAX, add_feature, fill_rule, merged_rule
from .ld_finite_kernels import cosh_moments, half_line_rule
from .ld_kernels import _kink_cuts, prox_x

__all__ = ["ConstrainedResult", "ld_constrained", "ld_constrained_ystar", "ystar_curve", "ystar_monotone",
           "constrained_threshold", "ce_entropic", "ce_energetic"]

NODES = 8
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
DROP = 36.0          # g panels stop once the log-integrand has fallen by this much
PANEL = 2.5          # g panel width in local widths 1/√(-φ'')
TAIL_W = 15.0        # above η* + TAIL_W·width the centre factor is 1 to e^{-100}: the unconstrained g integral
ETA_BASE = np.array([-Z_MAX, -5.0, -2.5, 0.0, 2.5, 5.0, Z_MAX])


# ----------------------------------------------------------------------------- entropic term
@kernel
def _sech2(x):
    e = math.exp(-2.0 * abs(x))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


@kernel
def eta_moments(b, s, out):
    """``E_η [log 2cosh, tanh, tanh², sech²](b + sη)``, η ~ N(0, 1), into ``out[0:4]``: trapezoid rule on
    [-10, 10] with step min(0.25, 0.15/s) (spectrally accurate: analytic in a strip of half-width π/(2s))."""
    if s <= 1e-12:
        t = math.tanh(b)
        out[0], out[1], out[2], out[3] = log_2cosh(b), t, t * t, _sech2(b)
        return
    h = min(0.25, 0.15 / s)
    n = int(20.0 / h) + 2
    h = 20.0 / (n - 1)
    z = a0 = a1 = a2 = a3 = 0.0
    for k in range(n):
        e = -10.0 + k * h
        w = math.exp(-0.5 * e * e)
        x = b + s * e
        t = math.tanh(x)
        z += w
        a0 += w * log_2cosh(x)
        a1 += w * t
        a2 += w * t * t
        a3 += w * _sech2(x)
    out[0], out[1], out[2], out[3] = a0 / z, a1 / z, a2 / z, a3 / z


@kernel
def ce_entropic(y, qhat0, qhat1, that, phat, shat, x_ref, w_ref):
    """``(G_S, S, q1, q1 - q0, S - t, 1 - p, ∂G_S/∂y, t)`` of the constrained-centre entropic term.

    Given z_m, ``z_w = (t̂/q̂0) z_m + √(p̂ - t̂²/q̂0) η``; the group sum is
    ``log(e^{z_w + ℓ+} + e^{-z_w + ℓ-}) = (ℓ+ + ℓ-)/2 + log 2cosh(z_w + a)``, ``ℓ± = log E_u[2cosh(z_m ± Ŝ' + u)]^y``
    (Ŝ' = Ŝ - t̂, :func:`.ld_finite_kernels.cosh_moments`), a = (ℓ+ - ℓ-)/2, so the centre's mean is
    ``⟨w̃⟩ = tanh(z_w + a)`` and η enters only through :func:`eta_moments`.  S - t = E[B_m(1 - ⟨w̃⟩²)] and
    1 - p = E[1 - ⟨w̃⟩²] are accumulated directly (both O(1/y) at large y).  Even in z_m: half line, cut as in
    :func:`.ld_finite_kernels.fy_entropic`."""
    sq = math.sqrt(qhat0)
    dh = qhat1 - qhat0
    c = y * max(dh, 0.0)
    sp = shat - that
    k = that / qhat0
    sw = math.sqrt(max(phat - that * that / qhat0, 0.0))
    nodes, weights = half_line_rule(sq, y, c, dh, abs(sp), x_ref, w_ref)
    gs = S = q1 = var = smt = omp = ly = t = 0.0
    mp = np.empty(4)
    mm = np.empty(4)
    em = np.empty(4)
    for i in range(nodes.shape[0]):
        zm = sq * nodes[i]
        cosh_moments(zm + sp, y, dh, mp)
        cosh_moments(zm - sp, y, dh, mm)
        a = 0.5 * (mp[0] - mm[0])
        eta_moments(k * zm + a, sw, em)
        et, et2, es2 = em[1], em[2], em[3]
        A, Bm = 0.5 * (mp[1] + mm[1]), 0.5 * (mp[1] - mm[1])
        vp, vm = mp[2] - mp[1] * mp[1], mm[2] - mm[1] * mm[1]
        w = weights[i]
        gs += w * (0.5 * (mp[0] + mm[0]) + em[0])
        S += w * (Bm + et * A)
        q1 += w * (0.5 * (mp[2] + mm[2]) + et * 0.5 * (mp[2] - mm[2]))
        var += w * max(0.5 * (vp + vm) + et * 0.5 * (vp - vm) + es2 * Bm * Bm, 0.0)
        smt += w * Bm * es2
        omp += w * es2
        t += w * (A * et + Bm * et2)
        ly += w * (0.5 * (mp[3] + mm[3]) + et * 0.5 * (mp[3] - mm[3]))
    return 2.0 * gs, 2.0 * S, 2.0 * q1, 2.0 * var, 2.0 * smt, 2.0 * omp, 2.0 * ly, 2.0 * t


# ----------------------------------------------------------------------------- energetic term
@kernel
def _dphi(g, y, s1, d, B, D, x0, xc0):
    """φ'(g) and φ''(g) of φ(g) = -g²/(2d) + y log H(x0 - g/s1) + log H(xc0 - Bg/D) (B = 0: no centre term)."""
    x = x0 - g / s1
    xc = xc0 - B * g / D
    gh = GH(x)
    ghc = GH(xc) if B != 0.0 else 0.0
    d1 = -g / d + y * gh / s1 + B * ghc / D
    d2 = -1.0 / d - y * gh * (gh - x) / (s1 * s1) - B * B * ghc * (ghc - xc) / (D * D)
    return d1, d2


@kernel
def g_moments(y, s1, d, B, D, x0, xc0, g_start, x_ref, w_ref, out):
    """``log E_g H(xc0 - Bg/D) H(x0 - g/s1)^y`` (g ~ N(0, d)) and the tilted ⟨log H(x)⟩, ⟨GH(x)⟩, ⟨GH(x)²⟩,
    ⟨GH(x̃)⟩, ⟨GH(x)GH(x̃)⟩ into ``out[0:6]``; ``out[6]`` = the maximiser g*.  The log-integrand φ is strictly
    concave: g* by Newton safeguarded by a bracket, then Gauss–Legendre panels marched out of g*, each one
    local width 1/√(-φ'') wide, until φ has fallen by e^{-40}."""
    # bracket the root of the decreasing φ'
    lo, hi = g_start, g_start
    f, _ = _dphi(g_start, y, s1, d, B, D, x0, xc0)
    step = math.sqrt(d)
    if f > 0.0:
        for _ in range(200):
            hi = lo + step
            fh, _ = _dphi(hi, y, s1, d, B, D, x0, xc0)
            if fh <= 0.0:
                break
            lo = hi
            step *= 2.0
    else:
        for _ in range(200):
            lo = hi - step
            fl, _ = _dphi(lo, y, s1, d, B, D, x0, xc0)
            if fl >= 0.0:
                break
            hi = lo
            step *= 2.0
    g = 0.5 * (lo + hi)
    for _ in range(100):
        d1, d2 = _dphi(g, y, s1, d, B, D, x0, xc0)
        if d1 > 0.0:
            lo = g
        else:
            hi = g
        gn = g - d1 / d2
        if not (lo < gn < hi):
            gn = 0.5 * (lo + hi)
        if abs(gn - g) <= 1e-14 * (1.0 + abs(g)) or hi - lo <= 1e-14 * (1.0 + abs(g)):
            g = gn
            break
        g = gn
    gs = g
    cen = B != 0.0
    top = -0.5 * g * g / d + y * log_H(x0 - g / s1) + (log_H(xc0 - B * g / D) if cen else 0.0)
    kk = x_ref.shape[0]
    z = a1 = a2 = a3 = a4 = a5 = 0.0
    for side in (1.0, -1.0):
        a = gs
        prev = 0.0
        for _ in range(400):
            _, d2 = _dphi(a, y, s1, d, B, D, x0, xc0)
            wdt = PANEL / math.sqrt(-d2)
            _, d2b = _dphi(a + side * wdt, y, s1, d, B, D, x0, xc0)
            wdt = min(wdt, PANEL / math.sqrt(-d2b))
            if prev > 0.0:
                wdt = min(wdt, 2.0 * prev)
            prev = wdt
            b = a + side * wdt
            mid, half = 0.5 * (a + b), 0.5 * wdt
            for i in range(kk):
                gg = mid + half * x_ref[i]
                x = x0 - gg / s1
                xc = xc0 - B * gg / D
                lh = log_H(x)
                e = w_ref[i] * half * math.exp(-0.5 * gg * gg / d + y * lh + (log_H(xc) if cen else 0.0) - top)
                gh = GH(x)
                ghc = GH(xc) if cen else 0.0
                z += e
                a1 += e * lh
                a2 += e * gh
                a3 += e * gh * gh
                a4 += e * ghc
                a5 += e * gh * ghc
            low = -0.5 * b * b / d + y * log_H(x0 - b / s1) + (log_H(xc0 - B * b / D) if cen else 0.0) - top
            a = b
            if low < -DROP:
                break
    out[0] = top + math.log(z / math.sqrt(d)) - LOG_SQRT_2PI
    out[1], out[2], out[3], out[4], out[5], out[6] = a1 / z, a2 / z, a3 / z, a4 / z, a5 / z, gs


@kernel
def _accumulate(acc, w, out):
    acc[0] += w * out[0]
    acc[1] += w * out[1]
    acc[2] += w * out[3]
    acc[3] += w * max(out[3] - out[2] * out[2], 0.0)
    acc[4] += w * out[2] * out[2]
    acc[5] += w * out[4] * out[2]
    acc[6] += w * out[4] * out[4]
    acc[7] += w * out[5]


@kernel
def ce_energetic(y, q1, q0, S, smt, omp, kappa, kappa_c, x_ref, w_ref, x_in, w_in):
    """``(G_E, ∂G_E/∂y, E⟨GH²⟩, E[⟨GH²⟩ - ⟨GH⟩²], E⟨GH⟩², E⟨GH̃⟩⟨GH⟩, E⟨GH̃⟩², E⟨GH̃ GH⟩)`` (GH = GH(x) of a copy,
    GH̃ = GH(x̃) of the centre) at the overlaps q1, q0, S, t = S - smt, p = 1 - omp.

    ``ω = √q0 ζ``, ``ω̃ = (t/√q0) ζ + C η`` with ``C² = p - t²/q0``: ζ on the rule of
    :func:`.ld_finite_kernels.fy_energetic` (cut at the copies' kink κ/√q0), η on a Gaussian rule cut around
    the centre's kink ``η* = (κ̃ - tζ/√q0 - Bg0)/C`` (g0 the copies-only maximiser) on its width
    ``√(D² + B²v_g)/C`` (v_g the tilted variance of g), the g integral by :func:`g_moments` (rule ``x_in, w_in``
    for η and g).  Above ``η* + 15·width`` the centre factor is 1 (to e^{-100}): there the η integral is the
    Gaussian tail mass times the unconstrained g integral, computed once per ζ.""" 
    sq, s1 = math.sqrt(q0), math.sqrt(1.0 - q1)
    d = q1 - q0
    t = S - smt
    B = smt / d
    D2 = omp - smt * smt / d
    C2 = (1.0 - omp) - t * t / q0
    nan = math.nan
    if not (D2 > 0.0 and C2 >= 0.0 and d > 0.0):
        return nan, nan, nan, nan, nan, nan, nan, nan
    D, C = math.sqrt(D2), math.sqrt(C2)
    A = t / sq
    cuts = np.empty(BASE.shape[0] + 64)
    n = _kink_cuts(cuts, kappa / sq, s1 / sq, (s1 * s1 + y * d) / (sq * s1))
    nodes, weights = merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)
    kk = x_in.shape[0]
    ecuts = np.empty(ETA_BASE.shape[0] + STEP_OFFSETS.shape[0] + 4)
    en = np.empty(kk * (ecuts.shape[0] + 1))
    ew = np.empty(kk * (ecuts.shape[0] + 1))
    out = np.empty(7)
    acc = np.zeros(8)
    for i in range(nodes.shape[0]):
        zeta = nodes[i]
        x0 = (kappa - sq * zeta) / s1
        r = y * d / (s1 * s1)
        xs = prox_x(x0, r, x0)
        g0 = s1 * (x0 - xs)
        gh = GH(xs)
        vg = 1.0 / (1.0 / d + y * gh * (gh - xs) / (s1 * s1))
        wz = weights[i]
        if C <= 1e-12 * D:   # the centre's shared field does not vary with η: one g integral
            g_moments(y, s1, d, B, D, x0, (kappa_c - A * zeta) / D, g0, x_in, w_in, out)
            _accumulate(acc, wz, out)
            continue
        eta_c = (kappa_c - A * zeta - B * g0) / C
        width = math.sqrt(D2 + B * B * vg) / C
        top = eta_c + TAIL_W * max(width, 0.05)
        if top > -Z_MAX:     # the centre factor matters for η < top
            hi = min(top, Z_MAX)
            m = 0
            for e in ETA_BASE:
                ecuts[m] = e
                m += 1
            ecuts[m] = 0.5 * (hi - Z_MAX)
            m += 1
            m = add_feature(ecuts, m, eta_c, width, STEP_OFFSETS)
            cnt = fill_rule(ecuts, m, -Z_MAX, hi, x_in, w_in, True, en, ew)
            gstart = g0
            for j in range(cnt):
                g_moments(y, s1, d, B, D, x0, (kappa_c - A * zeta - C * en[j]) / D, gstart, x_in, w_in, out)
                gstart = out[6]
                _accumulate(acc, wz * ew[j], out)
            upper = 0.5 * math.erfc(hi / math.sqrt(2.0))
        else:
            upper = 1.0
        if upper > 0.0:      # η above top: the unconstrained group integral (⟨GH̃⟩ = 0)
            g_moments(y, s1, d, 0.0, 1.0, x0, 0.0, g0, x_in, w_in, out)
            _accumulate(acc, wz * upper, out)
    return acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]


# ----------------------------------------------------------------------------- the equations at fixed (α, κ, κ̃, S)
def t_interval(q1, q0, S):
    """The t with ``C² + D² = 1 - t²/q0 - (S - t)²/(q1 - q0) ≥ 0`` (the centre's field variance left after the
    copies' shared and group fields): ``t± = (S/δ ± √((q1 - S²)/(q0δ)))/(1/q0 + 1/δ)``, δ = q1 - q0."""
    dd = q1 - q0
    disc = (q1 - S * S) / (q0 * dd)
    if not disc > 0.0:
        return math.nan, math.nan
    a, b = 1.0 / q0 + 1.0 / dd, S / dd
    r = math.sqrt(disc)
    return (b - r) / a, (b + r) / a


def _logit(u):
    return math.log(u) - math.log1p(-u)


def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v)) if v > -700.0 else 0.0


def encode(q1, q0, S, smt, omp, y):
    """State coordinates of the overlaps: ``(τ, ℓ, u1, u2)``, τ = -log(1 - q1), ℓ = log y(q1 - q0), u1 the logit
    of t's position in :func:`t_interval`, u2 the logit of C²/(C² + D²) — every state is a valid Gram matrix."""
    t = S - smt
    lo, hi = t_interval(q1, q0, S)
    R2 = 1.0 - t * t / q0 - smt * smt / (q1 - q0)
    C2 = (1.0 - omp) - t * t / q0
    f1, f2 = (t - lo) / (hi - lo), C2 / R2
    if not (0.0 < f1 < 1.0 and 0.0 < f2 < 1.0):
        return None
    return np.array([-math.log1p(-q1), math.log(y * (q1 - q0)), _logit(f1), _logit(f2)])


class Constrained:
    """The constrained-centre equations at (α, κ, κ̃, S); state ``(τ, ℓ, u1, u2, Ŝ - t̂)`` (:func:`encode`; the last
    is the coupling of a centre to its own copies inside the group, which is the unconstrained Ŝ when t̂ = 0)."""

    def __init__(self, alpha, kappa, kappa_c, S, inner_nodes=6):
        self.alpha, self.kappa, self.kappa_c, self.S = alpha, kappa, kappa_c, S
        self.x_ref, self.w_ref = gauss_legendre(NODES)
        self.x_in, self.w_in = gauss_legendre(inner_nodes)
        self.evaluations = 0

    def decode(self, y, state):
        """``(q1, q0, smt, omp)`` of a state, or None outside the domain."""
        tau, ell, u1, u2 = (float(v) for v in state[:4])
        if not all(math.isfinite(v) for v in state) or tau <= 0.0 or ell > 700.0:
            return None
        q1, dq = -math.expm1(-tau), math.exp(ell)
        q0 = q1 - dq / y
        if not (0.0 < q0 < q1 < 1.0):
            return None
        lo, hi = t_interval(q1, q0, self.S)
        if not math.isfinite(lo):
            return None
        t = lo + (hi - lo) * _sigmoid(u1)
        smt = self.S - t
        R2 = 1.0 - t * t / q0 - smt * smt / (q1 - q0)
        C2 = R2 * _sigmoid(u2)
        omp = 1.0 - t * t / q0 - C2
        if not (smt > 0.0 and R2 > 0.0 and 0.0 < omp < 1.0):
            return None
        return q1, q0, smt, omp

    def evaluate(self, y, state):
        """One pass: overlaps → energetic conjugates → entropic overlaps; a dict of every term, or None."""
        self.evaluations += 1
        dec = self.decode(y, state)
        if dec is None:
            return None
        q1, q0, smt, omp = dec
        dq = y * (q1 - q0)
        D2 = omp - smt * smt / (q1 - q0)
        t = self.S - smt
        ge, lye, a2, v, m11, mct, mcc, mcs = ce_energetic(y, q1, q0, self.S, smt, omp, self.kappa, self.kappa_c,
                                                          self.x_ref, self.w_ref, self.x_in, self.w_in)
        if not math.isfinite(ge):
            return None
        a, s2, D = self.alpha, 1.0 - q1, math.sqrt(D2)
        qhat1 = a * a2 / s2
        chat = y * a * v / s2
        qhat0 = qhat1 - chat / y
        that = a * mct / (math.sqrt(s2) * D)
        phat = a * mcc / D2
        shat = float(state[4]) + that       # the state carries Ŝ' = Ŝ - t̂, the group's own coupling
        sig_eff = shat - a * mcs / (math.sqrt(s2) * D)
        if not (qhat0 > 0.0 and chat >= 0.0):
            return None
        gs, Sn, q1n, varn, smtn, ompn, lys, tn = ce_entropic(y, qhat0, qhat1, that, phat, shat, self.x_ref,
                                                              self.w_ref)
        if not (0.0 < q1n < 1.0 and varn > 0.0 and smtn > 0.0 and ompn > 0.0 and math.isfinite(gs)):
            return None
        new = encode(q1n, q1n - varn, Sn, smtn, ompn, y)   # the new state's own S (= S at the saddle)
        if new is None:
            return None
        return dict(q1=q1, q0=q0, dq=dq, t=t, p=1.0 - omp, smt=smt, omp=omp, qhat1=qhat1, qhat0=qhat0, chat=chat,
                    that=that, phat=phat, shat=shat, sigma_eff=sig_eff, GS=gs, GE=ge, dGS=lys, dGE=lye, S=Sn,
                    new=np.append(new, shat - that))

    def residual(self, y, state):
        e = self.evaluate(y, state)
        if e is None:
            return np.full(5, 1e3), None
        r = e["new"] - np.asarray(state, float)
        # t and C² by their fractions of the Gram bounds, not the logits: near C² → 0 (p → t²/q0, reached at small
        # d near the threshold) C² is a difference of O(1) numbers and its logit is quadrature noise
        r[2] = _sigmoid(e["new"][2]) - _sigmoid(float(state[2]))
        r[3] = _sigmoid(e["new"][3]) - _sigmoid(float(state[3]))
        r[4] = e["S"] - self.S
        return r, e

    def solve(self, y, start, tol=1e-9, maxfev=300):
        """MINPACK hybrd from ``start``; returns ``(state, terms, residual)``."""
        sol = root(lambda s: self.residual(y, s)[0], np.asarray(start, float), method="hybr",
                   options={"xtol": 1e-12, "maxfev": maxfev})
        R, e = self.residual(y, sol.x)
        return sol.x, e, float(np.max(np.abs(R)))

    def observables(self, y, e):
        """``(Φ, S_I, Σ_ext)`` at the saddle terms ``e`` (module docstring)."""
        a, S = self.alpha, self.S
        q1, qhat1, qhat0, chat, dq = e["q1"], e["qhat1"], e["qhat0"], e["chat"], e["dq"]
        conj = -0.5 * qhat1 * (1.0 - q1) - 0.5 * (chat * q1 + qhat0 * dq)
        Phi = y * (-e["shat"] * S + e["that"] * e["t"] + conj) - 0.5 * e["phat"] * e["omp"] + e["GS"] + a * e["GE"]
        SI = (-e["shat"] * S + e["that"] * e["t"] - 0.5 * qhat1 * (1.0 - q1) - (chat * q1 + qhat0 * dq)
              + e["dGS"] + a * e["dGE"])
        return Phi, SI, Phi - y * SI


def unconstrained_start(alpha, d, y, kappa=0.0):
    """A start state from the unconstrained finite-y saddle (:func:`.large_deviation.ld_local_entropy`) at the same
    (α, d, y): its q1, δq, Ŝ and the S - t, 1 - p its site measure gives (t̂ = p̂ = 0)."""
    from .large_deviation import ld_local_entropy
    r = ld_local_entropy(alpha, d, kappa, y=y)
    x, w = gauss_legendre(NODES)
    out = ce_entropic(float(y), r.qhat0, r.qhat1, 0.0, 0.0, r.sigma_hat, x, w)
    return np.append(encode(out[2], out[2] - out[3], r.S, out[4], out[5], y), r.sigma_hat), r


def ystar_from(problem, y0, state0, tol=1e-9, maxit=20):
    """The y* with Σ_ext(y*) = 0 at ``problem``'s S: secant in log y (bracketing once a sign change is seen) from
    ``(y0, state0)``, each solve warm-started from the nearest solved y.  Returns ``(y*, state, terms)`` or
    ``None`` if a solve fails or no sign change is found within y ∈ [0.05, 10⁴]."""
    pts = []     # (log y, Σ_ext, state, terms)

    def at(logy, start):
        y = math.exp(logy)
        s, e, res = problem.solve(y, start, tol)
        if e is None or not res <= tol:
            return None
        pts.append((logy, problem.observables(y, e)[2], s, e))
        return pts[-1]

    cur = at(math.log(y0), state0)
    if cur is None:
        return None
    step = -0.4 if cur[1] < 0.0 else 0.4
    while True:                       # bracket
        nxt = at(cur[0] + step, cur[2])
        if nxt is None:
            return None
        if (nxt[1] < 0.0) != (cur[1] < 0.0):
            break
        cur = nxt
        if not math.log(0.05) < cur[0] < math.log(1e4):
            return None
    lo, hi = (cur, nxt) if cur[1] < 0.0 else (nxt, cur)        # Σ(lo) < 0 < Σ(hi)
    for _ in range(maxit):
        ly = hi[0] - hi[1] * (lo[0] - hi[0]) / (lo[1] - hi[1])
        near = lo if abs(ly - lo[0]) < abs(ly - hi[0]) else hi
        p = at(ly, near[2] + (ly - near[0]) / (lo[0] - hi[0]) * (lo[2] - hi[2]))
        if p is None:
            return None
        if abs(p[1]) < 1e-10 or abs(lo[0] - hi[0]) < 1e-9:
            return math.exp(p[0]), p[2], p[3]
        if p[1] < 0.0:
            lo = p
        else:
            hi = p
    p = lo if abs(lo[1]) < abs(hi[1]) else hi
    return math.exp(p[0]), p[2], p[3]


def fp_start(alpha, d, y, kappa=0.0, kappa_c=0.0):
    """A small-y start from the Franz–Parisi saddle around typical solutions of margin κ̃ (the y → 0 limit):
    q1 = Q, t = s0, p = q0(reference), Ŝ - t̂ = ŝ1 - ŝ0, q0 halfway between the Gram-matrix bounds t²/p (C² ≥ 0)
    and Q - (S - t)²/(1 - p) (D² ≥ 0)."""
    from .franz_parisi import franz_parisi
    f = franz_parisi(alpha, d, "binary", kappa_ref=kappa_c, kappa=kappa)
    q0 = 0.5 * (f.s0 ** 2 / f.q0 + f.Q - (f.S - f.s0) ** 2 / (1.0 - f.q0))
    return np.append(encode(f.Q, q0, f.S, f.S - f.s0, 1.0 - f.q0, y), f.shat1 - f.shat0), f


@dataclass(frozen=True)
class ConstrainedResult(RSFlags):
    """Finite-y dense regions with a constrained centre (the centre is a solution of margin κ̃) at distance d."""

    alpha: float
    d: float
    kappa: float
    kappa_ref: float          # κ̃, the centre's margin
    y: float
    S: float
    phi: float                # S_I = ∂Φ/∂y, the local entropy
    Phi: float                # the free entropy Φ(y)
    sigma_ext: float          # Σ_ext = Φ - yS_I
    sigma_hat: float          # Ŝ, conjugate of S
    sigma_eff: float          # Ŝ - αE⟨f̃f⟩: dΦ/dS = -yσ_eff (dS_I*/dd = 2σ_eff along the y* curve)
    q1: float
    q0: float
    t: float                  # centre – copy of another centre
    p: float                  # centre – centre
    qhat1: float
    qhat0: float
    that: float               # t̂, conjugate of t
    phat: float               # p̂, conjugate of p
    converged: bool
    iterations: int
    residual: float


def _result(problem, y, state, e, res, tol):
    nan = math.nan
    a, d = problem.alpha, 0.5 * (1.0 - problem.S)
    if e is None:
        return ConstrainedResult(a, d, problem.kappa, problem.kappa_c, y, problem.S, *([nan] * 13), False,
                                 problem.evaluations, float(res), status=MAX_ITER)
    Phi, SI, sig = problem.observables(y, e)
    converged, status = verdict(res, tol, ((not (0.0 < e["q0"] < e["q1"] < 1.0 and e["qhat0"] > 0.0), LEFT_DOMAIN),))
    return ConstrainedResult(a, d, problem.kappa, problem.kappa_c, float(y), problem.S, float(SI), float(Phi),
                             float(sig), float(e["shat"]), float(e["sigma_eff"]), float(e["q1"]), float(e["q0"]),
                             float(e["t"]), float(e["p"]), float(e["qhat1"]), float(e["qhat0"]), float(e["that"]),
                             float(e["phat"]), bool(converged), int(problem.evaluations), float(res), status=status,
                             entropy_negative=bool(SI < 0.0 or sig < 0.0))


def _check(alpha, d, y, kappa, kappa_c):
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be > 0; got {alpha}")
    if not (np.isfinite(d) and 0 < d < 0.5):
        raise ValueError(f"d must be in (0, 0.5); got {d}")
    if not (np.isfinite(kappa) and np.isfinite(kappa_c)):
        raise ValueError(f"kappa and kappa_ref must be finite numbers; got {kappa}, {kappa_c}")
    if not (isinstance(y, (int, float)) and 0 < y < math.inf):
        raise ValueError(f"y must be a finite number > 0; got {y}")


def ld_constrained(alpha, d, y, kappa=0.0, kappa_ref=None, *, start=None, tol=1e-9, inner_nodes=8):
    """Constrained-centre dense regions at finite y: :class:`ConstrainedResult` (Φ, S_I, Σ_ext, every order
    parameter).  ``kappa_ref`` (κ̃, default κ) is the centre's margin.  ``start``: a state array (see
    :class:`Constrained`), a ConstrainedResult at the same (α, d), ``"fp"`` (the Franz–Parisi saddle, for small y)
    or None (the unconstrained finite-y saddle at the same (α, d, y))."""
    kappa_c = kappa if kappa_ref is None else kappa_ref
    _check(alpha, d, y, kappa, kappa_c)
    y = float(y)
    problem = Constrained(alpha, kappa, kappa_c, 1.0 - 2.0 * d, inner_nodes)
    if isinstance(start, ConstrainedResult):
        f = start.y / y      # q1 - q0, S - t and 1 - p are O(1/y) at large y: rescaled to the new y
        st = np.append(encode(start.q1, start.q1 - f * (start.q1 - start.q0), start.S, f * (start.S - start.t),
                              f * (1.0 - start.p), y), start.sigma_hat - start.that)
        st[:5] = _move(st[:5], start.S, problem.S)
    elif isinstance(start, str) and start == "fp":
        st = fp_start(alpha, d, y, kappa, kappa_c)[0]
    elif start is None:
        st = unconstrained_start(alpha, d, y, kappa)[0]
    else:
        st = np.asarray(start, float)
    s, e, res = problem.solve(y, st, tol)
    return _result(problem, y, s, e, res, tol)


def ld_constrained_ystar(alpha, d, kappa=0.0, kappa_ref=None, *, y0=None, start=None, tol=1e-9, inner_nodes=8):
    """The constrained-centre measure at its y* (Σ_ext(y*) = 0, the consistent RS estimate): secant in log y
    (:func:`ystar_from`) from ``y0`` (default: the unconstrained y*, :func:`.large_deviation.ld_local_entropy`
    with ``y="star"``).  Returns a :class:`ConstrainedResult` with ``y`` = y* (``status="max-iter"`` if no
    sign change of Σ_ext was found)."""
    kappa_c = kappa if kappa_ref is None else kappa_ref
    if y0 is None:
        from .large_deviation import ld_local_entropy
        y0 = ld_local_entropy(alpha, d, kappa, y="star").y
    _check(alpha, d, y0, kappa, kappa_c)
    problem = Constrained(alpha, kappa, kappa_c, 1.0 - 2.0 * d, inner_nodes)
    st = np.asarray(start, float) if start is not None else unconstrained_start(alpha, d, y0, kappa)[0]
    found = ystar_from(problem, y0, st, tol)
    if found is None:
        return _result(problem, math.nan, None, None, math.inf, tol)
    ys, s, e = found
    return _result(problem, ys, s, e, float(np.max(np.abs(problem.residual(ys, s)[0]))), tol)


def _move(state, S_old, S_new):
    """The state moved to overlap S_new keeping (q1 - S²)/(1 - S²) (q1 ≥ S² by Cauchy–Schwarz) and the rest."""
    q1 = -math.expm1(-state[0])
    r = (q1 - S_old * S_old) / (1.0 - S_old * S_old)
    out = np.array(state, float)
    out[0] = -math.log1p(-(S_new * S_new + r * (1.0 - S_new * S_new)))
    return out


def ystar_curve(alpha, ds, kappa=0.0, kappa_ref=None, *, tol=1e-9, inner_nodes=6, first=None, min_ratio=1.0 / 32):
    """Follow the constrained-centre y* curve (Σ_ext(y*, d) = 0) through the decreasing distances ``ds``: hybrd on
    the five equations plus Σ_ext = 0 in (state, log y), a secant predictor in log d (q1 moved by :func:`_move`),
    the step halved on failure down to ``min_ratio`` of the requested one (a fold of the curve, or its end, fails
    at every step).  ``first``: a ConstrainedResult at ds[0] at its y* (default :func:`ld_constrained_ystar`).
    Returns ``(results, complete)``, one ConstrainedResult per d reached."""
    kappa_c = kappa if kappa_ref is None else kappa_ref
    ds = [float(v) for v in ds]
    if first is None:
        first = ld_constrained_ystar(alpha, ds[0], kappa, kappa_c, inner_nodes=inner_nodes, tol=tol)
    if not first.converged:
        return [first], False
    S0 = first.S
    x0 = np.append(encode(first.q1, first.q0, S0, S0 - first.t, 1.0 - first.p, first.y), first.sigma_hat - first.that)
    xs, ls, Ss = [np.append(x0, math.log(first.y))], [math.log(ds[0])], [S0]
    out = [first]
    for target in ds[1:]:
        lt = math.log(target)
        h = ls[-1] - lt
        full = h
        while ls[-1] > lt + 1e-12:
            ln = max(ls[-1] - h, lt)
            Sn = 1.0 - 2.0 * math.exp(ln)
            if len(xs) >= 2:
                guess = xs[-1] + (ln - ls[-1]) / (ls[-1] - ls[-2]) * (xs[-1] - xs[-2])
                guess[:5] = _move(guess[:5], Ss[-1] + (ln - ls[-1]) / (ls[-1] - ls[-2]) * (Ss[-1] - Ss[-2]), Sn)
            else:
                guess = xs[-1].copy()
                guess[:5] = _move(guess[:5], Ss[-1], Sn)
            problem = Constrained(alpha, kappa, kappa_c, Sn, inner_nodes)

            def F(v, problem=problem):
                y = math.exp(min(v[5], 12.0))
                R, e = problem.residual(y, v[:5])
                return np.append(R, problem.observables(y, e)[2] if e is not None else 1e3)

            sol = root(F, guess, method="hybr", options={"xtol": 1e-12, "maxfev": 200})
            res = float(np.max(np.abs(F(sol.x))))
            if not res <= 10.0 * tol:
                h *= 0.5
                if h < min_ratio * full:
                    return out, False
                continue
            xs.append(sol.x)
            ls.append(ln)
            Ss.append(Sn)
            h = min(full, 1.5 * h)
        y = math.exp(xs[-1][5])
        R, e = problem.residual(y, xs[-1][:5])
        out.append(_result(problem, y, xs[-1][:5], e, float(np.max(np.abs(R))), 10.0 * tol))
    return out, True


THRESHOLD_DS = (0.1, 0.07, 0.05, 0.03, 0.02, 0.01, 0.007, 0.005, 0.004, 0.0035, 0.003, 0.0025, 0.002, 0.0015, 0.001)


def ystar_monotone(alpha, kappa=0.0, kappa_ref=None, d_min=0.001, y0=10.0, inner_nodes=6):
    """Whether the constrained-centre y* curve runs from d = 0.1 down to ``d_min`` (grid :data:`THRESHOLD_DS`)
    without a fold and with σ_eff > 0 (dS_I*/dd = 2σ_eff, docs §14).  Returns ``(monotone, results)``.  ~5 min."""
    ds = [d for d in THRESHOLD_DS if d >= d_min - 1e-15]
    first = ld_constrained_ystar(alpha, ds[0], kappa, kappa_ref, y0=y0, inner_nodes=inner_nodes)
    rs, complete = ystar_curve(alpha, ds, kappa, kappa_ref, first=first, inner_nodes=inner_nodes)
    ok = complete and all(r.converged and r.sigma_eff > 0.0 for r in rs)
    return bool(ok), rs


def constrained_threshold(lo, hi, kappa=0.0, kappa_ref=None, d_min=0.001, xtol=2.5e-3):
    """Bisection for the largest α at which :func:`ystar_monotone` holds, from a bracket ``lo`` (monotone) < ``hi``
    (broken), to ``xtol``; returns ``(lo, hi)``.  Each step follows a y* curve (~5 min on one core)."""
    while hi - lo > xtol:
        mid = 0.5 * (lo + hi)
        if ystar_monotone(mid, kappa, kappa_ref, d_min)[0]:
            lo = mid
        else:
            hi = mid
    return lo, hi
