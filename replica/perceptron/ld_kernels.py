"""Numba kernels of the y → ∞ large-deviation local entropy (docs/theory.md §8, docs/large_deviation.md).

Entropic term (ζ ≥ 0, h = √q̂0 ζ + σ̂; the clipped centre w̃ = sign(field) folds ζ onto the half line)::

    G_S = 2∫_0^∞ Dζ M_ĉ(h),   M_c(h) = max_u [log 2cosh(h+u) - u²/(2c)] = log 2cosh v - c tanh²v / 2,
    v - c tanh v = h  (the root of largest |v| with the sign of h),   M_c' = tanh v,
    M_c'' = sech²v / (1 - c sech²v).

Energetic term (ζ over the line, x0 = (κ - √q1 ζ)/√(1-q1), r = δq/(1-q1))::

    G_E = ∫Dζ max_g [log H((κ - √q1ζ - g)/√(1-q1)) - g²/(2δq)] = ∫Dζ [log H(x) - (x0-x)²/(2r)],
    x + r GH(x) = x0   (the maximiser: g = √(1-q1)(x0 - x); x + rGH(x) is increasing and convex).

Every kernel takes a Gauss–Legendre reference rule ``x_ref, w_ref`` on [-1, 1] (never a global).
"""

import math

import numpy as np

from .._numba import kernel
from ..saddle_point.special import GH, G, log_2cosh, log_H
from ._quad import BASE, STEP_OFFSETS, Z_MAX, add_feature, merged_rule

HALF_BASE = np.array([0.0, 0.75, 1.5, 2.5, 3.5, 4.75, 6.0, Z_MAX])
G0 = 1.0 / math.sqrt(2.0 * math.pi)   # G(0)
STEP_RIGHT = np.array([0.0, 0.35, 0.7, 1.3, 2.0, 3.5, 5.0, 8.0, 12.0])


# ----------------------------------------------------------------------------- M_c(h)
@kernel
def v_root(h, c):
    """Root of ``v - c tanh v = h`` of largest |v| with the sign of h (h = 0: the positive one).

    For a ≥ 0, ``f(v) = v - c tanh v - a`` is convex and increasing beyond its largest root, so Newton
    from ``v = a + c`` (where f ≥ 0) decreases monotonically onto that root — no bracket is needed.
    """
    a = abs(h)
    if c <= 0.0:
        return h
    v = a + c
    for _ in range(200):
        t = math.tanh(v)
        f = v - c * t - a
        df = 1.0 - c * (1.0 - t * t)
        if not df > 0.0:
            break
        step = f / df
        v -= step
        if step <= 1e-15 * (1.0 + v):
            break
    if v < 0.0:  # a = 0, c ≤ 1: the root is 0
        v = 0.0
    return v if h >= 0.0 else -v


@kernel
def m_value(h, c):
    """``M_c(h) = log 2cosh v - c tanh²v/2``."""
    v = v_root(h, c)
    t = math.tanh(v)
    return log_2cosh(v) - 0.5 * c * t * t


# ----------------------------------------------------------------------------- entropic term
@kernel
def _entropic_panel(sq, chat, sigma, lo, hi, cuts, n, x_ref, w_ref, with_gs, out):
    """Accumulate the half-line integrands over [lo, hi] into ``out`` (gs, S, dS, q1, dq_bulk)."""
    nodes, weights = merged_rule(cuts, n, lo, hi, x_ref, w_ref, True)
    for i in range(nodes.shape[0]):
        h = sq * nodes[i] + sigma
        v = v_root(h, chat)
        e = math.exp(-2.0 * abs(v))
        t = (1.0 - e) / (1.0 + e)
        if v < 0.0:
            t = -t
        s2 = 4.0 * e / ((1.0 + e) * (1.0 + e))   # sech²v without cancellation
        den = 1.0 - chat * s2
        w = weights[i]
        if with_gs:
            out[0] += w * (abs(v) + math.log1p(e) - 0.5 * chat * t * t)
        out[1] += w * t
        out[2] += w * s2 / den
        out[3] += w * t * t
        out[4] += w * chat * s2 * s2 / den


