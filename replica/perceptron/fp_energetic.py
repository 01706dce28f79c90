"""Energetic term of the perceptron Franz–Parisi entropy and its derivatives (docs/theory.md §4).

Reference fields ``h̃ = √q0 z0 + √(1-q0) u`` (margin κ̃: u > x0), constrained fields with overlap S to
their own reference, s0 to the others, Q among themselves.  The constrained field of a pattern is
``r z0 + c1 u + √b' η' + √(1-Q) v`` with ``r = s0/√q0``, ``c1 = (S - s0)/√(1-q0)``,
``b' = Q - s0²/q0 - c1²`` (η', v standard normal).  Integrating the own-reference noise u against the
constrained mean ``ζ = c1 u + √b' η' = √b η`` gives (a, b, c below)::

    G_E = ∫Dz0 ∫Dη W(z0, η) log H(X)
    W = H(Y)/H(x0),  Y = (κ̃ - √q0 z0 - cη)/√a,   x0 = (κ̃ - √q0 z0)/√(1-q0)
    X = (κ - r z0 - √b η)/√(1-Q),  b = Q - s0²/q0,  c = (S - s0)/√b,  a = 1 - q0 - c²

For every z0, ``∫Dη W = 1`` (W is the conditional law of ζ given that the reference satisfies its
margin).  As S → 1, a → 0 and W becomes a step at ``η* = (κ̃ - √q0 z0)/c`` of width ``√a/c``;
the η rule is cut on that scale (and on the Gaussian-tail scale 1/η* beyond it, and on the
kink of log H(X) at ``η_X = (κ - r z0)/√b`` of width ``√((1-Q)/b)``), i.e. the integral is done
in the variable (η - η*)/width — no extra nodes as a → 0.  Where W's mass peaks outside the Gaussian
bulk (high-margin references, q0 → 1) the rule is also cut around that peak (``w_peak``); the z0 rule is
cut at the reference's margin, at ``κ = r z0`` and where the constrained mean at the reference's margin
crosses κ (``z0_rule``).  W is evaluated in the log domain where ``H(x0)`` underflows, directly
elsewhere.

Derivatives (docs/perceptron.md) are written in the variables (r, c1, b', 1-Q), in which nothing is
singular at b → 0 (the degenerate saddle at S = q0, κ̃ = κ): with ``g = log H(X)``,
``g' = GH(X)/√(1-Q)``, ``g'' = -GH(X)(GH(X) - X)/(1-Q)`` and E the W-weighted average,

    ∂G_E/∂Q  = -E[GH(X)²]/(2(1-Q))                               (heat equation + Stein)
    ∂G_E/∂S  = B/√(1-q0)
    ∂G_E/∂s0 = E[z0 g']/√q0 - B/√(1-q0) - (s0/q0) E[g'']
    B = ∫Dz0 GH(x0) ∫Dη' g'(r z0 + c1 x0 + √b' η')               (the u = x0 boundary term)

B comes from integrating ``E[u f(u)]`` by parts over the truncated u: the 1/b factors of a chain rule
through (b, c) cancel exactly, and are never formed (they cost ~4 digits near the degenerate saddle).
"""

import math

import numpy as np

from .._numba import kernel
from ..saddle_point.special import GH, log_H
from ._quad import BASE, KINK_OFFSETS, MAX_WIDTH, STEP_OFFSETS, Z_MAX, add_feature, fill_rule, merged_rule

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
INV_SQRT2 = 1.0 / math.sqrt(2.0)
TAIL_OFFSETS = np.array([0.3, 1.0, 2.5, 5.0, 9.0, 16.0])
DIRECT_LOG_H = -600.0   # log H(x0) above which W = G(η) H(Y)/H(x0) is evaluated without logs
DIRECT_X = 30.0         # X below which log H(X), GH(X) come from one erfc (asymptotic series beyond)
H_ONE = 8.3             # H(-8.3) = 1 - 5e-17 = 1 in double precision
H_ZERO = 37.0           # H(37) = 6e-301


@kernel
def z0_rule(q0, kappa_ref, kappa, s0, Q, S, x_ref, w_ref):
    """z0 rule, cut at three features: the reference's margin step (``x0 = 0``, width √(1-q0)/√q0); the
    constrained field's kink ``κ = r z0``; and the z0 where the constrained mean at the reference's margin
    (u = x0) crosses κ, ``r z0 + c1 x0(z0) = κ`` (there the W step and the log H(X) kink meet in η).  The
    two constrained features have the width of the noise left besides the own-reference noise,
    ``√(1 - Q + b')``, divided by their slope in z0."""
    sq = math.sqrt(q0)
    s1 = math.sqrt(1.0 - q0)
    cuts = np.empty(BASE.shape[0] + 3 * STEP_OFFSETS.shape[0] + 2)
    cuts[:BASE.shape[0]] = BASE
    n = add_feature(cuts, BASE.shape[0], kappa_ref / sq, s1 / sq, STEP_OFFSETS)
    r = s0 / sq
    c1 = (S - s0) / s1
    noise = math.sqrt(max(1.0 - Q + Q - s0 * s0 / q0 - c1 * c1, 0.0))
    if r > 1e-8:
        n = add_feature(cuts, n, kappa / r, noise / r, STEP_OFFSETS)
    slope = r - c1 * sq / s1   # d/dz0 of r z0 + c1 x0(z0)
    if abs(slope) > 1e-8:
        n = add_feature(cuts, n, (kappa - c1 * kappa_ref / s1) / slope, noise / abs(slope), STEP_OFFSETS)
    return merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)


