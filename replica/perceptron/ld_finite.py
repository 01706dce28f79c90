"""Finite-y dense-region free entropy Φ(y), local entropy S_I = ∂Φ/∂y, external entropy Σ_ext = Φ - yS_I and
the y* where Σ_ext = 0 (docs/theory.md §8; derivation and checks: docs/large_deviation.md §9–§10).

Stationarity of Φ (the tilted averages are over the group variables: ⟨·⟩ over (w̃, u) in the entropic term,
over g in the energetic term; m = tanh(z + u + Ŝw̃), x = (κ - z - g)/√(1-q1))::

    q1 = E⟨m²⟩,   q0 = E⟨m⟩²,   S = E⟨w̃m⟩,   q̂1 = αE⟨GH(x)²⟩/(1-q1),   q̂0 = αE⟨GH(x)⟩²/(1-q1)

and, by the envelope theorem (only the explicit y-dependence of Φ at the saddle)::

    S_I = ∂Φ/∂y = -ŜS - ½q̂1(1-q1) - (ĉq1 + q̂0δq) + E⟨log 2cosh(z+u+Ŝw̃)⟩ + αE⟨log H(x)⟩,

with ``ĉ = y(q̂1 - q̂0)``, ``δq = y(q1 - q0)`` (computed as variances, never as differences of large numbers).
The state ``(t, ℓ, Ŝ) = (-log(1-q1), log δq, Ŝ)`` is that of the y = ∞ solver, whose solution starts a
continuation in log y.
"""

import math

import numpy as np
from .._lazy import brentq, root

from ..saddle_point.quadrature import gauss_legendre
from .ld_finite_kernels import fy_energetic, fy_entropic

NODES = 8
Y_DIRECT = 200.0     # from the y = ∞ state directly down to this y; below it, continuation in log y
Y_RATIO = 2.0        # continuation step in y
Y_STAR_MAX = 1e3     # Σ_ext still > 0 here: y* = ∞ (the y = ∞ answer is consistent to O(1/y))


class FiniteY:
    """The finite-y equations at (α, κ, S) with a fixed quadrature rule."""

    def __init__(self, alpha, kappa, S):
        self.alpha, self.kappa, self.S = alpha, kappa, S
        self.x_ref, self.w_ref = gauss_legendre(NODES)
        self.evaluations = 0

    def evaluate(self, y, state):
        """One pass of the equations: dict with the conjugates, the updated state and every term of Φ."""
        self.evaluations += 1
        t, ell, shat = state
        if not (t > 0.0 and math.isfinite(t) and math.isfinite(ell)):   # q1 = 1 - e^{-t} ∉ (0, 1): the step went
            return None                                                  # astray (expm1(-t) overflows for t < -709)
        q1, dq = -math.expm1(-t), math.exp(min(ell, 700.0))
        q0 = q1 - dq / y
        if not (0.0 < q0 < q1 < 1.0 and math.isfinite(shat)):
            return None
        ge, a, v, ye = fy_energetic(y, q1, q0, self.kappa, self.x_ref, self.w_ref)
        s2 = 1.0 - q1
        qhat1 = self.alpha * a / s2
        chat = y * self.alpha * v / s2
        qhat0 = qhat1 - chat / y
        if not (qhat0 > 0.0 and chat >= 0.0 and math.isfinite(ge)):
            return None
        gs, S, q1n, varn, ys = fy_entropic(y, qhat0, qhat1, shat, self.x_ref, self.w_ref)
        if not (0.0 < q1n < 1.0 and varn > 0.0 and math.isfinite(gs)):
            return None
        return dict(q1=q1, q0=q0, dq=dq, qhat1=qhat1, qhat0=qhat0, chat=chat, shat=shat, GS=gs, GE=ge, dGS=ys,
                    dGE=ye, S=S, new=np.array([-math.log1p(-q1n), math.log(y * varn), shat]))

    def residual(self, y, state):
        e = self.evaluate(y, state)
        if e is None:
            return np.full(3, 1e3), None
        return np.array([e["new"][0] - state[0], e["new"][1] - state[1], e["S"] - self.S]), e

    def solve(self, y, start, tol):
        """Newton–Broyden (MINPACK hybrd) from ``start``; returns ``(state, terms, residual, evaluations)``."""
        n0 = self.evaluations
        start = np.array(start, float)
        if start[0] > 0.0 and start[1] >= math.log(y * -math.expm1(-start[0])):
            # q0 = q1 - δq/y ≤ 0: a y = ∞ start on the saturated branch (δq ≫ y, e.g. α = 0.3, d = 0.01) is outside
            # the domain at this y; start from q0 = q1/2 instead of letting hybrd wander (it overflowed)
            start[1] = math.log(0.5 * y * -math.expm1(-start[0]))
        sol = root(lambda s: self.residual(y, s)[0], start, method="hybr",
                   options={"xtol": 1e-13, "maxfev": 200})
        R, e = self.residual(y, sol.x)
        return sol.x, e, float(np.max(np.abs(R))), self.evaluations - n0

    def observables(self, y, e):
        """Φ, S_I, Σ_ext at the saddle terms ``e`` (see the module docstring)."""
        a, S = self.alpha, self.S
        q1, qhat1, qhat0, chat, dq, shat = e["q1"], e["qhat1"], e["qhat0"], e["chat"], e["dq"], e["shat"]
        conj = -0.5 * qhat1 * (1.0 - q1) - 0.5 * (chat * q1 + qhat0 * dq)     # (per y) conjugate terms of Φ
        Phi = y * (-shat * S + conj) + e["GS"] + a * e["GE"]
        SI = -shat * S - 0.5 * qhat1 * (1.0 - q1) - (chat * q1 + qhat0 * dq) + e["dGS"] + a * e["dGE"]
        return Phi, SI, Phi - y * SI


