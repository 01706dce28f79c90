"""The finite-temperature loss channel ``e^{-βℓ(h)}`` of a binary-weight minimiser's reference measure
(docs/theory.md §10; derivation in docs/perceptron_binary_minimizers.md).  Numba kernels only.

For a stability ``h = ω + √V t`` with t ~ N(0, 1) the channel's partition function and tilted measure are

    Z(ω, V) = ∫Dt e^{-βℓ(ω + √V t)},      ⟨f⟩ = ∫Dt e^{-βℓ(ω + √V t)} f(t) / Z,

with ``∂_ω ln Z = ⟨t⟩/√V`` and ``∂²_ω ln Z = (Var t - 1)/V`` (differentiate under the integral in ω, then
integrate by parts in t: no derivative of ℓ is needed, so kinks and steps are harmless).  The losses are
those of :mod:`replica.saddle_point.losses` (square, logistic, hinge with margin, cross-entropy with
sharpness γ — ``-h/2 + ln 2cosh(γh)/(2γ) = ln(1 + e^{-2γh})/(2γ)``, the same function as docs/theory.md §10's
ℓ_γ) and the error-counting loss ``Θ(κ̃ - h)`` (code ``ERROR_COUNTING``, param κ̃), for which β = ∞ is
allowed (the channel is then the constraint θ(h - κ̃) of a Gardner reference).

Quadrature of the tilted measure (``tilted_rule``).  For a convex loss the log-integrand
``ψ(t) = -t²/2 - βℓ(ω + √V t)`` has ``ψ'' ≤ -1``: it is unimodal, and on either side of its mode t_m it
falls below ``ψ(t_m) - Δ`` within ``√(2Δ)``.  The t axis is cut at the mode and at the points where ψ has
dropped by each of ``LEVELS`` (Newton from the outside start ``t_m ± √(2Δ)``, monotone for a concave ψ),
so the panels follow the integrand's own scale however sharp it is (β → ∞, γ → ∞: a Gumbel-like step of
width 1/(2γ√V) at ``h = ln(β/2γ)/(2γ)``), plus exact cuts at the loss's kinks.  The error-counting channel
is two Gaussian pieces (weight e^{-β} left of t_k = (κ̃ - ω)/√V, 1 right of it), each cut at its own
level points.  The weights carry ``e^{ψ - ψ(t_m)}`` and are normalised (the rule integrates 1 exactly).
"""

import math

import numpy as np

from .._numba import kernel
from ..saddle_point.losses import CROSS_ENTROPY, HINGE, LOGISTIC, SQUARE, loss_terms
from ..saddle_point.roots import safeguarded_step
from ..saddle_point.special import GH, log_H
from ._quad import BASE, KINK_OFFSETS, MERGE, STEP_OFFSETS, Z_MAX, _fill, add_feature, fill_rule, merged_rule
from .fp_energetic import H_ONE, INV_SQRT_2PI, _log_h_gh

ERROR_COUNTING = 4
LEVELS = np.array([1.125, 6.125, 18.0, 40.5])   # a unit Gaussian is cut at ±1.5, 3.5, 6, 9 (the BASE grid)
NEGLIGIBLE = 1e-18   # tilted-measure weights below this are skipped in the FP term (|ln H| ≲ 1e2 there)
# the effective step of a sharp loss at large β, exp(-e^{-y}): dead below y ≈ -3.7 (e^{-40}), within
# e^{-y} of 1 above (cut out to y = 40); in units of its width 1/(rate·√V)
GUMBEL_OFFSETS = np.array([-3.7, -2.0, -0.8, 0.0, 0.8, 2.0, 4.0, 8.0, 15.0, 25.0, 40.0])
# the constrained field's kink seen through Gaussian noise of width w (a Gaussian-smoothed kink: its curvature is a
# Gaussian of width w, which an 8-node panel wider than ~1.5 w does not resolve to 1e-10)
SMOOTH_KINK_OFFSETS = np.array([-10.0, -6.0, -3.5, -2.0, -1.0, 0.0, 1.0, 2.0, 3.5, 6.0, 10.0])
SHARP_MODE = 0.6      # a mode narrower than this (in t) is cut on its own curvature scale
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
CUTS = 2 * (2 * LEVELS.shape[0] + 2) + 2 * KINK_OFFSETS.shape[0] + 11 + 11 + 8


