"""The y = ∞ dense-region branch: Newton on the reduced equations and continuation from the Gardner point
(private helper of :mod:`.large_deviation`; equations and the branch's geometry in docs/large_deviation.md).

State ``y = (t, ℓ, σ̂)`` with ``t = -log(1-q1)``, ``ℓ = log δq``; for fixed σ̂ the kernel :func:`ld_map`
returns the updated (t, ℓ) and the overlap S the state describes, so a point at overlap S solves the three
equations ``t' = t, ℓ' = ℓ, S(y) = S`` (σ̂ is the third unknown: the "σ̂ from a 1-D root" of docs/large_deviation.md §6, solved
jointly).  Residuals are relative in 1 - q1 and in δq, absolute in S.

The branch starts at the Gardner point S* (σ̂ = ĉ = δq = 0) and is followed towards S → 1 by secant
pseudo-arclength continuation.  Beyond the breakup threshold σ̂ reaches 0 at some S_1 < 1, where ĉ > 1 puts a
corner in the equations; the trace stops there (``broken``).  The small-d piece that exists beyond it is
reached by continuation in α at fixed S (:meth:`Branch.alpha_continuation`).
"""

import math
from dataclasses import dataclass

import numpy as np

from .ld_kernels import ld_map, ld_map_out

WEIGHTS = np.array([1.0, 0.5, 2.0])   # metric of the arclength on (t, ℓ, σ̂)
BREAK_SIGMA = 1e-8       # the trace has reached the corner σ̂ = 0 when σ̂ is this small and still falling
FIRST_STEP = 1e-3        # docs/large_deviation.md §6: start at S* + 1e-3 ...
DQ_PER_DS = 2.0          # ... from δq ≈ 2(S - S*), q1 = q_G (the branch leaves S* with δq ∝ S - S*)
MAX_STEP, MIN_STEP = 0.1, 1e-9
ELL_TRIVIAL = 300.0      # log δq beyond this: q̂0 ~ e^{-2ℓ} underflows, the state is numerically the trivial point


@dataclass
class Point:
    """One solved state on the branch (mutable scratch record; the public result is LDResult)."""

    S: float
    y: np.ndarray
    out: tuple          # ld_map outputs at y
    iterations: int
    residual: float
    converged: bool


