"""Normalised local entropy of Gaussian-mixture ERM minimisers (docs/theory.md §5; derivation in docs/gm_local_entropy.md).

Reference: the ERM minimiser ``w̃`` at (loss, λ), rescaled to the sphere ``ŵ = w̃/√q`` (its bias is
rescaled with it, ``b' = b/√q``, and kept fixed).  Shell: unit-norm ``w' = Sŵ + √(1-S²) u`` with
``u ⊥ ŵ``, ``|u|² = N``, ``S = 1 - 2d``.  Writing ``a = √(1-S²)``, ``c² = 1 - m²/q`` (the part of the
signal orthogonal to ŵ), ``A = (S p + (1-S) y b)/√q`` with ``p = prox_{τℓ}(ω)`` the reference's
*actual* training field and ``g = (p-ω)/τ``, the RS free entropy at inverse temperature β of the
error-counting energy on the shell, normalised by the shell volume, is::

    Φ_β(S) = extr_{Q,M,T} { ½log(1-Q) + (Q - M²/c²)/(2(1-Q)) + αE[g²](T - M E[g]/E[g²])²/(2Δ(1-Q))
                            + α E_{y,ξ,z} log[e^{-β} + (1-e^{-β}) Φ(u)] },
    u = (A/a + M - T g + √(ΔQ) z)/√(Δ(1-Q)),

with Q the overlap of two shell points' orthogonal parts, M the overlap of u with the signal and T the
multiplier of the KKT constraint ``Σ_μ g_μ η_μ = 0`` (``η_μ = y_μ u·x_μ/√N``; it holds because
``λw̃ = Σ_μ g_μ y_μ x_μ/√N``).  Saddle point (``ψ = ∂_u log[...]``, moments over y, ξ, z)::

    m1 = E[ψ]/σ,  mg = E[gψ]/σ,  r = E[ψ²]/σ²,  σ = √(Δ(1-Q))
    T = M E[g]/E[g²] + Δ(1-Q) mg/E[g²]
    M = c² α(1-Q) (m1 - E[g] mg/E[g²])
    Q = M²/c² + αΔ(1-Q)² (r - mg²/E[g²])

``Φ_0 = 0`` and ``dΦ_β/dβ = -α e(β)`` with ``e(β)`` the typical training error on the shell at β.
The seed's normalised local entropy is ``Φ(d) = min_β [Φ_β + αβ e]``, ``e`` the reference's training
error: ``Φ = 0`` (β = 0) when the shell's typical error ``shell_error = E H(A/(a√Δ))`` is already ≤ e;
``β = ∞`` (the error-free volume) when e = 0.

Numerics (docs/gm_local_entropy.md §3): one quadrature pass gives the map and its analytic Jacobian in
(Q, M, T, β); β and the order parameters are solved together by Newton's method on the saddle-point
equations plus ``log e(β) = log e``, with a bracket-and-Brent fallback.
"""

import math
from dataclasses import dataclass

import numpy as np
from .._lazy import brentq

from .._numba import kernel
from ..saddle_point.continuation import sweep
from ..saddle_point.fixed_point import ConvergenceError, solve_fixed_point
from ..saddle_point.losses import loss_code, prox
from ..saddle_point.quadrature import gauss_legendre, gaussian_panels
from ..saddle_point.special import H, log_H
from .erm import ERMResult, erm
from .local_energy import P_CUTS, xi_rule
from .problem import GMProblem
from ..saddle_point.contract import BOUND_VIOLATED, LEFT_DOMAIN, MAX_ITER, NON_FINITE, OK, RSFlags, verdict

XI_NODES = 8
Z_NODES = 8
Z_MAX = 9.0
Z_BASE = np.array([-Z_MAX, -5.0, -2.5, 0.0, 2.5, 5.0, Z_MAX])
STEP = np.array([-8.0, -3.0, -1.0, 0.0, 1.0, 3.0, 8.0])
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
INV_SQRT2 = 1.0 / math.sqrt(2.0)
N_MOMENTS = 20
D_MIN, D_MAX = 1e-4, 0.5
BETA_MAX = 1e4
LOG_BETA_MAX = math.log(BETA_MAX)


@dataclass(frozen=True)
class LocalFreeEntropyResult(GMProblem, RSFlags):
    """RS saddle point of Φ_β on the shell at distance d around the rescaled ERM minimiser."""

    d: float
    beta: float
    phi: float          # Φ_β (normalised: 0 at β = 0)
    energy: float       # e(β): typical training error of shell points at β
    gen_error: float    # generalisation error of those typical shell points
    Q: float
    M: float
    T: float
    S: float
    ref_m: float
    ref_q: float
    ref_V: float
    ref_b: float
    converged: bool
    iterations: int
    residual: float