@kernel
def sharpness(kind, param):
    """Rate 2γ of the smooth losses' kink at h = 0 (cross-entropy γ, logistic γ = 1/2); 0 otherwise."""
    if kind == CROSS_ENTROPY:
        return 2.0 * param
    if kind == LOGISTIC:
        return 1.0
    return 0.0


@kernel
def channel_loss(kind, param, h):
    """ℓ(h), including the error-counting loss."""
    if kind == ERROR_COUNTING:
        return 1.0 if h < param else 0.0
    return loss_terms(kind, h, param)[0]


@kernel
def _psi(kind, param, beta, omega, sv, t):
    """``(ψ(t), ψ'(t))``, ``ψ = -t²/2 - βℓ(ω + √V t)`` (convex losses; hinge: left derivative at the kink)."""
    value, d1, _ = loss_terms(kind, omega + sv * t, param)
    return -0.5 * t * t - beta * value, -t - beta * sv * d1


@kernel
def _mode(kind, param, beta, omega, sv):
    """Maximiser of the concave ψ: root of the increasing ``f = -ψ' = t + β√V ℓ'(ω + √V t)``."""
    if beta == 0.0 or sv == 0.0:
        return 0.0
    if kind == SQUARE:
        return beta * sv * (1.0 - omega) / (1.0 + beta * sv * sv)
    if kind == HINGE:   # kink at t_k: left piece peaks at β√V, right piece at 0
        tk = (param - omega) / sv
        return min(max(0.0, tk), beta * sv)
    # ℓ' ∈ [-1, 0]: the root lies in [0, β√V]; bracket it by doubling from 1 (β√V can be 1e80 while the
    # root is O(1): bisecting [0, β√V] would take hundreds of steps)
    lo, hi = 0.0, 1.0
    while hi < beta * sv and hi + beta * sv * loss_terms(kind, omega + sv * hi, param)[1] < 0.0:
        lo, hi = hi, 2.0 * hi
    hi = min(hi, beta * sv)
    t = 0.5 * (lo + hi)
    dx_old = 2.0 * (hi - lo)
    for _ in range(300):
        _, d1, d2 = loss_terms(kind, omega + sv * t, param)
        f = t + beta * sv * d1
        if f == 0.0:
            return t
        new, lo, hi, dx = safeguarded_step(t, f, 1.0 + beta * sv * sv * d2, lo, hi, dx_old)
        dx_old = dx
        if abs(new - t) <= 1e-13 * (1.0 + abs(t)) or hi - lo <= 1e-13 * (1.0 + abs(t)):
            return new
        t = new
    return t


@kernel
def _level_point(kind, param, beta, omega, sv, tm, target, side, delta):
    """The t on ``side`` (±1) of the mode where the concave ψ equals ``target = ψ(t_m) - Δ``: Newton from
    ``t_m + side·√(2Δ)``, which lies beyond the root (ψ'' ≤ -1) — the iterates then approach it
    monotonically from outside.  A cut needs no more than a few digits."""
    t = tm + side * math.sqrt(2.0 * delta)
    for _ in range(30):
        p, dp = _psi(kind, param, beta, omega, sv, t)
        g = p - target
        if abs(g) <= 1e-3 * (1.0 + delta) or dp == 0.0:
            break
        step = g / dp
        t -= step
        if abs(step) <= 1e-9 * (1.0 + abs(t)):
            break
    return t


@kernel
def _gauss_piece_cuts(cuts, n, a, b):
    """Cuts of the Gaussian density on [a, b] (a < b, either may be infinite) at its level points."""
    m = min(max(0.0, a), b)
    cuts[n] = m
    n += 1
    for k in range(LEVELS.shape[0]):
        if m < b:
            v = math.sqrt(m * m + 2.0 * LEVELS[k])  # m ≥ 0 here
            if v < b:
                cuts[n] = v
                n += 1
        if m > a:
            v = -math.sqrt(m * m + 2.0 * LEVELS[k])  # m ≤ 0 here
            if v > a:
                cuts[n] = v
                n += 1
    return n


