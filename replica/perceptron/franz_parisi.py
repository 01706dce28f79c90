"""Franz–Parisi local entropy of the perceptron around typical solutions (docs/theory.md §4).

References w̃ are drawn uniformly among the solutions with margin κ̃ (``kappa_ref``; the
Gardner order parameters q0, q̂0 of §3 at (α, κ̃) describe them and the FP part does not feed
back); we count solutions w with margin κ at overlap ``S = 1 - 2d`` with w̃.  Order parameters:
Q (among constrained copies), s0 (constrained copy · another reference) and, binary, the
conjugates Q̂, ŝ0, ŝ1.  With G_E from :mod:`.fp_energetic`::

    spherical: φ = extr_{Q,s0} ½log(1-Q) + (Q-K)/(2(1-Q)) + αG_E,
               K = (S-s0)(S+s0-2q0S)/(1-q0)²
    binary:    φ = extr -½Q̂(1-Q) + ŝ0s0 - ŝ1S + G_S + αG_E,
               G_S = ∫Dz0Dη Σ_± ½(1±t0) log 2cosh(h ± (ŝ1-ŝ0)),
               h = (ŝ0/√q̂0)z0 + √(Q̂-ŝ0²/q̂0)η,  t0 = tanh(√q̂0 z0)

``phi`` counts configurations (binary: the α = 0 value is the shell entropy -d log d -
(1-d) log(1-d); spherical: ½log(1-S²), log-volume relative to the sphere).  Stationarity
equations (docs/perceptron.md): spherical ``Q = (K + r)/(1 + r)``, ``r = αE[W GH²]``,
``s0 = q0S - α(1-q0)²(1-Q)∂G_E/∂s0``; binary ``Q̂ = -2α∂_Q G_E``, ``ŝ0 = -α∂_{s0}G_E``,
``∂_{ŝ1}G_S = S`` (solved for ŝ1), ``Q = 1 - 2∂_{Q̂}G_S``, ``s0 = -∂_{ŝ0}G_S``.
``dphi_dS`` is the explicit S-derivative at the saddle (= dφ/dS by stationarity).

Binary, κ̃ = κ: the RS saddle exists only above a d_c(α) (≈ 1.9e-3 at α = 0.7), where the constrained
copies freeze (1 - Q → 0, φ → -∞); below it :func:`franz_parisi` reports non-convergence ("freeze").
All of that lies where φ < 0, i.e. where there are no solutions w.h.p. and the RS value is formal.

``kernel`` (a :class:`replica.committee.Kernel`): the wide tree committee machine — the energetic term is
evaluated at the output overlaps k(q0), k(S), k(Q), k(s0), its derivatives get the chain-rule factors k′
(:mod:`.fp_kernel`), the reference is the committee Gardner saddle with the same kernel, the entropic terms
and d = (1-S)/2 stay on the weights (docs/committee.md, "Franz–Parisi").

``replicon``: the constrained copies' sector (docs/stability.md eq. 22–23), from an accumulation in
``fp_energetic`` (and, binary, in the result-time entropic call); = the Gardner replicon at S = q0, κ̃ = κ.
The references' own stability is Gardner's at (α, κ̃).
"""

import math
from dataclasses import dataclass, replace

import numpy as np

from .._numba import kernel
from ..saddle_point.continuation import Sweep
from ..saddle_point.fixed_point import ConvergenceError
from ..saddle_point.quadrature import gauss_legendre
from ._quad import BASE, KINK_OFFSETS, Z_MAX, add_feature, fill_rule, merged_rule
from ._replicon import fp_replicon
from ._solve import robust_fixed_point
from .fp_energetic import fp_energetic
from .fp_kernel import kernel_energetic, output_feasible
from .gardner import WEIGHTS, gardner, kappa_max, spherical_capacity
from ..saddle_point.contract import BOUND_VIOLATED, FROZEN, LEFT_DOMAIN, NON_FINITE, OK, RSFlags, verdict

NODES = 8


@dataclass(frozen=True)
class FPResult(RSFlags):
    """Franz–Parisi saddle point at distance d (overlap S = 1 - 2d) from the reference."""

    alpha: float
    d: float
    weights: str
    kappa_ref: float
    kappa: float
    S: float
    q0: float
    qhat0: float
    Q: float
    s0: float
    Qhat: float
    shat0: float
    shat1: float
    phi: float
    dphi_dS: float
    converged: bool
    iterations: int
    residual: float