@dataclass(frozen=True)
class LocalEntropyResult(GMProblem, RSFlags):
    """Seed's normalised local entropy Φ(d) of the rescaled ERM minimiser, with its saddle point."""

    d: float
    phi: float               # Φ(d) = min_β [Φ_β + αβ e] ≤ 0
    beta: float              # conjugate inverse temperature (0: Φ = 0; inf: error-free volume)
    phi_beta: float          # Φ_β at that β
    train_error: float       # e, the reference's training error
    shell_error: float       # typical training error of random shell points (β = 0)
    shell_gen_error: float   # generalisation error of random shell points (β = 0)
    gen_error: float         # generalisation error of the typical shell points counted by Φ (at β)
    ref_gen_error: float     # generalisation error of the reference
    Q: float
    M: float
    T: float
    S: float
    ref_m: float
    ref_q: float
    ref_V: float
    ref_b: float
    converged: bool
    iterations: int
    residual: float


# ------------------------------------------------------------------------------------------------
# kernels
# ------------------------------------------------------------------------------------------------

@kernel
def _reference_nodes(kind, param, rho, m, q, V, b, delta, S, x_ref, w_ref):
    """Quadrature over (y, ξ) of the reference: returns (weights, p, g, y) flattened over both classes.

    The ξ-rule is cut where p crosses the ERM channel's cuts and where ``S p + (1-S) y b`` crosses 0
    (± multiples of the step width ``a√(Δq)/S`` of the shell-error integrand).  Without a bias the two
    classes have the same fields, so they are merged into one rule of weight 1 (exact); nodes of
    zero-length panels (cuts clipped to the ends of the ξ range) are dropped (they carry zero weight).
    """
    tau = delta * V
    s = math.sqrt(delta * q)
    a = math.sqrt(max(1.0 - S * S, 0.0))
    width = a * s / max(S, 1e-3)
    npc = P_CUTS.shape[0] + STEP.shape[0]
    total_w = []
    total_p = []
    total_g = []
    total_y = []
    for y in (1.0, -1.0):
        if b == 0.0 and y < 0.0:
            break
        weight = 1.0 if b == 0.0 else (rho if y > 0 else 1.0 - rho)
        mu = m + y * b
        p0 = -(1.0 - S) * y * b / max(S, 1e-3)
        cuts = np.empty(npc)
        cuts[:P_CUTS.shape[0]] = P_CUTS
        for i in range(STEP.shape[0]):
            cuts[P_CUTS.shape[0] + i] = p0 + STEP[i] * width
        nodes, weights = xi_rule(kind, param, mu, s, tau, cuts, x_ref, w_ref)
        for i in range(nodes.shape[0]):
            if weights[i] == 0.0:
                continue
            omega = mu + s * nodes[i]
            p = prox(kind, omega, tau, param)[0]
            total_w.append(weight * weights[i])
            total_p.append(p)
            total_g.append((p - omega) / tau)
            total_y.append(y)
    return np.array(total_w), np.array(total_p), np.array(total_g), np.array(total_y)


@kernel
def _terms(u, beta, eb, omb, lomb):
    """``(L, ψ, err, π)`` at u, for ``Z = e^{-β} + (1-e^{-β})Φ(u)``: ``L = log Z``, ``ψ = ∂_u L``,
    ``err = e^{-β}H(u)/Z = -∂_β L``, ``π = e^{-β}G(u)/Z``  (``eb = e^{-β}``, ``omb = 1-e^{-β}``,
    ``lomb = log omb``; β = inf allowed).

    One ``erfc`` gives both H(u) and Φ(u) to full relative accuracy (the one ≥ 1/2 by subtraction);
    below ``u = -30`` (Φ < 5e-198) everything is done in the log domain with the asymptotic ``log H``.
    """
    if u > -30.0:
        if u >= 0.0:
            hu = 0.5 * math.erfc(u * INV_SQRT2)
            pu = 1.0 - hu
        else:
            pu = 0.5 * math.erfc(-u * INV_SQRT2)
            hu = 1.0 - pu
        gu = INV_SQRT_2PI * math.exp(-0.5 * u * u)
        z = eb + omb * pu
        iz = 1.0 / z
        return math.log(z), omb * gu * iz, eb * hu * iz, eb * gu * iz
    lphi = log_H(-u)
    lg = -0.5 * u * u - LOG_SQRT_2PI
    x2 = lomb + lphi
    hi = max(-beta, x2)
    L = hi + math.log(math.exp(-beta - hi) + math.exp(x2 - hi))
    return L, math.exp(lomb + lg - L), math.exp(-beta - L), math.exp(-beta + lg - L)


