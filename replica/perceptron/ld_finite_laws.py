"""Stability laws of the dense regions at finite y: the centre, the majority-vote centre, and the replicas.

An algorithm with y replicas (replicated simulated annealing, :mod:`.dense_simulate`) samples the finite-y
measure ``Σ_w̃ N(w̃, d)^y`` (docs/theory.md §8), not its y = ∞ limit; this module gives the laws of its observables at the
finite-y saddle of :func:`replica.perceptron.ld_local_entropy` (``y=float``: q1, q0, q̂1, q̂0, Ŝ at overlap S).
Derivation (docs/large_deviation.md §7 at finite y; the y = ∞ laws of :mod:`.ld_local_energy` are the limit):

**Entropic site measure** (per weight): ``z ~ N(0, q̂0)`` common to all groups; a group (one centre, y replicas)
draws ``(w̃, u)``, ``u ~ N(0, q̂1 - q̂0)``, with weight ``[2cosh(z + u + Ŝw̃)]^y``, and its replicas are independent
±1 spins of mean ``μ = tanh(z + u + Ŝw̃)``.  Overlaps (``⟨·⟩`` over the group measure, E over z)::

    S = E⟨w̃μ⟩,  q1 = E⟨μ²⟩,  q0 = E⟨μ⟩²,  t = E⟨w̃⟩⟨μ⟩   (centre – replica of another group),

and for the **majority vote** ``w̄ = sign(Σ_a w^a)`` of the y replicas (y odd) — the clipped centre an algorithm
returns — ``S̄ = E⟨E[w̄σ_1|μ]⟩``, ``t̄ = E⟨E[w̄|μ]⟩⟨μ⟩`` (binomial sums over the y spins).

**Energetic site measure** (per pattern): the cavity fields are jointly Gaussian with the overlaps as
covariances; ``Δ^a = √q0 ζ + g + √(1-q1) v_a`` with ``g ~ N(0, q1 - q0)`` the group field, tilted by
``H((κ - √q0ζ - g)/√(1-q1))^y`` (all y replicas satisfy the pattern), v_a truncated at the margin.  A centre with
overlaps (S_c, t_c) has the field ``Δ_c = (t_c/√q0) ζ + ((S_c - t_c)/(q1 - q0)) g + s_c ε``,
``s_c² = 1 - t_c²/q0 - (S_c - t_c)²/(q1 - q0)`` (the same covariances with every replica field; the centre
itself is unconstrained), so::

    P(Δ_c < t) = E_{ζ,g} Φ((t - m_c)/s_c),      E H(c0 + c1Δ_c) = E_{ζ,g} H((c0 + c1 m_c)/√(1 + c1²s_c²)),

and a replica's law is ``Δ = √q0ζ + g + √(1-q1) v``, v ≥ x = (κ - √q0ζ - g)/√(1-q1) (the typical law with a
tilted, non-Gaussian cavity field).  As y → ∞, g concentrates at its maximiser and ``S - t = τ/y``:
the y = ∞ laws (checked by tests/perceptron/test_ld_local_energy.py, O(1/y)).

Numerics: Gauss–Hermite in ζ and z, uniform grids in u and g around the tilted peak (log-space weights), a
Gauss–Legendre rule on the truncated v; accuracy ~1e-6, adequate next to simulations (these are comparison
curves, not solver kernels).
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr, logsumexp, ndtr
from scipy.stats import binom

from ..saddle_point.quadrature import gauss_legendre

__all__ = ["FiniteYSite", "finite_y_site", "FiniteYLaws", "finite_y_laws"]

N_Z, N_U, N_V = 81, 601, 48


def _hermite(n):
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return x, w / math.sqrt(2.0 * math.pi)


def _panels(cuts, n=12):
    """Composite Gauss–Legendre nodes/weights on the sorted cut rows ``cuts`` (..., K): (..., (K-1)n)."""
    xr, wr = gauss_legendre(n)
    a, b = cuts[..., :-1, None], cuts[..., 1:, None]
    nodes = 0.5 * (a + b) + 0.5 * (b - a) * xr
    weights = 0.5 * (b - a) * wr
    shape = cuts.shape[:-1] + (-1,)
    return nodes.reshape(shape), weights.reshape(shape)


def _z_rule(window):
    """Standard-normal rule on [-9, 9] with panels refined geometrically (ratio 2) around 0 from ``window`` (the
    width, in units of the standard deviation, of the region where the centre's sign is undecided: 1/(y√q̂0))."""
    fine = window * 2.0 ** np.arange(0, 40)
    fine = fine[fine < 1.0]
    cuts = np.unique(np.concatenate([[-9.0, -6.0, -4.0, -2.5, -1.5, -1.0, 1.0, 1.5, 2.5, 4.0, 6.0, 9.0, 0.0],
                                     fine, -fine]))
    x, w = _panels(cuts)
    return x, w * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _log2cosh(x):
    a = np.abs(x)
    return a + np.log1p(np.exp(-2.0 * a))


def _majority(mu, y):
    """``(E[w̄|μ], E[w̄σ_1|μ])`` for y i.i.d. ±1 spins of mean μ, w̄ = sign(Σσ) (y odd)."""
    p = 0.5 * (1.0 + mu)
    e_maj = 1.0 - 2.0 * binom.cdf((y - 1) // 2, y, p)
    if y == 1:
        return e_maj, np.ones_like(mu)
    plus = 1.0 - 2.0 * binom.cdf((y - 3) // 2, y - 1, p)     # σ_1 = +1: the other y-1 need (y-1)/2 pluses
    minus = 1.0 - 2.0 * binom.cdf((y - 1) // 2, y - 1, p)    # σ_1 = -1: they need (y+1)/2
    return e_maj, p * plus - (1.0 - p) * minus


@dataclass(frozen=True)
class FiniteYSite:
    """Overlaps of the finite-y entropic site measure (module docstring)."""

    y: float
    S: float
    q1: float
    q0: float
    t: float
    S_maj: float      # NaN unless y is an odd integer
    t_maj: float


def finite_y_site(result, n_z=N_Z, n_u=N_U):
    """:class:`FiniteYSite` at a finite-y LDResult (its q̂0, q̂1, Ŝ, y)."""
    y, qh0, qh1, sh = float(result.y), result.qhat0, result.qhat1, result.sigma_hat
    c = qh1 - qh0
    if not (math.isfinite(y) and qh0 > 0 and c > 0):
        raise ValueError(f"finite_y_site needs a finite-y result with q̂1 > q̂0 > 0; got y={y}, q̂0={qh0}, q̂1={qh1}")
    x, wz = _z_rule(1.0 / (y * math.sqrt(qh0)))
    z = math.sqrt(qh0) * x
    sd = math.sqrt(c)
    lim = 12.0 * sd + y * c
    u = np.linspace(-lim, lim, n_u)
    logp = -0.5 * u * u / c
    wt = np.array([-1.0, 1.0])
    h = z[:, None, None] + u[None, None, :] + sh * wt[None, :, None]          # (z, w̃, u)
    logw = logp[None, None, :] + y * _log2cosh(h)
    logw -= logsumexp(logw, axis=(1, 2), keepdims=True)
    P = np.exp(logw)
    mu = np.tanh(h)
    mean_w = np.sum(P * wt[None, :, None], axis=(1, 2))
    mean_mu = np.sum(P * mu, axis=(1, 2))
    S = np.sum(wz * np.sum(P * wt[None, :, None] * mu, axis=(1, 2)))
    q1 = np.sum(wz * np.sum(P * mu * mu, axis=(1, 2)))
    q0 = np.sum(wz * mean_mu ** 2)
    t = np.sum(wz * mean_w * mean_mu)
    S_maj = t_maj = math.nan
    if float(y).is_integer() and int(y) % 2 == 1:
        e_maj, e_maj_s = _majority(mu, int(y))
        S_maj = np.sum(wz * np.sum(P * e_maj_s, axis=(1, 2)))
        t_maj = np.sum(wz * np.sum(P * e_maj, axis=(1, 2)) * mean_mu)
    return FiniteYSite(y, float(S), float(q1), float(q0), float(t), float(S_maj), float(t_maj))


class _Energetic:
    """Tilted (ζ, g) grid of the energetic site measure: nodes, weights (summing to 1) and x."""

    def __init__(self, y, q1, q0, kappa, n_z=N_Z):
        zeta, wz = _hermite(n_z)
        v = q1 - q0
        s1 = math.sqrt(1.0 - q1)
        sq0 = math.sqrt(q0)
        # the tilt -g²/(2v) + y log H((κ - √q0ζ - g)/s1) is concave in g: its maximiser g* by bisection on the
        # derivative -g/v + y GH(x)/s1 (decreasing), its curvature 1/v + yγ(x*)/s1² (γ = GH(GH - x) ∈ (0, 1))
        gh = lambda x: np.exp(-0.5 * x * x - 0.5 * math.log(2.0 * math.pi) - log_ndtr(-x))
        x0 = (kappa - sq0 * zeta) / s1
        lo, hi = np.zeros_like(zeta), y * v * gh(x0) / s1
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            up = -mid / v + y * gh(x0 - mid / s1) / s1 > 0.0
            lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
        gs = 0.5 * (lo + hi)
        xs = x0 - gs / s1
        gam = gh(xs) * (gh(xs) - xs)
        sd = 1.0 / np.sqrt(1.0 / v + y * gam / (s1 * s1))
        k = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
        cuts = np.sort(np.concatenate([[np.zeros_like(gs)], (sd[None, :] * k[:, None]), -(sd[None, :] * k[:, None]),
                                       math.sqrt(v) * k[:, None] * np.ones_like(gs)[None, :],
                                       -math.sqrt(v) * k[:, None] * np.ones_like(gs)[None, :]]).T, axis=1)
        g, wg = _panels(gs[:, None] + cuts)
        x = (kappa - sq0 * zeta[:, None] - g) / s1
        with np.errstate(divide="ignore"):   # zero-width panels where cuts coincide: weight 0
            logw = -0.5 * g * g / v + y * log_ndtr(-x) + np.log(wg)
        logw -= logsumexp(logw, axis=1, keepdims=True)
        self.zeta, self.g, self.x = zeta, g, x
        self.w = wz[:, None] * np.exp(logw)
        self.q1, self.q0, self.s1, self.kappa = q1, q0, s1, kappa


@dataclass(frozen=True)
class FiniteYLaws:
    """The finite-y laws at one saddle: ``centre_*`` (the measure's centre w̃), ``majority_*`` (the majority vote of
    the y replicas) and ``replica_*`` (one replica); ``*_below(t)``, ``*_error(c0, c1)`` as StabilityLaw."""

    site: FiniteYSite
    result: object
    grid: object

    def _centre(self, S_c, t_c):
        e = self.grid
        a = t_c / math.sqrt(e.q0)
        b = (S_c - t_c) / (e.q1 - e.q0)
        s2 = 1.0 - t_c * t_c / e.q0 - (S_c - t_c) ** 2 / (e.q1 - e.q0)
        return a * e.zeta[:, None] + b * e.g, math.sqrt(max(s2, 0.0))

    def _below(self, S_c, t_c, t):
        m, s = self._centre(S_c, t_c)
        return float(np.sum(self.grid.w * (ndtr((t - m) / s) if s > 0 else (m < t))))

    def _error(self, S_c, t_c, c0, c1):
        m, s = self._centre(S_c, t_c)
        return float(np.sum(self.grid.w * ndtr(-(c0 + c1 * m) / math.sqrt(1.0 + c1 * c1 * s * s))))

    def centre_below(self, t):
        return self._below(self.site.S, self.site.t, t)

    def centre_error(self, c0, c1):
        return self._error(self.site.S, self.site.t, c0, c1)

    def majority_below(self, t):
        return self._below(self.site.S_maj, self.site.t_maj, t)

    def majority_error(self, c0, c1):
        return self._error(self.site.S_maj, self.site.t_maj, c0, c1)

    def replica_error(self, c0, c1):
        """``E H(c0 + c1Δ)``, Δ = κ + s1(v - x), v ≥ x: Gauss–Legendre on v ∈ [x, x + L] with the truncated weight
        ``G(v)/H(x)`` (log-space), L = 12 above the bulk."""
        e = self.grid
        xr, wr = gauss_legendre(N_V)
        x = e.x[..., None]
        top = np.maximum(x, 0.0) + 12.0
        vv = x + 0.5 * (top - x) * (xr + 1.0)
        logw = -0.5 * vv * vv - 0.5 * math.log(2.0 * math.pi) - log_ndtr(-x)
        inner = np.sum(0.5 * (top - x) * wr * np.exp(logw) * ndtr(-(c0 + c1 * (e.kappa + e.s1 * (vv - x)))), axis=-1)
        return float(np.sum(e.w * inner))

    def replica_edge_density(self):
        e = self.grid
        gh = np.exp(-0.5 * e.x * e.x - 0.5 * math.log(2.0 * math.pi) - log_ndtr(-e.x))
        return float(np.sum(e.w * gh) / e.s1)


def finite_y_laws(result):
    """:class:`FiniteYLaws` at a finite-y LDResult (``ld_local_entropy(alpha, d, y=float)``)."""
    site = finite_y_site(result)
    return FiniteYLaws(site, result, _Energetic(float(result.y), result.q1, result.q0, result.kappa))
