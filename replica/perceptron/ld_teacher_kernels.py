"""Numba kernels of the y → ∞ dense-region local entropy with a binary teacher (docs/large_deviation_teacher.md).

Gauge ``w_i → w_i w*_i``: the teacher is the all-ones vector, the labels ``sign(ν)``, ``ν = Σ_i ξ_i/√N``.  New
order parameters: the copies' teacher overlap ``m`` with its conjugate, the uniform teacher field ``R̂`` of the
entropic term (``R̂`` ≡ m̂), and the clipped centre's teacher overlap ``R = 1 - 2H(R̂/√q̂0)``.

Entropic term (``a = R̂/√q̂0``; the centre is ``w̃ = sign(√q̂0 ζ + R̂)``, folded onto ``x = |ζ + a| ≥ 0``)::

    G_S = E_ζ M_ĉ(|√q̂0 ζ + R̂| + σ̂) = ∫_0^∞ dx ρ₊(x) M_ĉ(√q̂0 x + σ̂),      ρ±(x) = G(x - a) ± G(x + a),
    S = ∫ρ₊ tanh v,   q1 = ∫ρ₊ tanh²v,   m = ∫ρ₋ tanh v,
    δq = 2G(a) tanh v(σ̂)/√q̂0 + ∫ρ₊ ĉ sech⁴v/(1 - ĉ sech²v)  [+ 2ρ₊(x0) tanh v(0⁺)/√q̂0, σ̂ < 0, ĉ > 1].

Energetic term (teacher field ν jointly Gaussian with the group field, Cov = m; T(ζ) = 2H(-mζ/√(q1 - m²)))::

    G_E = ∫Dζ T(ζ) max_g [log H((κ - √q1ζ - g)/√(1-q1)) - g²/(2δq)],
    q̂0 = αE_T[GH(x)²]/(1-q1),   ĉ = αδq E_T[γ²/(1+rγ)]/(1-q1)²,
    R̂ = α∂G_E/∂m = 2αG(0) ∫Dζ GH(x(z' = √(q1 - m²) ζ))/√(1-q1)      (the teacher field at ν = 0).

At ``m = R̂ = 0`` every kernel reduces to its teacher-free counterpart in :mod:`.ld_kernels` (ρ₊ = 2G, T = 1).
Every kernel takes a Gauss–Legendre reference rule ``x_ref, w_ref`` on [-1, 1].
"""

import math

import numpy as np

from .._numba import kernel
from ..saddle_point.special import GH, G, H, log_H
from ._quad import BASE, STEP_OFFSETS, Z_MAX, add_feature, merged_rule
from .ld_kernels import HALF_BASE, _kink_cuts, add_scale_cuts, prox_x, v_root

G0 = 1.0 / math.sqrt(2.0 * math.pi)
BUMP = np.array([-6.0, -3.5, -1.5, 0.0, 1.5, 3.5, 6.0])   # cuts around the Gaussian bump of ρ₊ at x = a


# ----------------------------------------------------------------------------- entropic term
@kernel
def _teacher_cuts(cuts, sq, chat, sigma, a, lo, hi):
    """Cuts in x on [lo, hi]: the half-line base, the bump of ρ₊ at x = |a|, and h = √q̂0x + σ̂ graded
    geometrically away from h = 0 (as :func:`.ld_kernels._half_line_cuts`).  Returns the count."""
    n = 0
    for v in HALF_BASE:
        cuts[n] = v
        n += 1
    for v in BUMP:
        cuts[n] = abs(a) + v
        n += 1
    cuts[n] = 0.5 * (lo + hi)   # never a single panel (see ld_kernels._half_line_cuts)
    n += 1
    return add_scale_cuts(cuts, n, sq, chat, sigma, lo, hi)