PEAK_OFFSETS = np.array([-8.0, -4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0, 8.0])
PEAK_BULK = 4.0  # W's peak inside |η| ≤ PEAK_BULK is resolved by the base grid and the step's cuts
ETA_CUTS = BASE.shape[0] + STEP_OFFSETS.shape[0] + TAIL_OFFSETS.shape[0] + KINK_OFFSETS.shape[0] + \
    PEAK_OFFSETS.shape[0] + 2


@kernel
def w_peak(base, c, sa):
    """Where W = G(η)H(Y)/H(x0) has its mass: the maximiser η_m of the concave ``ℓ(η) = -η²/2 + log H(Y)``,
    ``Y = (base - cη)/√a``, and its scale ``1/√(-ℓ''(η_m))`` (Newton, step halved when |ℓ'| grows)."""
    k = c / sa
    eta = 0.0
    Y = base / sa
    g = GH(Y)
    d1 = k * g
    d2 = -1.0 - k * k * g * (g - Y)
    for _ in range(60):
        step = -d1 / d2
        for _ in range(30):
            e_new = eta + step
            Y = (base - c * e_new) / sa
            g = GH(Y)
            n1 = -e_new + k * g
            if abs(n1) <= abs(d1):
                break
            step *= 0.5
        eta, d1 = e_new, n1
        d2 = -1.0 - k * k * g * (g - Y)
        if abs(step) <= 1e-8 * (1.0 + abs(eta)):
            break
    return eta, 1.0 / math.sqrt(-d2)


@kernel
def eta_cuts(cuts, eta_step, w_step, sign, eta_kink, w_kink, eta_peak, w_peak_):
    """Cuts of the η rule into ``cuts`` (capacity ``ETA_CUTS``): base grid, the W step at ``eta_step`` (W
    rises towards ``sign·∞``) with the Gaussian tail beyond it, the log H(X) kink, and — when it lies
    outside the Gaussian bulk — the peak of W's mass (a high-margin reference, q0 → 1, can put it there,
    between the bulk and a distant step).  Returns ``(n, lo, hi)``; the dead side of a sharp step
    (W < 2e-33) is left out of [lo, hi], never the peak."""
    cuts[:BASE.shape[0]] = BASE
    n = BASE.shape[0]
    lo, hi = -Z_MAX, Z_MAX
    if abs(eta_peak) > PEAK_BULK:
        n = add_feature(cuts, n, eta_peak, w_peak_, PEAK_OFFSETS)
    if np.isfinite(eta_step) and w_step <= MAX_WIDTH:
        n = add_feature(cuts, n, eta_step, w_step, STEP_OFFSETS)
        far = eta_step + sign * 12.0 * w_step
        if sign * eta_step > 1.0:  # beyond the step W ∝ G(η): graded on the tail scale 1/|η*| < 1
            tail = 1.0 / (sign * eta_step)
            n = add_feature(cuts, n, eta_step + sign * 2.0 * w_step, sign * tail, TAIL_OFFSETS) if sign > 0 else \
                add_feature(cuts, n, eta_step + sign * 2.0 * w_step, tail, -TAIL_OFFSETS)
            far += sign * 16.0 * tail
        # beyond 12 widths on the dead side H(Y) < H(12) = 2e-33; the Gaussian G(η) can grow towards it by at
        # most exp(12·w_step·sign·η*), so that side is left out only when that factor stays below e^24
        dead = eta_step - sign * 12.0 * w_step
        cut = sign * eta_step * w_step <= 2.0
        if sign > 0:
            hi = max(hi, far)
            if cut:
                lo = max(lo, min(dead, eta_peak - 12.0 * w_peak_) if abs(eta_peak) > PEAK_BULK else dead)
        else:
            lo = min(lo, far)
            if cut:
                hi = min(hi, max(dead, eta_peak + 12.0 * w_peak_) if abs(eta_peak) > PEAK_BULK else dead)
    if abs(eta_peak) > PEAK_BULK:
        lo = min(lo, eta_peak - 12.0 * w_peak_)
        hi = max(hi, eta_peak + 12.0 * w_peak_)
    n = add_feature(cuts, n, eta_kink, w_kink, KINK_OFFSETS)
    return n, lo, hi


@kernel
def _log_h_gh(X):
    """``(log H(X), GH(X))`` from one erfc below ``DIRECT_X`` (absolute accuracy ~1e-16 for log H)."""
    if X < DIRECT_X:
        h = 0.5 * math.erfc(X * INV_SQRT2)
        return math.log(h), INV_SQRT_2PI * math.exp(-0.5 * X * X) / h
    return log_H(X), GH(X)