class Branch:
    """Newton and continuation for one (α, κ) with a fixed quadrature rule.

    ``kernel`` (a :class:`replica.committee.Kernel`, or None for the perceptron): the energetic term sees the
    output overlaps ``k(q1)``, ``k′(q1)δq`` (:func:`.ld_kernels.ld_map_out`; the kernel is evaluated here, on
    scalars, outside the numba loops)."""

    def __init__(self, alpha, kappa, x_ref, w_ref, t_gardner, S_star, kernel=None):
        self.alpha, self.kappa = alpha, kappa
        self.x_ref, self.w_ref = x_ref, w_ref
        self.t_gardner, self.S_star = t_gardner, S_star
        self.kernel = kernel
        self.evaluations = 0

    # ------------------------------------------------------------------ equations
    def evaluate(self, y):
        self.evaluations += 1
        if self.kernel is None:
            return ld_map(y[0], y[1], y[2], self.alpha, self.kappa, self.x_ref, self.w_ref)
        q1 = -math.expm1(-y[0]) if y[0] > 0.0 else math.nan
        dq = math.exp(min(y[1], 700.0))
        if not 0.0 < q1 < 1.0:
            return (math.nan,) * 7
        k = self.kernel
        k1 = float(k.dk(q1))
        return ld_map_out(y[0], y[1], y[2], self.alpha, self.kappa, float(k.k(q1)), k1 * dq, k1,
                          float(k.d2k(q1)), self.x_ref, self.w_ref)

    def residual(self, y, mode, target):
        out = self.evaluate(y)
        third = out[2] - target if mode == "S" else y[2] - target
        return np.array([out[0] - y[0], out[1] - y[1], third]), out

    def _jacobian(self, y, R, mode, target):
        J = np.empty((3, 3))
        for j in range(3):
            h = 1e-7 * max(1.0, abs(y[j]))
            yp = y.copy()
            yp[j] += h
            Rp, _ = self.residual(yp, mode, target)
            if not np.all(np.isfinite(Rp)):
                yp[j] -= 2.0 * h
                Rp, _ = self.residual(yp, mode, target)
                h = -h
            J[:, j] = (Rp - R) / h
        return J

    def newton(self, y, mode, target, tol, maxiter=40):
        """Newton with a difference Jacobian, Broyden updates and a natural-monotonicity backtrack.

        Returns a :class:`Point` (``converged`` False with the last state on failure)."""
        y = np.array(y, dtype=float)
        R, out = self.residual(y, mode, target)
        if not np.all(np.isfinite(R)):
            return Point(math.nan, y, out, 0, math.inf, False)
        J = None
        stall = 0
        best = np.max(np.abs(R))
        for it in range(maxiter):
            res = np.max(np.abs(R))
            if res <= tol:
                return Point(out[2], y, out, it, res, True)
            if y[1] > ELL_TRIVIAL:
                break
            if J is None:
                J = self._jacobian(y, R, mode, target)
            try:
                dy = -np.linalg.solve(J, R)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(dy)):
                break
            size = np.max(np.abs(dy))
            lam, accepted = 1.0, False
            while lam >= 1.0 / 64:
                yn = y + lam * dy
                Rn, outn = self.residual(yn, mode, target)
                if np.all(np.isfinite(Rn)):
                    try:
                        ok = lam < 0.1 or np.max(np.abs(np.linalg.solve(J, Rn))) < size
                    except np.linalg.LinAlgError:
                        ok = True
                    if ok:
                        accepted = True
                        break
                lam *= 0.5
            if not accepted:
                if stall:   # a fresh Jacobian did not help either
                    break
                J, stall = None, 1
                continue
            s = yn - y
            J = J + np.outer((Rn - R) - J @ s, s) / (s @ s)   # Broyden's good update
            y, R, out = yn, Rn, outn
            new = np.max(np.abs(R))
            if new > 0.5 * best and it >= 2:   # slow: refresh the Jacobian
                J = None
            best = min(best, new)
        res = np.max(np.abs(R))
        return Point(out[2], y, out, maxiter, res, bool(res <= tol))

    # ------------------------------------------------------------------ continuation
    def start(self, S_first, tol):
        """The first point, near the Gardner point: (q1, δq) = (q_G, DQ_PER_DS·(S - S*))."""
        gap = S_first - self.S_star
        y0 = np.array([self.t_gardner, math.log(DQ_PER_DS * gap), 1.5 * gap])
        return self.newton(y0, "S", S_first, tol)

    def trace(self, S_end, tol, targets=(), on_target=None):
        """Follow the branch from S* to ``S_end`` (> S*); returns ``(points, landed, broken)``.

        Secant pseudo-arclength continuation in the scaled state ``W·y``: predictor ``y_b + h·τ`` along the
        secant τ of the last two points, corrector Newton on ``R(y) = 0`` (the map at fixed σ̂) with
        ``τ·W(y - y_pred) = 0``.  ``targets`` (increasing overlaps) passed by a step are landed on by Newton at
        fixed S from the interpolated state, and ``on_target(index, point)`` is called for each.  A step that
        would take σ̂ below 0 is halved; once σ̂ < BREAK_SIGMA and still falling the branch has reached its
        corner (beyond the breakup threshold): the trace stops with ``broken`` True.
        """
        first = min(FIRST_STEP, 0.25 * (S_end - self.S_star))    # both first points short of every target
        if len(targets):
            first = min(first, 0.25 * (targets[0] - self.S_star))
        pts = []
        for S in (self.S_star + first, self.S_star + 2.0 * first):
            p = self.newton(pts[-1].y, "S", S, tol) if pts else self.start(S, tol)
            if not p.converged:
                return pts, [False] * len(targets), False
            pts.append(p)
        return self.follow(pts, S_end, tol, targets, on_target)

    def follow(self, pts, S_end, tol, targets=(), on_target=None):
        """Continue the trace ``pts`` (at least two points) in S towards ``S_end`` (up or down): the body of
        :meth:`trace`, also used to walk the small-d piece beyond the breakup back up in d."""
        targets = list(targets)
        done = [False] * len(targets)
        up = S_end > pts[-1].S
        ahead = (lambda S: S < S_end - 1e-14) if up else (lambda S: S > S_end + 1e-14)
        step = np.sqrt(np.sum((WEIGHTS * (pts[-1].y - pts[-2].y)) ** 2))
        while ahead(pts[-1].S):
            a, b = pts[-2], pts[-1]
            tau = WEIGHTS * (b.y - a.y)
            tau /= np.sqrt(tau @ tau)
            if b.y[2] < BREAK_SIGMA and tau[2] < 0.0:
                return pts, done, True
            p = self._arc_step(b, tau, step, tol)
            if p is None or p.y[2] < 0.0:
                step *= 0.5
                if step < MIN_STEP:
                    break
                continue
            lo, hi = min(b.S, p.S), max(b.S, p.S)
            for k, T in enumerate(targets + [S_end]):
                if lo < T <= hi and (k == len(targets) or not done[k]) and (p.S > b.S) == up:
                    w = (T - b.S) / (p.S - b.S)
                    q = self.newton(b.y + w * (p.y - b.y), "S", T, tol)
                    if not q.converged or q.y[2] < 0.0:
                        continue
                    if k < len(targets):
                        done[k] = True
                        if on_target is not None:
                            on_target(k, q)
                    else:
                        p = q
            pts.append(p)
            if p.iterations <= 3:
                step = min(1.5 * step, MAX_STEP)
        return pts, done, False

    def _arc_step(self, b, tau, h, tol, maxiter=10):
        """One pseudo-arclength step of length h from b along τ; None if the corrector fails, runs to the
        trivial point, turns by more than 60° or corrects by more than 0.3 h (a jump to another piece)."""
        pred = b.y + h * tau / WEIGHTS
        y = pred.copy()
        J = None
        for it in range(maxiter + 1):
            R, out = self.residual(y, "sigma", y[2])
            R[2] = tau @ (WEIGHTS * (y - pred))
            if not np.all(np.isfinite(R)) or y[1] > ELL_TRIVIAL:
                return None
            res = np.max(np.abs(R))
            if res <= tol:
                moved = WEIGHTS * (y - b.y)
                if (tau @ moved < 0.5 * np.sqrt(moved @ moved)
                        or np.sqrt(np.sum((WEIGHTS * (y - pred)) ** 2)) > 0.3 * h):
                    return None
                return Point(out[2], y, out, it, res, True)
            if it == maxiter:
                return None
            if J is None or it == 3:
                J = np.empty((3, 3))
                for j in range(3):
                    e = 1e-7 * max(1.0, abs(y[j]))
                    yp = y.copy()
                    yp[j] += e
                    Rp, _ = self.residual(yp, "sigma", yp[2])
                    J[:2, j] = (Rp[:2] - R[:2]) / e
                J[2] = tau * WEIGHTS
            try:
                y = y - np.linalg.solve(J, R)
            except np.linalg.LinAlgError:
                return None
        return None


def alpha_continuation(make_branch, alphas, S, y0, tol):
    """Follow the solution ``y0`` at ``alphas[0]`` and fixed overlap S along the list ``alphas`` (Newton at each
    α from the secant extrapolation of the previous two).  ``make_branch(α)`` gives the Branch at α.  Returns the Point at
    the last α, or None if Newton fails or σ̂ falls below 0 on the way (S is then in the breakup window)."""
    ys, p = [np.asarray(y0, dtype=float)], None
    for k in range(1, len(alphas)):
        u = (alphas[k] - alphas[k - 1]) / (alphas[k - 1] - alphas[k - 2]) if k >= 2 else 0.0
        guess = ys[-1] + u * (ys[-1] - ys[-2]) if k >= 2 else ys[-1]
        p = make_branch(alphas[k]).newton(guess, "S", S, tol)
        if not p.converged or p.y[2] < 0.0:
            return None
        ys.append(p.y)
    return p