# ----------------------------------------------------------------------------- binary entropic term
ENT_KINK_OFFSETS = np.array([-20.0, -8.0, -3.0, -1.0, 0.0, 1.0, 3.0, 8.0, 20.0])
HALF_BASE = np.array([0.0, 1.5, 3.5, 6.0, Z_MAX])


@kernel
def _tanh_sech2(x):
    """``(tanh x, sech² x, e^{-2|x|})`` from one exponential, without cancellation."""
    e = math.exp(-2.0 * abs(x))
    t = (1.0 - e) / (1.0 + e)
    return t if x >= 0.0 else -t, 4.0 * e / ((1.0 + e) * (1.0 + e)), e


@kernel
def fp_entropic_binary(qhat0, Qhat, shat0, shat1, x_ref, w_ref):
    """``(G_S, ∂G_S/∂ŝ1, ∂²G_S/∂ŝ1², Q = 1 - 2∂_{Q̂}G_S, -∂_{ŝ0}G_S, ∂³G_S/∂ŝ1³, γ_S)``; ``∂²G_S/∂ŝ1² = 1 - Q``.

    ``γ_S = E[Σ± ½(1±t0) sech⁴(h ± Δ)]`` is the entropic factor of the constrained copies' replicon
    (docs/stability.md eq. 23).

    The integrand is even under ``(z0, η) → (-z0, -η)`` (t0, m0 and h change sign, ± branches swap), so
    z0 runs over [0, Z_MAX] with doubled weights.  The η rule is cut at the two kinks of
    ``log 2cosh(h ± Δ)`` (width 1/√(Q̂ - ŝ0²/q̂0)), graded out to 20 widths where ``log1p(e^{-2|x|})``,
    ``sech²`` and ``1 - |tanh|`` have decayed to 1e-17.
    """
    return _entropic(qhat0, Qhat, shat0, shat1, x_ref, w_ref, True)


@kernel
def _entropic(qhat0, Qhat, shat0, shat1, x_ref, w_ref, with_gs):
    """``fp_entropic_binary``; G_S (the only output that needs logarithms) and γ_S are left at 0 unless ``with_gs``."""
    sq = math.sqrt(qhat0)
    coef = shat0 / sq
    v = max(Qhat - shat0 * shat0 / qhat0, 0.0)
    sv = math.sqrt(v)
    delta = shat1 - shat0
    zc = np.empty(HALF_BASE.shape[0] + 2 * KINK_OFFSETS.shape[0] + 2)
    zc[:HALF_BASE.shape[0]] = HALF_BASE
    n = add_feature(zc, HALF_BASE.shape[0], 0.0, 1.0 / max(sq, 1e-3), KINK_OFFSETS)
    n = add_feature(zc, n, 0.0, 1.0, KINK_OFFSETS)
    znodes, zweights = merged_rule(zc, n, 0.0, Z_MAX, x_ref, w_ref, True)
    ec = np.empty(BASE.shape[0] + 2 * ENT_KINK_OFFSETS.shape[0] + 2)
    enodes = np.empty(x_ref.shape[0] * ec.shape[0])
    eweights = np.empty(x_ref.shape[0] * ec.shape[0])
    gs = d1 = d2 = d3 = Qn = s0n = d4 = 0.0
    for i in range(znodes.shape[0]):
        z0 = znodes[i]
        t0 = math.tanh(sq * z0)
        pp, pm = 0.5 * (1.0 + t0), 0.5 * (1.0 - t0)
        m0 = coef * z0
        if sv > 0.0:
            ec[:BASE.shape[0]] = BASE
            m = add_feature(ec, BASE.shape[0], (-delta - m0) / sv, 1.0 / sv, ENT_KINK_OFFSETS)
            m = add_feature(ec, m, (delta - m0) / sv, 1.0 / sv, ENT_KINK_OFFSETS)
            count = fill_rule(ec, m, -Z_MAX, Z_MAX, x_ref, w_ref, True, enodes, eweights)
        else:
            enodes[0], eweights[0], count = 0.0, 1.0, 1
        a_gs = a_d1 = a_d2 = a_d3 = a_Q = a_Mz = a_d4 = 0.0
        for j in range(count):
            h = m0 + sv * enodes[j]
            tp, sp, ep = _tanh_sech2(h + delta)
            tm, sm, em = _tanh_sech2(h - delta)
            w = eweights[j]
            if with_gs:  # log 2cosh x = |x| + log1p(e^{-2|x|})
                a_gs += w * (pp * (abs(h + delta) + math.log1p(ep)) + pm * (abs(h - delta) + math.log1p(em)))
                a_d4 += w * (pp * sp * sp + pm * sm * sm)
            a_d1 += w * (pp * tp - pm * tm)
            a_d2 += w * (pp * sp + pm * sm)
            a_d3 += w * (pm * tm * sm - pp * tp * sp)
            a_Q += w * (pp * tp * tp + pm * tm * tm)
            a_Mz += w * (pp * tp + pm * tm)
        zw = 2.0 * zweights[i]
        gs += zw * a_gs
        d4 += zw * a_d4
        d1 += zw * a_d1
        d2 += zw * a_d2
        d3 += zw * 2.0 * a_d3
        Qn += zw * a_Q
        # ∂_{ŝ0}G_S = E[M z0]/√q̂0 - (ŝ0/q̂0)E[M'] - E[M_diff]   (Stein in η for the variance term; M' = sech² mix)
        s0n += zw * (a_Mz * z0 / sq - shat0 / qhat0 * a_d2 - a_d1)
    return gs, d1, d2, Qn, -s0n, d3, d4


