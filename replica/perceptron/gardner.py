"""Gardner volume of the perceptron with margin κ: spherical and binary (±1) weights (docs/theory.md §3).

Free entropy per weight, normalised so that ``phi = 0`` at α = 0 (log of the *fraction* of the
sphere / of the 2^N binary vectors that are solutions)::

    spherical: φ = extr_q ½log(1-q) + q/(2(1-q)) + α G_E(q)
    binary:    φ = extr_{q,q̂} -½q̂(1-q) + ∫Dz log 2cosh(√q̂ z) - log 2 + α G_E(q)
    G_E(q) = ∫Dz log H(x),   x = (κ - √q z)/√(1-q)

Stationarity (derivation in docs/perceptron.md; ∂G_E/∂q = -E[GH(x)²]/(2(1-q)) by Stein's lemma):
spherical ``q/(1-q) = α E[GH(x)²]``; binary ``q̂ = α E[GH(x)²]/(1-q)``, ``q = E tanh²(√q̂ z)``.
``entropy`` is the log-count per weight (= φ spherical, φ + log 2 binary); the binary capacity is
where it vanishes (Krauth–Mézard, α_c(0) ≈ 0.833), the spherical one where q → 1, in closed form
``α_c(κ) = 1/[(1+κ²)Φ(κ) + κG(κ)]`` (RS is exact for κ ≥ 0, an upper bound for κ < 0).

``replicon`` (RS stability, docs/stability.md eq. 18–19): spherical ``α E_z[GH'(x)²]``, binary
``E_z sech⁴(√q̂ z) · α E_z[GH'(x)²]/(1-q)²``; for κ < 0 it reaches 1 at α_AT(κ) < α_c(κ).

With ``kernel=`` (a :class:`replica.committee.Kernel`; the wide tree committee machine, docs/committee.md)
the energetic term sees the output overlap ``k = k(q)``: ``φ = entropic(q) + α G_E(k(q))``,
``x = (κ - √k z)/√(1-k)``, and the stationarity conditions pick up the chain-rule factor ``k′(q)``:
spherical ``q/(1-q)² = α k′(q) E[GH(x)²]/(1-k)``, binary ``q̂ = α k′(q) E[GH(x)²]/(1-k)``; spherical
capacity ``k′(1)/B(κ)`` (``B = 1/α_c^perceptron``; infinite when ``k′(1) = ∞``, sign); replicon
``γ_S · α [k′² E[GH'(x)²]/(1-k)² + k″ E[GH(x)²]/(1-k)]``.
"""

import math
from dataclasses import dataclass

import numpy as np
from .._lazy import brentq
from ..saddle_point.thresholds import find_threshold

from .._numba import kernel
from ..saddle_point.contract import BOUND_VIOLATED, DIVERGED, FROZEN, NON_FINITE, OK, verdict
from ..saddle_point.fixed_point import ConvergenceError, solve_fixed_point
from ..saddle_point.quadrature import gauss_legendre
from ..saddle_point.special import GH, G, Phi, log_2cosh, log_H
from ._quad import feature_rule
from ._replicon import gardner_kernel_replicon, gardner_replicon, gardner_spherical_terms
from ..saddle_point.contract import RSFlags

NODES = 12
WEIGHTS = ("spherical", "binary")
LOG2 = math.log(2.0)
TINY = 1e-300          # residual floor: every order parameter converges relatively
FROZEN_T = -math.log(1e-12)  # 1 - q below 1e-12: the binary saddle is frozen (q → 1)


@dataclass(frozen=True)
class GardnerResult(RSFlags):
    """Replica-symmetric Gardner volume at (α, κ)."""

    alpha: float
    kappa: float
    weights: str
    q: float
    qhat: float        # binary conjugate; spherical: the equivalent q/(1-q)²
    phi: float         # normalised free entropy (0 at α = 0)
    entropy: float     # log-count per weight (phi + log 2 for binary)
    distance: float    # typical distance between two solutions, (1 - q)/2
    converged: bool
    iterations: int
    residual: float