@kernel
def _shell_moments(wts, cs, gs, delta, beta, Q, M, T, x_ref, w_ref, jac):
    """Moments of the shell at (β, Q, M, T) over (y, ξ) [weights ``wts``] and z, with ``cs = A/a``.

    ``u = (B + √(ΔQ) z)/σ``, ``B = cs + M - T g``, ``σ = √(Δ(1-Q))``.  Returns ``out`` with
    ``out[0:5] = E[L], E[ψ], E[gψ], E[ψ²], E[err]`` and, if ``jac``, the moments that make the
    Jacobian (derivatives in u written with ``ψ' = -ψ(u+ψ)``, ``ψ'' = -ψ - ψ'(u+2ψ)``; the Q-derivative
    of ``E_z K(u)`` is ``Δ/(2σ²)·E[K'' + uK']`` by Stein's lemma; ``∂_β ψ = π + ψ·err``,
    ``∂_β err = -err(1-err)``, ``err' = -π - err·ψ``, ``π' = -π(u+ψ)``)::

        out[5:8]   E[ψ'], E[gψ'], E[g²ψ']        out[8:10]  E[ψ''+uψ'], E[g(ψ''+uψ')]
        out[10:12] E[∂_βψ], E[g∂_βψ]             out[12:14] E[(ψ²)'], E[g(ψ²)']
        out[14]    E[(ψ²)''+u(ψ²)']             out[15]    E[∂_β ψ²]
        out[16:18] E[err'], E[g err']            out[18]    E[err''+u err']      out[19] E[∂_β err]

    β = 0: only ``out[4] = E H(B/σ)`` (the random shell points' error).
    """
    out = np.zeros(N_MOMENTS)
    sig = math.sqrt(delta * (1.0 - Q))
    if beta == 0.0:
        for i in range(wts.shape[0]):
            out[4] += wts[i] * H((cs[i] + M - T * gs[i]) / sig)
        return out
    if math.isinf(beta):
        eb, omb, lomb = 0.0, 1.0, 0.0
    else:
        eb = math.exp(-beta)
        omb = -math.expm1(-beta)
        lomb = math.log(omb)
    single = Q < 1e-12
    sq = math.sqrt(delta * Q) if not single else 0.0
    nk = x_ref.shape[0]
    ncut = Z_BASE.shape[0] + STEP.shape[0]
    nz = nk * (ncut - 1)
    cuts = np.empty(ncut)
    znodes = np.empty(nz)
    zweights = np.empty(nz)
    if single:
        nz = 1
        znodes[0] = 0.0
        zweights[0] = 1.0
    acc = np.empty(13)
    for i in range(wts.shape[0]):
        B = cs[i] + M - T * gs[i]
        if not single:
            zstar = -B / sq
            zw = sig / sq
            cuts[:Z_BASE.shape[0]] = Z_BASE
            for k in range(STEP.shape[0]):
                cuts[Z_BASE.shape[0] + k] = min(max(zstar + STEP[k] * zw, -Z_MAX), Z_MAX)
            gaussian_panels(np.sort(cuts), x_ref, w_ref, znodes, zweights)
        acc[:] = 0.0
        for k in range(nz):
            w = zweights[k]
            if w == 0.0:  # node of a zero-length panel
                continue
            u = (B + sq * znodes[k]) / sig
            L, psi, err, pi = _terms(u, beta, eb, omb, lomb)
            acc[0] += w * L
            acc[1] += w * psi
            acc[2] += w * psi * psi
            acc[3] += w * err
            if jac:
                d1 = -psi * (u + psi)
                d2 = -psi - d1 * (u + 2.0 * psi)
                pb = pi + psi * err
                e1 = -pi - err * psi
                e2 = pi * (u + psi) - e1 * psi - err * d1
                acc[4] += w * d1
                acc[5] += w * (d2 + u * d1)
                acc[6] += w * pb
                acc[7] += w * 2.0 * psi * d1
                acc[8] += w * 2.0 * (d1 * d1 + psi * d2 + u * psi * d1)
                acc[9] += w * 2.0 * psi * pb
                acc[10] += w * e1
                acc[11] += w * (e2 + u * e1)
                acc[12] -= w * err * (1.0 - err)
        wi = wts[i]
        g = gs[i]
        out[0] += wi * acc[0]
        out[1] += wi * acc[1]
        out[2] += wi * g * acc[1]
        out[3] += wi * acc[2]
        out[4] += wi * acc[3]
        if jac:
            out[5] += wi * acc[4]
            out[6] += wi * g * acc[4]
            out[7] += wi * g * g * acc[4]
            out[8] += wi * acc[5]
            out[9] += wi * g * acc[5]
            out[10] += wi * acc[6]
            out[11] += wi * g * acc[6]
            out[12] += wi * acc[7]
            out[13] += wi * g * acc[7]
            out[14] += wi * acc[8]
            out[15] += wi * acc[9]
            out[16] += wi * acc[10]
            out[17] += wi * g * acc[10]
            out[18] += wi * acc[11]
            out[19] += wi * acc[12]
    return out