@kernel
def solve_shat1(qhat0, Qhat, shat0, S, guess, x_ref, w_ref):
    """Root of ``∂_{ŝ1}G_S(ŝ1) = S`` (increasing in ŝ1, slope 1 - Q > 0).

    Halley steps (the third derivative comes with the integrals) safeguarded by bisection, the bracket grown
    from ``guess`` as the signs come in.  Returns ``(ŝ1, outputs of fp_entropic_binary at ŝ1)``: the last
    evaluation is the answer, so a warm-started call costs about two evaluations.  G_S itself is not
    computed (outputs[0] = 0): the result calls ``fp_entropic_binary`` once at the solution.
    """
    lo, hi = -np.inf, np.inf
    x = guess
    for _ in range(200):
        out = _entropic(qhat0, Qhat, shat0, x, x_ref, w_ref, False)
        f = out[1] - S
        if abs(f) <= 1e-13 or hi - lo <= 1e-14 * (1.0 + abs(x)):
            return x, out
        if f > 0.0:
            hi = x
        else:
            lo = x
        d2, d3 = out[2], out[5]
        denom = d2 - 0.5 * f * d3 / d2 if d2 > 0.0 else 0.0
        step = -f / denom if denom > 0.5 * d2 > 0.0 else (-f / d2 if d2 > 0.0 else -np.sign(f))
        if abs(step) > 1.0 + abs(x):
            step = np.sign(step) * (1.0 + abs(x))
        new = x + step
        if not lo < new < hi:
            new = 0.5 * (lo + hi)
        x = new
    return x, _entropic(qhat0, Qhat, shat0, x, x_ref, w_ref, False)


# ----------------------------------------------------------------------------- solver
def _validate(alpha, d, weights, kappa_ref, kappa):
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of spherical, binary; got {weights!r}")
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be > 0; got {alpha}")
    if not (np.isfinite(d) and 0 < d < 0.5):
        raise ValueError(f"d must be in (0, 0.5); got {d}")
    for name, v in (("kappa_ref", kappa_ref), ("kappa", kappa)):
        if not np.isfinite(v):
            raise ValueError(f"{name} must be a finite number; got {v}")


def _gardner(alpha, kappa, weights, kernel=None, **options):
    """The Gardner saddle at (α, κ); with a kernel, the committee machine's (``gardner(..., kernel=K)``)."""
    if kernel is None:
        return gardner(alpha, kappa, weights, **options)
    return gardner(alpha, kappa, weights, kernel=kernel, **options)