def state_from(result):
    """The (t, ℓ, Ŝ) state of an LDResult (y = ∞ or finite)."""
    dq = result.dq if result.dq > 0 else 1e-3
    return np.array([-math.log1p(-result.q1), math.log(dq), result.sigma_hat])


def solve_path(problem, ys, start, tol):
    """Solve at each y of ``ys`` in turn (log-linear extrapolation of the state from the previous two);
    returns a list of ``(y, state, terms, residual)``, stopping at the first failure."""
    out, states, logs = [], [np.asarray(start, float)], []
    for y in ys:
        if len(logs) >= 2:
            u = (math.log(y) - logs[-1]) / (logs[-1] - logs[-2])
            guess = states[-1] + u * (states[-1] - states[-2])
        else:
            guess = states[-1]
        s, e, res, _ = problem.solve(y, guess, tol)
        if e is None or not res <= tol:
            if len(logs) >= 2:   # retry from the last state itself
                s, e, res, _ = problem.solve(y, states[-1], tol)
            if e is None or not res <= tol:
                out.append((y, s, e, res))
                break
        out.append((y, s, e, res))
        states.append(s)
        logs.append(math.log(y))
    return out


def y_ladder(y):
    """The continuation ladder from Y_DIRECT (where the y = ∞ state is a good start) to y."""
    if y >= Y_DIRECT:
        return [y]
    n = int(math.ceil(math.log(Y_DIRECT / y) / math.log(Y_RATIO)))
    return list(np.geomspace(Y_DIRECT, y, n + 1))


def sigma_ext_root(problem, inf_state, tol, y_lo=0.5, y_hi=Y_STAR_MAX):
    """y* with Σ_ext(y*) = 0: Σ_ext on a geometric ladder down from y_hi (continuation from the y = ∞ state),
    the first sign change bracketed, then brentq in log y.  Returns ``(y*, state, terms, residual)``, with
    y* = ∞ if Σ_ext > 0 already at y_hi, or None if the ladder failed before a sign change."""
    ladder = list(np.geomspace(y_hi, y_lo, int(round(2.0 * math.log2(y_hi / y_lo))) + 1))
    path = solve_path(problem, ladder, inf_state, tol)
    prev = None
    for y, s, e, res in path:
        if e is None or not res <= tol:
            return None
        sig = problem.observables(y, e)[2]
        if prev is None and sig >= 0.0:
            return math.inf, s, e, res
        if prev is not None and sig >= 0.0:
            y_up, s_up, sig_up = prev
            memo = {}

            def f(logy):
                yy = math.exp(logy)
                frac = (logy - math.log(y)) / (math.log(y_up) - math.log(y))
                ss, ee, rr, _ = problem.solve(yy, s + frac * (s_up - s), tol)
                memo[logy] = (ss, ee, rr)
                return problem.observables(yy, ee)[2] if ee is not None else math.nan

            lr = brentq(f, math.log(y), math.log(y_up), xtol=1e-10, rtol=1e-10)
            ss, ee, rr = memo[lr] if lr in memo else problem.solve(math.exp(lr), s, tol)[:3]
            return math.exp(lr), ss, ee, rr
        prev = (y, s, sig)
    return None


def ystar_branch(alpha, kappa, d_start, d_end, start_state, tol, steps=40, min_ratio=1e-3):
    """Follow the y* curve (Σ_ext(y*) = 0) from ``d_start`` down to ``d_end``: Newton (hybr) on the three
    finite-y equations plus Σ_ext = 0 in the unknowns (t, ℓ, Ŝ, log y), secant predictor in log d, steps of
    ``log(d_start/d_end)/steps`` halved on failure down to ``min_ratio`` of that (a genuine fold of the curve
    fails at every step).  The first point is found by :func:`sigma_ext_root` from ``start_state`` (the y = ∞
    state at d_start).  Returns ``(points, complete)``, points a list of ``(d, y*, Ŝ, S_I)``."""
    fy = FiniteY(alpha, kappa, 1.0 - 2.0 * d_start)
    found = sigma_ext_root(fy, start_state, tol)
    if found is None or found[0] == math.inf:
        return [], False
    x = np.append(found[1], math.log(found[0]))
    out = [(d_start, found[0], float(x[2]), fy.observables(found[0], found[2])[1])]
    xs, ls = [x], [math.log(d_start)]
    full = math.log(d_start / d_end) / steps
    h = full
    while ls[-1] > math.log(d_end) + 1e-12:
        l_new = max(ls[-1] - h, math.log(d_end))
        guess = xs[-1] if len(xs) < 2 else xs[-1] + (l_new - ls[-1]) / (ls[-1] - ls[-2]) * (xs[-1] - xs[-2])
        fy = FiniteY(alpha, kappa, 1.0 - 2.0 * math.exp(l_new))

        def F(v, fy=fy):
            y = math.exp(min(v[3], 30.0))
            R, e = fy.residual(y, v[:3])
            return np.append(R, fy.observables(y, e)[2] if e is not None else 1e3)

        sol = root(F, guess, method="hybr", options={"xtol": 1e-12, "maxfev": 300})
        if not np.max(np.abs(F(sol.x))) <= 10 * tol:
            h *= 0.5
            if h < min_ratio * full:
                return out, False
            continue
        y = math.exp(sol.x[3])
        _, e = fy.residual(y, sol.x[:3])
        xs.append(sol.x)
        ls.append(l_new)
        out.append((math.exp(l_new), y, float(sol.x[2]), fy.observables(y, e)[1]))
        h = min(full, 1.5 * h)
    return out, True
