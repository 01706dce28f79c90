"""Normalised local entropy of Gaussian-mixture ERM minimisers (THEORY §5; derivation in docs/gm_local_entropy.md).

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
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .._numba import kernel
from ..saddle_point.continuation import sweep
from ..saddle_point.fixed_point import ConvergenceError, solve_fixed_point
from ..saddle_point.losses import loss_code, prox
from ..saddle_point.quadrature import gauss_legendre, gaussian_panels
from ..saddle_point.special import H, log_H
from .erm import ERMResult, erm
from .local_energy import P_CUTS, xi_rule

XI_NODES = 8
Z_NODES = 8
Z_MAX = 9.0
Z_BASE = np.array([-Z_MAX, -5.0, -2.5, 0.0, 2.5, 5.0, Z_MAX])
STEP = np.array([-8.0, -3.0, -1.0, 0.0, 1.0, 3.0, 8.0])
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
D_MIN, D_MAX = 1e-4, 0.5
BETA_MAX = 1e4


@dataclass(frozen=True)
class LocalFreeEntropyResult:
    """RS saddle point of Φ_β on the shell at distance d around the rescaled ERM minimiser."""

    loss: str
    alpha: float
    delta: float
    lam: float
    rho: float
    bias: bool
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
class LocalEntropyResult:
    """Seed's normalised local entropy Φ(d) of the rescaled ERM minimiser, with its saddle point."""

    loss: str
    alpha: float
    delta: float
    lam: float
    rho: float
    bias: bool
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
    (± multiples of the step width ``a√(Δq)/S`` of the shell-error integrand).
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
        weight = rho if y > 0 else 1.0 - rho
        mu = m + y * b
        p0 = -(1.0 - S) * y * b / max(S, 1e-3)
        cuts = np.empty(npc)
        cuts[:P_CUTS.shape[0]] = P_CUTS
        for i in range(STEP.shape[0]):
            cuts[P_CUTS.shape[0] + i] = p0 + STEP[i] * width
        nodes, weights = xi_rule(kind, param, mu, s, tau, cuts, x_ref, w_ref)
        for i in range(nodes.shape[0]):
            omega = mu + s * nodes[i]
            p = prox(kind, omega, tau, param)[0]
            total_w.append(weight * weights[i])
            total_p.append(p)
            total_g.append((p - omega) / tau)
            total_y.append(y)
    return np.array(total_w), np.array(total_p), np.array(total_g), np.array(total_y)


@kernel
def _log_term(u, beta, eb, l1):
    """``(L, ψ, err)``: L = log[e^{-β} + (1-e^{-β})Φ(u)], ψ = ∂L/∂u, err = e^{-β}H(u)/e^{L} (β = inf allowed)."""
    lphi = log_H(-u)
    if math.isinf(beta):
        L = lphi
        psi = math.exp(-0.5 * u * u - LOG_SQRT_2PI - lphi)
        return L, psi, 0.0
    x1 = -beta
    x2 = l1 + lphi
    hi = max(x1, x2)
    L = hi + math.log(math.exp(x1 - hi) + math.exp(x2 - hi))
    psi = math.exp(l1 - 0.5 * u * u - LOG_SQRT_2PI - L)
    err = math.exp(-beta + log_H(u) - L)
    return L, psi, err