# ------------------------------------------------------------------------------------------------
# Python layer
# ------------------------------------------------------------------------------------------------

class _NewtonFailed(Exception):
    """Newton's method left its basin (singular Jacobian, failed line search, too many steps)."""


@dataclass(frozen=True)
class _Point:
    """The map and its derivatives at (β, Q, M, T): ``F`` = the RS map, ``DF`` its Jacobian in (Q, M, T, β)."""

    beta: float
    x: np.ndarray
    F: np.ndarray
    EL: float
    e: float
    DF: np.ndarray = None   # 3×4
    de: np.ndarray = None   # ∂e/∂(Q, M, T, β)


class _Shell:
    """The reference's quadrature and the constants of the shell at distance d."""

    def __init__(self, ref, d, loss_param=None):
        self.ref = ref
        self.kind, self.param = loss_code(ref.loss, loss_param)
        self.d = float(d)
        self.S = 1.0 - 2.0 * self.d
        self.x_ref, self.w_ref = gauss_legendre(XI_NODES)
        self.xz, self.wz = gauss_legendre(Z_NODES)
        self.w, self.p, self.g, self.y = _reference_nodes(
            self.kind, self.param, ref.rho, ref.m, ref.q, ref.V, ref.b, ref.delta, self.S, self.x_ref, self.w_ref)
        a = math.sqrt(1.0 - self.S * self.S)
        self.c = (self.S * self.p + (1.0 - self.S) * self.y * ref.b) / (math.sqrt(ref.q) * a)  # A/a
        self.Eg = float(self.w @ self.g)
        self.Eg2 = float(self.w @ (self.g * self.g))
        self.c2 = max(1.0 - ref.m * ref.m / ref.q, 1e-300)
        self.evaluations = 0

    def moments(self, beta, Q, M, T, jac=False):
        self.evaluations += 1
        return _shell_moments(self.w, self.c, self.g, self.ref.delta, beta, Q, M, T, self.xz, self.wz, jac)

    def point(self, beta, Q, M, T, jac=False):
        """The RS map at (Q, M, T) and β, with its Jacobian if ``jac`` (see :func:`_shell_moments`)."""
        o = self.moments(beta, Q, M, T, jac)
        alpha, delta, Eg, Eg2, c2 = self.ref.alpha, self.ref.delta, self.Eg, self.Eg2, self.c2
        sig = math.sqrt(delta * (1.0 - Q))
        s2 = sig * sig
        m1, mg, r = o[1] / sig, o[2] / sig, o[3] / s2
        D = m1 - Eg * mg / Eg2
        W = r - mg * mg / Eg2
        F = np.array([M * M / c2 + alpha * delta * (1.0 - Q) ** 2 * W,
                      c2 * alpha * (1.0 - Q) * D,
                      M * Eg / Eg2 + delta * (1.0 - Q) * mg / Eg2])
        if not jac:
            return _Point(beta, np.array([Q, M, T]), F, o[0], o[4])
        kap = delta / (2.0 * s2)
        # derivatives in (Q, M, T, β)
        dm1 = np.array([kap * (o[8] + o[1]) / sig, o[5] / s2, -o[6] / s2, o[10] / sig])
        dmg = np.array([kap * (o[9] + o[2]) / sig, o[6] / s2, -o[7] / s2, o[11] / sig])
        dr = np.array([kap * (o[14] + 2.0 * o[3]) / s2, o[12] / (s2 * sig), -o[13] / (s2 * sig), o[15] / s2])
        de = np.array([kap * o[18], o[16] / sig, -o[17] / sig, o[19]])
        dD = dm1 - Eg * dmg / Eg2
        dW = dr - 2.0 * mg * dmg / Eg2
        DF = np.empty((3, 4))
        DF[0] = alpha * delta * (1.0 - Q) ** 2 * dW
        DF[0, 0] -= 2.0 * alpha * delta * (1.0 - Q) * W
        DF[0, 1] += 2.0 * M / c2
        DF[1] = c2 * alpha * (1.0 - Q) * dD
        DF[1, 0] -= c2 * alpha * D
        DF[2] = delta * (1.0 - Q) * dmg / Eg2
        DF[2, 0] -= delta * mg / Eg2
        DF[2, 1] += Eg / Eg2
        return _Point(beta, np.array([Q, M, T]), F, o[0], o[4], DF, de)

    def update(self, beta, x):
        """The RS map for :func:`solve_fixed_point` (clamped to the domain 0 ≤ Q < 1)."""
        Q, M, T = x
        if not 0.0 <= Q < 1.0:
            return np.full(3, np.nan)
        F = self.point(beta, Q, M, T).F
        F[0] = min(max(F[0], M * M / self.c2), 1.0 - 1e-12)
        return F

    def phi_of(self, pt):
        """Φ_β at a solved point."""
        Q, M, T = pt.x
        alpha, delta = self.ref.alpha, self.ref.delta
        dT = T - M * self.Eg / self.Eg2
        return (0.5 * math.log1p(-Q) + (Q - M * M / self.c2) / (2.0 * (1.0 - Q))
                + alpha * self.Eg2 * dT * dT / (2.0 * delta * (1.0 - Q)) + alpha * pt.EL)

    def phi(self, beta, Q, M, T):
        pt = self.point(beta, Q, M, T)
        return self.phi_of(pt), pt.e

    def shell_error(self):
        return float(self.moments(0.0, 0.0, 0.0, 0.0)[4])

    def gen_error(self, M):
        r = self.ref
        a = math.sqrt(1.0 - self.S * self.S)
        mp = self.S * r.m / math.sqrt(r.q) + a * M
        bp = r.b / math.sqrt(r.q)
        s = math.sqrt(r.delta)
        return float(r.rho * H((mp + bp) / s) + (1.0 - r.rho) * H((mp - bp) / s))

    # -- solvers ---------------------------------------------------------------------------------

    def newton(self, beta, x0, e_target=None, tol=1e-10, maxiter=40):
        """Newton's method on ``F(x) - x = 0`` (and, if ``e_target`` is given, on ``log e(β) = log e_target``
        with β as a fourth unknown, parametrised by log β), with an analytic Jacobian and a backtracking
        line search on the scaled residual.  Returns ``(point, iterations, residual)``; converged means the
        undamped fixed-point residual (:func:`residual_norm`) and ``|log e - log e_target|`` are ≤ tol.
        Raises :class:`_NewtonFailed` when it cannot make progress.
        """
        free = e_target is not None
        n = 4 if free else 3
        y = np.empty(n)
        y[:3] = x0
        if free:
            y[3] = math.log(beta)
            log_target = math.log(e_target)

        def evaluate(y):
            if not (0.0 <= y[0] < 1.0 and np.all(np.isfinite(y))):
                return None
            if free and not y[3] <= LOG_BETA_MAX:
                return None
            bt = math.exp(y[3]) if free else beta
            if bt == 0.0:
                return None
            with np.errstate(all="ignore"):
                pt = self.point(bt, y[0], y[1], y[2], jac=True)
                R = np.empty(n)
                R[:3] = pt.F - y[:3]
                if free:
                    R[3] = math.log(pt.e) - log_target if pt.e > 0.0 else -np.inf
            if not np.all(np.isfinite(R)):
                return None
            scaled = R.copy()
            scaled[:3] /= np.maximum(1.0, np.abs(y[:3]))
            return pt, R, float(np.max(np.abs(scaled))), float(np.sqrt(scaled @ scaled))

        cur = evaluate(y)
        if cur is None:
            raise _NewtonFailed("the start is outside the domain")
        for it in range(maxiter + 1):
            pt, R, res, merit = cur
            if res <= tol:
                return pt, it, res
            if it == maxiter:
                break
            J = np.empty((n, n))
            J[:3, :3] = pt.DF[:, :3] - np.eye(3)
            if free:
                J[:3, 3] = pt.DF[:, 3] * pt.beta
                J[3, :3] = pt.de[:3] / pt.e
                J[3, 3] = pt.de[3] * pt.beta / pt.e
            try:
                step = np.linalg.solve(J, -R)
            except np.linalg.LinAlgError:
                raise _NewtonFailed("singular Jacobian") from None
            if not np.all(np.isfinite(step)):
                raise _NewtonFailed("singular Jacobian")
            t = 1.0
            for _ in range(30):
                y_new = y + t * step
                y_new[0] = max(y_new[0], 0.0)  # project onto Q ≥ 0
                new = evaluate(y_new)
                if new is not None and new[3] < (1.0 - 1e-4 * t) * merit:
                    break
                t *= 0.5
            else:
                raise _NewtonFailed(f"line search failed at residual {res:.3g}")
            y, cur = y_new, new
        raise _NewtonFailed(f"not converged after {maxiter} Newton steps (residual {cur[2]:.3g})")

    def solve(self, beta, x0=None, tol=1e-10, maxiter=3000, strict=True):
        """Saddle point at fixed β: Newton from ``x0``, falling back on damped Anderson iteration."""
        if beta == 0.0:
            return np.zeros(3), True, 0, 0.0
        x0 = np.array([0.1, 0.0, 0.0]) if x0 is None else np.asarray(x0, dtype=float)
        try:
            pt, it, res = self.newton(beta, x0, tol=tol)
            return pt.x, True, it, res
        except _NewtonFailed:
            pass
        describe = (f"gm local_free_entropy(loss={self.ref.loss}, alpha={self.ref.alpha}, lam={self.ref.lam}, "
                    f"d={self.d}, beta={beta})")
        fp = solve_fixed_point(lambda x: self.update(beta, x), x0, tol=tol, maxiter=maxiter,
                               damping=0.3, strict=strict, describe=describe)
        return fp.x, fp.converged, fp.iterations, fp.residual


