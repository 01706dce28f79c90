"""Large-deviation ("dense region") local entropy of the binary perceptron, y → ∞ (docs/theory.md §8).

References w̃ ∈ {±1}^N are weighted by ``N(w̃, d)^y``, N(w̃, d) the number of solutions (margin κ) at
overlap ``S = 1 - 2d`` with w̃; at y = ∞ the measure sits on the densest w̃ and the local entropy
``S_I(d) = lim (1/N) log max_w̃ N(w̃, d)`` (RS) is, with the scalings ``q0 = q1 - δq/y``, ``q̂1 = q̂0 + ĉ/y``
(derivation and checks: docs/large_deviation.md)::

    S_I = extr { -σ̂S - ½q̂0(1 - q1 + δq) - ½ĉq1 + G_S(q̂0, ĉ, σ̂) + αG_E(q1, δq) }
    G_S = 2∫_0^∞ Dζ M_ĉ(√q̂0 ζ + σ̂),   M_c(h) = max_u [log 2cosh(h+u) - u²/(2c)]
    G_E = ∫Dζ max_g [log H((κ - √q1ζ - g)/√(1-q1)) - g²/(2δq)]

``phi`` is S_I (log-count per weight, like the Gardner ``entropy``), ``sigma_hat`` the conjugate of S:
``dS_I/dS = -σ̂``, ``dS_I/dd = 2σ̂`` (monotone in d while σ̂ > 0).  For d ≥ d* = (1 - S*)/2,
``S* = E|tanh(√q̂_G z)|`` (the Gardner point), ``S_I = φ_Gardner`` with σ̂ = ĉ = δq = 0 (``branch="plateau"``).
The trivial fixed point q̂0 = ĉ = 0, δq = ∞ (S_I = H₂(d), for every α) is never returned: a solve that
runs off to it is flagged ``status="diverged"``, ``branch="trivial"`` (and raises if ``strict``); only where
the genuine branch has merged with it in double precision (d → 0) is ``S_I = H₂(d)`` reported
(``branch="saturated"``).  Beyond the breakup threshold (:func:`ld_threshold`, α_U ≈ 0.7553 at κ = 0) the
branch from S* ends where σ̂ reaches 0; a window of d without a σ̂ ≥ 0 solution (``branch="broken"``,
``status="left-domain"``) separates it from a small-d piece (``branch="detached"``).
Finite y (``y=<float>``: Φ(y), S_I = ∂Φ/∂y, Σ_ext = Φ - yS_I) and ``y="star"`` (S_I at the y* where Σ_ext = 0,
the consistent RS estimate where Σ_ext(∞) < 0) are solved by :mod:`.ld_finite`, continued in log y from the
y = ∞ state (``branch="finite-y"`` / ``"y-star"``).
``kernel=`` (y = ∞ only; :mod:`replica.committee`): the wide tree committee machine, whose energetic term is
evaluated at the output overlaps ``k(q1)``, ``k′(q1)δq`` with chain-rule conjugates (:func:`.ld_kernels.ld_map_out`),
from the committee's binary Gardner point (docs/committee.md, "Dense regions").
"""

import math
from dataclasses import dataclass

import numpy as np
from .._lazy import brentq, minimize_scalar

from ..saddle_point.contract import BOUND_VIOLATED, DIVERGED, LEFT_DOMAIN, MAX_ITER, RSFlags, verdict
from ..saddle_point.fixed_point import ConvergenceError
from ..saddle_point.quadrature import gauss_legendre
from .gardner import capacity, gardner
from .ld_branch import ELL_TRIVIAL, Branch, alpha_continuation
from .ld_finite import FiniteY, sigma_ext_root, solve_path, state_from, y_ladder, ystar_branch
from .ld_kernels import abs_tanh_mean, ld_entropic, violation_mass

NODES = 8
BOUND_SLACK = 1e-9
PRESCRIPTIONS = ("y_inf", "y_star")