@kernel
def tilted_rule(kind, param, beta, omega, V, extra_center, extra_width, x_ref, w_ref):
    """Rule for the tilted measure ``Dt e^{-βℓ(ω + √V t)}/Z``: returns ``(nodes, weights, ln Z)`` with the
    weights normalised to 1.  ``(extra_center, extra_width)`` is a further feature of the integrand (a smoothed
    kink, cut on ``SMOOTH_KINK_OFFSETS`` when it is sharper than ``MAX_WIDTH``; exactly at the centre when the
    width is 0; pass ``inf`` for none)."""
    sv = math.sqrt(V)
    cuts = np.empty(CUTS)
    n = 0
    psi_max = 0.0
    if kind == ERROR_COUNTING:
        tk = (param - omega) / sv if sv > 0.0 else (np.inf if param > omega else -np.inf)
        log_right = log_H(tk)
        log_left = -beta + log_H(-tk) if beta < np.inf else -np.inf
        psi_r = -0.5 * max(tk, 0.0) ** 2          # maxima of each piece's log-integrand
        psi_l = -beta - 0.5 * min(tk, 0.0) ** 2 if beta < np.inf else -np.inf
        psi_max = max(psi_r, psi_l)
        top = max(log_right, log_left)
        if log_right > top - 46.0:
            n = _gauss_piece_cuts(cuts, n, tk, np.inf)
        if log_left > top - 46.0:
            n = _gauss_piece_cuts(cuts, n, -np.inf, tk)
        if np.isfinite(tk):
            cuts[n] = tk
            n += 1
    else:
        tm = _mode(kind, param, beta, omega, sv)
        psi_max = _psi(kind, param, beta, omega, sv, tm)[0]
        cuts[n] = tm
        n += 1
        # the curvature scale at the mode: much finer than the level points' spacing when the mode sits on a
        # sharp step (a large-β, large-γ cross-entropy channel)
        width = 1.0 / math.sqrt(1.0 + beta * V * loss_terms(kind, omega + sv * tm, param)[2])
        if width < SHARP_MODE:
            n = add_feature(cuts, n, tm, width, KINK_OFFSETS)
        for k in range(LEVELS.shape[0]):
            for side in (-1.0, 1.0):
                cuts[n] = _level_point(kind, param, beta, omega, sv, tm, psi_max - LEVELS[k], side, LEVELS[k])
                n += 1
        if sv > 0.0:
            if kind == HINGE:
                cuts[n] = (param - omega) / sv
                n += 1
            rate = sharpness(kind, param)
            if rate > 0.0 and beta > 0.0:
                n = add_feature(cuts, n, -omega / sv, 1.0 / (rate * sv), KINK_OFFSETS)
                if beta > rate:  # the effective step exp(-e^{-y}), y = rate·(h - ln(β/rate)/rate), y ↑ with t
                    n = add_feature(cuts, n, (math.log(beta / rate) / rate - omega) / sv, 1.0 / (rate * sv),
                                    GUMBEL_OFFSETS)
    lo, hi = np.inf, -np.inf
    for i in range(n):
        lo = min(lo, cuts[i])
        hi = max(hi, cuts[i])
    if not hi > lo:
        lo, hi = lo - 1.0, lo + 1.0
    if extra_width == 0.0 and np.isfinite(extra_center):   # an exact cut (a step of the caller's integrand)
        cuts[n] = extra_center
        n += 1
    else:
        n = add_feature(cuts, n, extra_center, extra_width, SMOOTH_KINK_OFFSETS)
    nodes = np.empty(x_ref.shape[0] * (n + 1))
    weights = np.empty(x_ref.shape[0] * (n + 1))
    # near-coincident cuts are merged (MERGE) unless the rule has an exact cut at a kink or step (hinge,
    # error counting), which merging could move into a panel
    merge = 0.0 if kind == HINGE or kind == ERROR_COUNTING or extra_width == 0.0 else MERGE
    count = _fill(cuts, n, lo, hi, x_ref, w_ref, False, merge, nodes, weights)
    nodes, weights = nodes[:count], weights[:count]
    total = 0.0
    for i in range(count):
        t = nodes[i]
        if kind == ERROR_COUNTING:
            p = -0.5 * t * t - (beta if omega + sv * t < param else 0.0)
        else:
            p = _psi(kind, param, beta, omega, sv, t)[0]
        w = weights[i] * math.exp(p - psi_max)
        weights[i] = w
        total += w
    for i in range(count):
        weights[i] /= total
    return nodes, weights, psi_max - LOG_SQRT_2PI + math.log(total)