def _check_d(d):
    if not (np.isfinite(d) and D_MIN <= d <= D_MAX):
        raise ValueError(f"d must be in [{D_MIN}, {D_MAX}]; got {d}")


def _check_beta(beta):
    if not (beta >= 0 and not np.isnan(beta)):
        raise ValueError(f"beta must be >= 0 (inf allowed); got {beta}")


def _reference(loss, alpha, delta, lam, rho, bias, start, erm_options):
    if isinstance(start, ERMResult):
        return start
    return erm(loss, alpha, delta, lam, rho, bias, **erm_options)


def _free_result(shell, beta, x, converged, iterations, residual):
    ref = shell.ref
    Q, M, T = (float(v) for v in x)
    if beta == 0.0:
        val, e = 0.0, shell.shell_error()
    else:
        val, e = shell.phi(beta, Q, M, T)
    # Φ_β = (1/N) E log <e^{-βE}>_shell ≤ 0 for β ≥ 0, and the error fraction e(β) ∈ [0, 1]
    status = _status(ref, converged, val, Q, [(not -ROUNDOFF <= e <= 1.0 + ROUNDOFF, BOUND_VIOLATED)])
    return LocalFreeEntropyResult(
        loss=ref.loss, alpha=ref.alpha, delta=ref.delta, lam=ref.lam, rho=ref.rho, bias=ref.bias, d=shell.d,
        beta=float(beta), phi=float(val), energy=float(e), gen_error=shell.gen_error(M), Q=Q, M=M, T=T,
        S=shell.S, ref_m=ref.m, ref_q=ref.q, ref_V=ref.V, ref_b=ref.b, converged=status == OK,
        iterations=int(iterations), residual=float(residual), status=status)


