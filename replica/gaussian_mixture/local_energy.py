"""Local energy of Gaussian-mixture ERM minimisers under multiplicative weight noise (docs/theory.md §6).

The seed's "cheap flatness measure" ``δε(w, σ) = E_z ε(w ⊙ (1 + σz)) - ε(w)``, z ~ N(0, I_N),
evaluated on the ERM minimiser of :func:`replica.gaussian_mixture.erm` (the bias is not perturbed).

Derivation (docs/gm_local_entropy.md §2).  The training field of sample μ after the perturbation is
``h_μ = p_μ + σ y_μ Σ_i w_i z_i x_μi/√N``; conditionally on the data the noise term is Gaussian with
variance ``σ² Σ_i w_i² x_μi²/N → σ²Δq``.  So with ``s_σ = σ√(Δq)`` and the *actual* training field
``p = prox_{τℓ}(ω)``, ``ω = m + yb + √(Δq) ξ`` (not the cavity field ω)::

    train_error(σ) = E_{y,ξ} H(p/s_σ)          train_loss(σ) = E_{y,ξ,ζ} ℓ(p + s_σ ζ)

and on fresh data the perturbed weights have ``m' → m``, ``q' → q(1 + σ²)``::

    gen_error(σ) = ρ H((m+b)/√(Δq(1+σ²))) + (1-ρ) H((m-b)/√(Δq(1+σ²)))

The ξ-integral is a composite Gauss–Legendre rule cut where ``p`` crosses 0 and ``±{½,1,2,4,8}s_σ``
(the width of the step of ``H(p/s_σ)``), plus the cuts of the ERM channel (so it resolves the prox
transition) and, for the hinge, its two kinks.
"""

import math
from dataclasses import dataclass

import numpy as np

from .._numba import kernel
from ..saddle_point.losses import HINGE, SQUARE, loss_code, loss_d1, loss_value, prox
from ..saddle_point.quadrature import gauss_hermite, gauss_legendre, gaussian_panels
from ..saddle_point.special import G, H, Phi
from .erm import ERMResult, erm
from .problem import GMProblem
from ..saddle_point.contract import RSFlags

PANEL_NODES = 12
# own copies (not imported from channel.py, whose internals may change): fixed ξ cuts and the p values
# at which the prox transition is resolved
XI_MAX = 10.0  # Gaussian mass beyond |ξ| > 10 is 1.5e-23
BASE_CUTS = np.array([-XI_MAX, -6.0, -3.0, 0.0, 3.0, 6.0, XI_MAX])
P_CUTS = np.array([-30.0, -8.0, -2.0, 0.0, 2.0, 8.0, 30.0])
STEP_CUTS = np.array([-8.0, -4.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0])


@dataclass(frozen=True)
class LocalEnergyResult(GMProblem, RSFlags):
    """Training/test error and loss of the ERM minimiser under weight noise ``w ⊙ (1 + σz)``."""

    sigma: float
    train_error: float
    train_loss: float
    delta_train_error: float
    delta_train_loss: float
    gen_error: float
    train_error_0: float
    train_loss_0: float
    gen_error_0: float
    m: float
    q: float
    V: float
    b: float
    converged: bool
    iterations: int
    residual: float


@kernel
def xi_rule(kind, param, mu, s, tau, p_cuts, x_ref, w_ref):
    """Composite Gauss–Legendre rule for ``E_ξ f(ξ)`` cut where ``p(ξ) = prox(μ + sξ)`` crosses ``p_cuts``.

    Also cut at the fixed ``BASE_CUTS`` and, for the hinge, at its kinks ``ω = κ - τ`` and ``ω = κ``.
    Returns ``(nodes, weights)`` (weights include the Gaussian density).
    """
    nb, npc = BASE_CUTS.shape[0], p_cuts.shape[0]
    extra = 2 if kind == HINGE else 0
    cuts = np.empty(nb + npc + extra)
    cuts[:nb] = BASE_CUTS
    for i in range(npc):
        p = p_cuts[i]
        if kind == HINGE and p > param:
            omega = p
        else:
            omega = p + tau * loss_d1(kind, p, param)
        cuts[nb + i] = min(max((omega - mu) / s, -XI_MAX), XI_MAX)
    if kind == HINGE:
        cuts[nb + npc] = min(max((param - tau - mu) / s, -XI_MAX), XI_MAX)
        cuts[nb + npc + 1] = min(max((param - mu) / s, -XI_MAX), XI_MAX)
    cuts = np.sort(cuts)
    n = x_ref.shape[0] * (cuts.shape[0] - 1)
    nodes = np.empty(n)
    weights = np.empty(n)
    gaussian_panels(cuts, x_ref, w_ref, nodes, weights)
    return nodes, weights


@kernel
def _noisy_loss(kind, param, p, sn, z_gh, w_gh):
    """``E_ζ ℓ(p + sn ζ)``: closed form for square and hinge, Gauss–Hermite for smooth losses."""
    if sn == 0.0:
        return loss_value(kind, p, param)
    if kind == SQUARE:
        return 0.5 * ((1.0 - p) ** 2 + sn * sn)
    if kind == HINGE:
        c = (param - p) / sn
        return (param - p) * Phi(c) + sn * G(c)
    total = 0.0
    for k in range(z_gh.shape[0]):
        total += w_gh[k] * loss_value(kind, p + sn * z_gh[k], param)
    return total


