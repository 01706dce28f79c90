"""Stability laws of the dense regions (y = ∞): the clipped centre and the solutions around it.

Issue 10 part 5 with ``reference="ld"``.  At the y = ∞ large-deviation saddle at distance d (overlap
``S = 1 - 2d``; :func:`replica.perceptron.ld_local_entropy`) a training pattern's fields are, in the cavity
representation (derivation: docs/large_deviation.md §7 and docs/perceptron_local_energy.md §3;
``x0 = (κ - √q1 ζ)/√(1-q1)``, ``r = δq/(1-q1)``, ``x(ζ)`` the root of ``x + r GH(x) = x0``, ζ ~ N(0, 1)):

* **the centre** ``w̃ = sign(field)`` (``reference="ld"``), not itself constrained::

      Δ̃ = μ(ζ) + e ε,   μ(ζ) = (S/√q1) ζ + τ GH(x(ζ))/√(1-q1),   e = √(1 - S²/q1),   τ = 2G(0)/√q̂0,

  ε ~ N(0, 1): density ``p(t) = E_ζ G((t - μ)/e)/e``, CDF ``P(Δ̃ < t) = E_ζ H((μ - t)/e)``,
  ``E H(c0 + c1Δ̃) = E_ζ H((c0 + c1μ)/√(1 + c1²e²))``.  Support: the whole line (no hard edge); the mass
  below κ is ``LDResult.ref_violation_mass``.
* **a solution of the dense region** (``reference="ld_replica"``): the group field concentrates at its
  maximiser ``g* = √(1-q1)(x0 - x)``, each solution's own noise is a Gaussian truncated at the margin::

      Δ = κ + √(1-q1)(u - x(ζ)),   u ~ N(0, 1) conditioned on u ≥ x(ζ),

  i.e. the typical law of docs/perceptron_local_energy.md with x0(ζ) replaced by x(ζ) ≤ x0(ζ); edge
  density ``p(κ⁺) = E_ζ GH(x)/√(1-q1) = -∂G_E/∂κ``.

On the plateau d ≥ d* (σ̂ = ĉ = δq = 0, q1 = q_G, q̂0 = q̂_G) the densest centres are the clipped centre of the
Gardner cloud (overlap S* = E|tanh(√q̂_G z)| with its solutions) with a random fraction f = (1 - S/S*)/2 of its
bits flipped; the flip formula turns the d* law into the same family with ``τ → τ S/S*``; the solutions are
typical (``x = x0``: the typical law at κ̃ = κ).  At d = d* the centre law is the cavity (TAP) law of
``sign(m_i)`` for the Gardner measure (:func:`gardner_centre_law`, built from the Gardner saddle alone).

Importing this module registers both references with
:func:`replica.perceptron.local_energy.register_reference_law`; the distance is passed as a parameter::

    local_energy(0.5, flip_p=0.01, reference="ld", weights="binary", d=0.05)
"""

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._numba import kernel
from ..saddle_point.quadrature import gauss_legendre
from ..saddle_point.special import GH, G, H, log_H
from ._quad import BASE, STEP_OFFSETS, Z_MAX, add_feature, merged_rule, rule
from .gardner import gardner
from .large_deviation import NODES as LD_NODES, ld_local_entropy
from .ld_kernels import G0, abs_tanh_mean, prox_x
from .local_energy import StabilityLaw, register_reference_law

__all__ = ["LDCentreLaw", "LDReplicaLaw", "ld_centre_law", "ld_replica_law", "gardner_centre_law"]