@kernel
def h_scale(c):
    """Scale in h on which tanh v(h) bends at h = 0: ~|1 - c|^{3/2} (cube-root singularity at c = 1)."""
    a = abs(1.0 - c)
    return min(1.0, max(1e-6, a * math.sqrt(a)))


@kernel
def _half_line_cuts(cuts, sq, chat, sigma, lo, hi):
    """Cuts in ζ for the entropic integrand on [lo, hi]: the Gaussian base, and h = √q̂0ζ + σ̂ graded
    geometrically (ratio 2) away from h = 0 on both sides, from :func:`h_scale` up to h = 8 (where
    tanh v has saturated).  Returns the count."""
    n = 0
    for v in HALF_BASE:
        cuts[n] = v
        n += 1
    cuts[n] = 0.5 * (lo + hi)   # never a single panel: _quad's merge drops the only interior end of one
    n += 1
    return add_scale_cuts(cuts, n, sq, chat, sigma, lo, hi)


@kernel
def add_scale_cuts(cuts, n, sq, chat, sigma, lo, hi):
    """Append to ``cuts[:n]`` the ζ where √q̂0 ζ + σ̂ = ±h for h = h_scale(ĉ)·2^k < 8 inside (lo, hi): the
    scales on which M_ĉ bends; returns the new count."""
    h = h_scale(chat)
    while h < 8.0:
        for sgn in (-1.0, 1.0):
            z = (sgn * h - sigma) / sq
            if lo < z < hi:
                cuts[n] = z
                n += 1
        h *= 2.0
    return n


@kernel
def ld_entropic(qhat0, chat, sigma, x_ref, w_ref, with_gs):
    """``(G_S, S, ∂S/∂σ̂, q1, δq)`` of the entropic term at (q̂0, ĉ, σ̂).

    ``S = ∂G_S/∂σ̂ = 2∫_0^∞ Dζ tanh v``, ``q1 = 2∂G_S/∂ĉ = 2∫_0^∞ Dζ tanh²v`` and
    ``δq = 2∂G_S/∂q̂0 - (1 - q1)`` in its integrated-by-parts form (docs/large_deviation.md)::

        δq = 2G(0) tanh v(σ̂)/√q̂0 + 2∫_0^∞ Dζ ĉ sech⁴v/(1 - ĉ sech²v) + J,

    the first term being the boundary term of the half line (the kink of the max over w̃ at ζ = 0) and
    J = 4G(ζ0) tanh v(0⁺)/√q̂0 the jump of tanh v at ζ0 = -σ̂/√q̂0 (only for σ̂ < 0, ĉ > 1; ∂S/∂σ̂ carries
    the same J).  G_S (the only output needing logarithms) is 0 unless ``with_gs``.
    """
    sq = math.sqrt(qhat0)
    out = np.zeros(5)
    cuts = np.empty(HALF_BASE.shape[0] + 2 * 48 + 3)
    zeta0 = -sigma / sq if sigma < 0.0 else 0.0
    if zeta0 >= Z_MAX:
        zeta0 = Z_MAX
    for piece in range(2):   # split exactly at the kink/jump of tanh v(h) (h = 0)
        lo, hi = (0.0, zeta0) if piece == 0 else (zeta0, Z_MAX)
        if hi <= lo:
            continue
        n = _half_line_cuts(cuts, sq, chat, sigma, lo, hi)
        _entropic_panel(sq, chat, sigma, lo, hi, cuts, n, x_ref, w_ref, with_gs, out)
    gs, S, dS, q1, dqb = 2.0 * out[0], 2.0 * out[1], 2.0 * out[2], 2.0 * out[3], 2.0 * out[4]
    v0 = v_root(sigma, chat)
    dq = dqb + 2.0 * G0 * math.tanh(v0) / sq
    if sigma < 0.0 and chat > 1.0 and zeta0 < Z_MAX:
        jump = 4.0 * G(zeta0) * math.tanh(v_root(0.0, chat)) / sq
        dq += jump
        dS += jump
    return gs, S, dS, q1, dq


