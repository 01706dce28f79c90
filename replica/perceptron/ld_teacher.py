"""Dense regions with a teacher: do the densest centres generalise better? (issue 10 part 7, PRL 2015;
derivation and checks: docs/large_deviation_teacher.md).

Binary teacher w* ∈ {±1}^N, labels ``sign(w*·ξ/√N)``, binary students that classify every pattern with margin
κ = 0, centres w̃ ∈ {±1}^N weighted by ``N(w̃, d)^y``, y = ∞.  With the copies' teacher overlap ``m`` and the uniform
teacher field ``R̂`` of the entropic term (its conjugate)::

    S_I(S) = extr { -σ̂S - ½q̂0(1 - q1 + δq) - ½ĉq1 - R̂m + G_S(q̂0, ĉ, σ̂, R̂) + αG_E(q1, δq, m) }
    G_S = E_ζ M_ĉ(|√q̂0ζ + R̂| + σ̂),     G_E = ∫Dζ 2H(-mζ/√(q1-m²)) max_g [log H(-(√q1ζ + g)/√(1-q1)) - g²/(2δq)]

The clipped centre is ``w̃ = sign(√q̂0ζ + R̂)``: its teacher overlap ``R = 1 - 2H(R̂/√q̂0)`` and its generalisation
error ``arccos(R)/π`` (|w̃|² = N).  The copies' error is ``arccos(m)/π``.  At the Gardner point S* (σ̂ = ĉ = δq = 0)
the copies are typical solutions of the teacher–student problem (the binary Gibbs = Bayes posterior measure, on
the Nishimori line q = m, q̂ = R̂: :func:`binary_teacher_student`) and the centre is the clipped centre of mass.
With m = R̂ = 0 clamped (students orthogonal to the teacher) the equations are those of random labels
(:mod:`.large_deviation`, part 1).  Beyond the breakup of the branch (σ̂ reaching 0) points are flagged, as in part
1; the detached small-d piece is not searched for with a teacher.
"""

import math
from dataclasses import dataclass

import numpy as np

from .._lazy import brentq
from ..saddle_point.contract import BOUND_VIOLATED, DIVERGED, LEFT_DOMAIN, verdict
from ..saddle_point.quadrature import gauss_legendre
from ..saddle_point.special import H
from .large_deviation import BOUND_SLACK, NODES, LDResult, _finish, _Problem, _validate, binary_entropy
from .ld_branch import ELL_TRIVIAL, Branch
from .ld_teacher_kernels import ldt_conjugates, ldt_entropic, ldt_map

ALPHA_GD = 1.245   # Györgyi 1990: the RS Gibbs entropy vanishes (first-order transition to w = w*)


# ----------------------------------------------------------------------------- the typical solutions (Gibbs)
@dataclass(frozen=True)
class BinaryTeacherStudent:
    """RS saddle of the binary teacher–student perceptron (version space = Bayes posterior, Nishimori q = m)."""

    alpha: float
    q: float              # overlap of two solutions = their overlap with the teacher (Nishimori)
    qhat: float           # q̂ = R̂ (Nishimori)
    entropy: float        # log-count of the solutions per weight (0 at α_GD ≈ 1.245)
    gibbs_error: float    # arccos(q)/π: a typical solution
    bayes_error: float    # arccos(√q)/π: the Bayes-optimal classifier (sign of the posterior-mean field)
    R_clipped: float      # 1 - 2H(√q̂): teacher overlap of the clipped centre of mass sign(⟨w⟩)
    clipped_error: float  # arccos(R_clipped)/π
    S_star: float         # E|tanh(√q̂z + q̂)|: overlap of the clipped centre with the typical solutions
    q_check: float        # E tanh²(√q̂z + q̂) (= q on the Nishimori line: a check)
    qhat_check: float     # q̂0 = αE_T[GH²]/(1-q) (= q̂ on the Nishimori line: a check)