NODES = 20
SCAN = 241                   # coarse ζ grid on which the crossings μ(ζ) = t are located
V_OFFSETS = np.array([0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
TAIL_EXP = 90.0
KIND_H, KIND_G = 0, 1


# ----------------------------------------------------------------------------------------- kernels
@kernel
def _mu(z, sq, s1, r, kappa, S, tau, x_start):
    """``(μ(ζ), x(ζ))``; ``x_start`` must be ≥ the root (x0 always is)."""
    x0 = (kappa - sq * z) / s1
    x = prox_x(x0, r, min(x_start, x0)) if r > 0.0 else x0
    return S / sq * z + tau * GH(x) / s1, x


@kernel
def _crossings(sq, s1, r, kappa, S, tau, level, out):
    """ζ where μ(ζ) = level, located on a uniform grid of SCAN points on [-Z_MAX, Z_MAX] and refined by
    bisection; writes ``(ζ_k, |μ'(ζ_k)|)`` pairs into ``out`` (rows) and returns their count."""
    n = 0
    zs = np.linspace(-Z_MAX, Z_MAX, SCAN)
    prev_z = zs[0]
    prev_m = _mu(prev_z, sq, s1, r, kappa, S, tau, np.inf)[0]
    for k in range(1, SCAN):
        z = zs[k]
        m = _mu(z, sq, s1, r, kappa, S, tau, np.inf)[0]
        if (prev_m - level) * (m - level) <= 0.0 and n < out.shape[0] and prev_m != m:
            a, b, fa = prev_z, z, prev_m - level
            for _ in range(60):
                c = 0.5 * (a + b)
                fc = _mu(c, sq, s1, r, kappa, S, tau, np.inf)[0] - level
                if fa * fc <= 0.0:
                    b = c
                else:
                    a, fa = c, fc
            c = 0.5 * (a + b)
            h = 1e-6 * (1.0 + abs(c))
            slope = (_mu(c + h, sq, s1, r, kappa, S, tau, np.inf)[0]
                     - _mu(c - h, sq, s1, r, kappa, S, tau, np.inf)[0]) / (2.0 * h)
            out[n, 0] = c
            out[n, 1] = abs(slope)
            n += 1
        prev_z, prev_m = z, m
    return n


@kernel
def _centre_integral(kind, q1, dq, kappa, S, tau, a, b, x_ref, w_ref):
    """``E_ζ F(a + b μ(ζ))`` with F = H (kind 0) or F = b·G (kind 1), b > 0.

    The ζ rule is cut at the constraint's kink κ/√q1 on both of its scales (as the energetic term) and at
    every crossing of the smoothed step, μ(ζ) = -a/b, on the scale 1/(b|μ'|)."""
    sq, s1 = math.sqrt(q1), math.sqrt(1.0 - q1)
    r = dq / (s1 * s1)
    cross = np.empty((16, 2))
    m = _crossings(sq, s1, r, kappa, S, tau, -a / b, cross)
    cuts = np.empty(BASE.shape[0] + (2 + m) * STEP_OFFSETS.shape[0] + m)
    cuts[:BASE.shape[0]] = BASE
    n = add_feature(cuts, BASE.shape[0], kappa / sq, s1 / sq, STEP_OFFSETS)
    n = add_feature(cuts, n, kappa / sq, (s1 * s1 + dq) / (sq * s1), STEP_OFFSETS)
    for k in range(m):
        cuts[n] = cross[k, 0]
        n += 1
        if cross[k, 1] > 0.0:
            n = add_feature(cuts, n, cross[k, 0], 1.0 / (b * cross[k, 1]), STEP_OFFSETS)
    nodes, weights = merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)
    total = 0.0
    x = np.inf
    for i in range(nodes.shape[0]):   # ζ ascending: x0 descending, the previous root is ≥ this one
        mu, x = _mu(nodes[i], sq, s1, r, kappa, S, tau, x)
        u = a + b * mu
        total += weights[i] * (H(u) if kind == KIND_H else b * G(u))
    return total


@kernel
def _replica_error(q1, dq, kappa, c0, c1, x_ref, w_ref):
    """``E H(c0 + c1Δ)`` for ``Δ = κ + √(1-q1)(u - x(ζ))``, u ~ N(0,1) | u ≥ x(ζ) (c1 > 0).

    As the typical law's kernel (local_energy._typical_error) with x0(ζ) → x(ζ): inner integral over
    u ∈ [x, ∞) with Gaussian weights when x ≤ 0, over v = u - x ≥ 0 with weight GH(x)e^{-xv-v²/2} when x > 0."""
    sq, s1 = math.sqrt(q1), math.sqrt(1.0 - q1)
    r = dq / (s1 * s1)
    cuts = np.empty(BASE.shape[0] + 3 * STEP_OFFSETS.shape[0])
    cuts[:BASE.shape[0]] = BASE
    n = add_feature(cuts, BASE.shape[0], kappa / sq, s1 / sq, STEP_OFFSETS)
    n = add_feature(cuts, n, kappa / sq, (s1 * s1 + dq) / (sq * s1), STEP_OFFSETS)
    n = add_feature(cuts, n, -c0 / (c1 * sq), math.sqrt(1.0 + c1 * c1 * s1 * s1) / (c1 * sq), STEP_OFFSETS)
    znodes, zweights = merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)
    inner = np.empty(BASE.shape[0] + V_OFFSETS.shape[0] + STEP_OFFSETS.shape[0] + 1)
    total = 0.0
    x = np.inf
    for i in range(znodes.shape[0]):
        x0 = (kappa - sq * znodes[i]) / s1
        x = prox_x(x0, r, min(x, x0)) if r > 0.0 else x0
        a = c0 + c1 * (kappa - s1 * x)     # H(a + b u)
        b = c1 * s1
        acc = 0.0
        if x <= 0.0:
            inner[:BASE.shape[0]] = BASE
            m = add_feature(inner, BASE.shape[0], -a / b, 1.0 / b, STEP_OFFSETS)
            un, uw = rule(inner, m, max(x, -Z_MAX), Z_MAX, x_ref, w_ref)
            for j in range(un.shape[0]):
                acc += uw[j] * H(a + b * un[j])
            acc /= H(x)
        else:
            scale = 1.0 / (x + 1.0)
            vmax = -x + math.sqrt(x * x + TAIL_EXP)
            for k in range(V_OFFSETS.shape[0]):
                inner[k] = scale * V_OFFSETS[k]
            m = add_feature(inner, V_OFFSETS.shape[0], -a / b - x, 1.0 / b, STEP_OFFSETS)
            vn, vw = merged_rule(inner, m, 0.0, vmax, x_ref, w_ref, False)
            gh = GH(x)
            for j in range(vn.shape[0]):
                v = vn[j]
                acc += vw[j] * gh * math.exp(-x * v - 0.5 * v * v) * H(a + b * (x + v))
        total += zweights[i] * acc
    return total


