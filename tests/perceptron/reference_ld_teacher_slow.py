"""Slow, independent reference for the y = ∞ dense regions with a binary teacher (docs/large_deviation_teacher.md).

scipy only (``quad``, ``brentq``, ``optimize.root``); imports nothing from ``replica`` (the teacher-free maximisers
M_c, the root of v - c tanh v = h, and the energetic maximiser g* come from the part-1 slow reference).  Every
stationarity condition in its *direct* form, which differs from the fast code's:

* the entropic term on the whole ζ line, ``E_ζ M_ĉ(|√q̂0ζ + R̂| + σ̂)`` (no folding onto x = |ζ + a|), and δq from
  ``2∂G_S/∂q̂0 - (1 - q1)`` with ``2∂G_S/∂q̂0 = E[ζ sign(h0) tanh v]/√q̂0`` (no integration by parts: the boundary
  term at h0 = 0 and the jump are implicit);
* the energetic conjugates as explicit derivatives of ``∫Dζ T(ζ)Ψ(ζ)``, including those of the teacher weight
  ``T = 2H(-mζ/√(q1-m²))`` (no Gaussian integration by parts: the fast R̂ is the field at ν = 0);
* the typical teacher–student solutions from the textbook Nishimori equations (q̂ in closed form, no kernel).
"""

import math

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq, root
from scipy.special import ndtr

from .reference_ld_slow import GH, M, OPTS, ZMAX, dens, g_star, log2cosh, logH, v_star


def Hs(x):
    return float(ndtr(-x))


# --------------------------------------------------------------------------- entropic term (whole line)
def entropic(qhat0, chat, sigma, rhat):
    """dict: G_S, S, q1, m, K = 2∂G_S/∂q̂0 (direct), on the whole ζ line."""
    s = math.sqrt(qhat0)
    a = rhat / s
    pts = [-a]
    if sigma < 0:
        pts += [-a - sigma / s, -a + sigma / s]
    edges = sorted(set([-ZMAX] + [p for p in pts if -ZMAX < p < ZMAX] + [ZMAX]))

    def E(f):
        return sum(quad(lambda z: dens(z) * f(z), u, w, **OPTS)[0] for u, w in zip(edges, edges[1:]))

    def parts(z):
        h0 = s * z + rhat
        t = math.tanh(v_star(abs(h0) + sigma, chat))
        return h0, t

    return dict(
        GS=E(lambda z: M(abs(s * z + rhat) + sigma, chat)),
        S=E(lambda z: parts(z)[1]),
        q1=E(lambda z: parts(z)[1] ** 2),
        m=E(lambda z: math.copysign(1.0, parts(z)[0]) * parts(z)[1]),
        K=E(lambda z: z * math.copysign(1.0, parts(z)[0]) * parts(z)[1]) / s,
    )


# --------------------------------------------------------------------------- energetic term (teacher weight)
def energetic(q1, dq, m, kappa=0.0):
    """dict: G_E = ∫Dζ T Ψ and its explicit partial derivatives in δq, q1 and m."""
    sq, s = math.sqrt(q1), math.sqrt(1 - q1)
    vm = q1 - m * m
    sm = math.sqrt(vm)

    def u(z):
        return -m * z / sm

    def T(z):
        return 2 * Hs(u(z))

    def at(z):
        g = g_star(sq * z, q1, dq, kappa)
        return g, (kappa - sq * z - g) / s

    def psi(z):
        g, x = at(z)
        return logH(x) - g * g / (2 * dq)

    dT_dm = lambda z: 2 * dens(u(z)) * z * q1 / vm ** 1.5
    dT_dq1 = lambda z: -dens(u(z)) * m * z / vm ** 1.5

    def dpsi_dq1(z):
        _, x = at(z)
        return GH(x) * (z / (2 * sq * s) - x / (2 * s * s))

    E = lambda f: quad(lambda z: dens(z) * f(z), -ZMAX, ZMAX, points=[kappa / sq, 0.0], **OPTS)[0]
    return dict(
        GE=E(lambda z: T(z) * psi(z)),
        dGE_ddq=E(lambda z: T(z) * at(z)[0] ** 2 / (2 * dq * dq)),
        dGE_dq1=E(lambda z: dT_dq1(z) * psi(z) + T(z) * dpsi_dq1(z)),
        dGE_dm=E(lambda z: dT_dm(z) * psi(z)),
    )