@kernel
def fp_energetic(q0, kappa_ref, kappa, S, Q, s0, x_ref, w_ref):
    """Returns ``(G_E, ∂G_E/∂Q, ∂G_E/∂s0, ∂G_E/∂S, E[W GH(X)²], min_z0 ∫Dη W, E[W GH'(X)²])``.

    The last output, with ``GH'(X) = GH(X)(GH(X) - X) = -(1-Q)∂²_ω log H``, gives the constrained copies'
    replicon (docs/stability.md eq. 22–23); it costs one multiply-add per node.
    """
    sq0 = math.sqrt(q0)
    s1q0 = math.sqrt(1.0 - q0)
    b = max(Q - s0 * s0 / q0, 1e-300)
    sb = math.sqrt(b)
    c = (S - s0) / sb
    a = max(1.0 - q0 - c * c, 1e-300)
    sa = math.sqrt(a)
    c1 = (S - s0) / s1q0
    sbp = math.sqrt(max(b - c1 * c1, 0.0))
    r = s0 / sq0
    one_q = 1.0 - Q
    sQ = math.sqrt(one_q)
    znodes, zweights = z0_rule(q0, kappa_ref, kappa, s0, Q, S, x_ref, w_ref)
    cuts = np.empty(ETA_CUTS)
    enodes = np.empty(x_ref.shape[0] * ETA_CUTS)
    eweights = np.empty(x_ref.shape[0] * ETA_CUTS)
    bcuts = np.empty(BASE.shape[0] + KINK_OFFSETS.shape[0] + 2)
    bnodes = np.empty(x_ref.shape[0] * bcuts.shape[0])
    bweights = np.empty(x_ref.shape[0] * bcuts.shape[0])
    ge = gh2 = g1z = g2 = bnd = c2 = 0.0
    mass_min = 1.0e300
    for i in range(znodes.shape[0]):
        z0 = znodes[i]
        base = kappa_ref - sq0 * z0
        x0 = base / s1q0
        lhx0 = log_H(x0)
        eta_step = base / c if c != 0.0 else np.inf
        w_step = sa / abs(c) if c != 0.0 else np.inf
        mz = kappa - r * z0
        # W's peak (only where this z0 node matters: with |W log H| ≲ 1e2, weights < 1e-14 cannot)
        eta_m, w_m = w_peak(base, c, sa) if zweights[i] > 1e-14 else (0.0, 1.0)
        n, lo, hi = eta_cuts(cuts, eta_step, w_step, 1.0 if c > 0.0 else -1.0, mz / sb, sQ / sb, eta_m, w_m)
        count = fill_rule(cuts, n, lo, hi, x_ref, w_ref, False, enodes, eweights)
        direct = lhx0 > DIRECT_LOG_H
        scale = INV_SQRT_2PI * math.exp(-lhx0) if direct else 0.0
        e_ge = e_gh2 = e_g1 = e_g2 = e_c2 = mass = 0.0
        for j in range(count):
            eta = enodes[j]
            Y = (base - c * eta) / sa
            if direct:
                if Y > H_ZERO:       # H(Y) < 1e-300: W = 0 to double precision
                    continue
                hy = 1.0 if Y < -H_ONE else 0.5 * math.erfc(Y * INV_SQRT2)
                w = eweights[j] * scale * math.exp(-0.5 * eta * eta) * hy
            else:
                w = eweights[j] * math.exp(-0.5 * eta * eta - LOG_SQRT_2PI - lhx0 + log_H(Y))
            X = (mz - sb * eta) / sQ
            if X < -H_ONE:           # H(X) = 1 to double precision: log H = 0, GH = G
                L, gx = 0.0, INV_SQRT_2PI * math.exp(-0.5 * X * X)
            else:
                L, gx = _log_h_gh(X)
            mass += w
            e_ge += w * L
            e_gh2 += w * gx * gx
            e_g1 += w * gx
            cx = gx * (gx - X)
            e_g2 += w * cx
            e_c2 += w * cx * cx
        # boundary term: the own-reference noise at its truncation point u = x0
        mb = mz - c1 * x0
        bcuts[:BASE.shape[0]] = BASE
        n = add_feature(bcuts, BASE.shape[0], mb / sbp if sbp > 0.0 else np.inf, sQ / sbp if sbp > 0.0 else np.inf,
                        KINK_OFFSETS)
        bcount = fill_rule(bcuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True, bnodes, bweights)
        e_b = 0.0
        for j in range(bcount):
            e_b += bweights[j] * GH((mb - sbp * bnodes[j]) / sQ)
        zw = zweights[i]
        ge += zw * e_ge
        gh2 += zw * e_gh2
        g1z += zw * z0 * e_g1
        g2 += zw * e_g2
        c2 += zw * e_c2
        bnd += zw * GH(x0) * e_b
        if zw > 1e-12 and mass < mass_min:
            mass_min = mass
    dQ = -gh2 / (2.0 * one_q)
    B = bnd / sQ
    dS = B / s1q0
    ds0 = g1z / (sQ * sq0) - B / s1q0 + (s0 / q0) * g2 / one_q
    return ge, dQ, ds0, dS, gh2, mass_min, c2