@kernel
def _replica_below_density(q1, dq, kappa, t, x_ref, w_ref):
    """``(P(Δ < t), p(t))`` of the replica law, t ≥ κ: ``E_ζ[1 - H(x_t)/H(x)]``, ``E_ζ[G(x_t)/H(x)]/√(1-q1)``,
    ``x_t = x + (t - κ)/√(1-q1)``."""
    sq, s1 = math.sqrt(q1), math.sqrt(1.0 - q1)
    r = dq / (s1 * s1)
    cuts = np.empty(BASE.shape[0] + 3 * STEP_OFFSETS.shape[0])
    cuts[:BASE.shape[0]] = BASE
    n = add_feature(cuts, BASE.shape[0], kappa / sq, s1 / sq, STEP_OFFSETS)
    n = add_feature(cuts, n, kappa / sq, (s1 * s1 + dq) / (sq * s1), STEP_OFFSETS)
    n = add_feature(cuts, n, t / sq, s1 / sq, STEP_OFFSETS)
    znodes, zweights = merged_rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref, True)
    below = 0.0
    dens = 0.0
    x = np.inf
    for i in range(znodes.shape[0]):
        x0 = (kappa - sq * znodes[i]) / s1
        x = prox_x(x0, r, min(x, x0)) if r > 0.0 else x0
        xt = x + (t - kappa) / s1
        below += zweights[i] * -math.expm1(log_H(xt) - log_H(x))
        if x > 0.0:
            dens += zweights[i] * GH(x) * math.exp(-0.5 * (xt - x) * (xt + x))
        else:
            dens += zweights[i] * G(xt) / H(x)
    return below, dens / s1