def binary_teacher_student(alpha, x_ref=None, w_ref=None):
    """Typical solutions of the binary teacher–student perceptron (κ = 0), RS on the Nishimori line::

        q = E tanh(√q̂ z + q̂),      q̂ = R̂(q) = (α/(π√(1-q))) ∫Dt e^{-qt²/2}/H(-√q t),
        s = -½q̂(1 + q) + E log 2cosh(√q̂ z + q̂) + 2α∫Dζ H(u) log H(u),   u = -√(q/(1-q)) ζ.

    q̂ comes from the dense-region energetic kernel at δq = 0, m = q; q by brentq in t = -log(1-q).  Raises
    ValueError beyond the spinodal of the poor-generalisation state (no root with q < 1).
    """
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be > 0; got {alpha}")
    if x_ref is None:
        x_ref, w_ref = gauss_legendre(NODES)

    def state(q):
        qh_T, _, rhat, ge = ldt_conjugates(q, 0.0, q, alpha, 0.0, x_ref, w_ref)
        gs, S, _, q1, _, m = ldt_entropic(rhat, 0.0, 0.0, rhat, x_ref, w_ref, True)
        return rhat, qh_T, ge, gs, S, q1, m

    def f(t):
        q = -math.expm1(-t)
        return state(q)[6] - q

    lo, hi = 1e-12, 1.0
    while f(hi) > 0.0:
        hi *= 1.5
        if hi > 40.0:
            raise ValueError(f"binary_teacher_student(alpha={alpha}): no poor-generalisation RS solution (beyond "
                             "the spinodal the only solution is w = w*)")
    t = brentq(f, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500)
    q = -math.expm1(-t)
    rhat, qh_T, ge, gs, S, q1, m = state(q)
    entropy = -0.5 * rhat * (1.0 - q) - rhat * q + gs + alpha * ge
    R = 1.0 - 2.0 * H(math.sqrt(rhat))
    return BinaryTeacherStudent(alpha, q, rhat, entropy, math.acos(q) / math.pi, math.acos(math.sqrt(q)) / math.pi,
                                R, math.acos(R) / math.pi, S, q1, qh_T)


def teacher_centred_entropy(alpha, d, x_ref=None, w_ref=None):
    """Log-count per weight of the solutions at distance d from the teacher itself (the version space at fixed
    teacher overlap m = S = 1 - 2d, RS): the teacher is one candidate centre, so ``S_I(d) ≥`` this at y = ∞.  By
    the Nishimori symmetry the teacher is a typical solution, so this is also the Franz–Parisi potential around
    typical solutions; at S = q_G it equals the teacher–student entropy.  Returns ``(entropy, q, q̂, R̂)``::

        s(S) = extr_{q, q̂, R̂} { -½q̂(1-q) - R̂S + E log 2cosh(√q̂z + R̂) + α∫Dζ 2H(-Sζ/√(q-S²)) log H(-√qζ/√(1-q)) }

    (the δq = 0 kernels: q̂ = αE_T[GH²]/(1-q); R̂ from E tanh(√q̂z + R̂) = S; q = E tanh²), q by brentq on (S², 1).
    NaNs where no root with q < 1 exists (the constrained state is frozen, q → 1: large α, small d).
    """
    if x_ref is None:
        x_ref, w_ref = gauss_legendre(NODES)
    S = 1.0 - 2.0 * d

    def state(q):
        qh, _, _, ge = ldt_conjugates(q, 0.0, S, alpha, 0.0, x_ref, w_ref)
        lo, hi = -1.0, 1.0
        while ldt_entropic(qh, 0.0, 0.0, hi, x_ref, w_ref, False)[5] < S:
            hi *= 2.0
        rh = brentq(lambda r: ldt_entropic(qh, 0.0, 0.0, r, x_ref, w_ref, False)[5] - S, lo, hi, xtol=1e-15)
        gs, _, _, q1, _, _ = ldt_entropic(qh, 0.0, 0.0, rh, x_ref, w_ref, True)
        return q1, qh, rh, gs, ge

    f = lambda t: -math.log1p(-state(-math.expm1(-t))[0]) - t
    t0, t1 = -math.log1p(-S * S) + 1e-9, 25.0
    if not f(t0) * f(t1) < 0.0:
        return math.nan, math.nan, math.nan, math.nan
    t = brentq(f, t0, t1, xtol=1e-13)
    q = -math.expm1(-t)
    _, qh, rh, gs, ge = state(q)
    return -0.5 * qh * (1.0 - q) - rh * S + gs + alpha * ge, q, qh, rh