@kernel
def ldt_entropic(qhat0, chat, sigma, rhat, x_ref, w_ref, with_gs):
    """``(G_S, S, ∂S/∂σ̂, q1, δq, m)`` of the teacher entropic term at (q̂0, ĉ, σ̂, R̂) (module docstring).

    G_S is 0 unless ``with_gs``.  At R̂ = 0 the outputs equal :func:`.ld_kernels.ld_entropic`'s (m = 0).
    """
    sq = math.sqrt(qhat0)
    a = rhat / sq
    aa, sgn = abs(a), (1.0 if a >= 0.0 else -1.0)
    top = aa + Z_MAX
    out = np.zeros(6)
    cuts = np.empty(HALF_BASE.shape[0] + BUMP.shape[0] + 2 * 48 + 3)
    x0 = -sigma / sq if sigma < 0.0 else 0.0
    if x0 >= top:
        x0 = top
    for piece in range(2):   # split exactly at h = 0 (kink / jump of tanh v)
        lo, hi = (0.0, x0) if piece == 0 else (x0, top)
        if hi <= lo:
            continue
        n = _teacher_cuts(cuts, sq, chat, sigma, a, lo, hi)
        nodes, weights = merged_rule(cuts, n, lo, hi, x_ref, w_ref, False)
        for i in range(nodes.shape[0]):
            x = nodes[i]
            ga = G(x - aa)
            e2 = math.exp(-2.0 * aa * x)      # G(x + |a|) = G(x - |a|) e^{-2|a|x}; ρ₋ is odd in a
            rp = ga * (1.0 + e2)
            rm = -sgn * ga * math.expm1(-2.0 * aa * x)
            h = sq * x + sigma
            v = v_root(h, chat)
            e = math.exp(-2.0 * abs(v))
            t = (1.0 - e) / (1.0 + e)
            if v < 0.0:
                t = -t
            s2 = 4.0 * e / ((1.0 + e) * (1.0 + e))
            den = 1.0 - chat * s2
            w = weights[i]
            if with_gs:
                out[0] += w * rp * (abs(v) + math.log1p(e) - 0.5 * chat * t * t)
            out[1] += w * rp * t
            out[2] += w * rp * s2 / den
            out[3] += w * rp * t * t
            out[4] += w * rp * chat * s2 * s2 / den
            out[5] += w * rm * t
    gs, S, dS, q1, dqb, m = out[0], out[1], out[2], out[3], out[4], out[5]
    dq = dqb + 2.0 * G(a) * math.tanh(v_root(sigma, chat)) / sq
    if sigma < 0.0 and chat > 1.0 and x0 < top:
        jump = 2.0 * (G(x0 - a) + G(x0 + a)) * math.tanh(v_root(0.0, chat)) / sq
        dq += jump
        dS += jump
    return gs, S, dS, q1, dq, m


# ----------------------------------------------------------------------------- energetic term
@kernel
def ldt_energetic(q1, dq, m, kappa, x_ref, w_ref):
    """``(G_E, E_T[GH²], E_T[γ²/(1+rγ)], E_ζ[GH(x(√(q1-m²)ζ))])`` (module docstring).

    The first three are the teacher-free :func:`.ld_kernels.ld_energetic` with the teacher weight T(ζ) (a step
    of width √(q1-m²)/|m| at ζ = 0, cut on that scale); the fourth is the teacher's conjugate integral: by
    Gaussian integration by parts in the teacher field, ``∂G_E/∂m = 2G(0) E[Ψ'(z') | ν = 0]`` with
    ``Ψ' = GH(x)/√(1-q1)`` and ``z' | ν = 0 ~ N(0, q1 - m²)``.
    """
    sq, s = math.sqrt(q1), math.sqrt(1.0 - q1)
    r = dq / (s * s)
    vm = q1 - m * m
    sm = math.sqrt(vm) if vm > 0.0 else 0.0
    nb = BASE.shape[0] + 64
    cuts = np.empty(nb + STEP_OFFSETS.shape[0] + 2)
    n = _kink_cuts(cuts[:nb], kappa / sq, s / sq, (s * s + dq) / (sq * s))
    if m != 0.0:
        n = add_feature(cuts, n, 0.0, sm / abs(m), STEP_OFFSETS)
    nodes, weights = merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)
    ge = a = c = 0.0
    x, x0_prev = 0.0, -np.inf
    for i in range(nodes.shape[0]):     # ζ ascending: x0 descending (warm-started prox, as ld_energetic)
        z = nodes[i]
        x0 = (kappa - sq * z) / s
        x = prox_x(x0, r, x if x0 <= x0_prev else x0)
        x0_prev = x0
        if m == 0.0:
            tw = 1.0
        elif sm > 0.0:
            tw = 2.0 * H(-m * z / sm)
        else:
            tw = 2.0 if m * z > 0.0 else (1.0 if z == 0.0 else 0.0)
        gh = GH(x)
        gam = gh * (gh - x)
        w = weights[i] * tw
        ge += w * (log_H(x) - (0.5 * (x0 - x) * (x0 - x) / r if r > 0.0 else 0.0))
        a += w * gh * gh
        c += w * gam * gam / (1.0 + r * gam)
    # the teacher's conjugate: the field at ν = 0, z' = √(q1 - m²) ζ
    if sm > 0.0:
        n = _kink_cuts(cuts[:nb], kappa / sm, s / sm, (s * s + dq) / (sm * s))
        nodes, weights = merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)
        b = 0.0
        x, x0_prev = 0.0, -np.inf
        for i in range(nodes.shape[0]):
            x0 = (kappa - sm * nodes[i]) / s
            x = prox_x(x0, r, x if x0 <= x0_prev else x0)
            x0_prev = x0
            b += weights[i] * GH(x)
    else:
        b = GH(prox_x(kappa / s, r, kappa / s))
    return ge, a, c, b