@dataclass(frozen=True)
class LDResult(RSFlags):
    """y = ∞ dense-region local entropy at distance d (overlap S = 1 - 2d) from the densest references."""

    alpha: float
    d: float
    kappa: float
    weights: str
    y: float
    S: float
    phi: float                 # S_I, the local entropy (log-count per weight)
    sigma_hat: float           # conjugate of S: dS_I/dS = -σ̂
    q1: float                  # overlap of two solutions around the same reference
    qhat0: float               # q̂0
    chat: float                # ĉ = lim y(q̂1 - q̂0)
    dq: float                  # δq = lim y(q1 - q0)
    ref_violation_mass: float  # fraction of patterns the clipped centre w̃ = sign(field) violates
    branch: str                # plateau | dense | saturated | detached | broken | trivial | finite-y | y-star
    converged: bool
    iterations: int
    residual: float
    Phi: float = math.nan        # finite y: the free entropy Φ(y) (per weight; NaN at y = ∞, where it is infinite)
    sigma_ext: float = math.nan  # finite y: external entropy Σ_ext = Φ - y S_I (log-count of centres)
    q0: float = math.nan         # finite y: overlap of copies around different centres (δq = y(q1 - q0))
    qhat1: float = math.nan      # finite y: conjugate of q1 (ĉ = y(q̂1 - q̂0))
    R: float = math.nan          # teacher=True: overlap of the clipped centre with the teacher
    gen_error: float = math.nan  # teacher=True: the centre's generalisation error arccos(R)/π
    Rhat: float = math.nan       # teacher=True: uniform teacher field R̂ of the entropic term (w̃ = sign(√q̂0ζ + R̂))
    m: float = math.nan          # teacher=True: overlap of the copies (solutions around the centre) with the teacher


def binary_entropy(d):
    """``H₂(d) = -d log d - (1-d) log(1-d)``: the log-volume of the shell at distance d (α = 0)."""
    return -d * math.log(d) - (1.0 - d) * math.log1p(-d)


def _validate(alpha, d, kappa, weights, y):
    if weights != "binary":
        raise ValueError(f"weights must be 'binary' (the dense-region theory is for ±1 weights); got {weights!r}")
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be > 0; got {alpha}")
    if not (np.isfinite(d) and 0 < d < 0.5):
        raise ValueError(f"d must be in (0, 0.5); got {d}")
    if not np.isfinite(kappa):
        raise ValueError(f"kappa must be a finite number; got {kappa}")
    if isinstance(y, str):
        if y != "star":
            raise ValueError(f"y must be a number > 0, math.inf or 'star'; got {y!r}")
    elif not (isinstance(y, (int, float)) and y > 0 and not math.isnan(y)):
        raise ValueError(f"y must be > 0 (math.inf for the densest regions, 'star' for y*); got {y}")


def binary_capacity(kappa, kernel=None):
    """Binary capacity (zero entropy) of the perceptron, or of the committee machine with ``kernel``."""
    return capacity(kappa, "binary") if kernel is None else capacity(kappa, "binary", kernel=kernel)


def _check_kernel(kernel, y, teacher):
    """A kernel (committee machine) is implemented for y = ∞ without a teacher only."""
    if kernel is None:
        return
    if teacher:
        raise ValueError("teacher must be False with a kernel (the committee teacher-student dense regions are "
                         "out of scope); got teacher=True")
    if y != math.inf:
        raise ValueError(f"y must be math.inf with a kernel (finite y and y* are out of scope for the committee "
                         f"machine); got {y!r}")