# ----------------------------------------------------------------------------------------- laws
@dataclass(frozen=True)
class LDCentreLaw(StabilityLaw):
    """Stabilities of the clipped centre of the dense region: ``Δ̃ = μ(ζ) + eε`` (module docstring).

    ``q`` is q1 (overlap of two solutions of the region), ``kappa_ref`` the margin κ of those solutions."""

    d: float = math.nan
    S: float = math.nan
    dq: float = math.nan
    qhat0: float = math.nan
    tau: float = math.nan       # τ = 2G(0)/√q̂0 (× S/S* on the plateau)
    noise: float = math.nan     # e = √(1 - S²/q1)

    def _ok(self):
        return self.converged and math.isfinite(self.tau) and self.noise > 0.0

    def _integral(self, kind, a, b):
        return _centre_integral(kind, self.q, self.dq, self.kappa_ref, self.S, self.tau, float(a), float(b),
                                *gauss_legendre(NODES))

    def mean_field(self, zeta):
        """μ(ζ) and x(ζ) on an array of ζ (for plots and tests)."""
        zeta = np.atleast_1d(np.asarray(zeta, dtype=float))
        sq, s1 = math.sqrt(self.q), math.sqrt(1.0 - self.q)
        r = self.dq / (1.0 - self.q)
        out = np.array([_mu(z, sq, s1, r, self.kappa_ref, self.S, self.tau, np.inf) for z in zeta])
        return out[:, 0], out[:, 1]

    def error(self, c0, c1):
        if not self._ok():
            return math.nan
        k = math.sqrt(1.0 + (c1 * self.noise) ** 2)
        return self._integral(KIND_H, c0 / k, c1 / k)

    def below(self, t):
        if not self._ok():
            return math.nan
        return self._integral(KIND_H, -t / self.noise, 1.0 / self.noise)

    def density(self, t):
        if not self._ok():
            return math.nan
        return self._integral(KIND_G, -t / self.noise, 1.0 / self.noise)


@dataclass(frozen=True)
class LDReplicaLaw(StabilityLaw):
    """Stabilities of a solution of the dense region: ``Δ = κ + √(1-q1)(u - x(ζ))``, u ≥ x(ζ)."""

    d: float = math.nan
    S: float = math.nan
    dq: float = math.nan

    def _ok(self):
        return self.converged and 0.0 < self.q < 1.0 and math.isfinite(self.dq)

    def error(self, c0, c1):
        if not self._ok():
            return math.nan
        return _replica_error(self.q, self.dq, self.kappa_ref, float(c0), float(c1), *gauss_legendre(NODES))

    def below(self, t):
        if not self._ok():
            return math.nan
        if not t > self.kappa_ref:
            return 0.0
        return _replica_below_density(self.q, self.dq, self.kappa_ref, float(t), *gauss_legendre(NODES))[0]

    def density(self, t):
        if not self._ok():
            return math.nan
        if t < self.kappa_ref:
            return 0.0
        return _replica_below_density(self.q, self.dq, self.kappa_ref, float(t), *gauss_legendre(NODES))[1]


def _flags(result, status=None):
    flags = {k: getattr(result, k) for k in ("status", "replicon", "rs_stable", "entropy_negative", "frozen")}
    if status is not None:
        flags["status"] = status
    return tuple(flags.items())


def _s_star(qhat):
    return abs_tanh_mean(qhat, *gauss_legendre(LD_NODES))


@lru_cache(maxsize=256)
def _ld(alpha, d, kappa):
    return ld_local_entropy(alpha, d, kappa, strict=False)