def _reference(alpha, weights, kappa_ref, kernel=None):
    if weights == "spherical":
        # committee: α_c = k′(1)/B(κ̃) (infinite for sign)
        ac = spherical_capacity(kappa_ref) * (1.0 if kernel is None else kernel.dk1)
        if not alpha < ac:
            raise ValueError(f"alpha must be < the spherical capacity {ac:.6g} at kappa_ref={kappa_ref} "
                             f"(spherical max-margin references are unique: use franz_parisi_minimizer); got {alpha}")
    ref = _gardner(alpha, kappa_ref, weights, kernel, strict=weights == "spherical")
    if weights == "binary" and not ref.entropy >= -1e-9:  # negative, or frozen (-inf)
        if kernel is not None:
            raise ValueError(f"alpha must be below the binary capacity at kappa_ref={kappa_ref} (reference "
                             f"entropy {ref.entropy:.6g} < 0: no references); got {alpha}")
        raise ValueError(f"kappa_ref must be <= kappa_max(alpha)={kappa_max(alpha, 'binary'):.6g} "
                         f"(no binary references beyond it); got {kappa_ref}")
    return ref


# cold start: Q a fraction COLD_Q of the way from S² (unconstrained copies) to 1 (fewest iterations over a
# grid of α, d: binary 0.3, spherical 0.5)
COLD_Q = {"binary": 0.3, "spherical": 0.5}
T_FROZEN = 20.0  # binary: t = -log(1 - Q) beyond this (1 - Q < 2e-9) means the constrained copies froze