class _Problem:
    """Everything fixed at (α, κ): the Gardner point, the quadrature rule, the branch engine.

    ``kernel`` (None: the perceptron): the output kernel of the committee machine; the Gardner point and the
    branch then see the output overlaps (docs/committee.md, "Dense regions")."""

    kernel = None   # subclasses that do not set it (ld_teacher) are the perceptron

    def __init__(self, alpha, kappa, kernel=None):
        self.alpha, self.kappa, self.kernel = alpha, kappa, kernel
        self.x_ref, self.w_ref = gauss_legendre(NODES)
        if kernel is None:
            self.gardner = gardner(alpha, kappa, "binary")
        else:
            self.gardner = gardner(alpha, kappa, "binary", kernel=kernel)
        self.S_star = abs_tanh_mean(self.gardner.qhat, self.x_ref, self.w_ref)
        self.d_star = 0.5 * (1.0 - self.S_star)
        self.branch = Branch(alpha, kappa, self.x_ref, self.w_ref, -math.log1p(-self.gardner.q), self.S_star,
                             kernel=kernel)

    def plateau(self, d):
        g = self.gardner
        return LDResult(self.alpha, d, self.kappa, "binary", math.inf, 1.0 - 2.0 * d, g.entropy, 0.0, g.q, g.qhat,
                        0.0, 0.0, math.nan, "plateau", True, 0, 0.0, entropy_negative=bool(g.entropy < 0))

    def saturated(self, d):
        """S_I = H₂(d) where the genuine branch is numerically the trivial point (see :meth:`unlanded`)."""
        S = 1.0 - 2.0 * d
        return LDResult(self.alpha, d, self.kappa, "binary", math.inf, S, binary_entropy(d), math.atanh(S), S * S,
                        0.0, 0.0, math.inf, math.nan, "saturated", True, 0, 0.0)

    def unlanded(self, d, pts, tol, broken):
        """The answer for an overlap the continuation did not land on.

        If the trace ended below S with its last point already within 1e-14 of H₂ (q̂0 ≲ 1e-100: as d → 0
        the genuine branch approaches the trivial point super-exponentially, q̂0 ~ e^{-c/d}, and eventually
        merges with it in double precision), S_I = H₂(d) is the answer to that precision:
        ``branch="saturated"``.  Otherwise the point is flagged: ``left-domain`` with ``branch="broken"`` if the
        dense branch reached σ̂ = 0 before S and S lies in the window without a σ̂ ≥ 0 solution (beyond the
        breakup), ``max-iter`` if the continuation simply stopped.
        """
        S = 1.0 - 2.0 * d
        last = pts[-1] if pts else None
        if last is not None and S > last.S:
            d_last = 0.5 * (1.0 - last.S)
            r = self.result(d_last, last, tol, "dense")
            if r.converged and r.qhat0 < 1e-100 and binary_entropy(d_last) - r.phi < 1e-14:
                return self.saturated(d)
        nan = math.nan
        return LDResult(self.alpha, d, self.kappa, "binary", math.inf, S, nan, nan, nan, nan, nan, nan, nan,
                        "broken" if broken else "dense", False, 0, math.inf,
                        status=LEFT_DOMAIN if broken else MAX_ITER)

    def result(self, d, point, tol, branch):
        """LDResult from a solved Point: S_I at the state, the trust-contract checks, the centre's violations."""
        alpha, S = self.alpha, 1.0 - 2.0 * d
        t, ell, sigma = point.y
        q1, dq = -math.expm1(-t), math.exp(min(ell, 700.0))
        out = point.out
        qhat0, chat, ge = out[4], out[5], out[6]
        trivial = not (ell < ELL_TRIVIAL and qhat0 > 0.0 and math.isfinite(dq))
        phi, mass = math.nan, math.nan
        if not trivial and np.isfinite(qhat0) and chat >= 0:
            gs = ld_entropic(qhat0, chat, sigma, self.x_ref, self.w_ref, True)[0]
            phi = -sigma * S - 0.5 * qhat0 * (1.0 - q1 + dq) - 0.5 * chat * q1 + gs + alpha * ge
            if self.kernel is None:
                mass = violation_mass(q1, dq, self.kappa, S, qhat0, self.x_ref, self.w_ref)
            else:   # eq. (19) at output overlaps: S → k(S), q1 → k(q1), δq → k′(q1)δq, τ → k′(S)τ
                k = self.kernel
                k1 = float(k.dk(q1))
                mass = violation_mass(float(k.k(q1)), k1 * dq, self.kappa, float(k.k(S)),
                                      qhat0 / float(k.dk(S)) ** 2, self.x_ref, self.w_ref)
        bound = min(binary_entropy(d), self.gardner.entropy)
        converged, status = verdict(point.residual, tol, (
            (trivial, DIVERGED),
            (not (0.0 < q1 < 1.0 and qhat0 > 0.0 and chat >= 0.0 and dq > 0.0), LEFT_DOMAIN),
            (math.isfinite(phi) and phi > bound + BOUND_SLACK, BOUND_VIOLATED),
        ))
        return LDResult(alpha, d, self.kappa, "binary", math.inf, S, float(phi), float(sigma), float(q1),
                        float(qhat0), float(chat), float(dq), float(mass), "trivial" if trivial else branch,
                        bool(converged), int(point.iterations), float(point.residual), status=status,
                        entropy_negative=bool(math.isfinite(phi) and phi < 0.0))


