"""Slow, independent reference for the finite-y large-deviation free entropy (docs/theory.md §8, docs/large_deviation.md §9).

scipy only (``quad``, ``quad_vec``, ``brentq``, ``optimize.root``, ``log_ndtr``); imports nothing from ``replica``.
Written for readability, in the direct forms:

* Φ(y; q1, q0, q̂1, q̂0, Ŝ) = -yŜS - ½yq̂1(1 + (y-1)q1) + ½y²q̂0q0 + G_S + αG_E (docs/theory.md §8, as printed);
* the inner group integrals by adaptive ``quad_vec`` over the group variable (w = h + u, ω = z + g) on an
  interval around every stationary point of the exponent (found by ``brentq``), the outer ones by ``quad`` over
  the whole line (no use of the z → -z symmetry, unlike the fast code);
* the stationarity conditions as tilted averages: q1 = E⟨m²⟩, q0 = E⟨m⟩², S = E⟨w̃m⟩,
  q̂1 = αE⟨GH²⟩/(1-q1), q̂0 = αE⟨GH⟩²/(1-q1), solved by ``scipy.optimize.root`` (hybr) on all five unknowns;
* S_I = ∂Φ/∂y as the explicit y-derivative, by central differences of the functional in y at fixed order
  parameters (not the closed form the fast code uses);
* the y → 0 limit: the binary Gardner entropy at fixed magnetisation S (``fixed_magnetisation_entropy``).
"""

import math

import numpy as np
from scipy.integrate import quad, quad_vec
from scipy.optimize import brentq, root
from scipy.special import log_ndtr

from tests.reference.gauss import SQ2PI, dens, logH, GH, log2cosh  # noqa: F401 (used below)

OPTS = dict(epsabs=1e-12, epsrel=1e-11, limit=200)
ZMAX = 9.0


# --------------------------------------------------------------------------- inner (group) integrals
def _stationary_cosh(h, c):
    """All roots of w - c tanh w = h (one or three), by brentq on the monotone pieces."""
    f = lambda w: w - c * math.tanh(w) - h
    lo, hi = h - c - 1.0, h + c + 1.0
    if c <= 1:
        return [brentq(f, lo, hi, xtol=1e-14)]
    wc = math.acosh(math.sqrt(c))            # f' = 0 at ±wc
    roots = []
    for a, b in ((lo, -wc), (-wc, wc), (wc, hi)):
        if f(a) * f(b) <= 0:
            roots.append(brentq(f, a, b, xtol=1e-14))
    return roots


def cosh_group(h, y, dh):
    """log E_u [2cosh(h+u)]^y, u ~ N(0, dh), and the tilted ⟨tanh⟩, ⟨tanh²⟩, ⟨log 2cosh⟩."""
    c = y * dh
    sd = math.sqrt(dh)
    peaks = _stationary_cosh(h, c)
    expo = lambda w: y * log2cosh(w) - (w - h) ** 2 / (2 * dh)
    top = max(expo(w) for w in peaks)
    f = lambda w: math.exp(expo(w) - top) * np.array([1.0, math.tanh(w), math.tanh(w) ** 2, log2cosh(w)])
    lo, hi = min(peaks) - 12 * sd, max(peaks) + 12 * sd
    cuts = sorted(set([lo] + peaks + [hi]))
    tot = sum(quad_vec(f, a, b, epsabs=1e-14, epsrel=1e-12)[0] for a, b in zip(cuts, cuts[1:]))
    L = top + math.log(tot[0] / (sd * SQ2PI))
    return L, tot[1] / tot[0], tot[2] / tot[0], tot[3] / tot[0]


def H_group(zp, y, q1, d, kappa):
    """log E_g H((κ - zp - g)/√(1-q1))^y, g ~ N(0, d), and the tilted ⟨log H⟩, ⟨GH⟩, ⟨GH²⟩."""
    s = math.sqrt(1 - q1)
    expo = lambda g: y * logH((kappa - zp - g) / s) - g * g / (2 * d)
    dexpo = lambda g: y * GH((kappa - zp - g) / s) / s - g / d
    hi = y * d * GH((kappa - zp) / s) / s + 1e-300       # the maximiser lies in [0, hi] (dexpo(0) ≥ 0)
    g0 = 0.0 if dexpo(hi) >= 0 else brentq(dexpo, 0.0, hi, xtol=1e-15, rtol=1e-14) if hi > 1e-290 else 0.0
    top = expo(g0)
    sd = math.sqrt(d)

    def f(g):
        x = (kappa - zp - g) / s
        return math.exp(expo(g) - top) * np.array([1.0, logH(x), GH(x), GH(x) ** 2])

    tot = quad_vec(f, g0 - 12 * sd, g0, epsabs=1e-14, epsrel=1e-12)[0] \
        + quad_vec(f, g0, g0 + 12 * sd, epsabs=1e-14, epsrel=1e-12)[0]
    L = top + math.log(tot[0] / (sd * SQ2PI))
    return L, tot[1] / tot[0], tot[2] / tot[0], tot[3] / tot[0]