# ----------------------------------------------------------------------------- the dense branch
class TeacherBranch(Branch):
    """:class:`.ld_branch.Branch` on the teacher equations (:func:`.ld_teacher_kernels.ldt_map`, m slaved)."""

    def __init__(self, alpha, kappa, x_ref, w_ref, t_gardner, S_star, free_m=True):
        super().__init__(alpha, kappa, x_ref, w_ref, t_gardner, S_star)
        self.free_m = free_m

    def evaluate(self, y):
        self.evaluations += 1
        return ldt_map(y[0], y[1], y[2], self.alpha, self.kappa, self.free_m, self.x_ref, self.w_ref)


def _gen(R):
    return math.acos(min(1.0, max(-1.0, R))) / math.pi if math.isfinite(R) else math.nan


class _TeacherProblem(_Problem):
    """Everything fixed at α (κ = 0): the typical solutions (Nishimori), S*, the branch engine.  Reuses the
    part-1 problem's :meth:`unlanded` and :meth:`saturated` (the former calls :meth:`result` below)."""

    def __init__(self, alpha, kappa=0.0, free_m=True):
        self.alpha, self.kappa, self.free_m = alpha, kappa, free_m
        self.x_ref, self.w_ref = gauss_legendre(NODES)
        if free_m:
            self.ts = binary_teacher_student(alpha, self.x_ref, self.w_ref)
            self.S_star, q_typical, self.entropy = self.ts.S_star, self.ts.q, self.ts.entropy
        else:    # m = R̂ = 0 clamped: the random-label problem, whose typical solutions are part 1's Gardner point
            self.random = _Problem(alpha, kappa)
            g = self.random.gardner
            self.S_star, q_typical, self.entropy = self.random.S_star, g.q, g.entropy
        self.d_star = 0.5 * (1.0 - self.S_star)
        self.branch = TeacherBranch(alpha, kappa, self.x_ref, self.w_ref, -math.log1p(-q_typical), self.S_star,
                                    free_m)

    def plateau(self, d):
        """d ≥ d*: S_I = the teacher–student entropy; the centre reported is the clipped centre of mass (the
        d → d*⁻ limit of the dense branch; for d > d* the maximising centres are degenerate)."""
        if not self.free_m:
            return self.random.plateau(d)
        ts = self.ts
        return LDResult(self.alpha, d, self.kappa, "binary", math.inf, 1.0 - 2.0 * d, ts.entropy, 0.0, ts.q, ts.qhat,
                        0.0, 0.0, math.nan, "plateau", True, 0, 0.0, entropy_negative=bool(ts.entropy < 0),
                        R=ts.R_clipped, gen_error=ts.clipped_error, Rhat=ts.qhat, m=ts.q)

    def result(self, d, point, tol, branch):
        """LDResult from a solved Point: S_I, R, the trust-contract checks (the centre's violations: NaN)."""
        alpha, S = self.alpha, 1.0 - 2.0 * d
        t, ell, sigma = point.y
        q1, dq = -math.expm1(-t), math.exp(min(ell, 700.0))
        out = point.out
        qhat0, chat, ge, m, rhat = out[4], out[5], out[6], out[7], out[8]
        trivial = not (ell < ELL_TRIVIAL and qhat0 > 0.0 and math.isfinite(dq))
        phi, R = math.nan, math.nan
        if not trivial and np.isfinite(qhat0) and chat >= 0:
            gs = ldt_entropic(qhat0, chat, sigma, rhat, self.x_ref, self.w_ref, True)[0]
            phi = -sigma * S - 0.5 * qhat0 * (1.0 - q1 + dq) - 0.5 * chat * q1 - rhat * m + gs + alpha * ge
            R = 1.0 - 2.0 * H(rhat / math.sqrt(qhat0))
        bound = min(binary_entropy(d), self.entropy)
        converged, status = verdict(point.residual, tol, (
            (trivial, DIVERGED),
            (not (0.0 < q1 < 1.0 and qhat0 > 0.0 and chat >= 0.0 and dq > 0.0), LEFT_DOMAIN),
            (math.isfinite(phi) and phi > bound + BOUND_SLACK, BOUND_VIOLATED),
        ))
        return LDResult(alpha, d, self.kappa, "binary", math.inf, S, float(phi), float(sigma), float(q1),
                        float(qhat0), float(chat), float(dq), math.nan, "trivial" if trivial else branch,
                        bool(converged), int(point.iterations), float(point.residual), status=status,
                        entropy_negative=bool(math.isfinite(phi) and phi < 0.0),
                        R=float(R), gen_error=_gen(R), Rhat=float(rhat), m=float(m))