def _finish(result, strict, describe):
    if strict and not result.converged:
        reason = {DIVERGED: "ran off to the trivial fixed point (q̂0 = ĉ = 0, δq = ∞, S_I = H₂(d))",
                  BOUND_VIOLATED: "S_I above min(H₂(d), φ_Gardner)",
                  LEFT_DOMAIN: "left the domain (q̂0 > 0, ĉ ≥ 0, δq > 0)"}.get(result.status, result.status)
        raise ConvergenceError(f"{describe}: {reason}", result, result.residual, result.iterations, result.status)
    return result


def ld_local_entropy(alpha, d, kappa=0.0, weights="binary", y=math.inf, *, start=None, tol=1e-10, strict=True,
                     teacher=False, kernel=None):
    """Local entropy S_I(d) of the densest regions (y = ∞), at finite y, or at y* (``y="star"``); returns
    :class:`LDResult`.

    Finite y: Φ(y), S_I = ∂Φ/∂y (``phi``), Σ_ext = Φ - yS_I (``sigma_ext``), the finite-y order parameters
    (``q0``, ``qhat1``; ``dq = y(q1 - q0)``, ``chat = y(q̂1 - q̂0)``, ``sigma_hat`` = Ŝ), ``branch="finite-y"``,
    continued in log y from the y = ∞ solution at the same d (a finite-y ``start`` at the same y is used
    directly).  ``y="star"``: the same at the y* where Σ_ext(y*) = 0 (``branch="y-star"``, ``y`` = y*); where
    Σ_ext > 0 up to y = 10³ the y = ∞ answer is consistent and is returned (``y`` = ∞).
    ``entropy_negative`` is set when S_I < 0 or (finite y) Σ_ext < 0.

    ``start`` (an LDResult at a neighbouring d, same α and κ) warm-starts Newton on the reduced equations;
    without it (or if that fails) the branch is followed from the Gardner point S* up to S = 1 - 2d.
    ``branch``: ``"plateau"`` (d ≥ d*: S_I = φ_Gardner), ``"dense"`` (the branch connected to S*, σ̂ > 0),
    ``"saturated"`` (d → 0: the branch has merged with H₂(d) in double precision), ``"detached"`` (beyond the
    breakup threshold: the small-d piece, σ̂ > 0, disconnected from S*), ``"broken"`` (beyond the threshold,
    in the window of d without a σ̂ ≥ 0 solution: flagged ``left-domain``), ``"trivial"`` (flagged, never
    an answer).  Non-converged answers raise :class:`ConvergenceError` (carrying the result) if ``strict``.

    ``teacher=True`` (κ = 0, y = ∞): labels from a binary teacher (issue 10 part 7, :mod:`.ld_teacher`); adds the
    clipped centre's teacher overlap ``R``, its error ``gen_error`` = arccos(R)/π, the teacher field ``Rhat`` and the
    copies' teacher overlap ``m`` (docs/large_deviation_teacher.md).

    ``kernel`` (a :class:`replica.committee.Kernel`; y = ∞ and ``teacher=False`` only, else ValueError): the wide
    tree committee machine, whose energetic term sees the output overlaps ``k(q1)`` and ``k′(q1)δq``, starting
    from the committee's binary Gardner point (docs/committee.md, "Dense regions"; :mod:`replica.committee`
    wraps it).
    """
    _check_kernel(kernel, y, teacher)
    if teacher:
        from .ld_teacher import ld_teacher_local_entropy
        return ld_teacher_local_entropy(alpha, d, kappa, weights, y, start=start, tol=tol, strict=strict)
    _validate(alpha, d, kappa, weights, y)
    problem = _Problem(alpha, kappa, kernel)
    describe = f"ld_local_entropy(alpha={alpha}, d={d}, kappa={kappa})"
    if y != math.inf:
        same = start is not None and start.converged and start.y == y and start.alpha == alpha \
            and start.kappa == kappa and start.branch == "finite-y"
        return _finish(_finite(problem, d, y, tol, start if same else None), strict, describe + f", y={y}")
    if start is not None and start.converged and start.branch in ("dense", "detached") and d < problem.d_star \
            and start.alpha == alpha and start.kappa == kappa and start.y == math.inf:
        y0 = np.array([-math.log1p(-start.q1), math.log(start.dq), start.sigma_hat])
        p = problem.branch.newton(y0, "S", 1.0 - 2.0 * d, tol)
        if p.converged and p.y[2] >= 0.0:
            r = problem.result(d, p, tol, start.branch)
            if r.converged:
                return r
    return _finish(_solve_targets(problem, [d], tol)[0], strict, describe)


