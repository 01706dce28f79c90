"""Numba kernels of the finite-y large-deviation free entropy (docs/theory.md §8, docs/large_deviation.md §9).

Free entropy (n → 0 centres, y copies each; q1, q0 overlaps of copies of one / of different centres)::

    Φ = -yŜS - ½yq̂1(1 + (y-1)q1) + ½y²q̂0q0 + G_S + αG_E
    G_S = E_{z~N(0,q̂0)} log Σ_{w̃=±1} E_{u~N(0,q̂1-q̂0)} [2cosh(z + u + Ŝw̃)]^y
    G_E = E_{z~N(0,q0)} log E_{g~N(0,q1-q0)} H((κ - z - g)/√(1-q1))^y

The inner ``E[·]^y`` are computed in log space on the *group* variable (w = z + u + Ŝw̃, ω = z + g), never in
standardised Gauss–Hermite units: at large y the peak of ``y log 2cosh`` (``y log H``) sits O(√y) standard
deviations out.  Entropic: a uniform trapezoid grid on [h - c, h + c] ± 10√Δ̂ (c = yΔ̂ bounds every
stationary point: |w - h| = c|tanh w|), spectrally accurate (the integrand is analytic in |Im w| < π/2).
Energetic: the log-integrand is strictly concave (``log H`` is), so it is integrated by Gauss–Legendre panels
marched out from its maximum (the proximal root x + rGH(x) = x0, r = y(q1-q0)/(1-q1)), each panel one local
width ``1/√(1/Δ + yγ(x)/(1-q1))`` wide, until it has fallen by e^{-40}.

Outputs are the tilted averages that the stationarity conditions need (docs §9):
``q1 = E⟨m²⟩, q1 - q0 = E[⟨m²⟩ - ⟨m⟩²], S = E⟨w̃m⟩, ∂G_S/∂y = E⟨log 2cosh⟩`` (m = tanh w) and
``q̂1 = αE⟨GH²⟩/(1-q1), q̂1 - q̂0 = αE[⟨GH²⟩ - ⟨GH⟩²]/(1-q1), ∂G_E/∂y = E⟨log H⟩``.
"""

import math

import numpy as np

from .._numba import kernel
from ..saddle_point.special import GH, log_2cosh, log_H
from ._quad import BASE, Z_MAX, merged_rule
from .ld_kernels import HALF_BASE, _kink_cuts, h_scale, m_value, prox_x, v_root

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
TAIL = 10.0        # inner ranges: ±10 local widths (a relative mass e^{-50} left out)
DROP = 40.0        # energetic panels stop once the log-integrand has fallen by this much


# ----------------------------------------------------------------------------- entropic
@kernel
def cosh_moments(h, y, dh, out):
    """``L = log E_u [2cosh(h + u)]^y`` (u ~ N(0, dh)) and the tilted ⟨tanh w⟩, ⟨tanh² w⟩, ⟨log 2cosh w⟩
    (w = h + u) into ``out[0:4]``, by a uniform trapezoid rule on w (see module docstring)."""
    if dh <= 0.0:
        t = math.tanh(h)
        out[0], out[1], out[2], out[3] = y * log_2cosh(h), t, t * t, log_2cosh(h)
        return
    sd = math.sqrt(dh)
    c = y * dh
    lo, hi = h - c - TAIL * sd, h + c + TAIL * sd
    step = min(sd, 1.0 / math.sqrt(y), 0.75) / 5.0
    n = int((hi - lo) / step) + 2
    step = (hi - lo) / (n - 1)
    top = y * m_value(h, c)        # the global maximum of the exponent (docs eq. 4)
    z = a1 = a2 = a3 = 0.0
    for k in range(n):
        w = lo + k * step
        lc = log_2cosh(w)
        e = math.exp(y * lc - 0.5 * (w - h) * (w - h) / dh - top)
        if k == 0 or k == n - 1:
            e *= 0.5
        t = math.tanh(w)
        z += e
        a1 += e * t
        a2 += e * t * t
        a3 += e * lc
    out[0] = top + math.log(z * step / sd) - LOG_SQRT_2PI
    out[1], out[2], out[3] = a1 / z, a2 / z, a3 / z