@kernel
def energetic(q, kappa, x_ref, w_ref):
    """``(G_E, E[GH(x)²])`` with ``x = (κ - √q z)/√(1-q)``; the rule is cut at the kink z = κ/√q."""
    sq, s1 = math.sqrt(q), math.sqrt(1.0 - q)
    center = kappa / sq if sq > 0 else 0.0
    width = s1 / sq if sq > 0 else 1.0
    nodes, weights = feature_rule(center, width, x_ref, w_ref)
    ge = 0.0
    gh2 = 0.0
    for i in range(nodes.shape[0]):
        x = (kappa - sq * nodes[i]) / s1
        ge += weights[i] * log_H(x)
        r = GH(x)
        gh2 += weights[i] * r * r
    return ge, gh2


@kernel
def entropic_binary(qhat, x_ref, w_ref):
    """``(∫Dz log 2cosh(√q̂ z), ∫Dz tanh²(√q̂ z))``, cut at the tanh kink of scale 1/√q̂."""
    s = math.sqrt(qhat)
    nodes, weights = feature_rule(0.0, 1.0 / s if s > 0 else 1.0, x_ref, w_ref)
    a = 0.0
    b = 0.0
    for i in range(nodes.shape[0]):
        h = s * nodes[i]
        t = math.tanh(h)
        a += weights[i] * log_2cosh(h)
        b += weights[i] * t * t
    return a, b


def _validate(alpha, kappa, weights):
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of spherical, binary; got {weights!r}")
    if not (np.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"alpha must be >= 0; got {alpha}")
    if not np.isfinite(kappa):
        raise ValueError(f"kappa must be a finite number; got {kappa}")


def spherical_capacity(kappa):
    """Closed form ``α_c(κ) = 1/[(1+κ²)Φ(κ) + κG(κ)]``."""
    return 1.0 / ((1.0 + kappa * kappa) * Phi(kappa) + kappa * G(kappa))


def gardner(alpha, kappa=0.0, weights="spherical", *, start=None, tol=1e-12, maxiter=2000, strict=True,
            kernel=None):
    """Solve the RS Gardner equations; returns a :class:`GardnerResult`.

    Spherical needs ``alpha < capacity(kappa)`` (the volume vanishes at capacity); binary is
    solved for any α ≥ 0 below the spherical capacity (beyond its own capacity ``entropy < 0``:
    the RS solution then describes no solutions).

    ``kernel``: None (the perceptron) or a :class:`replica.committee.Kernel`: the energetic term sees
    the output overlap ``k(q)`` (module docstring; :func:`replica.committee.gardner` wraps this).
    """
    _validate(alpha, kappa, weights)
    x_ref, w_ref = gauss_legendre(NODES)
    if weights == "spherical":
        ac = spherical_capacity(kappa) if kernel is None else kernel.dk1 * spherical_capacity(kappa)
        if not alpha < ac:
            raise ValueError(f"alpha must be < the spherical capacity {ac:.6g} at kappa={kappa}; got {alpha}")
    if alpha == 0.0:
        return GardnerResult(alpha, kappa, weights, 0.0, 0.0, 0.0, LOG2 if weights == "binary" else 0.0,
                             0.5, True, 0, 0.0, replicon=0.0)
    if weights == "spherical":
        if kernel is not None:
            return _spherical_kernel(alpha, kappa, kernel, x_ref, w_ref, tol)
        return _spherical(alpha, kappa, x_ref, w_ref, tol)
    return _binary(alpha, kappa, x_ref, w_ref, start, tol, maxiter, strict, kernel)