@kernel
def solve_sigma(qhat0, chat, S, guess, x_ref, w_ref):
    """σ̂ solving ``S(σ̂) = S`` (S(σ̂) is continuous and increasing), Newton safeguarded by bisection,
    the bracket grown from ``guess``.  Returns ``(σ̂, G_S=0, S, ∂S/∂σ̂, q1, δq)`` at the root."""
    lo, hi = -np.inf, np.inf
    x = guess
    best = ld_entropic(qhat0, chat, x, x_ref, w_ref, False)
    for _ in range(200):
        out = ld_entropic(qhat0, chat, x, x_ref, w_ref, False)
        best = out
        f = out[1] - S
        if abs(f) <= 1e-14 or hi - lo <= 1e-15 * (1.0 + abs(x)):
            break
        if f > 0.0:
            hi = x
        else:
            lo = x
        df = out[2]
        step = -f / df if df > 0.0 else -np.sign(f)
        if abs(step) > 1.0 + abs(x):
            step = np.sign(step) * (1.0 + abs(x))
        new = x + step
        if not lo < new < hi:
            if np.isfinite(lo) and np.isfinite(hi):
                new = 0.5 * (lo + hi)
            elif np.isfinite(lo):
                new = lo + 2.0 * (1.0 + abs(lo))
            else:
                new = hi - 2.0 * (1.0 + abs(hi))
        x = new
    return x, best[0], best[1], best[2], best[3], best[4]


# ----------------------------------------------------------------------------- energetic term
@kernel
def prox_x(x0, r, x_start):
    """Root of ``x + r GH(x) = x0`` (r ≥ 0).  ``f(x) = x + rGH(x) - x0`` is increasing (f' = 1 + rGH(GH-x) ≥ 1)
    and convex, so Newton from any point at or right of the root decreases monotonically onto it:
    ``x_start`` must satisfy ``x_start ≥ root`` (x0 always does; so does the root for a larger x0, which is
    how the ζ loops warm-start it from the previous node)."""
    x = x_start
    for _ in range(200):
        gh = GH(x)
        f = x + r * gh - x0
        df = 1.0 + r * gh * (gh - x)
        step = f / df
        x -= step
        if abs(step) <= 1e-15 * (1.0 + abs(x)):
            break
    return x


@kernel
def _kink_cuts(cuts, center, w_above, w_below):
    """The Gaussian base plus cuts graded geometrically (ratio 2) away from the constraint's kink at
    ``center``: above it from ``w_above/4`` (the g ≈ 0 side), below it from ``w_above/4`` through
    ``w_below`` (the side where the maximiser g tracks the field), out to the edge of the rule."""
    n = 0
    for v in BASE:
        cuts[n] = v
        n += 1
    if -Z_MAX < center < Z_MAX:
        cuts[n] = center
        n += 1
    h = 0.25 * w_above
    while h < 2.0 * Z_MAX and n < cuts.shape[0] - 2:
        for z in (center - h, center + h):
            if -Z_MAX < z < Z_MAX:
                cuts[n] = z
                n += 1
        h *= 2.0
    return n