@kernel
def _step_features(kind, param, beta, V):
    """Centres of the features of ``ln Z(ω, V)`` in ω, each of width √V: a loss kink, the effective step of a
    sharp loss at large β, the edge of its linear regime ω ≈ kink - βV, and (error counting) the ω where the
    Gaussian tail beyond the step meets the floor e^{-β}.  Unused entries are inf."""
    out = np.full(3, np.inf)
    if kind == ERROR_COUNTING:
        out[0] = param
        if beta < np.inf:  # where the tail beyond the step, H(t_k), meets the floor e^{-β}Φ(t_k)
            lo, hi = -40.0, 40.0
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                if log_H(mid) + beta - log_H(-mid) > 0.0:
                    lo = mid
                else:
                    hi = mid
            out[1] = param - math.sqrt(V) * lo
    elif kind == HINGE:
        out[0] = param
        out[1] = param - beta * V
    elif kind == CROSS_ENTROPY or kind == LOGISTIC:
        rate = sharpness(kind, param)
        out[0] = 0.0
        out[1] = -beta * V
        if beta > rate:
            out[2] = math.log(beta / rate) / rate   # (β/2γ)e^{-2γh} = 1
    return out


@kernel
def add_reference_features(cuts, n, kind, param, beta, q):
    """Cut the z axis (ω = √q z) at the channel's features (``_step_features``), width √(1-q)/√q."""
    sq = math.sqrt(q)
    if sq <= 0.0:
        return n
    centres = _step_features(kind, param, beta, 1.0 - q)
    for k in range(centres.shape[0]):
        if np.isfinite(centres[k]):
            n = add_feature(cuts, n, centres[k] / sq, math.sqrt(1.0 - q) / sq, KINK_OFFSETS)
    return n


@kernel
def gibbs_energetic(kind, param, beta, q, x_ref, w_ref):
    """Energetic term of the finite-β reference and its moments:
    ``(E ln Z, E(∂_ω ln Z)², E⟨ℓ⟩, E(∂²_ω ln Z)², E⟨θ(-h)⟩)`` over ω = √q z, V = 1 - q."""
    cuts = np.empty(BASE.shape[0] + 3 * STEP_OFFSETS.shape[0] + 2)
    cuts[:BASE.shape[0]] = BASE
    n = add_reference_features(cuts, BASE.shape[0], kind, param, beta, q)
    znodes, zweights = merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)
    sq, V = math.sqrt(q), 1.0 - q
    sv = math.sqrt(V)
    out = np.zeros(5)
    for i in range(znodes.shape[0]):
        omega = sq * znodes[i]
        # the training-error indicator θ(-h) steps at t = -ω/√V: cut there
        tn, tw, lnz = tilted_rule(kind, param, beta, omega, V, -omega / sv, 0.0, x_ref, w_ref)
        m1 = 0.0
        for j in range(tn.shape[0]):
            m1 += tw[j] * tn[j]
        var = el = err = 0.0
        for j in range(tn.shape[0]):
            t = tn[j]
            h = omega + sv * t
            var += tw[j] * (t - m1) ** 2
            el += tw[j] * channel_loss(kind, param, h)
            if h < 0.0:
                err += tw[j]
        zw = zweights[i]
        d1 = m1 / sv
        d2 = (var - 1.0) / V
        out[0] += zw * lnz
        out[1] += zw * d1 * d1
        out[2] += zw * el
        out[3] += zw * d2 * d2
        out[4] += zw * err
    return out


@kernel
def binary_entropic(qhat, x_ref, w_ref):
    """``(E ln 2cosh(√q̂ z), E tanh², E sech², E sech⁴)`` — 1 - q = E sech² without cancellation, and the
    replicon's γ_S = E(1 - m²)² = E sech⁴."""
    s = math.sqrt(qhat)
    cuts = np.empty(BASE.shape[0] + STEP_OFFSETS.shape[0] + 2)
    cuts[:BASE.shape[0]] = BASE
    n = add_feature(cuts, BASE.shape[0], 0.0, 1.0 / s if s > 0.0 else np.inf, STEP_OFFSETS)
    nodes, weights = merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)
    out = np.zeros(4)
    for i in range(nodes.shape[0]):
        x = s * nodes[i]
        e = math.exp(-2.0 * abs(x))
        t = (1.0 - e) / (1.0 + e)
        sech2 = 4.0 * e / ((1.0 + e) * (1.0 + e))
        w = weights[i]
        out[0] += w * (abs(x) + math.log1p(e))
        out[1] += w * t * t
        out[2] += w * sech2
        out[3] += w * sech2 * sech2
    return out