def _root_in_t(f, describe):
    """Root of the spherical stationarity ``f(t)``, increasing in ``t = -log(1-q)``: 0 if ``f(0⁺) ≥ 0`` (q = 0),
    else bracketed by doubling; a bracket beyond t = 60 (1 - q < 1e-26) is the capacity (``diverged``)."""
    lo, hi = 1e-14, 1.0
    if f(lo) >= 0:  # q = 0 (only for κ → -∞-like regimes)
        return 0.0
    while f(hi) < 0:
        lo, hi = hi, 2.0 * hi
        if hi > 60:
            raise ConvergenceError(f"{describe}: q → 1 (at capacity)", status=DIVERGED)
    return brentq(f, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)


def _spherical(alpha, kappa, x_ref, w_ref, tol):
    # f(q) = q/(1-q) - α E GH² is increasing from f(0) < 0 to +∞; root in t = -log(1-q)
    def f(t):
        q = -math.expm1(-t)
        return q / (1.0 - q) - alpha * energetic(q, kappa, x_ref, w_ref)[1]

    q = -math.expm1(-_root_in_t(f, f"gardner(alpha={alpha}, kappa={kappa})"))
    # one pass at the root: G_E (φ), E GH² (the residual) and the replicon (docs/stability.md eq. 18)
    ge, gh2, replicon = gardner_spherical_terms(alpha, kappa, q, x_ref, w_ref)
    phi = 0.5 * math.log1p(-q) + q / (2.0 * (1.0 - q)) + alpha * ge
    res = abs(q / (1.0 - q) - alpha * gh2) / (1.0 + q / (1.0 - q))
    # the log-fraction of the sphere that solves the problem is ≤ 0 (its α = 0 value)
    converged, status = verdict(res, tol, [(not math.isfinite(phi), NON_FINITE), (phi > 1e-12, BOUND_VIOLATED)])
    return GardnerResult(alpha, kappa, "spherical", q, q / (1.0 - q) ** 2, phi, phi, (1.0 - q) / 2.0,
                         converged, 0, res, status=status, replicon=replicon)


def _output(kernel, q):
    """``(k, 1 - k, k′, k″)`` of the output overlap at weight overlap q ≥ 0 (docs/committee.md); k is kept in
    [0, 1] (where Mehler's expansion puts it for q ≥ 0) against the round-off of a tabulated kernel near q = 0."""
    k = min(max(float(kernel.k(q)), 0.0), 1.0)
    return k, 1.0 - k, float(kernel.dk(q)), float(kernel.d2k(q))


def _spherical_kernel(alpha, kappa, K, x_ref, w_ref, tol):
    """Spherical saddle with a kernel: root in ``t = -log(1-q)`` of
    ``f(t) = q/(1-q) - α k′(q) E[GH(x)²] (1-q)/(1-k)`` (the stationarity condition times 1 - q), x at k(q).
    ``f(0⁺) < 0``; ``f → +∞`` as q → 1 below the capacity k′(1)/B(κ) (docs/committee.md §2)."""
    def f(t):
        q = -math.expm1(-t)
        k, ck, dk, _ = _output(K, q)
        if not ck > 0.0:
            return math.inf
        return q / (1.0 - q) - alpha * dk * energetic(k, kappa, x_ref, w_ref)[1] * (1.0 - q) / ck

    q = -math.expm1(-_root_in_t(f, f"gardner(alpha={alpha}, kappa={kappa}, kernel={K.name})"))
    k, ck, dk, d2k = _output(K, q)
    ge, gh2, _ = gardner_spherical_terms(alpha, kappa, k, x_ref, w_ref)
    phi = 0.5 * math.log1p(-q) + q / (2.0 * (1.0 - q)) + alpha * ge
    res = abs(q / (1.0 - q) - alpha * dk * gh2 * (1.0 - q) / ck) / (1.0 + q / (1.0 - q))
    replicon = gardner_kernel_replicon(alpha, kappa, False, q, math.nan, k, dk, d2k, x_ref, w_ref)
    converged, status = verdict(res, tol, [(not math.isfinite(phi), NON_FINITE), (phi > 1e-12, BOUND_VIOLATED)])
    return GardnerResult(alpha, kappa, "spherical", q, q / (1.0 - q) ** 2, phi, phi, (1.0 - q) / 2.0,
                         converged, 0, res, status=status, replicon=replicon)