@kernel
def ld_energetic(q1, dq, kappa, x_ref, w_ref):
    """``(G_E, E[GH(x)²], E[γ²/(1 + rγ)])`` with ``γ = GH(x)(GH(x) - x)``, ``r = δq/(1-q1)``.

    Conjugates (docs, eqs. (11)–(12)): ``q̂0 = 2α∂G_E/∂δq = αE[GH²]/(1-q1)`` and
    ``ĉ = q̂0 + 2α∂G_E/∂q1 = α δq E[γ²/(1+rγ)]/(1-q1)²`` (Stein's lemma in ζ; manifestly ≥ 0).
    The ζ rule is cut at the constraint's kink κ/√q1 on the two scales of the maximiser: √(1-q1)/√q1
    above it (g ≈ 0) and (1-q1+δq)/√(q1(1-q1)) below it (g tracks the field).
    """
    sq, s = math.sqrt(q1), math.sqrt(1.0 - q1)
    r = dq / (s * s)
    cuts = np.empty(BASE.shape[0] + 64)
    n = _kink_cuts(cuts, kappa / sq, s / sq, (s * s + dq) / (sq * s))
    nodes, weights = merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)
    ge = a = c = 0.0
    x, x0_prev = 0.0, -np.inf
    for i in range(nodes.shape[0]):     # ζ ascending: x0 descending, the previous root is ≥ this one
        x0 = (kappa - sq * nodes[i]) / s
        x = prox_x(x0, r, x if x0 <= x0_prev else x0)
        x0_prev = x0
        gh = GH(x)
        gam = gh * (gh - x)
        w = weights[i]
        ge += w * (log_H(x) - (0.5 * (x0 - x) * (x0 - x) / r if r > 0.0 else 0.0))
        a += w * gh * gh
        c += w * gam * gam / (1.0 + r * gam)
    return ge, a, c


@kernel
def violation_mass(q1, dq, kappa, S, qhat0, x_ref, w_ref):
    """Fraction of patterns the clipped centre violates (docs, eq. (22)).

    The centre's stability is ``Δ̃ = (S/√q1) ζ + τ GH(x(ζ))/√(1-q1) + √(1 - S²/q1) ε`` with
    ``τ = 2G(0)/√q̂0`` (the O(1/y) gap S - t between the centre–own-replica and centre–other-replica
    overlaps); returns ``∫Dζ H((μ(ζ) - κ)/√(1 - S²/q1))`` complement, i.e. P(Δ̃ < κ).
    """
    sq, s = math.sqrt(q1), math.sqrt(1.0 - q1)
    r = dq / (s * s)
    tau = 2.0 * G0 / math.sqrt(qhat0)
    e2 = 1.0 - S * S / q1
    e = math.sqrt(e2) if e2 > 0.0 else 0.0
    cuts = np.empty(BASE.shape[0] + 3 * STEP_OFFSETS.shape[0] + 2)
    cuts[:BASE.shape[0]] = BASE
    n = add_feature(cuts, BASE.shape[0], kappa / sq, s / sq, STEP_OFFSETS)
    n = add_feature(cuts, n, kappa / sq, (s * s + dq) / (sq * s), STEP_OFFSETS)
    n = add_feature(cuts, n, kappa * sq / S, e * sq / S, STEP_OFFSETS)
    nodes, weights = merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)
    total = 0.0
    x, x0_prev = 0.0, -np.inf
    for i in range(nodes.shape[0]):
        z = nodes[i]
        x0 = (kappa - sq * z) / s
        x = prox_x(x0, r, x if x0 <= x0_prev else x0)
        x0_prev = x0
        mu = S / sq * z + tau * GH(x) / s
        if e > 0.0:
            total += weights[i] * 0.5 * math.erfc((mu - kappa) / (e * math.sqrt(2.0)))
        elif mu < kappa:
            total += weights[i]
    return total


@kernel
def abs_tanh_mean(qhat, x_ref, w_ref):
    """``S* = E|tanh(√q̂ z)|`` (the clipped centre's overlap with the Gardner cloud)."""
    s = math.sqrt(qhat)
    cuts = np.empty(HALF_BASE.shape[0] + STEP_RIGHT.shape[0])
    cuts[:HALF_BASE.shape[0]] = HALF_BASE
    n = add_feature(cuts, HALF_BASE.shape[0], 0.0, 1.0 / s, STEP_RIGHT)
    nodes, weights = merged_rule(cuts, n, 0.0, Z_MAX, x_ref, w_ref, True)
    total = 0.0
    for i in range(nodes.shape[0]):
        total += weights[i] * math.tanh(s * nodes[i])
    return 2.0 * total