ROUNDOFF = 1e-10  # slack of the bound checks (Φ ≤ 0, e ∈ [0, 1]); the quadrature is accurate to ~1e-12


def _status(ref, converged, phi, Q, extra=()):
    """Trust-contract status of a local-entropy result: the reference minimiser must itself be a converged
    solution; the saddle must have converged, with 0 ≤ Q < 1 and Φ ≤ 0 (a log-fraction of the shell)."""
    if not ref.converged:
        return ref.status
    if not converged:
        return MAX_ITER
    checks = [(not math.isfinite(phi), NON_FINITE), (not 0.0 <= Q < 1.0, LEFT_DOMAIN),
              (phi > ROUNDOFF, BOUND_VIOLATED), *extra]
    return verdict(0.0, 1.0, checks)[1]


def local_free_entropy(loss, alpha, delta, lam, d, beta, rho=0.5, bias=False, *, reference=None, start=None,
                       tol=1e-10, strict=True, **erm_options):
    """Φ_β(d): RS free entropy of the error-counting energy at inverse temperature β on the shell.

    The saddle point is found by Newton's method with the analytic Jacobian (``iterations`` counts its
    steps), falling back on damped Anderson iteration.

    Parameters
    ----------
    loss, alpha, delta, lam, rho, bias
        The ERM minimiser (see :func:`replica.gaussian_mixture.erm`); ``reference`` may pass it solved.
    d : float in [1e-4, 0.5]
        Distance ``d = (1 - S)/2`` of the shell from the rescaled minimiser.
    beta : float ≥ 0 (``inf``: log-fraction of the shell with zero training errors)
    start : LocalFreeEntropyResult or LocalEntropyResult, optional
        Warm start (its Q, M, T).

    Returns
    -------
    LocalFreeEntropyResult  (``phi`` = Φ_β, ``energy`` = e(β) = -(1/α) dΦ_β/dβ)
    """
    _check_d(d)
    _check_beta(beta)
    ref = _reference(loss, alpha, delta, lam, rho, bias, reference, erm_options)
    shell = _Shell(ref, d)
    x0 = None if start is None else [start.Q, start.M, start.T]
    try:
        x, conv, it, res = shell.solve(float(beta), x0, tol=tol, strict=strict)
    except ConvergenceError as err:
        if err.state is not None:
            err.state = _free_result(shell, beta, err.state, False, err.iterations, err.residual)
        raise
    result = _free_result(shell, beta, x, conv, it, res)
    if strict and not result.converged:
        raise ConvergenceError(f"gm local_free_entropy(d={d}, beta={beta}): {result.status}", result, res, it,
                               result.status)
    return result