def _validate_teacher(alpha, d, kappa, weights, y):
    _validate(alpha, d, kappa, weights, y)
    if kappa != 0.0:
        raise ValueError(f"kappa must be 0 with teacher=True (the Nishimori reference is for κ = 0); got {kappa}")
    if y != math.inf:
        raise ValueError(f"y must be math.inf with teacher=True (finite y is not implemented with a teacher); got {y}")


def _solve_targets(problem, ds, tol, progress=None):
    """Plateau for d ≥ d*, one trace from S* landing on the rest; unlanded points flagged (part 1's rules)."""
    out = [None] * len(ds)
    tick = progress if progress is not None else (lambda: None)
    below = sorted((i for i in range(len(ds)) if ds[i] < problem.d_star - 1e-12), key=lambda i: -ds[i])
    for i in range(len(ds)):
        if i not in below:
            out[i] = problem.plateau(ds[i])
            tick()
    if below:
        def land(k, p):
            out[below[k]] = problem.result(ds[below[k]], p, tol, "dense")
            tick()
        targets = [1.0 - 2.0 * ds[i] for i in below]
        pts, _, broken = problem.branch.trace(targets[-1], tol, targets=targets, on_target=land)
        for i in below:
            if out[i] is None:
                out[i] = problem.unlanded(ds[i], pts, tol, broken)
                tick()
    return out


def ld_teacher_local_entropy(alpha, d, kappa=0.0, weights="binary", y=math.inf, *, start=None, tol=1e-10,
                             strict=True, free_m=True):
    """``ld_local_entropy(alpha, d, teacher=True)``: the y = ∞ dense regions with a binary teacher; LDResult with
    ``R``, ``gen_error`` = arccos(R)/π (the clipped centre), ``Rhat`` (the teacher field), ``m`` (the copies).

    ``start``: a teacher LDResult at a neighbouring d (same α) warm-starts Newton; otherwise the branch is followed
    from S*.  ``free_m=False`` clamps m = R̂ = 0 (students orthogonal to the teacher = random labels: part 1's
    answer, a check).  ``ref_violation_mass`` is not computed with a teacher (NaN).
    """
    _validate_teacher(alpha, d, kappa, weights, y)
    problem = _TeacherProblem(alpha, kappa, free_m)
    describe = f"ld_local_entropy(alpha={alpha}, d={d}, teacher=True)"
    if start is not None and start.converged and start.branch == "dense" and d < problem.d_star \
            and start.alpha == alpha and start.kappa == kappa and math.isfinite(start.R) and math.isfinite(start.dq):
        y0 = np.array([-math.log1p(-start.q1), math.log(start.dq), start.sigma_hat])
        p = problem.branch.newton(y0, "S", 1.0 - 2.0 * d, tol)
        if p.converged and p.y[2] >= 0.0:
            r = problem.result(d, p, tol, "dense")
            if r.converged:
                return r
    return _finish(_solve_targets(problem, [d], tol)[0], strict, describe)


def ld_teacher_local_entropy_curve(alpha, ds, kappa=0.0, weights="binary", y=math.inf, *, tol=1e-10, strict=False,
                                   progress=None, free_m=True):
    """:func:`ld_teacher_local_entropy` over ``ds`` by one continuation from S*; a tuple in the order of ``ds``."""
    ds = [float(v) for v in ds]
    for v in ds:
        _validate_teacher(alpha, v, kappa, weights, y)
    out = _solve_targets(_TeacherProblem(alpha, kappa, free_m), ds, tol, progress)
    if strict:
        for r in out:
            _finish(r, True, f"ld_local_entropy_curve(alpha={alpha}, d={r.d}, teacher=True)")
    return tuple(out)