@kernel
def half_line_rule(sq, y, c, dh, s_abs, x_ref, w_ref):
    """The z ≥ 0 quadrature rule of the finite-y entropic integrals (field ``h = √q̂0 z ± s``): cut geometrically
    (ratio 2) away from z = 0, where the two centres w̃ = ±1 trade places over a layer of width
    ~1/(2y tanh v(s)), and around z = s/√q̂0 (h = 0 for the subdominant centre) on the group scale."""
    cuts = np.empty(HALF_BASE.shape[0] + 120)
    n = 0
    for v in HALF_BASE:
        cuts[n] = v
        n += 1
    cuts[n] = 0.5 * Z_MAX
    n += 1
    if sq > 0.0:
        tv = math.tanh(v_root(s_abs, c))
        layer = 1.0 / (2.0 * y * max(tv, 1e-3) + 1.0) / sq
        wdt = layer
        while wdt < Z_MAX and n < cuts.shape[0] - 40:
            cuts[n] = wdt
            n += 1
            wdt *= 2.0
        hs = max(h_scale(c), math.sqrt(max(dh, 0.0)))
        z1 = s_abs / sq
        wdt = hs / sq
        while wdt < Z_MAX and n < cuts.shape[0] - 2:
            for sgn in (-1.0, 1.0):
                zz = z1 + sgn * wdt
                if 0.0 < zz < Z_MAX:
                    cuts[n] = zz
                    n += 1
            wdt *= 2.0
    return merged_rule(cuts, n, 0.0, Z_MAX, x_ref, w_ref, True)


@kernel
def fy_entropic(y, qhat0, qhat1, shat, x_ref, w_ref):
    """``(G_S, S, q1, q1 - q0, ∂G_S/∂y)`` at (q̂0, q̂1, Ŝ).  The integrand is even in z (z → -z, w̃ → -w̃), so
    the z integral runs over the half line; it is cut geometrically (ratio 2) away from z = 0, where the two
    centres w̃ = ±1 trade places over a layer of width ~1/(2y tanh v(Ŝ)), and from z = |Ŝ| (h = 0 for the
    subdominant centre)."""
    sq = math.sqrt(qhat0)
    dh = qhat1 - qhat0
    c = y * max(dh, 0.0)
    nodes, weights = half_line_rule(sq, y, c, dh, abs(shat), x_ref, w_ref)
    gs = S = q1 = var = ly = 0.0
    mp = np.empty(4)
    mm = np.empty(4)
    for i in range(nodes.shape[0]):
        z = sq * nodes[i]
        cosh_moments(z + shat, y, dh, mp)
        cosh_moments(z - shat, y, dh, mm)
        top = max(mp[0], mm[0])
        ep, em = math.exp(mp[0] - top), math.exp(mm[0] - top)
        logz = top + math.log(ep + em)
        pp, pm = ep / (ep + em), em / (ep + em)
        m = pp * mp[1] + pm * mm[1]
        m2 = pp * mp[2] + pm * mm[2]
        # ⟨m²⟩ - ⟨m⟩² = within-centre variances + between-centre part pp·pm·(m+ - m-)²
        v = pp * (mp[2] - mp[1] * mp[1]) + pm * (mm[2] - mm[1] * mm[1]) + pp * pm * (mp[1] - mm[1]) ** 2
        w = weights[i]
        gs += w * logz
        S += w * (pp * mp[1] - pm * mm[1])
        q1 += w * m2
        var += w * max(v, 0.0)
        ly += w * (pp * mp[3] + pm * mm[3])
    return 2.0 * gs, 2.0 * S, 2.0 * q1, 2.0 * var, 2.0 * ly