def _check(alpha, d, kappa):
    if not (isinstance(d, (int, float, np.integer, np.floating)) and 0.0 < d < 0.5):
        raise ValueError(f"d must be in (0, 0.5) (distance of the dense region's solutions from its centre); got {d!r}")
    if not (math.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be > 0; got {alpha!r}")
    if not math.isfinite(kappa):
        raise ValueError(f"kappa must be a finite number; got {kappa!r}")


def _saddle(alpha, d, kappa, result):
    """``(q1, δq, q̂0, S, τ, converged, flags)`` of the law at (α, d, κ), from ``result`` or a fresh solve."""
    r = result if result is not None else _ld(float(alpha), float(d), float(kappa))
    S = 1.0 - 2.0 * d
    if r.branch == "plateau":   # the flipped clipped Gardner centre: τ_G S/S*
        g = gardner(alpha, kappa, "binary")
        return g.q, 0.0, g.qhat, S, 2.0 * G0 / math.sqrt(g.qhat) * S / _s_star(g.qhat), r.converged, _flags(r)
    if r.branch == "saturated" or not (r.qhat0 > 0.0):
        # d → 0: q̂0 has underflowed (the branch merged with H₂(d) in double precision): the law is not resolved
        return r.q1, r.dq, r.qhat0, S, math.nan, False, _flags(r, "non-finite")
    return r.q1, r.dq, r.qhat0, S, 2.0 * G0 / math.sqrt(r.qhat0), r.converged, _flags(r)


def ld_centre_law(alpha, d, kappa=0.0, *, result=None):
    """:class:`LDCentreLaw` of the clipped centre at distance d (``result``: an LDResult at (α, d, κ) to reuse)."""
    _check(alpha, d, kappa)
    q1, dq, qhat0, S, tau, ok, flags = _saddle(alpha, d, kappa, result)
    e2 = 1.0 - S * S / q1 if q1 > 0 else math.nan
    return LDCentreLaw("ld", "binary", float(alpha), float(kappa), float(q1), math.nan, math.nan, bool(ok), 0, 0.0,
                       flags, d=float(d), S=float(S), dq=float(dq), qhat0=float(qhat0), tau=float(tau),
                       noise=math.sqrt(e2) if e2 > 0 else 0.0)


def ld_replica_law(alpha, d, kappa=0.0, *, result=None):
    """:class:`LDReplicaLaw` of a solution at distance d from the centre of a dense region."""
    _check(alpha, d, kappa)
    q1, dq, qhat0, S, tau, ok, flags = _saddle(alpha, d, kappa, result)
    if not math.isfinite(tau):   # the replica law itself needs only (q1, δq): resolved unless δq overflowed
        ok = bool(math.isfinite(dq) and 0 < q1 < 1)
        flags = tuple((k, ("ok" if ok else v) if k == "status" else v) for k, v in flags)
    return LDReplicaLaw("ld_replica", "binary", float(alpha), float(kappa), float(q1), math.nan, math.nan, bool(ok),
                        0, 0.0, flags, d=float(d), S=float(S), dq=float(dq))


def gardner_centre_law(alpha, kappa=0.0):
    """The d → d* limit of the centre law, from the Gardner saddle alone: the clipped centre ``sign(m_i)`` of the
    typical solutions.  Cavity/TAP: ``m_i = tanh(h_i + u_μ ξ_i^μ/√N)`` with the pattern's reaction
    ``u_μ = GH(x0)/√(1-q)`` and cavity fields h ~ N(0, q̂) (density G(0)/√q̂ at 0), so
    ``Σ_i sign(m_i)ξ_i/√N = (S*/√q)ζ + √(1 - S*²/q) ε + 2(G(0)/√q̂)·GH(x0)/√(1-q)``."""
    g = gardner(alpha, kappa, "binary")
    S = _s_star(g.qhat)
    return LDCentreLaw("ld", "binary", float(alpha), float(kappa), float(g.q), math.nan, math.nan,
                       bool(g.converged), 0, 0.0, _flags(g), d=0.5 * (1.0 - S), S=float(S), dq=0.0,
                       qhat0=float(g.qhat), tau=2.0 * G0 / math.sqrt(g.qhat), noise=math.sqrt(1.0 - S * S / g.q))


# ----------------------------------------------------------------------------------------- registration
def _builder(make):
    def build(alpha, weights, kappa_ref, **params):
        if weights != "binary":
            raise ValueError(f"weights must be 'binary' for the dense-region references (±1 weights); got {weights!r}")
        extra = set(params) - {"d"}
        if extra:
            raise ValueError(f"the dense-region references take d (distance from the centre) only; got "
                             f"{', '.join(sorted(extra))}")
        if "d" not in params:
            raise ValueError("the dense-region references need d= (distance of the region's solutions from its "
                             "centre, in (0, 0.5))")
        return make(alpha, params["d"], kappa_ref)
    return build


register_reference_law("ld", _builder(ld_centre_law))
register_reference_law("ld_replica", _builder(ld_replica_law))
