"""Energetic term of the perceptron Franz–Parisi entropy and its derivatives (THEORY §4).

Reference fields ``h̃ = √q0 z0 + √(1-q0) u`` (margin κ̃), constrained fields with overlap S to
their own reference, s0 to the others, Q among themselves.  Integrating the own-reference noise
u against the constrained mean ``ζ = √b η`` gives (a, b, c below)::

    G_E = ∫Dz0 ∫Dη W(z0, η) log H(X)
    W = H(Y)/H(x0),  Y = (κ̃ - √q0 z0 - cη)/√a,   x0 = (κ̃ - √q0 z0)/√(1-q0)
    X = (κ - r z0 - √b η)/√(1-Q),  r = s0/√q0,  b = Q - s0²/q0,  c = (S - s0)/√b,  a = 1 - q0 - c²

For every z0, ``∫Dη W = 1`` (W is the conditional law of ζ given that the reference satisfies its
margin).  As S → 1, a → 0 and W becomes a step at ``η* = (κ̃ - √q0 z0)/c`` of width ``√a/c``;
the η rule is cut on that scale (and on the Gaussian-tail scale 1/η* beyond it, and on the
kink of log H(X) at ``η_X = (κ - r z0)/√b`` of width ``√((1-Q)/b)``), i.e. the integral is done
in the variable (η - η*)/width — no extra nodes as a → 0.  W is evaluated in the log domain.

Derivatives are taken under the integral (chain rule through a, b, c, r, X, Y); the identity
``∂G_E/∂Q = -E[W·GH(X)²]/(2(1-Q))`` (Stein) is checked in the tests.
"""

import math

import numpy as np

from .._numba import kernel
from ..saddle_point.special import GH, log_H
from ._quad import BASE, KINK_OFFSETS, MAX_WIDTH, STEP_OFFSETS, Z_MAX, add_feature, plain_rule, rule

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
TAIL_OFFSETS = np.array([0.3, 1.0, 2.5, 5.0, 9.0, 16.0])


@kernel
def z0_rule(q0, kappa_ref, kappa, s0, Q, x_ref, w_ref):
    sq = math.sqrt(q0)
    cuts = np.empty(BASE.shape[0] + 2 * STEP_OFFSETS.shape[0])
    cuts[:BASE.shape[0]] = BASE
    n = add_feature(cuts, BASE.shape[0], kappa_ref / sq, math.sqrt(1.0 - q0) / sq, STEP_OFFSETS)
    r = s0 / sq
    if r > 1e-8:
        n = add_feature(cuts, n, kappa / r, math.sqrt(max(1.0 - Q, 0.0)) / r, STEP_OFFSETS)
    return rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref)


@kernel
def eta_rule(eta_step, w_step, sign, eta_kink, w_kink, x_ref, w_ref):
    """η rule: base cuts, the W step at ``eta_step`` (W rises towards ``sign·∞``) with the Gaussian
    tail beyond it, and the log H(X) kink."""
    cuts = np.empty(BASE.shape[0] + STEP_OFFSETS.shape[0] + TAIL_OFFSETS.shape[0] + KINK_OFFSETS.shape[0])
    cuts[:BASE.shape[0]] = BASE
    n = BASE.shape[0]
    lo, hi = -Z_MAX, Z_MAX
    if np.isfinite(eta_step) and w_step <= MAX_WIDTH:
        n = add_feature(cuts, n, eta_step, w_step, STEP_OFFSETS)
        tail = 1.0 / max(1.0, sign * eta_step)
        n = add_feature(cuts, n, eta_step + sign * 2.0 * w_step, sign * tail, TAIL_OFFSETS) if sign > 0 else \
            add_feature(cuts, n, eta_step + sign * 2.0 * w_step, tail, -TAIL_OFFSETS)
        far = eta_step + sign * (12.0 * w_step + 16.0 * tail)
        hi = max(hi, far)
        lo = min(lo, far)
    n = add_feature(cuts, n, eta_kink, w_kink, KINK_OFFSETS)
    return plain_rule(cuts, n, lo, hi, x_ref, w_ref)


@kernel
def fp_energetic(q0, kappa_ref, kappa, S, Q, s0, x_ref, w_ref):
    """Returns ``(G_E, ∂G_E/∂Q, ∂G_E/∂s0, ∂G_E/∂S, E[W GH(X)²], min_z0 ∫Dη W)``."""
    sq0 = math.sqrt(q0)
    s1q0 = math.sqrt(1.0 - q0)
    b = max(Q - s0 * s0 / q0, 1e-300)
    sb = math.sqrt(b)
    c = (S - s0) / sb
    a = max(1.0 - q0 - c * c, 1e-300)
    sa = math.sqrt(a)
    r = s0 / sq0
    sQ = math.sqrt(1.0 - Q)
    # derivatives of (b, c, r) with respect to (Q, s0, S)
    dc_Q = -c / (2.0 * b)
    db_s0 = -2.0 * s0 / q0
    dc_s0 = -1.0 / sb + c * s0 / (q0 * b)
    dc_S = 1.0 / sb
    dr_s0 = 1.0 / sq0
    znodes, zweights = z0_rule(q0, kappa_ref, kappa, s0, Q, x_ref, w_ref)
    ge = dQ = ds0 = dS = gh2 = 0.0
    mass_min = 1.0e300
    for i in range(znodes.shape[0]):
        z0 = znodes[i]
        base = kappa_ref - sq0 * z0
        lhx0 = log_H(base / s1q0)
        eta_step = base / c if c != 0.0 else np.inf
        w_step = sa / abs(c) if c != 0.0 else np.inf
        enodes, eweights = eta_rule(eta_step, w_step, 1.0 if c > 0.0 else -1.0, (kappa - r * z0) / sb, sQ / sb,
                                    x_ref, w_ref)
        e_ge = e_dQ = e_ds0 = e_dS = e_gh2 = mass = 0.0
        for j in range(enodes.shape[0]):
            eta = enodes[j]
            Y = (base - c * eta) / sa
            lg = -0.5 * eta * eta - LOG_SQRT_2PI - lhx0  # log[G(η)/H(x0)]
            w = eweights[j] * math.exp(lg + log_H(Y))
            wy = eweights[j] * math.exp(lg - 0.5 * Y * Y - LOG_SQRT_2PI)  # G(η)G(Y)/H(x0)
            X = (kappa - r * z0 - sb * eta) / sQ
            L = log_H(X)
            gx = GH(X)
            mass += w
            e_ge += w * L
            e_gh2 += w * gx * gx
            # ∂Y = -η ∂c/√a - Y ∂a/(2a), ∂a = -2c ∂c  ⇒  ∂Y = ∂c (-η/√a + Y c/a)
            kY = -eta / sa + Y * c / a
            # ∂W = -G(Y)/H(x0) ∂Y ; ∂L = -GH(X) ∂X
            dX_Q = -eta / (2.0 * sb * sQ) + X / (2.0 * (1.0 - Q))
            dX_s0 = (-z0 * dr_s0 - eta * db_s0 / (2.0 * sb)) / sQ
            e_dQ += -wy * dc_Q * kY * L - w * gx * dX_Q
            e_ds0 += -wy * dc_s0 * kY * L - w * gx * dX_s0
            e_dS += -wy * dc_S * kY * L
        zw = zweights[i]
        ge += zw * e_ge
        dQ += zw * e_dQ
        ds0 += zw * e_ds0
        dS += zw * e_dS
        gh2 += zw * e_gh2
        if zw > 1e-12 and mass < mass_min:
            mass_min = mass
    return ge, dQ, ds0, dS, gh2, mass_min