# ----------------------------------------------------------------------------- energetic
@kernel
def _local_width(x, y, d, s2):
    gh = GH(x)
    gam = gh * (gh - x)
    return 1.0 / math.sqrt(1.0 / d + y * gam / s2)


@kernel
def h_moments(zp, y, q1, d, kappa, x_ref, w_ref, x_start, out):
    """``L = log E_g H((κ - zp - g)/√(1-q1))^y`` (g ~ N(0, d)) and the tilted ⟨log H⟩, ⟨GH⟩, ⟨GH²⟩ into
    ``out[0:4]``; ``out[4]`` = the maximiser x* (a valid warm start for a larger zp).  Gauss–Legendre panels
    marched from the maximum ω* = κ - √(1-q1)x* of the concave log-integrand, one local width each."""
    s = math.sqrt(1.0 - q1)
    s2 = s * s
    x0 = (kappa - zp) / s
    r = y * d / s2
    xs = prox_x(x0, r, x_start)
    om = kappa - s * xs
    top = y * log_H(xs) - 0.5 * (om - zp) * (om - zp) / d
    k = x_ref.shape[0]
    z = a1 = a2 = a3 = 0.0
    for side in (1.0, -1.0):
        a = om
        prev = 0.0
        for _ in range(400):
            wdt = _local_width((kappa - a) / s, y, d, s2)
            if side < 0.0:   # the width shrinks leftwards (γ grows with x): take it at the far end too
                wdt = min(wdt, _local_width((kappa - a + wdt) / s, y, d, s2))
            if prev > 0.0:
                wdt = min(wdt, 2.0 * prev)
            prev = wdt
            b = a + side * wdt
            mid, half = 0.5 * (a + b), 0.5 * abs(b - a)
            low = 0.0
            for i in range(k):
                w = mid + half * x_ref[i]
                x = (kappa - w) / s
                lh = log_H(x)
                ex = y * lh - 0.5 * (w - zp) * (w - zp) / d - top
                e = w_ref[i] * half * math.exp(ex)
                gh = GH(x)
                z += e
                a1 += e * lh
                a2 += e * gh
                a3 += e * gh * gh
            xe = (kappa - b) / s
            low = y * log_H(xe) - 0.5 * (b - zp) * (b - zp) / d - top
            a = b
            if low < -DROP:
                break
    out[0] = top + math.log(z / math.sqrt(d)) - LOG_SQRT_2PI
    out[1], out[2], out[3], out[4] = a1 / z, a2 / z, a3 / z, xs


@kernel
def fy_energetic(y, q1, q0, kappa, x_ref, w_ref):
    """``(G_E, E⟨GH²⟩, E[⟨GH²⟩ - ⟨GH⟩²], ∂G_E/∂y)``; the z rule is cut at the constraint's kink κ/√q0 on
    the scales of the y = ∞ kernel (√(1-q1)/√q0 above, (1-q1+δq)/√(q0(1-q1)) below, δq = y(q1-q0))."""
    sq, s = math.sqrt(q0), math.sqrt(1.0 - q1)
    d = q1 - q0
    dq = y * d
    cuts = np.empty(BASE.shape[0] + 64)
    n = _kink_cuts(cuts, kappa / sq, s / sq, (s * s + dq) / (sq * s))
    nodes, weights = merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)
    ge = a = v = ly = 0.0
    out = np.empty(5)
    xs, x0_prev = 0.0, -np.inf
    for i in range(nodes.shape[0]):     # ζ ascending: x0 descending, the previous root is ≥ this one
        zp = sq * nodes[i]
        x0 = (kappa - zp) / s
        h_moments(zp, y, q1, d, kappa, x_ref, w_ref, xs if x0 <= x0_prev else x0, out)
        xs, x0_prev = out[4], x0
        w = weights[i]
        ge += w * out[0]
        ly += w * out[1]
        a += w * out[3]
        v += w * max(out[3] - out[2] * out[2], 0.0)
    return ge, a, v, ly