def ld_local_entropy_curve(alpha, ds, kappa=0.0, weights="binary", y=math.inf, *, tol=1e-10, strict=False,
                           progress=None, teacher=False, kernel=None):
    """:func:`ld_local_entropy` over the distances ``ds`` by one continuation from the Gardner point.

    The branch is followed from S* + 1e-3 (δq ∝ S - S*, q1 = q_G) towards small d, landing exactly on each
    requested overlap; points with d ≥ d* are the plateau.  Returns a tuple of :class:`LDResult` in the order
    of ``ds``; with ``strict=False`` (default) failed points are kept, flagged.  ``teacher=True``, ``kernel``:
    as in :func:`ld_local_entropy`.
    """
    _check_kernel(kernel, y, teacher)
    if teacher:
        from .ld_teacher import ld_teacher_local_entropy_curve
        return ld_teacher_local_entropy_curve(alpha, ds, kappa, weights, y, tol=tol, strict=strict, progress=progress)
    ds = [float(v) for v in ds]
    for v in ds:
        _validate(alpha, v, kappa, weights, y)
    problem = _Problem(alpha, kappa, kernel)
    out = _solve_targets(problem, ds, tol, progress if y == math.inf else None)
    if y != math.inf:
        out = [_finite(problem, d, y, tol, None, r) for d, r in zip(ds, out)]
        if progress is not None:
            for _ in out:
                progress()
    if strict:
        for r in out:
            _finish(r, True, f"ld_local_entropy_curve(alpha={alpha}, d={r.d}, kappa={kappa})")
    return tuple(out)


def _solve_targets(problem, ds, tol, progress=None):
    """Results at the distances ``ds`` (any order): plateau, then one trace from S* landing on the rest; beyond
    the breakup, the small-d piece by continuation in α (:func:`_detached`)."""
    out = [None] * len(ds)
    tick = progress if progress is not None else (lambda: None)
    below = sorted((i for i in range(len(ds)) if ds[i] < problem.d_star - 1e-12), key=lambda i: -ds[i])
    for i in range(len(ds)):
        if i not in below:
            out[i] = problem.plateau(ds[i])
            tick()
    if not below:
        return out

    def landing(indices, branch):
        def land(k, p):
            i = indices[k]
            out[i] = problem.result(ds[i], p, tol, branch)
            tick()
        return land

    targets = [1.0 - 2.0 * ds[i] for i in below]
    pts, _, broken = problem.branch.trace(targets[-1], tol, targets=targets, on_target=landing(below, "dense"))
    rest = [i for i in below if out[i] is None]
    if broken and rest:
        _detached(problem, [ds[i] for i in rest], tol, landing(rest, "detached"))
    for i in rest:
        if out[i] is None:
            out[i] = problem.unlanded(ds[i], pts, tol, broken)
            tick()
    return out