# ----------------------------------------------------------------------------- Franz–Parisi energetic term
ETA_CUTS = BASE.shape[0] + KINK_OFFSETS.shape[0] + 2


@kernel
def fp_z_rule(kind, param, beta, q0, kappa, S, Q, s0, x_ref, w_ref):
    """z0 rule of the FP energetic term: the reference channel's features, the constrained field's kink
    ``κ = r z0`` (on the scale of the rest of its noise besides the own-reference part) and the z0 where the
    two meet in u."""
    cuts = np.empty(BASE.shape[0] + 3 * KINK_OFFSETS.shape[0] + SMOOTH_KINK_OFFSETS.shape[0] + 3 * STEP_OFFSETS.shape[0] + 2)
    cuts[:BASE.shape[0]] = BASE
    n = add_reference_features(cuts, BASE.shape[0], kind, param, beta, q0)
    r = s0 / math.sqrt(q0)
    c1 = (S - s0) / math.sqrt(1.0 - q0)
    rest = max(Q - s0 * s0 / q0 - c1 * c1, 0.0) + 1.0 - Q
    if r > 1e-8:
        n = add_feature(cuts, n, kappa / r, math.sqrt(rest) / r, SMOOTH_KINK_OFFSETS)
    # where the constrained kink u_k = (κ - r z0)/c1 crosses a feature of the reference channel at
    # h̃ = x_f, i.e. u = (x_f - √q0 z0)/√(1-q0): the two meet in u there
    slope = r - c1 * math.sqrt(q0) / math.sqrt(1.0 - q0)
    if abs(slope) > 1e-8:
        centres = _step_features(kind, param, beta, 1.0 - q0)
        for k in range(centres.shape[0]):
            if np.isfinite(centres[k]):
                n = add_feature(cuts, n, (kappa - c1 * centres[k] / math.sqrt(1.0 - q0)) / slope,
                                math.sqrt(rest) / abs(slope), STEP_OFFSETS)
    return merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)


@kernel
def _eta_moments(mz, sbp, sQ, cuts, enodes, eweights, x_ref, w_ref, out):
    """The η' averages at constrained mean ``κ - m = mz``: ``out = (E ln H(X), E GH, E GH², E GH(GH-X),
    E [GH(GH-X)]²)``, ``X = (mz - √b' η')/√(1-Q)`` (the η' rule cut at the kink X = 0)."""
    if sbp > 0.0:
        cuts[:BASE.shape[0]] = BASE
        m = add_feature(cuts, BASE.shape[0], mz / sbp, sQ / sbp, KINK_OFFSETS)
        count = fill_rule(cuts, m, -Z_MAX, Z_MAX, x_ref, w_ref, True, enodes, eweights)
    else:
        enodes[0], eweights[0], count = 0.0, 1.0, 1
    a_ge = a_g1 = a_gh2 = a_g2 = a_c2 = 0.0
    for j in range(count):
        X = (mz - sbp * enodes[j]) / sQ
        if X < -H_ONE:           # H(X) = 1 to double precision: log H = 0, GH = G
            L, gx = 0.0, INV_SQRT_2PI * math.exp(-0.5 * X * X)
        else:
            L, gx = _log_h_gh(X)
        w = eweights[j]
        cx = gx * (gx - X)
        a_ge += w * L
        a_g1 += w * gx
        a_gh2 += w * gx * gx
        a_g2 += w * cx
        a_c2 += w * cx * cx
    out[0], out[1], out[2], out[3], out[4] = a_ge, a_g1, a_gh2, a_g2, a_c2


# Tabulation of the η' averages in mz (they depend on (z0, u) only through mz = κ - r z0 - c1 u): graded panels
# around the kink mz = 0 (edges ±σ·2^k/2, σ = √(1-Q+b') the kink's width after the η' smoothing: the panels grow
# in proportion to the distance from the kink, where the functions' complex singularities recede), each with
# Chebyshev points of the second kind and barycentric interpolation.  Against the direct η' integral at every
# node: ≤ 1e-13 (test_tabulated_energetic_matches_direct).
CHEB_DEGREE = 24
MAX_PANELS = 200