@kernel
def _moments(wts, ps, gs, ys, b, q, delta, S, beta, Q, M, T, x_ref, w_ref):
    """Shell moments ``(E L, m1, mg, r, e)`` at (Q, M, T); see the module docstring."""
    a = math.sqrt(1.0 - S * S)
    sig = math.sqrt(delta * (1.0 - Q))
    sq = math.sqrt(delta * Q)
    sqrt_q = math.sqrt(q)
    eb = math.exp(-beta) if not math.isinf(beta) else 0.0
    l1 = math.log1p(-eb) if beta > 0.0 else -np.inf
    EL = 0.0
    m1 = 0.0
    mg = 0.0
    r = 0.0
    e = 0.0
    nz = x_ref.shape[0] * (Z_BASE.shape[0] + STEP.shape[0] - 1)
    cuts = np.empty(Z_BASE.shape[0] + STEP.shape[0])
    znodes = np.empty(nz)
    zweights = np.empty(nz)
    for i in range(wts.shape[0]):
        A = (S * ps[i] + (1.0 - S) * ys[i] * b) / sqrt_q
        B = A / a + M - T * gs[i]
        if beta == 0.0:
            e += wts[i] * H(B / sig)
            continue
        if Q < 1e-12:
            L, psi, err = _log_term(B / sig, beta, eb, l1)
            EL += wts[i] * L
            m1 += wts[i] * psi
            mg += wts[i] * gs[i] * psi
            r += wts[i] * psi * psi
            e += wts[i] * err
            continue
        zstar = -B / sq
        zw = sig / sq
        cuts[:Z_BASE.shape[0]] = Z_BASE
        for k in range(STEP.shape[0]):
            cuts[Z_BASE.shape[0] + k] = min(max(zstar + STEP[k] * zw, -Z_MAX), Z_MAX)
        gaussian_panels(np.sort(cuts), x_ref, w_ref, znodes, zweights)
        lsum = 0.0
        psum = 0.0
        p2sum = 0.0
        esum = 0.0
        for k in range(nz):
            L, psi, err = _log_term((B + sq * znodes[k]) / sig, beta, eb, l1)
            lsum += zweights[k] * L
            psum += zweights[k] * psi
            p2sum += zweights[k] * psi * psi
            esum += zweights[k] * err
        EL += wts[i] * lsum
        m1 += wts[i] * psum
        mg += wts[i] * gs[i] * psum
        r += wts[i] * p2sum
        e += wts[i] * esum
    return EL, m1 / sig, mg / sig, r / (sig * sig), e


# ------------------------------------------------------------------------------------------------
# Python layer
# ------------------------------------------------------------------------------------------------

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
        self.Eg = float(self.w @ self.g)
        self.Eg2 = float(self.w @ (self.g * self.g))
        self.c2 = max(1.0 - ref.m * ref.m / ref.q, 1e-300)

    def moments(self, beta, Q, M, T):
        r = self.ref
        return _moments(self.w, self.p, self.g, self.y, r.b, r.q, r.delta, self.S, beta, Q, M, T,
                        self.xz, self.wz)

    def update(self, beta, x):
        Q, M, T = x
        if not 0.0 <= Q < 1.0:
            return np.full(3, np.nan)
        _, m1, mg, r, _ = self.moments(beta, Q, M, T)
        alpha, delta = self.ref.alpha, self.ref.delta
        T_new = M * self.Eg / self.Eg2 + delta * (1.0 - Q) * mg / self.Eg2
        M_new = self.c2 * alpha * (1.0 - Q) * (m1 - self.Eg * mg / self.Eg2)
        Q_new = M * M / self.c2 + alpha * delta * (1.0 - Q) ** 2 * max(r - mg * mg / self.Eg2, 0.0)
        return np.array([min(Q_new, 1.0 - 1e-12), M_new, T_new])

    def phi(self, beta, Q, M, T):
        EL, _, _, _, e = self.moments(beta, Q, M, T)
        alpha, delta = self.ref.alpha, self.ref.delta
        dT = T - M * self.Eg / self.Eg2
        val = (0.5 * math.log1p(-Q) + (Q - M * M / self.c2) / (2.0 * (1.0 - Q))
               + alpha * self.Eg2 * dT * dT / (2.0 * delta * (1.0 - Q)) + alpha * EL)
        return val, e

    def shell_error(self):
        return float(self.moments(0.0, 0.0, 0.0, 0.0)[4])

    def gen_error(self, M):
        r = self.ref
        a = math.sqrt(1.0 - self.S * self.S)
        mp = self.S * r.m / math.sqrt(r.q) + a * M
        bp = r.b / math.sqrt(r.q)
        s = math.sqrt(r.delta)
        return float(r.rho * H((mp + bp) / s) + (1.0 - r.rho) * H((mp - bp) / s))

    def solve(self, beta, x0=None, tol=1e-10, maxiter=3000, strict=True):
        if beta == 0.0:
            return np.zeros(3), True, 0, 0.0
        x0 = np.array([0.1, 0.0, 0.0]) if x0 is None else np.asarray(x0, dtype=float)
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
    return LocalFreeEntropyResult(
        loss=ref.loss, alpha=ref.alpha, delta=ref.delta, lam=ref.lam, rho=ref.rho, bias=ref.bias, d=shell.d,
        beta=float(beta), phi=float(val), energy=float(e), gen_error=shell.gen_error(M), Q=Q, M=M, T=T,
        S=shell.S, ref_m=ref.m, ref_q=ref.q, ref_V=ref.V, ref_b=ref.b, converged=bool(converged),
        iterations=int(iterations), residual=float(residual))