def _finite(problem, d, y, tol, start=None, inf_result=None):
    """Finite y (or y = "star") at distance d: the y = ∞ answer (or ``start`` at the same y) starts Newton on
    the finite-y equations, continued in log y (:mod:`.ld_finite`)."""
    S = 1.0 - 2.0 * d
    fy = FiniteY(problem.alpha, problem.kappa, S)
    if start is not None:
        s, e, res, its = fy.solve(y, state_from(start), tol)
        if e is not None and res <= tol:
            return _finite_result(problem, d, y, fy, s, e, res, its, tol, "finite-y")
    inf = inf_result if inf_result is not None else _solve_targets(problem, [d], tol)[0]
    if not inf.converged or inf.branch == "saturated":
        nan = math.nan
        return LDResult(problem.alpha, d, problem.kappa, "binary", y if y != "star" else nan, S, nan, nan, nan, nan,
                        nan, nan, nan, inf.branch, False, 0, math.inf, status=inf.status if not inf.converged
                        else MAX_ITER)
    if y == "star":
        found = sigma_ext_root(fy, state_from(inf), tol)
        if found is None:
            nan = math.nan
            return LDResult(problem.alpha, d, problem.kappa, "binary", nan, S, nan, nan, nan, nan, nan, nan, nan,
                            "y-star", False, 0, math.inf, status=MAX_ITER)
        ys, s, e, res = found
        if ys == math.inf:
            return inf
        return _finite_result(problem, d, ys, fy, s, e, res, fy.evaluations, tol, "y-star")
    path = solve_path(fy, y_ladder(y), state_from(inf), tol)
    yy, s, e, res = path[-1]
    if yy != y:
        e, res = None, math.inf
    return _finite_result(problem, d, y, fy, s, e, res, fy.evaluations, tol, "finite-y")


def _finite_result(problem, d, y, fy, state, e, res, its, tol, branch):
    S, nan = 1.0 - 2.0 * d, math.nan
    if e is None:
        return LDResult(problem.alpha, d, problem.kappa, "binary", y, S, nan, nan, nan, nan, nan, nan, nan, branch,
                        False, int(its), float(res), status=MAX_ITER if math.isfinite(res) else LEFT_DOMAIN)
    Phi, SI, sig = fy.observables(y, e)
    bound = min(binary_entropy(d), problem.gardner.entropy)
    converged, status = verdict(res, tol, (
        (not (0.0 < e["q0"] < e["q1"] < 1.0 and e["qhat0"] > 0.0 and e["chat"] >= 0.0), LEFT_DOMAIN),
        (math.isfinite(SI) and SI > bound + BOUND_SLACK, BOUND_VIOLATED),
    ))
    return LDResult(problem.alpha, d, problem.kappa, "binary", float(y), S, float(SI), float(e["shat"]),
                    float(e["q1"]), float(e["qhat0"]), float(e["chat"]), float(e["dq"]), nan, branch,
                    bool(converged), int(its), float(res), float(Phi), float(sig), float(e["q0"]), float(e["qhat1"]),
                    status=status, entropy_negative=bool(SI < 0.0 or sig < 0.0))


ALPHA0 = 0.6        # the detached piece is reached from α0 = ALPHA0 × capacity, where the branch is monotone
ALPHA_STEP = 0.005