@kernel
def _table_edges(lo, hi, sigma):
    """Panel edges covering [lo, hi]: lo, hi and the graded points 0, ±σ·2^k/2 inside."""
    edges = np.empty(MAX_PANELS + 1)
    n = 0
    edges[n] = lo
    n += 1
    cand = np.empty(2 * 130 + 1)
    c = 0
    cand[c] = 0.0
    c += 1
    for k in range(130):
        v = 0.5 * sigma * 2.0 ** k
        cand[c] = -v
        cand[c + 1] = v
        c += 2
        if v > max(abs(lo), abs(hi)):
            break
    cand = np.sort(cand[:c])
    for j in range(c):
        if lo < cand[j] < hi and n < MAX_PANELS:
            edges[n] = cand[j]
            n += 1
    edges[n] = hi
    n += 1
    return edges[:n]


@kernel
def _build_table(edges, sbp, sQ, x_ref, w_ref):
    npan = edges.shape[0] - 1
    values = np.empty((npan, CHEB_DEGREE + 1, 5))
    points = np.empty((npan, CHEB_DEGREE + 1))
    cuts = np.empty(ETA_CUTS)
    enodes = np.empty(x_ref.shape[0] * ETA_CUTS)
    eweights = np.empty(x_ref.shape[0] * ETA_CUTS)
    out = np.empty(5)
    for p in range(npan):
        a, b = edges[p], edges[p + 1]
        for j in range(CHEB_DEGREE + 1):
            x = 0.5 * (a + b) + 0.5 * (b - a) * math.cos(math.pi * j / CHEB_DEGREE)
            points[p, j] = x
            _eta_moments(x, sbp, sQ, cuts, enodes, eweights, x_ref, w_ref, out)
            for k in range(5):
                values[p, j, k] = out[k]
    return points, values


@kernel
def _interpolate(edges, points, values, x, out):
    """Barycentric Chebyshev interpolation of the 5 tabulated averages at x (edges[0] ≤ x ≤ edges[-1])."""
    lo, hi = 0, edges.shape[0] - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if x < edges[mid]:
            hi = mid
        else:
            lo = mid
    p = lo
    den = 0.0
    for k in range(5):
        out[k] = 0.0
    for j in range(CHEB_DEGREE + 1):
        diff = x - points[p, j]
        if diff == 0.0:
            for k in range(5):
                out[k] = values[p, j, k]
            return
        lam = (0.5 if j == 0 or j == CHEB_DEGREE else 1.0) * (1.0 if j % 2 == 0 else -1.0) / diff
        den += lam
        for k in range(5):
            out[k] += lam * values[p, j, k]
    for k in range(5):
        out[k] /= den


@kernel
def channel_fp_energetic(kind, param, beta, q0, kappa, S, Q, s0, x_ref, w_ref):
    """Energetic term of the Franz–Parisi entropy around the reference ``e^{-βℓ}`` (binary minimiser at
    β = β_s) and its derivatives, in the layout of :func:`.fp_energetic.fp_energetic`:
    ``(G_E, ∂G_E/∂Q, ∂G_E/∂s0, ∂G_E/∂S, E[GH(X)²], 1, E[GH'(X)²])``.

    ``G_E = ∫Dz0 ⟨∫Dη' ln H(X)⟩_u``, ``X = (κ - r z0 - c1 u - √b' η')/√(1-Q)``, with ⟨·⟩_u the reference's
    tilted measure at ``ω = √q0 z0, V = 1 - q0`` (``tilted_rule``), ``r = s0/√q0``,
    ``c1 = (S - s0)/√(1-q0)``, ``b' = Q - s0²/q0 - c1²``.  With ``g = ln H(X)`` as a function of the
    constrained field's mean, ``g' = GH/√(1-Q)``, ``g'' = -GH(GH - X)/(1-Q)``:
    ``∂_Q = -E[GH²]/(2(1-Q))``, ``∂_S = B/√(1-q0)``, ``∂_{s0} = E[z0 g']/√q0 - B/√(1-q0) - (s0/q0)E[g'']``,
    ``B = E[u g'] - c1 E[g'']`` — the own-reference noise u is integrated explicitly, so E[u g'] needs no
    boundary term.  The η' averages are tabulated in ``κ - r z0 - c1 u`` (``_build_table``)."""
    return _fp_energetic(kind, param, beta, q0, kappa, S, Q, s0, x_ref, w_ref, True)