def _kernel_qhat(alpha, kappa, K, q, x_ref, w_ref):
    """Binary conjugate with a kernel, ``q̂ = α k′(q) E[GH(x)²]/(1-k)`` (inf once k rounds to 1)."""
    k, ck, dk, _ = _output(K, q)
    if not ck > 0.0:
        return math.inf
    return alpha * dk * energetic(k, kappa, x_ref, w_ref)[1] / ck


@kernel
def _one_minus_q(qhat, x_ref, w_ref):
    """``1 - q' = ∫Dz sech²(√q̂ z)``, computed without cancellation as q' → 1."""
    s = math.sqrt(qhat)
    nodes, weights = feature_rule(0.0, 1.0 / s if s > 0 else 1.0, x_ref, w_ref)
    out = 0.0
    for i in range(nodes.shape[0]):
        e = math.exp(-2.0 * abs(s * nodes[i]))
        out += weights[i] * 4.0 * e / ((1.0 + e) * (1.0 + e))
    return out


def _binary_map(alpha, kappa, q, x_ref, w_ref):
    _, gh2 = energetic(q, kappa, x_ref, w_ref)
    qhat = alpha * gh2 / (1.0 - q)
    return qhat, entropic_binary(qhat, x_ref, w_ref)[1]


def _binary(alpha, kappa, x_ref, w_ref, start, tol, maxiter, strict, K=None):
    """Iterate in ``t = -log(1 - q)``: the residual is then relative in 1 - q, so a saddle pinned at
    q → 1 (frozen, beyond the freezing point) can never pass for converged (status ``frozen``)."""
    q0 = start.q if start is not None and start.weights == "binary" else min(0.9, 0.5 * alpha)

    def F(x):
        if not 0.0 < x[0] < 700.0:
            return np.array([np.nan])
        q = -math.expm1(-x[0])
        if K is not None:  # committee: q̂ at the output overlap; a q̂ beyond double range is frozen
            u = _one_minus_q(min(_kernel_qhat(alpha, kappa, K, q, x_ref, w_ref), 1e300), x_ref, w_ref)
            return np.array([-math.log(u) if u > 0.0 else 2.0 * FROZEN_T])
        _, gh2 = energetic(q, kappa, x_ref, w_ref)
        return np.array([-math.log(_one_minus_q(alpha * gh2 * math.exp(x[0]), x_ref, w_ref))])

    def domain(x):
        return FROZEN if x[0] > FROZEN_T else None

    describe = f"gardner(alpha={alpha}, kappa={kappa}, weights=binary{'' if K is None else ', kernel=' + K.name})"
    fp = solve_fixed_point(F, [-math.log1p(-min(max(q0, 1e-3), 1.0 - 1e-9))], tol=tol, maxiter=maxiter,
                           strict=False, describe=describe, floor=TINY, domain=domain)
    result = _binary_result(alpha, kappa, -math.expm1(-float(fp.x[0])), fp.status, fp.iterations, fp.residual,
                            x_ref, w_ref, K)
    if strict and not result.converged:
        raise ConvergenceError(f"{describe}: {result.status} after {fp.iterations} iterations "
                               f"(residual {fp.residual:.3g})", result, fp.residual, fp.iterations, result.status)
    return result