def _bracketed_beta(shell, e_ref, shell_err, start, tol):
    """Fallback for :meth:`_Shell.newton`: bracket the root of e(β) = e_ref in β, then Brent, each e(β)
    from a warm-started saddle-point solve at fixed β.  Returns ``(β, x, Φ_β, iterations, residual)``;
    raises :class:`ConvergenceError` if an inner solve fails or no β ≤ BETA_MAX is low enough."""
    state = {"x": None if start is None or not 0.0 < start.beta < math.inf
             else np.array([start.Q, start.M, start.T]), "it": 0}

    def solve_at(beta):
        x, _, it, res = shell.solve(beta, state["x"], tol=tol, strict=True)
        state["x"], state["it"], state["res"] = x, state["it"] + it, res
        val, e = shell.phi(beta, *x)
        return x, val, e

    # e(β) decreases from shell_error at β = 0: bracket the root of e(β) = e_ref in log β
    lo, hi = 0.0, (start.beta if start is not None and 0 < start.beta < BETA_MAX else 1.0)
    while True:
        e_hi = solve_at(hi)[2]
        if e_hi < e_ref:
            break
        lo, hi = hi, 2.0 * hi
        if hi > BETA_MAX:
            raise ConvergenceError(f"no β ≤ {BETA_MAX} reaches the training error {e_ref}", None, np.nan,
                                   state["it"])
    if lo == 0.0:
        lo = hi / 2.0
        while solve_at(lo)[2] < e_ref:
            hi, lo = lo, lo / 2.0
            if lo < 1e-8:
                lo = 0.0
                break

    def f(bt):
        if bt == 0.0:
            return shell_err - e_ref
        return solve_at(bt)[2] - e_ref

    try:
        beta = brentq(f, lo, hi, xtol=1e-12, rtol=1e-10)
    except ValueError as err:  # e(β) - e_ref has no sign change on the bracket
        raise ConvergenceError(f"no root of e(β) = {e_ref} bracketed: {err}", None, np.nan, state["it"]) from err
    x, val, _ = solve_at(beta)
    return beta, x, val, state["it"], state["res"]


def _newton_start(shell, e_ref, shell_err, start):
    """(x0, β0) for the joint Newton solve: the neighbour's saddle point if there is one, else (0, 0, 0)
    and the β at which the β → 0 tangent of e(β) (slope -E[H(1-H)] at Q = M = T = 0) reaches e_ref."""
    if start is not None and 0.0 < start.beta < BETA_MAX and 0.0 <= start.Q < 1.0:
        return np.array([start.Q, start.M, start.T]), float(start.beta)
    slope = -shell.point(1e-8, 0.0, 0.0, 0.0, jac=True).de[3]
    return np.zeros(3), float(min(max((shell_err - e_ref) / max(slope, 1e-300), 1e-8), 10.0))


def local_entropy(loss, alpha, delta, lam, d, rho=0.5, bias=False, *, reference=None, start=None,
                  tol=1e-10, strict=True, **erm_options):
    """Seed's normalised local entropy ``Φ(d) = min_β [Φ_β(d) + αβ e]`` of the rescaled ERM minimiser.

    Parameters
    ----------
    loss, alpha, delta, lam, rho, bias
        The ERM minimiser (:func:`replica.gaussian_mixture.erm`); ``reference`` may pass it solved.
    d : float in [1e-4, 0.5]
        Distance ``d = (1 - S)/2``.
    start : LocalEntropyResult, optional
        Warm start (β, Q, M, T), e.g. the neighbouring point of a curve.
    tol : float
        Target for the undamped fixed-point residual and for ``|log e(β) - log e|``.

    The conjugate β and the order parameters are found together by Newton's method on the saddle-point
    equations plus ``e(β) = e`` (analytic Jacobian from the same quadrature); if Newton fails, β is
    bracketed and refined by Brent's method around warm-started fixed-point solves.

    Returns
    -------
    LocalEntropyResult
        ``phi`` (≤ 0), the conjugate ``beta``, ``shell_error`` (β = 0), generalisation errors of random
        (``shell_gen_error``) and of the counted (``gen_error``) shell points, order parameters.
    """
    _check_d(d)
    ref = _reference(loss, alpha, delta, lam, rho, bias, reference, erm_options)
    shell = _Shell(ref, d)
    e_ref = ref.train_error
    shell_err = shell.shell_error()
    it = 0
    try:
        if shell_err <= e_ref:
            beta, x, val, res = 0.0, np.zeros(3), 0.0, 0.0
        elif e_ref <= 0.0:
            beta = math.inf
            x0 = None if start is None or not math.isinf(start.beta) else np.array([start.Q, start.M, start.T])
            x, _, it, res = shell.solve(beta, x0, tol=tol, strict=True)
            val = shell.phi(beta, *x)[0]
        else:
            x0, beta0 = _newton_start(shell, e_ref, shell_err, start)
            try:
                pt, it, res = shell.newton(beta0, x0, e_target=e_ref, tol=tol)
                beta, x, val = pt.beta, pt.x, shell.phi_of(pt)
            except _NewtonFailed:
                beta, x, val, it, res = _bracketed_beta(shell, e_ref, shell_err, start, tol)
                try:  # polish β and (Q, M, T) together from the bracketed solution
                    pt, it2, res = shell.newton(beta, x, e_target=e_ref, tol=tol)
                    beta, x, val, it = pt.beta, pt.x, shell.phi_of(pt), it + it2
                except _NewtonFailed:
                    pass
    except ConvergenceError as err:
        # no saddle point found: a result flagged as not converged (NaN), raised unless strict=False
        nan = math.nan
        failed = _entropy_result(shell, shell_err, nan, np.full(3, nan), nan, False, getattr(err, "iterations", it),
                                 getattr(err, "residual", nan))
        if strict:
            raise ConvergenceError(f"gm local_entropy(loss={ref.loss}, alpha={ref.alpha}, lam={ref.lam}, d={d}): "
                                   f"{err}", failed, failed.residual, failed.iterations) from err
        return failed
    result = _entropy_result(shell, shell_err, beta, x, val, True, it, res)
    if strict and not result.converged:
        raise ConvergenceError(f"gm local_entropy(loss={ref.loss}, alpha={ref.alpha}, lam={ref.lam}, d={d}): "
                               f"{result.status} (phi={result.phi:.10g})", result, res, it, result.status)
    return result