@kernel
def ldt_conjugates(q1, dq, m, alpha, kappa, x_ref, w_ref):
    """``(q̂0, ĉ, R̂, G_E)`` from the energetic term at (q1, δq, m)."""
    ge, a, c, b = ldt_energetic(q1, dq, m, kappa, x_ref, w_ref)
    s2 = 1.0 - q1
    return alpha * a / s2, alpha * dq * c / (s2 * s2), 2.0 * alpha * G0 * b / math.sqrt(s2), ge


# ----------------------------------------------------------------------------- the copies' teacher overlap
@kernel
def _m_gap(m, q1, dq, sigma, alpha, kappa, x_ref, w_ref):
    """``m'(m) - m``: the entropic m at the conjugates the energetic term gives at m (q1, δq, σ̂ fixed)."""
    qhat0, chat, rhat, ge = ldt_conjugates(q1, dq, m, alpha, kappa, x_ref, w_ref)
    if not (qhat0 > 0.0 and chat >= 0.0):
        return np.nan
    return ldt_entropic(qhat0, chat, sigma, rhat, x_ref, w_ref, False)[5] - m


@kernel
def solve_m(q1, dq, sigma, alpha, kappa, x_ref, w_ref):
    """The copies' teacher overlap m at fixed (q1, δq, σ̂): the root of ``m'(m) = m`` on ``(0, √q1)``.

    The gap is > 0 at m = 0 (R̂ > 0 there: the labels are the teacher's) and < 0 at m = √q1 (Cauchy–Schwarz:
    ``m' = E[sign(ζ + a) tanh v] ≤ √q1``), so the root is bracketed; Illinois false position (deterministic from
    the fixed bracket, so the reduced map stays a smooth function of its state), to 1e-15.  NaN if the bracket
    cannot be evaluated."""
    lo, hi = 0.0, math.sqrt(q1) * (1.0 - 1e-12)
    flo = _m_gap(lo, q1, dq, sigma, alpha, kappa, x_ref, w_ref)
    fhi = _m_gap(hi, q1, dq, sigma, alpha, kappa, x_ref, w_ref)
    if not (flo == flo and fhi == fhi):
        return np.nan
    if flo <= 0.0:
        return lo
    if fhi >= 0.0:
        return hi
    side = 0
    x = lo
    for _ in range(200):
        x = (lo * fhi - hi * flo) / (fhi - flo)
        if not lo < x < hi:
            x = 0.5 * (lo + hi)
        f = _m_gap(x, q1, dq, sigma, alpha, kappa, x_ref, w_ref)
        if not f == f:
            return np.nan
        if f == 0.0 or hi - lo <= 1e-15:
            break
        if f > 0.0:
            lo, flo = x, f
            if side == 1:
                fhi *= 0.5
            side = 1
        else:
            hi, fhi = x, f
            if side == -1:
                flo *= 0.5
            side = -1
        if abs(f) <= 1e-15:
            break
    return x


# ----------------------------------------------------------------------------- the reduced map
@kernel
def ldt_map(t, ell, sigma, alpha, kappa, free_m, x_ref, w_ref):
    """One pass of the teacher y = ∞ equations at fixed σ̂, state ``(t, ℓ) = (-log(1-q1), log δq)``, the copies'
    teacher overlap m slaved (:func:`solve_m`; ``free_m=False`` clamps m = R̂ = 0: students orthogonal to the
    teacher, i.e. the random-label problem of :func:`.ld_kernels.ld_map`).

    Returns ``(t', ℓ', S, ∂S/∂σ̂, q̂0, ĉ, G_E, m, R̂)`` — the first seven as :func:`.ld_kernels.ld_map`.
    """
    nan = np.nan
    q1 = -math.expm1(-t)
    dq = math.exp(ell)
    if not (0.0 < q1 < 1.0) or not (dq > 0.0 and dq < np.inf):
        return nan, nan, nan, nan, nan, nan, nan, nan, nan
    m = solve_m(q1, dq, sigma, alpha, kappa, x_ref, w_ref) if free_m else 0.0
    if not m == m:
        return nan, nan, nan, nan, nan, nan, nan, nan, nan
    qhat0, chat, rhat, ge = ldt_conjugates(q1, dq, m, alpha, kappa, x_ref, w_ref)
    if not free_m:
        rhat = 0.0
    if not (qhat0 > 0.0 and chat >= 0.0):
        return nan, nan, nan, nan, qhat0, chat, ge, m, rhat
    gs, S, dS, q1n, dqn, mn = ldt_entropic(qhat0, chat, sigma, rhat, x_ref, w_ref, False)
    if not (0.0 < q1n < 1.0 and dqn > 0.0 and dqn < np.inf):
        return nan, nan, S, dS, qhat0, chat, ge, m, rhat
    return -math.log1p(-q1n), math.log(dqn), S, dS, qhat0, chat, ge, m, rhat