def franz_parisi(alpha, d, weights="binary", kappa_ref=0.0, kappa=0.0, *, start=None, tol=1e-10,
                 maxiter=500, damping=0.0, method="anderson", strict=True, reference=None, energetic=None,
                 kernel=None):
    """Franz–Parisi local entropy at distance d; returns :class:`FPResult`.

    ``energetic`` replaces :func:`.fp_energetic.fp_energetic` (the reference constraint θ(h̃ - κ̃)) by another
    reference channel with the same signature and outputs, e.g. the loss channel of a binary minimiser
    (:class:`.binary_minimizer.ChannelEnergetic`, with ``reference`` its zero-entropy state); the entropy
    bound is then the Gardner entropy at κ.

    ``kappa_ref = "max"`` (or κ̃ ≥ κ_max up to 1e-9) selects the max-margin references (binary).
    ``start`` warm-starts (Q, s0, ŝ1) from a neighbouring FPResult.

    ``kernel`` (a :class:`replica.committee.Kernel`; None = the perceptron): the committee machine, the
    energetic term at the output overlaps k(·) with chain-rule factors k′ in the stationarity equations
    (:func:`.fp_kernel.kernel_energetic`), the reference from the committee Gardner saddle.

    Binary: the fixed point is iterated in ``(t, s0)`` with ``t = -log(1 - Q)``, so that the residual is
    relative in 1 - Q and Q → 1 cannot pass for convergence; inside the map ŝ1 solves ``∂_{ŝ1}G_S = S``
    (Halley from the previous ŝ1) and the new 1 - Q is ``∂²G_S/∂ŝ1²`` (no cancellation).  Where the
    replica-symmetric saddle has no Q < 1 (the constrained copies freeze: t → ∞, e.g. α = 0.7,
    κ̃ = κ = 0 below d ≈ 0.0019) the solver reports non-convergence with that reason.
    """
    if kernel is not None and (energetic is not None or isinstance(kappa_ref, str)):
        raise ValueError("kernel applies to typical references with a numeric kappa_ref only")
    if isinstance(kappa_ref, str):
        if kappa_ref != "max":
            raise ValueError(f"kappa_ref must be a number or 'max'; got {kappa_ref!r}")
        kappa_ref = kappa_max(alpha, weights) - 1e-10 if alpha > 0 else 0.0
    _validate(alpha, d, weights, kappa_ref, kappa)
    ref = reference if reference is not None else _reference(alpha, weights, kappa_ref, kernel)
    q0, qhat0 = ref.q, ref.qhat
    S = 1.0 - 2.0 * d
    x_ref, w_ref = gauss_legendre(NODES)
    feasible = lambda Q, s0: Q < 1.0 and s0 * s0 < Q * q0 and (S - s0) ** 2 < (1 - q0) * (Q - s0 * s0 / q0) and \
        (kernel is None or output_feasible(kernel, q0, S, Q, s0))
    if kernel is not None:
        energetic = kernel_energetic(kernel, fp_energetic)
    binary = weights == "binary"
    # cold start: unconstrained copies at overlap S sit at (Q, s0) = (S², q0S) on the boundary a = 0: step inside
    Q0, s00, shat10 = S * S + COLD_Q[weights] * (1.0 - S * S), q0 * S, math.atanh(S)
    cold = np.array([-math.log1p(-Q0), s00]) if binary else np.array([Q0, s00])
    x0 = cold
    if start is not None and start.weights == weights and feasible(start.Q, start.s0):
        x0 = np.array([-math.log1p(-start.Q), start.s0]) if binary else np.array([start.Q, start.s0])
        if binary and np.isfinite(start.shat1):
            shat10 = start.shat1
    shat1 = [shat10]   # binary: ŝ1 is solved exactly inside the map, warm-started from the previous call
    cache = {}

    def evaluate(x):
        """Energetic and entropic terms at state x (cached: the last one is reused by the result)."""
        key = tuple(x)
        if key not in cache:
            cache.clear()
            if binary:
                t, s0 = x
                Q = -math.expm1(-t)
            else:
                Q, s0 = x
            e = (energetic or fp_energetic)(q0, kappa_ref, kappa, S, Q, s0, x_ref, w_ref)
            ent = None
            if binary:  # Q̂ = -2α∂_Q G_E, ŝ0 = -α∂_{s0}G_E, ŝ1 from ∂_{ŝ1}G_S = S
                Qhat, shat0 = -2.0 * alpha * e[1], -alpha * e[2]
                shat1[0], out = solve_shat1(qhat0, Qhat, shat0, S, shat1[0], x_ref, w_ref)
                ent = (shat1[0],) + out
            cache[key] = (Q, s0, e, ent)
        return cache[key]

    def F(x):
        if binary:
            if not (0.0 < x[0] < T_FROZEN and feasible(-math.expm1(-x[0]), x[1])):
                return np.full(2, np.nan)
        elif not feasible(*x):
            return np.full(2, np.nan)
        Q, s0, e, ent = evaluate(x)
        if not binary:
            K = (S - s0) * (S + s0 - 2 * q0 * S) / (1 - q0) ** 2
            r = -2.0 * alpha * (1.0 - Q) * e[1]
            return np.array([(K + r) / (1.0 + r), q0 * S - alpha * (1 - q0) ** 2 * (1 - Q) * e[2]])
        d2, s0_new = ent[3], ent[5]
        if not d2 > 0.0:
            return np.full(2, np.nan)
        return np.array([-math.log(d2), s0_new])   # 1 - Q = ∂²G_S/∂ŝ1² (no cancellation)

    describe = f"franz_parisi(alpha={alpha}, d={d}, weights={weights}, kappa_ref={kappa_ref}, kappa={kappa})"

    def make(x, status, it, res):
        Q, s0, e, ent = evaluate(np.asarray(x, dtype=float))
        return _result(alpha, d, weights, kappa_ref, kappa, S, q0, qhat0, Q, s0, ent[0] if binary else math.nan,
                       e, status, it, res, x_ref, w_ref)

    try:
        if binary:
            def reset(x):
                shat1[0] = shat10 if x is x0 else math.atanh(S)
            fp = robust_fixed_point(F, x0, cold, tol=tol, maxiter=maxiter, damping=damping, method=method,
                                    strict=strict, describe=describe, reset=reset,
                                    frozen=lambda x: x[0] > T_FROZEN - 2.0)
        else:
            fp = robust_fixed_point(F, x0, cold, tol=tol, maxiter=maxiter, damping=damping, method=method,
                                    strict=strict, describe=describe)
    except ConvergenceError as err:
        if err.state is not None:
            frozen = binary and err.state[0] > T_FROZEN - 2.0
            if frozen:
                err.status = FROZEN
            try:
                err.state = make(err.state, err.status, err.iterations, err.residual)
            except Exception:  # noqa: BLE001 - keep the raw state if it is out of the domain
                pass
            if frozen:
                err.args = (f"{describe}: no replica-symmetric saddle with Q < 1 — the constrained copies "
                            f"freeze (Q → 1); the RS branch ends at a larger d",)
        raise
    result = make(fp.x, fp.status, fp.iterations, fp.residual)
    if result.converged:
        # the variance Q̂ - ŝ0²/q̂0 of h vanishes at d_typ (κ̃ = κ) and around max-margin references at small d
        # (Q̂ → 0): allow its round-off, relative 1e-9, with an absolute floor 1e-8 — the absolute accuracy of Q̂
        # and ŝ0, derivatives of quadratures of O(1) terms (at α = 0.7, d = 2e-4: Q̂ ≈ 1.3e-8 ≈ ŝ0²/q̂0)
        field_var = result.Qhat - result.shat0 ** 2 / result.qhat0 if binary else 0.0
        field_ok = field_var >= -(1e-9 * (abs(result.Qhat) + result.shat0 ** 2 / result.qhat0) + 1e-8)
        status = contract_status(result.phi, result.Q, S, weights,
                                 _entropy_bound(alpha, weights, kappa,
                                                kappa_ref if energetic is None or kernel is not None else math.nan,
                                                ref, kernel), field_ok)
        if status != OK:
            result = make(fp.x, status, fp.iterations, fp.residual)
            if strict:
                raise ConvergenceError(f"{describe}: {status} (phi={result.phi:.10g}, Q={result.Q:.10g})", result,
                                       fp.residual, fp.iterations, status)
    return result