@kernel
def channel_fp_energetic_direct(kind, param, beta, q0, kappa, S, Q, s0, x_ref, w_ref):
    """:func:`channel_fp_energetic` with the η' integral done at every (z0, u) node (no table; ~10× slower)."""
    return _fp_energetic(kind, param, beta, q0, kappa, S, Q, s0, x_ref, w_ref, False)


@kernel
def _fp_energetic(kind, param, beta, q0, kappa, S, Q, s0, x_ref, w_ref, tabulate):
    sq0 = math.sqrt(q0)
    s1q0 = math.sqrt(1.0 - q0)
    r = s0 / sq0
    c1 = (S - s0) / s1q0
    bp = max(Q - s0 * s0 / q0 - c1 * c1, 0.0)
    sbp = math.sqrt(bp)
    one_q = 1.0 - Q
    sQ = math.sqrt(one_q)
    znodes, zweights = fp_z_rule(kind, param, beta, q0, kappa, S, Q, s0, x_ref, w_ref)
    nz = znodes.shape[0]
    cap = x_ref.shape[0] * (CUTS + 1)
    U = np.empty((nz, cap))
    WU = np.empty((nz, cap))
    counts = np.zeros(nz, dtype=np.int64)
    mlo, mhi = np.inf, -np.inf
    for i in range(nz):   # pass 1: the tilted rule of every z0, and the range of mz it reaches
        z0 = znodes[i]
        if zweights[i] < 1e-300:
            continue
        if c1 != 0.0:
            uk, uw = (kappa - r * z0) / c1, math.sqrt(bp + one_q) / abs(c1)
        else:
            uk, uw = np.inf, np.inf
        tn, tw, _ = tilted_rule(kind, param, beta, sq0 * z0, 1.0 - q0, uk, uw, x_ref, w_ref)
        c = 0
        for k in range(tn.shape[0]):
            if tw[k] < NEGLIGIBLE:
                continue
            U[i, c] = tn[k]
            WU[i, c] = tw[k]
            c += 1
            mz = kappa - r * z0 - c1 * tn[k]
            mlo = min(mlo, mz)
            mhi = max(mhi, mz)
        counts[i] = c
    table = tabulate and sbp > 0.0 and mhi > mlo
    if table:
        edges = _table_edges(mlo, mhi, math.sqrt(one_q + bp))
        points, values = _build_table(edges, sbp, sQ, x_ref, w_ref)
    else:
        edges = np.empty(2)
        points = np.empty((1, 1))
        values = np.empty((1, 1, 5))
    cuts = np.empty(ETA_CUTS)
    enodes = np.empty(x_ref.shape[0] * ETA_CUTS)
    eweights = np.empty(x_ref.shape[0] * ETA_CUTS)
    out = np.empty(5)
    ge = gh2 = g1z = ug1 = g2 = c2 = 0.0
    for i in range(nz):   # pass 2: accumulate
        z0 = znodes[i]
        e_ge = e_gh2 = e_g1 = e_ug1 = e_g2 = e_c2 = 0.0
        for k in range(counts[i]):
            u = U[i, k]
            wu = WU[i, k]
            mz = kappa - r * z0 - c1 * u
            if table:
                _interpolate(edges, points, values, mz, out)
            else:
                _eta_moments(mz, sbp, sQ, cuts, enodes, eweights, x_ref, w_ref, out)
            e_ge += wu * out[0]
            e_g1 += wu * out[1]
            e_ug1 += wu * u * out[1]
            e_gh2 += wu * out[2]
            e_g2 += wu * out[3]
            e_c2 += wu * out[4]
        zw = zweights[i]
        ge += zw * e_ge
        gh2 += zw * e_gh2
        g1z += zw * z0 * e_g1
        ug1 += zw * e_ug1
        g2 += zw * e_g2
        c2 += zw * e_c2
    dQ = -gh2 / (2.0 * one_q)
    B = ug1 / sQ + c1 * g2 / one_q          # E[u g'] - c1 E[g''],  E[g''] = -E[GH(GH-X)]/(1-Q)
    dS = B / s1q0
    ds0 = g1z / (sQ * sq0) - B / s1q0 + (s0 / q0) * g2 / one_q
    return ge, dQ, ds0, dS, gh2, 1.0, c2