# --------------------------------------------------------------------------- outer integrals
def entropic(y, qhat0, qhat1, shat):
    """dict: G_S and the averages E⟨m²⟩, E⟨m⟩², E⟨w̃m⟩, E⟨log 2cosh⟩ (z over the whole line)."""
    sq, dh = math.sqrt(qhat0), qhat1 - qhat0

    def f(zeta):
        z = sq * zeta
        Lp, mp, m2p, lcp = cosh_group(z + shat, y, dh)
        Lm, mm, m2m, lcm = cosh_group(z - shat, y, dh)
        top = max(Lp, Lm)
        ep, em = math.exp(Lp - top), math.exp(Lm - top)
        pp, pm = ep / (ep + em), em / (ep + em)
        m = pp * mp + pm * mm
        return dens(zeta) * np.array([top + math.log(ep + em), pp * m2p + pm * m2m, m * m, pp * mp - pm * mm,
                                      pp * lcp + pm * lcm])

    pts = sorted({0.0, abs(shat) / sq, -abs(shat) / sq, -ZMAX, ZMAX})
    pts = [p for p in pts if -ZMAX <= p <= ZMAX]
    tot = sum(quad_vec(f, a, b, epsabs=1e-13, epsrel=1e-11)[0] for a, b in zip(pts, pts[1:]))
    return dict(GS=tot[0], q1=tot[1], q0=tot[2], S=tot[3], dGS=tot[4])


def energetic(y, q1, q0, kappa):
    """dict: G_E and E⟨GH²⟩, E⟨GH⟩², E⟨log H⟩."""
    sq = math.sqrt(q0)

    def f(zeta):
        L, lh, gh, gh2 = H_group(sq * zeta, y, q1, q1 - q0, kappa)
        return dens(zeta) * np.array([L, gh2, gh * gh, lh])

    pts = sorted({-ZMAX, kappa / sq, ZMAX})
    tot = sum(quad_vec(f, a, b, epsabs=1e-13, epsrel=1e-11)[0] for a, b in zip(pts, pts[1:]))
    return dict(GE=tot[0], a=tot[1], b=tot[2], dGE=tot[3])


# --------------------------------------------------------------------------- functional, saddle, S_I
def functional(y, alpha, kappa, S, q1, q0, qhat1, qhat0, shat):
    """Φ before extremisation, docs/theory.md §8 as printed."""
    conj = -y * shat * S - 0.5 * y * qhat1 * (1 + (y - 1) * q1) + 0.5 * y * y * qhat0 * q0
    return conj + entropic(y, qhat0, qhat1, shat)["GS"] + alpha * energetic(y, q1, q0, kappa)["GE"]


def equations(x, y, alpha, kappa, S):
    """The five stationarity conditions, unknowns x = (q1, q0, q̂1, q̂0, Ŝ)."""
    q1, q0, qhat1, qhat0, shat = x
    e = energetic(y, q1, q0, kappa)
    s = entropic(y, qhat0, qhat1, shat)
    return np.array([qhat1 - alpha * e["a"] / (1 - q1), qhat0 - alpha * e["b"] / (1 - q1),
                     q1 - s["q1"], q0 - s["q0"], S - s["S"]])


def solve(y, alpha, d, start, kappa=0.0):
    """The finite-y saddle from ``start = (q1, q0, q̂1, q̂0, Ŝ)``; dict with the order parameters, Φ, S_I
    (central difference of Φ in y, h = 1e-4·y, at fixed order parameters) and Σ_ext."""
    S = 1 - 2 * d
    sol = root(equations, np.asarray(start, float), args=(y, alpha, kappa, S), method="hybr",
               options={"xtol": 1e-12})
    if not sol.success:
        raise RuntimeError(f"slow finite-y solve failed: {sol.message}")
    x = sol.x
    Phi = functional(y, alpha, kappa, S, *x)
    h = 1e-4 * y
    SI = (functional(y + h, alpha, kappa, S, *x) - functional(y - h, alpha, kappa, S, *x)) / (2 * h)
    return dict(q1=x[0], q0=x[1], qhat1=x[2], qhat0=x[3], shat=x[4], Phi=Phi, SI=SI, sigma_ext=Phi - y * SI,
                residual=float(np.max(np.abs(equations(x, y, alpha, kappa, S)))))


# --------------------------------------------------------------------------- y → 0
def fixed_magnetisation_entropy(alpha, S, kappa=0.0, start=None):
    """RS log-count of solutions with w·1 = NS (the count around a uniformly random centre, by gauge symmetry):
    extr_{q, q̂, m̂} -m̂S - ½q̂(1-q) + E log 2cosh(√q̂ z + m̂) + αE log H((κ - √q z)/√(1-q))."""
    def E(f):
        return quad(lambda z: dens(z) * f(z), -12, 12, epsabs=1e-13, epsrel=1e-12, limit=200)[0]

    def eqs(x):
        q, qh, mh = x
        s = math.sqrt(1 - q)
        return [q - E(lambda z: math.tanh(math.sqrt(qh) * z + mh) ** 2),
                qh - alpha / (1 - q) * E(lambda z: GH((kappa - math.sqrt(q) * z) / s) ** 2),
                S - E(lambda z: math.tanh(math.sqrt(qh) * z + mh))]

    if start is None:     # α = 0: q = S², q̂ = 0, m̂ = atanh S
        start = (S * S, 0.1, math.atanh(S))
    sol = root(eqs, start, method="hybr", options={"xtol": 1e-13})
    if not sol.success:
        raise RuntimeError(f"fixed-magnetisation Gardner solve failed: {sol.message}")
    q, qh, mh = sol.x
    s = math.sqrt(1 - q)
    return (-mh * S - 0.5 * qh * (1 - q) + E(lambda z: log2cosh(math.sqrt(qh) * z + mh))
            + alpha * E(lambda z: logH((kappa - math.sqrt(q) * z) / s)))