def shell_entropy(S, weights):
    """The α = 0 envelope: log-count (binary, H₂(d)) or log-fraction (spherical, ½log(1-S²)) of the shell."""
    if weights == "spherical":
        return 0.5 * math.log1p(-S * S)
    d = (1.0 - S) / 2.0
    return -d * math.log(d) - (1.0 - d) * math.log1p(-d)


def contract_status(phi, Q, S, weights, gardner_entropy, field_ok=True, slack=1e-9):
    """The trust contract's domain and bound checks of a converged FP saddle (docs/theory.md §4), as a status:
    φ_FP ≤ the Gardner entropy at κ (exact, whatever the reference: Σ_d e^{Nφ_FP(d)} counts all
    κ-solutions), φ_FP ≤ the shell's own entropy (its α = 0 value), S² < Q < 1, and ``field_ok`` (binary:
    Q̂q̂₀ ≥ ŝ₀², the variance of the local field h).  A saddle that breaks one is a spurious root."""
    checks = [(not math.isfinite(phi), NON_FINITE),
              (not Q < 1.0, FROZEN if weights == "binary" else LEFT_DOMAIN),
              (not (Q >= S * S and field_ok), LEFT_DOMAIN),
              (phi > gardner_entropy + slack, BOUND_VIOLATED),
              (phi > shell_entropy(S, weights) + slack, BOUND_VIOLATED)]
    return verdict(0.0, 1.0, checks)[1]


def _entropy_bound(alpha, weights, kappa, kappa_ref, ref, kernel=None):
    """Gardner entropy at the counted margin κ (+∞ where it is not defined)."""
    if kappa == kappa_ref:
        return ref.entropy
    try:
        g = _gardner(alpha, kappa, weights, kernel)
    except (ValueError, ConvergenceError):
        return math.inf
    return g.entropy if g.converged else math.inf


def _result(alpha, d, weights, kappa_ref, kappa, S, q0, qhat0, Q, s0, shat1, e, status, iterations, residual,
            x_ref, w_ref):
    if weights == "spherical":
        K = (S - s0) * (S + s0 - 2 * q0 * S) / (1 - q0) ** 2
        dK_dS = (2 * S - 4 * q0 * S + 2 * q0 * s0) / (1 - q0) ** 2
        phi = 0.5 * math.log1p(-Q) + (Q - K) / (2 * (1 - Q)) + alpha * e[0]
        Qhat = -2 * alpha * e[1]
        shat0 = -alpha * e[2]
        shat1 = float("nan")
        dphi = -dK_dS / (2 * (1 - Q)) + alpha * e[3]
        replicon = fp_replicon(alpha, False, Q, e[6])
    else:
        Qhat, shat0 = -2.0 * alpha * e[1], -alpha * e[2]
        ent = fp_entropic_binary(qhat0, Qhat, shat0, shat1, x_ref, w_ref)
        gs = ent[0]
        replicon = fp_replicon(alpha, True, Q, e[6], ent[6])
        phi = -0.5 * Qhat * (1 - Q) + shat0 * s0 - shat1 * S + gs + alpha * e[0]
        dphi = -shat1 + alpha * e[3]
    return FPResult(alpha, d, weights, kappa_ref, kappa, S, q0, qhat0, float(Q), float(s0), float(Qhat),
                    float(shat0), float(shat1), float(phi), float(dphi), status == OK, int(iterations),
                    float(residual), status=status, frozen=status == FROZEN,
                    entropy_negative=bool(weights == "binary" and phi < 0), replicon=replicon)