# --------------------------------------------------------------------------- functional and saddle
def functional(alpha, S, q1, dq, m, qhat0, chat, rhat, sigma, kappa=0.0):
    """S_I before extremisation: -σ̂S - ½q̂0(1 - q1 + δq) - ½ĉq1 - R̂m + G_S + αG_E."""
    gs = entropic(qhat0, chat, sigma, rhat)["GS"]
    ge = energetic(q1, dq, m, kappa)["GE"]
    return -sigma * S - 0.5 * qhat0 * (1 - q1 + dq) - 0.5 * chat * q1 - rhat * m + gs + alpha * ge


def equations(x, alpha, S, kappa=0.0):
    """Stationarity in (δq, q1, m, ĉ, R̂, q̂0, σ̂); unknowns x = (q1, log δq, m, q̂0, ĉ, R̂, σ̂)."""
    q1, dq, m, qhat0, chat, rhat, sigma = x[0], math.exp(x[1]), x[2], x[3], x[4], x[5], x[6]
    e = energetic(q1, dq, m, kappa)
    s = entropic(qhat0, chat, sigma, rhat)
    return np.array([
        qhat0 - 2 * alpha * e["dGE_ddq"],           # ∂/∂δq
        chat - qhat0 - 2 * alpha * e["dGE_dq1"],    # ∂/∂q1
        rhat - alpha * e["dGE_dm"],                 # ∂/∂m
        q1 - s["q1"],                               # ∂/∂ĉ
        m - s["m"],                                 # ∂/∂R̂
        dq - (s["K"] - (1 - q1)),                   # ∂/∂q̂0
        S - s["S"],                                 # ∂/∂σ̂
    ])


def solve(alpha, d, start, kappa=0.0):
    """The saddle at distance d from ``start = (q1, δq, m, q̂0, ĉ, R̂, σ̂)`` (scipy.optimize.root, hybr); a dict
    with the order parameters, S_I, the centre's R = 1 - 2H(R̂/√q̂0) and the residual."""
    S = 1 - 2 * d
    x0 = list(start)
    x0[1] = math.log(x0[1])
    sol = root(equations, x0, args=(alpha, S, kappa), method="hybr", options={"xtol": 1e-12})
    if not sol.success:
        raise RuntimeError(f"slow teacher LD solve failed: {sol.message}")
    q1, dq, m, qhat0, chat, rhat, sigma = sol.x[0], math.exp(sol.x[1]), *sol.x[2:]
    phi = functional(alpha, S, q1, dq, m, qhat0, chat, rhat, sigma, kappa)
    return dict(q1=q1, dq=dq, m=m, qhat0=qhat0, chat=chat, rhat=rhat, sigma=sigma, phi=phi,
                R=1 - 2 * Hs(rhat / math.sqrt(qhat0)),
                residual=float(np.max(np.abs(equations(sol.x, alpha, S, kappa)))))


# --------------------------------------------------------------------------- typical solutions (Nishimori)
def nishimori_qhat(alpha, q):
    """q̂ = (α/(π√(1-q))) ∫Dt e^{-qt²/2}/H(-√q t)."""
    f = lambda t: dens(t) * math.exp(-q * t * t / 2) / Hs(-math.sqrt(q) * t)
    return alpha / (math.pi * math.sqrt(1 - q)) * quad(f, -12, 12, **OPTS)[0]


def teacher_student(alpha):
    """dict: q, q̂, entropy of the binary teacher–student version space (RS, Nishimori q = m, q̂ = m̂)."""
    def gap(q):
        qh = nishimori_qhat(alpha, q)
        s = math.sqrt(qh)
        return quad(lambda z: dens(z) * math.tanh(s * z + qh), -12, 12, **OPTS)[0] - q

    q = brentq(gap, 1e-9, 0.99, xtol=1e-15, rtol=1e-15)   # the poor-generalisation root (α ≲ 1.4)
    qh = nishimori_qhat(alpha, q)
    s = math.sqrt(qh)
    c = math.sqrt(q / (1 - q))
    ent = (-0.5 * qh * (1 + q) + quad(lambda z: dens(z) * log2cosh(s * z + qh), -12, 12, **OPTS)[0]
           + 2 * alpha * quad(lambda z: dens(z) * Hs(-c * z) * logH(-c * z), -12, 12, **OPTS)[0])
    return dict(q=q, qhat=qh, entropy=ent, gibbs_error=math.acos(q) / math.pi,
                bayes_error=math.acos(math.sqrt(q)) / math.pi)