# ----------------------------------------------------------------------------- the reduced map
@kernel
def ld_map(t, ell, sigma, alpha, kappa, x_ref, w_ref):
    """One pass of the y = ∞ equations at fixed σ̂, state ``(t, ℓ) = (-log(1-q1), log δq)``.

    Energetic term → closed-form conjugates ``q̂0 = αE[GH²]/(1-q1)``, ``ĉ = αδqE[γ²/(1+rγ)]/(1-q1)²``;
    entropic term at (q̂0, ĉ, σ̂) → new ``q1 = E tanh²v``, new δq, and the overlap ``S`` those order
    parameters describe.  Returns ``(t', ℓ', S, ∂S/∂σ̂, q̂0, ĉ, G_E)``; NaNs outside the domain.
    """
    nan = np.nan
    q1 = -math.expm1(-t)
    dq = math.exp(ell)
    if not (0.0 < q1 < 1.0) or not (dq > 0.0 and dq < np.inf):
        return nan, nan, nan, nan, nan, nan, nan
    ge, a, c = ld_energetic(q1, dq, kappa, x_ref, w_ref)
    s2 = 1.0 - q1
    qhat0 = alpha * a / s2
    chat = alpha * dq * c / (s2 * s2)
    if not (qhat0 > 0.0 and chat >= 0.0):
        return nan, nan, nan, nan, qhat0, chat, ge
    gs, S, dS, q1n, dqn = ld_entropic(qhat0, chat, sigma, x_ref, w_ref, False)
    if not (0.0 < q1n < 1.0 and dqn > 0.0 and dqn < np.inf):
        return nan, nan, S, dS, qhat0, chat, ge
    return -math.log1p(-q1n), math.log(dqn), S, dS, qhat0, chat, ge


@kernel
def ld_map_out(t, ell, sigma, alpha, kappa, Q1, dQ, k1, k2, x_ref, w_ref):
    """:func:`ld_map` with the energetic term seen through an output kernel k (committee machine, docs/committee.md).

    The energetic term is evaluated at the output overlaps ``Q1 = k(q1)``, ``δQ = k′(q1) δq`` (passed in, with
    ``k1 = k′(q1)``, ``k2 = k″(q1)``: the kernel is evaluated by the caller); the chain rule on
    ``G_E(k(q1), k′(q1)δq)`` gives the conjugates ::

        q̂0 = α k′ E[GH²]/(1 - Q1),     ĉ = α δq [k′² E[γ²/(1 + Rγ)]/(1 - Q1)² + k″ E[GH²]/(1 - Q1)],

    ``R = δQ/(1 - Q1)``; the entropic term (weights) is unchanged.  With k(q) = q (k′ = 1, k″ = 0) this is
    :func:`ld_map` up to round-off.  Returns ``(t', ℓ', S, ∂S/∂σ̂, q̂0, ĉ, G_E)``; NaNs outside the domain.
    """
    nan = np.nan
    q1 = -math.expm1(-t)
    dq = math.exp(ell)
    if not (0.0 < q1 < 1.0 and 0.0 < Q1 < 1.0) or not (dq > 0.0 and dq < np.inf and dQ > 0.0 and dQ < np.inf):
        return nan, nan, nan, nan, nan, nan, nan
    ge, a, c = ld_energetic(Q1, dQ, kappa, x_ref, w_ref)
    s2 = 1.0 - Q1
    qhat0 = alpha * k1 * a / s2
    chat = alpha * dq * (k1 * k1 * c / (s2 * s2) + k2 * a / s2)
    if not (qhat0 > 0.0 and chat >= 0.0):
        return nan, nan, nan, nan, qhat0, chat, ge
    gs, S, dS, q1n, dqn = ld_entropic(qhat0, chat, sigma, x_ref, w_ref, False)
    if not (0.0 < q1n < 1.0 and dqn > 0.0 and dqn < np.inf):
        return nan, nan, S, dS, qhat0, chat, ge
    return -math.log1p(-q1n), math.log(dqn), S, dS, qhat0, chat, ge