def franz_parisi_curve(alpha, ds, weights="binary", kappa_ref=0.0, kappa=0.0, *, direction="backward",
                       progress=None, kernel=None, **options):
    """:func:`franz_parisi` over the list ``ds`` with warm starts (default: from large d down to small d).

    Each point starts from the linear extrapolation (in log d) of the previous two converged points (from
    the previous point alone at the start of a sweep).  Binary: once the saddle froze (Q → 1, no RS saddle;
    see :func:`franz_parisi`) at some d while d decreases, the smaller d of that sweep are reported frozen
    (``converged=False``, Q = 1, φ = NaN) without solving.  Returns a :class:`replica.saddle_point.Sweep`;
    non-converged points are kept, flagged.  ``kernel``: as in :func:`franz_parisi` (the committee machine).
    """
    ds = [float(v) for v in ds]
    if kernel is not None and isinstance(kappa_ref, str):
        raise ValueError("kernel applies to typical references with a numeric kappa_ref only")
    if isinstance(kappa_ref, str):
        kappa_ref = kappa_max(alpha, weights) - 1e-10
    for v in ds:
        _validate(alpha, v, weights, kappa_ref, kappa)
    ref = options.pop("reference", None) or _reference(alpha, weights, kappa_ref, kernel)
    if kernel is not None:
        options["kernel"] = kernel
    options.setdefault("strict", False)
    if direction not in ("forward", "backward", "both"):
        raise ValueError(f"direction must be one of forward, backward, both; got {direction!r}")

    def run(values):
        """One sweep: warm starts, extrapolated starts, frozen skipping (state local to the sweep)."""
        history, results, frozen = [], [], None
        for i, v in enumerate(values):
            descending = i > 0 and v < values[i - 1]
            if frozen is not None and descending and v < frozen.d:
                r = replace(frozen, d=v, S=1.0 - 2.0 * v, iterations=0)
            else:
                start = _extrapolate(history[-2:], v) if len(history) >= 2 else (history[-1] if history else None)
                try:
                    r = franz_parisi(alpha, v, weights, kappa_ref, kappa, start=start, reference=ref, **options)
                except ConvergenceError as err:  # keep the point, flagged
                    if not isinstance(err.state, FPResult):
                        raise
                    r = err.state
                if r.converged:
                    history.append(r)
                elif weights == "binary" and 1.0 - r.Q < 1e-7:   # no RS saddle: the copies froze (Q → 1)
                    r = replace(r, Q=1.0, phi=math.nan, status=FROZEN, frozen=True)
                    frozen = r if frozen is None or v > frozen.d else frozen
            results.append(r)
            if progress is not None:
                progress()
        return tuple(results)

    out = {}
    if direction in ("forward", "both"):
        out["forward"] = run(ds)
    if direction in ("backward", "both"):
        out["backward"] = tuple(reversed(run(ds[::-1])))
    return Sweep(values=tuple(ds), **out)


def _extrapolate(last2, d):
    """Start for d from two converged neighbours: (t = -log(1-Q), s0, ŝ1) linear in log d."""
    a, b = last2
    u = (math.log(d) - math.log(b.d)) / (math.log(b.d) - math.log(a.d))
    if not abs(u) <= 2.0:
        return b
    lin = lambda fa, fb: fb + u * (fb - fa)
    t = lin(-math.log1p(-a.Q), -math.log1p(-b.Q))
    shat1 = lin(a.shat1, b.shat1) if math.isfinite(b.shat1) else b.shat1
    return replace(b, d=d, S=1.0 - 2.0 * d, Q=-math.expm1(-t), s0=lin(a.s0, b.s0), shat1=shat1)