@kernel
def _energy_kernel(kind, param, rho, m, q, V, b, delta, sigma, x_ref, w_ref, z_gh, w_gh):
    """ρ-weighted ``(E H(p/s_σ), E ℓ(p + s_σζ))`` over both classes (σ = 0: ``E Θ(-p)``, ``E ℓ(p)``)."""
    tau = delta * V
    s = math.sqrt(delta * q)
    sn = sigma * s
    npc = P_CUTS.shape[0] + STEP_CUTS.shape[0]
    p_cuts = np.empty(npc)
    p_cuts[:P_CUTS.shape[0]] = P_CUTS
    for i in range(STEP_CUTS.shape[0]):
        p_cuts[P_CUTS.shape[0] + i] = STEP_CUTS[i] * sn
    err = 0.0
    los = 0.0
    for y in (1.0, -1.0):
        weight = rho if y > 0 else 1.0 - rho
        mu = m + y * b
        nodes, weights = xi_rule(kind, param, mu, s, tau, p_cuts, x_ref, w_ref)
        e_c = 0.0
        l_c = 0.0
        for i in range(nodes.shape[0]):
            p = prox(kind, mu + s * nodes[i], tau, param)[0]
            if sn > 0.0:
                e_c += weights[i] * H(p / sn)
            elif p < 0.0:
                e_c += weights[i]
            l_c += weights[i] * _noisy_loss(kind, param, p, sn, z_gh, w_gh)
        err += weight * e_c
        los += weight * l_c
    return err, los


def _check_sigma(sigma):
    if not (np.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma must be >= 0 (finite); got {sigma}")


def energy_of(ref, sigma, loss_param=None):
    """:class:`LocalEnergyResult` for a solved :class:`ERMResult` ``ref`` at noise level ``sigma``."""
    _check_sigma(sigma)
    kind, param = loss_code(ref.loss, loss_param)
    x_ref, w_ref = gauss_legendre(PANEL_NODES)
    z_gh, w_gh = gauss_hermite(48)
    args = (kind, param, ref.rho, ref.m, ref.q, ref.V, ref.b, ref.delta)
    e0, l0 = _energy_kernel(*args, 0.0, x_ref, w_ref, z_gh, w_gh)
    e1, l1 = _energy_kernel(*args, float(sigma), x_ref, w_ref, z_gh, w_gh)
    return LocalEnergyResult(
        loss=ref.loss, alpha=ref.alpha, delta=ref.delta, lam=ref.lam, rho=ref.rho, bias=ref.bias,
        sigma=float(sigma), train_error=float(e1), train_loss=float(l1),
        delta_train_error=float(e1 - e0), delta_train_loss=float(l1 - l0),
        gen_error=perturbed_gen_error(ref.m, ref.q, ref.b, ref.delta, ref.rho, sigma),
        train_error_0=float(e0), train_loss_0=float(l0), gen_error_0=float(ref.gen_error),
        m=ref.m, q=ref.q, V=ref.V, b=ref.b, converged=ref.converged, iterations=ref.iterations,
        residual=ref.residual)


def perturbed_gen_error(m, q, b, delta, rho, sigma):
    """``ρH((m+b)/√(Δq(1+σ²))) + (1-ρ)H((m-b)/√(Δq(1+σ²)))``."""
    s = math.sqrt(delta * q * (1.0 + sigma * sigma))
    return float(rho * H((m + b) / s) + (1.0 - rho) * H((m - b) / s))


def local_energy(loss, alpha, delta, lam, sigma, rho=0.5, bias=False, *, start=None, strict=True,
                 **erm_options):
    """Expected training error/loss and test error of the ERM minimiser under weight noise (docs/theory.md §6).

    Parameters
    ----------
    loss, alpha, delta, lam, rho, bias
        As in :func:`replica.gaussian_mixture.erm` (the minimiser is solved first).
    sigma : float
        Relative noise level σ ≥ 0 of the multiplicative perturbation ``w ⊙ (1 + σz)``.
    start : ERMResult or LocalEnergyResult, optional
        Warm start for the ERM fixed point.

    Returns
    -------
    LocalEnergyResult
        ``train_error``, ``train_loss`` (per sample) at σ, their increase over σ = 0
        ``delta_train_error``, ``delta_train_loss``, the perturbed classifier's ``gen_error``,
        the σ = 0 values and the minimiser's order parameters.
    """
    _check_sigma(sigma)
    ref = start if isinstance(start, ERMResult) else None
    if isinstance(start, LocalEnergyResult):
        ref = ERMResult(loss=start.loss, alpha=start.alpha, delta=start.delta, lam=start.lam,
                        rho=start.rho, bias=start.bias, m=start.m, q=start.q, V=start.V, b=start.b,
                        mhat=0.0, qhat=0.0, Vhat=0.0, gen_error=0.0, train_error=0.0, train_loss=0.0,
                        converged=True, iterations=0, residual=0.0)
    sol = erm(loss, alpha, delta, lam, rho, bias, start=ref, strict=strict, **erm_options)
    return energy_of(sol, sigma)