def _entropy_result(shell, shell_err, beta, x, val, converged, iterations, residual):
    ref = shell.ref
    Q, M, T = (float(v) for v in x)
    if beta == 0.0:
        phi_total = 0.0
    elif math.isinf(beta):
        phi_total = val
    else:
        phi_total = val + ref.alpha * beta * ref.train_error  # NaN for a failed point
    # Φ(d) is a log-fraction (≤ 0): round-off above 0 is clipped, anything larger is a violated bound
    status = _status(ref, converged, phi_total, Q if beta > 0 else 0.0) if converged else MAX_ITER
    return LocalEntropyResult(
        loss=ref.loss, alpha=ref.alpha, delta=ref.delta, lam=ref.lam, rho=ref.rho, bias=ref.bias, d=shell.d,
        phi=float(min(phi_total, 0.0)) if status == OK else float(phi_total), beta=float(beta),
        phi_beta=float(val), train_error=float(ref.train_error), shell_error=shell_err,
        shell_gen_error=shell.gen_error(0.0), gen_error=shell.gen_error(M), ref_gen_error=ref.gen_error,
        Q=Q, M=M, T=T, S=shell.S, ref_m=ref.m, ref_q=ref.q, ref_V=ref.V, ref_b=ref.b, converged=status == OK,
        iterations=int(iterations), residual=float(residual), status=status)


def shell_error(loss, alpha, delta, lam, d, rho=0.5, bias=False, *, reference=None, **erm_options):
    """Typical training error of uniformly random points on the shell at distance d (β = 0).

    ``E_{y,ξ} H((S p + (1-S) y b)/√(Δq(1-S²)))`` with p the reference's training field.
    """
    _check_d(d)
    ref = _reference(loss, alpha, delta, lam, rho, bias, reference, erm_options)
    return _Shell(ref, d).shell_error()


def local_entropy_curve(loss, alpha, delta, lam, d=None, rho=0.5, bias=False, *, direction="backward",
                        progress=None, strict=False, **options):
    """:func:`local_entropy` along a list of distances ``d`` (default 30 points from 0.001 to 0.25).

    The minimiser is solved once; each point is warm-started from its neighbour's (Q, M, T, β) (by
    default from the largest d down).  ``direction="both"`` sweeps up and down the list; then
    :func:`replica.saddle_point.continuation.hysteresis` reports the d where the two branches differ
    (none for the convex losses, see the tests).  Returns a :class:`replica.saddle_point.Sweep`.
    """
    if d is None:
        d = np.geomspace(1e-3, 0.25, 30)
    d = np.atleast_1d(np.asarray(d, dtype=float))
    for v in d:
        _check_d(v)
    ref = _reference(loss, alpha, delta, lam, rho, bias, options.pop("reference", None), {})

    def solve(value, start):
        return local_entropy(loss, alpha, delta, lam, float(value), rho, bias, reference=ref, start=start,
                             strict=strict, **options)

    return sweep(solve, d, direction=direction, progress=progress)