def _detached(problem, ds, tol, land):
    """Beyond the breakup: the σ̂ > 0 piece at small d (disconnected from S*), by continuation in α at the
    smallest requested d from α0 (where the branch from S* reaches it), then followed up in d — landing on
    the other requested d — until its own σ̂ reaches 0 (the far side of the window).  ``ds`` decreasing in S
    order is not required; ``land(k, point)`` is called for each d landed on."""
    S_list = [1.0 - 2.0 * d for d in ds]
    top = int(np.argmax(S_list))
    a0 = ALPHA0 * binary_capacity(problem.kappa, problem.kernel)
    if not a0 < problem.alpha:
        return
    base = _Problem(a0, problem.kappa, problem.kernel)
    found = {}
    base.branch.trace(S_list[top], tol, targets=[S_list[top]], on_target=lambda k, p: found.update(p=p))
    if "p" not in found:
        return
    n = max(2, int(math.ceil((problem.alpha - a0) / ALPHA_STEP)) + 1)
    make = lambda a: Branch(a, problem.kappa, problem.x_ref, problem.w_ref, math.nan, math.nan,
                            kernel=problem.kernel)
    p = alpha_continuation(make, list(np.linspace(a0, problem.alpha, n)), S_list[top], found["p"].y, tol)
    if p is None:
        return
    land(top, p)
    others = [k for k in range(len(ds)) if k != top]
    if not others:
        return
    S_low = min(S_list[k] for k in others)
    second = problem.branch.newton(p.y, "S", p.S - 1e-4, tol)
    if not second.converged or second.y[2] < 0.0:
        return
    problem.branch.follow([p, second], S_low, tol, targets=[S_list[k] for k in others],
                          on_target=lambda j, q: land(others[j], q))


# ----------------------------------------------------------------------------- breakup threshold
def branch_margin(alpha, kappa=0.0, d_min=0.005, tol=1e-10, kernel=None):
    """A continuous measure of how far the branch is from breaking up: > 0 iff σ̂ > 0 on the whole branch from
    S* to S = 1 - 2·d_min.  Returns ``(margin, S)``.

    Monotone branch: ``min σ̂(S)/(S - S*)`` (finite at S*, where σ̂ leaves 0 linearly; vanishing where σ̂ does),
    an interior minimum refined by a bounded scalar minimisation over S (each evaluation a Newton solve).
    Broken branch (σ̂ reaches 0 at S_1 < 1 - 2·d_min, a corner since ĉ > 1 there): the slope ``dσ̂/dS < 0``
    with which it arrives at S_1 — it tends to 0 as α decreases to the threshold, where the minimum of σ̂
    touches 0 tangentially.  ``kernel``: the committee machine (as in :func:`ld_local_entropy`).
    """
    problem = _Problem(alpha, kappa, kernel)
    branch = problem.branch
    S_end = 1.0 - 2.0 * d_min
    pts, _, broken = branch.trace(S_end, tol)
    if broken:
        a, b = pts[-2], pts[-1]
        return float((b.y[2] - a.y[2]) / (b.S - a.S)), b.S
    if not pts or pts[-1].S < S_end - 1e-9:
        raise ConvergenceError(f"branch_margin(alpha={alpha}, kappa={kappa}): the continuation from S* stopped "
                               f"at S = {pts[-1].S if pts else problem.S_star:.6g}")
    ratio = [p.y[2] / (p.S - problem.S_star) for p in pts]
    k = int(np.argmin(ratio))
    if k in (0, len(pts) - 1):
        return float(ratio[k]), pts[k].S
    a, b = pts[k - 1], pts[k + 1]

    def f(S):
        u = (S - a.S) / (b.S - a.S)
        p = branch.newton(a.y + u * (b.y - a.y), "S", S, tol)
        return p.y[2] / (S - problem.S_star) if p.converged else ratio[k]

    best = minimize_scalar(f, bounds=(a.S, b.S), method="bounded", options={"xatol": 1e-7})
    return float(min(best.fun, ratio[k])), float(best.x)