def _binary_result(alpha, kappa, q, status, iterations, residual, x_ref, w_ref, K=None):
    """``entropy = -½q̂(1-q) + ∫Dz log 2cosh(√q̂ z) + α G_E`` at q, G_E at the output overlap k(q) with a kernel K."""
    if K is None:
        frozen = status == FROZEN
        qhat, _ = _binary_map(alpha, kappa, q, x_ref, w_ref)
        ge, _ = energetic(q, kappa, x_ref, w_ref)
        lc, _ = entropic_binary(qhat, x_ref, w_ref)
        entropy = -math.inf if frozen else -0.5 * qhat * (1.0 - q) + lc + alpha * ge  # RS entropy → -∞ as q → 1
        replicon = lambda: gardner_replicon(alpha, kappa, True, q, qhat, x_ref, w_ref)
    else:
        frozen = status == FROZEN or not q < 1.0
        k, ck, dk, d2k = _output(K, min(q, 1.0))
        qhat = _kernel_qhat(alpha, kappa, K, q, x_ref, w_ref) if not frozen else math.inf
        entropy = -math.inf
        if not frozen:
            ge, _ = energetic(k, kappa, x_ref, w_ref)
            lc, _ = entropic_binary(qhat, x_ref, w_ref)
            entropy = -0.5 * qhat * (1.0 - q) + lc + alpha * ge
        replicon = lambda: gardner_kernel_replicon(alpha, kappa, True, q, qhat, k, dk, d2k, x_ref, w_ref)
    if status == OK:
        status = verdict(residual, np.inf, [(not math.isfinite(entropy), NON_FINITE),
                                            (entropy > LOG2 + 1e-12, BOUND_VIOLATED)])[1]
    return GardnerResult(alpha, kappa, "binary", q, qhat, entropy - LOG2, entropy, (1.0 - q) / 2.0,
                         status == OK, int(iterations), float(residual), status=status,
                         entropy_negative=bool(entropy < 0 or frozen), frozen=frozen,
                         replicon=math.nan if frozen else replicon())


def capacity(kappa=0.0, weights="spherical", *, kernel=None):
    """Storage capacity: spherical closed form; binary zero-entropy condition ``entropy(α_c) = 0``.

    With ``kernel`` (committee, docs/committee.md): spherical ``k′(1)/B(κ)`` (inf for sign); binary the
    zero of the kernel entropy, searched below ``min(k′(1)/B(κ), log 2/(-log H(κ)))`` (the second: the
    annealed bound on ±1 weights, α_c ≤ 1 at κ = 0).
    """
    _validate(0.0, kappa, weights)
    if kernel is not None:
        return _capacity_kernel(kappa, weights, kernel)
    ac = spherical_capacity(kappa)
    if weights == "spherical":
        return ac
    f = lambda a: gardner(a, kappa, "binary", strict=False).entropy  # frozen: -inf, beyond capacity
    # entropy > 0 at 0.05 α_c^sph; step the upper end toward the spherical capacity until it is < 0
    return find_threshold(f, 0.05 * ac, 0.5 * ac, expand="up", limit=ac, xtol=1e-12)


def _capacity_kernel(kappa, weights, K):
    ac = K.dk1 * spherical_capacity(kappa)
    if weights == "spherical":
        return ac
    # the entropy of ±1 weights is ≤ its annealed value (1 - α log H(κ)/(-log 2)) log 2: zero before
    bound = min(ac, LOG2 / -float(log_H(kappa)))
    f = lambda a: gardner(a, kappa, "binary", strict=False, kernel=K).entropy
    return find_threshold(f, 0.05 * bound, 0.5 * bound, expand="up", limit=bound, xtol=1e-12)


def kappa_max(alpha, weights="spherical"):
    """Largest margin κ at which solutions exist at load α (entropy → -∞ spherical, = 0 binary)."""
    _validate(alpha, 0.0, weights)
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0; got {alpha}")
    # spherical: α_c(κ) is decreasing in κ; solve α_c(κ) = α, widening [-1, 1] both ways as needed
    ks = find_threshold(lambda k: spherical_capacity(k) - alpha, -1.0, 1.0, expand="both", xtol=1e-14)
    if weights == "spherical":
        return ks
    f = lambda k: gardner(alpha, k, "binary", strict=False).entropy
    hi = ks - 1e-3 * (1.0 + abs(ks))
    # the binary entropy vanishes before the spherical volume does: the lower end steps down (doubling),
    # the upper end toward κ_max^sph (where the binary saddle is still defined)
    return find_threshold(f, hi - 0.5, hi, expand="both", limit=(None, ks), xtol=1e-12)