def local_free_entropy(loss, alpha, delta, lam, d, beta, rho=0.5, bias=False, *, reference=None, start=None,
                       tol=1e-10, strict=True, **erm_options):
    """Φ_β(d): RS free entropy of the error-counting energy at inverse temperature β on the shell.

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
    return _free_result(shell, beta, x, conv, it, res)


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
    state = {"x": None if start is None or not start.beta > 0 or math.isinf(start.beta)
             else np.array([start.Q, start.M, start.T]), "it": 0}

    def solve_at(beta):
        x, conv, it, res = shell.solve(beta, state["x"], tol=tol, strict=strict)
        state["x"], state["it"], state["conv"], state["res"] = x, state["it"] + it, conv, res
        val, e = shell.phi(beta, *x)
        return x, val, e

    if shell_err <= e_ref:
        beta, x, val, conv, res = 0.0, np.zeros(3), 0.0, True, 0.0
        phi_total = 0.0
    elif e_ref <= 0.0:
        beta = math.inf
        x, val, _ = solve_at(beta)
        phi_total, conv, res = val, state["conv"], state["res"]
    else:
        # e(β) decreases from shell_error at β = 0: bracket the root of e(β) = e_ref in log β
        lo, hi = 0.0, (start.beta if start is not None and 0 < start.beta < BETA_MAX else 1.0)
        while True:
            e_hi = solve_at(hi)[2]
            if e_hi < e_ref:
                break
            lo, hi = hi, 2.0 * hi
            if hi > BETA_MAX:
                raise ConvergenceError(f"gm local_entropy: no β ≤ {BETA_MAX} reaches the training error {e_ref} "
                                       f"at d={d}", None, np.nan, state["it"])
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

        beta = brentq(f, lo, hi, xtol=1e-12, rtol=1e-10)
        x, val, _ = solve_at(beta)
        phi_total = val + ref.alpha * beta * e_ref
        conv, res = state["conv"], state["res"]
    Q, M, T = (float(v) for v in x)
    return LocalEntropyResult(
        loss=ref.loss, alpha=ref.alpha, delta=ref.delta, lam=ref.lam, rho=ref.rho, bias=ref.bias, d=float(d),
        phi=float(min(phi_total, 0.0)), beta=float(beta), phi_beta=float(val), train_error=float(e_ref),
        shell_error=shell_err, shell_gen_error=shell.gen_error(0.0), gen_error=shell.gen_error(M),
        ref_gen_error=ref.gen_error, Q=Q, M=M, T=T, S=shell.S, ref_m=ref.m, ref_q=ref.q, ref_V=ref.V,
        ref_b=ref.b, converged=bool(conv), iterations=int(state["it"]), residual=float(res))


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

    The minimiser is solved once; each point is warm-started from its neighbour (by default from the
    largest d down, where β is smallest).  Returns a :class:`replica.saddle_point.Sweep`.
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