def ld_threshold(kappa=0.0, prescription="y_inf", *, d_min=0.005, xtol=1e-6, kernel=None):
    """Largest α at which σ̂ > 0 on the whole y = ∞ branch (the dense regions break up beyond it).

    Bracketed on a grid of α below the binary capacity, then ``brentq`` on :func:`branch_margin`.

    ``prescription="y_star"``: the largest α at which the y* curve (S_I at the y* where Σ_ext = 0, the
    consistent RS estimate) runs from d = min(0.1, 0.9 d*) down to ``d_min`` with Ŝ > 0 (dS_I*/dd = 2Ŝ along
    it, docs §10) and without a fold; bisection from the y = ∞ threshold (where it is complete) to
    xtol = max(xtol, 1e-3) (each step follows the y* curve: ~15 s).  α_U(y*, κ = 0) ≈ 0.767 (in (0.765, 0.7675)).

    ``kernel``: the committee machine (``y_inf`` only; ValueError for ``y_star``), bracketed below its binary
    capacity (:func:`binary_capacity`).
    """
    if kernel is not None and prescription == "y_star":
        raise ValueError("prescription must be 'y_inf' with a kernel (finite y is out of scope for the committee "
                         "machine); got 'y_star'")
    if prescription not in PRESCRIPTIONS:
        raise ValueError(f"prescription must be one of {', '.join(PRESCRIPTIONS)}; got {prescription!r}")
    if not np.isfinite(kappa):
        raise ValueError(f"kappa must be a finite number; got {kappa}")
    if prescription == "y_star":
        lo = ld_threshold(kappa, "y_inf", d_min=d_min)
        if not ystar_complete(lo, kappa, d_min)[0]:
            raise ConvergenceError(f"ld_threshold(kappa={kappa}, y_star): the y* curve is incomplete already at "
                                   f"the y = ∞ threshold {lo:.6g}")
        step, hi = 0.01 * lo, None
        while hi is None:
            a = lo + step
            if a >= capacity(kappa, "binary"):
                raise ConvergenceError(f"ld_threshold(kappa={kappa}, y_star): complete up to the capacity")
            if ystar_complete(a, kappa, d_min)[0]:
                lo, step = a, 2.0 * step
            else:
                hi = a
        while hi - lo > max(xtol, 1e-3):
            mid = 0.5 * (lo + hi)
            if ystar_complete(mid, kappa, d_min)[0]:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)
    ac = binary_capacity(kappa, kernel)
    m = lambda a: branch_margin(a, kappa, d_min, kernel=kernel)[0]
    grid = [f * ac for f in (0.99, 0.96, 0.93, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3)]
    prev = None
    for a in grid:       # from the top: the first α with a monotone branch brackets the threshold
        try:
            val = m(a)
        except ConvergenceError:
            continue
        if val > 0:
            if prev is None:
                raise ConvergenceError(f"ld_threshold(kappa={kappa}): the branch is monotone up to 0.99 α_c")
            return brentq(m, a, prev, xtol=xtol)
        prev = a
    raise ConvergenceError(f"ld_threshold(kappa={kappa}): no monotone branch found down to 0.3 α_c")


def ystar_complete(alpha, kappa=0.0, d_min=0.005, tol=1e-10):
    """Whether the y* curve (Σ_ext(y*) = 0) of the dense regions runs from d = min(0.1, 0.9 d*) down to
    ``d_min`` with Ŝ > 0 and no fold.  Returns ``(complete, points)``, points ``(d, y*, Ŝ, S_I(y*))``
    (:func:`.ld_finite.ystar_branch`)."""
    problem = _Problem(alpha, kappa)
    d0 = min(0.1, 0.9 * problem.d_star)
    start = _solve_targets(problem, [d0], tol)[0]
    if not start.converged:
        return False, []
    pts, complete = ystar_branch(alpha, kappa, d0, d_min, state_from(start), tol)
    return bool(complete and min(p[2] for p in pts) > 0.0), pts
