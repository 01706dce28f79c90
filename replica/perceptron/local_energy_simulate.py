"""Direct measurement of the local energy of perceptron solutions (issue 10, part 6a).

Patterns ``A = ξ/√N`` with ``ξ ~ N(0, I_N)`` (labels absorbed), ``P = round(αN)``; stabilities of a
configuration w are ``Δ_μ = A_μ·w √N/|w|``.  The local energy of w is measured directly,

    δε = E_noise (1/P) #{μ : Δ'_μ < κ} - (1/P) #{μ : Δ_μ < κ},

averaged over ``n_draws`` noise draws (spherical: ``w ⊙ (1 + σε)``; binary: independent flips with
probability p), and reported next to the per-pattern formula ``(1/P) Σ_μ [H(c0 + c1Δ_μ) - θ(κ - Δ_μ)]``
evaluated on the solution's own stabilities (``formula``): the difference of those two checks the noise
formula alone, the difference of the measurement and :func:`replica.perceptron.local_energy` checks the
stability law as well.  Solutions:

* ``typical`` (spherical, κ̃ = 0) — *exact* samples: a direction uniform on the sphere among the
  solutions is the direction of a standard Gaussian vector conditioned on the polyhedral cone
  ``A w ≥ 0`` (the Gaussian is radial and the cone scale-free).  That truncated Gaussian is sampled by
  exact Hamiltonian Monte Carlo (Pakman & Paninski 2014: harmonic trajectories, reflections on the walls
  computed in closed form), started from the least-norm solution of ``A w = 1``; burn-in and spacing in
  trajectories are parameters.  (Coordinate-wise Gibbs sampling was tried first: it decorrelates far more
  slowly.)  The overlap of consecutive samples of the chain is returned (``overlap``): it equals the Gardner
  q only if the chain decorrelates between samples (exact HMC does so within one trajectory of length π/2).
* ``max_margin`` (spherical) — the hard-margin SVM without bias, solved exactly through its dual
  ``min_{β≥0} ½βᵀKβ - Σβ`` with ``K = AAᵀ = LLᵀ`` as a non-negative least-squares problem
  ``min_{β≥0} |Lᵀβ - L⁻¹1|²`` (scipy's active-set NNLS); needs P < N (α < 1) for K to be invertible.
* ``hinge``, ``cross_entropy``, ``logistic`` — the certified sphere minimisers of
  :func:`replica.perceptron.simulate.minimize_on_sphere`.
* ``typical`` binary — simulated annealing on ``Σ_μ max(0, κ̃ - Δ_μ)`` (±1 weights), run until no
  pattern has ``Δ < κ̃``.  SA does **not** sample solutions uniformly: it is known to end in dense,
  atypical regions (Baldassi et al. 2015/2016), so its solutions are compared with the typical law only
  qualitatively; the noise formula is checked on them exactly (``formula``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from scipy.optimize import nnls

from .._numba import kernel
from .._simulation import over_seeds, sizes_and_seeds
from ..saddle_point.special import H_ufunc
from .local_energy import noise_coefficients
from .simulate import Estimate, minimize_on_sphere, sample_patterns

__all__ = ["LocalEnergySimulation", "measure_local_energy", "max_margin", "sample_typical_spherical",
           "anneal_binary", "simulate_local_energy", "SIM_REFERENCES"]

SIM_REFERENCES = ("typical", "max_margin", "hinge", "cross_entropy", "logistic")


# ----------------------------------------------------------------------------------------- measurement
def measure_local_energy(A, w, weights, noise, kappa=0.0, n_draws=50, rng=None):
    """``(measured δε, formula δε, train_error_0)`` of one configuration at one noise level.

    ``noise`` is σ (spherical) or p (binary); the measurement averages ``n_draws`` draws.  The formula is
    evaluated on the configuration's own stabilities (binary: at each draw's realised flip fraction k/N).
    """
    rng = np.random.default_rng(rng)
    A = np.asarray(A, dtype=float)
    w = np.asarray(w, dtype=float)
    n = w.shape[0]
    delta = A @ w * (math.sqrt(n) / np.linalg.norm(w))
    err0 = float(np.mean(delta < kappa))
    if weights == "spherical":
        W = w[None, :] * (1.0 + noise * rng.standard_normal((n_draws, n)))
        coefficients = [noise_coefficients("spherical", kappa, sigma=float(noise))]
    else:
        flips = rng.random((n_draws, n)) < noise
        W = w[None, :] * np.where(flips, -1.0, 1.0)
        # given the flipped set F (k = |F| weights), (Δ, Σ_F w_i ξ_i/√N) are jointly Gaussian over patterns, so
        # the formula holds exactly at p = k/N; at fixed p it holds only as pN → ∞ (E√k ≠ √(pN) for small pN)
        coefficients = [noise_coefficients("binary", kappa, flip_p=min(k / n, 0.5)) for k in flips.sum(axis=1)]
    fields = (W @ A.T) * (math.sqrt(n) / np.linalg.norm(W, axis=1))[:, None]
    measured = float(np.mean(fields < kappa)) - err0
    formula = float(np.mean([np.mean(H_ufunc(c0 + c1 * delta)) if math.isfinite(c1) else err0
                             for c0, c1 in coefficients])) - err0
    return measured, formula, err0


# ----------------------------------------------------------------------------------------- solvers
def max_margin(A):
    """Max-margin direction ``w`` (|w|² = N) of the patterns A (P < N) and its margin κ_max = min Δ."""
    A = np.asarray(A, dtype=float)
    p, n = A.shape
    if not p < n:
        raise ValueError(f"max_margin needs fewer patterns than weights (alpha < 1); got P={p}, N={n}")
    c, lower = cho_factor(A @ A.T, lower=True)
    L = np.tril(c)
    b = solve_triangular(L, np.ones(p), lower=True)
    beta, _ = nnls(L.T, b, maxiter=50 * p)
    w = A.T @ beta
    w *= math.sqrt(n) / np.linalg.norm(w)
    return w, float(np.min(A @ w))


@kernel
def _seed(seed):
    np.random.seed(seed)


@kernel
def _hmc_trajectories(A, K, w, n_traj, max_bounces):
    """Exact HMC (Pakman & Paninski 2014) for ``N(0, I)`` conditioned on ``A w ≥ 0``; updates w in place.

    Hamiltonian motion under the Gaussian is harmonic, ``w(t) = w cos t + v sin t``; a constraint's field
    ``f_μ(t) = h_μ cos t + g_μ sin t`` (h = Aw, g = Av) reaches 0 from above at ``t = φ_μ + π/2 (mod 2π)``,
    ``φ_μ = atan2(g_μ, h_μ)``; there the velocity is reflected on the wall, ``v ← v - 2(a_j·v)a_j/|a_j|²``
    (``g ← g - 2 g_j K[:, j]/K_jj`` with ``K = AAᵀ``).  Each trajectory lasts π/2 with a fresh v ~ N(0, I).
    Returns the total number of bounces (-1 if a trajectory hit max_bounces: then w is left unchanged).
    """
    p, n = A.shape
    bounces = 0
    for _ in range(n_traj):
        v = np.random.standard_normal(n)
        x = w.copy()
        h = A @ x
        g = A @ v
        left = 0.5 * math.pi
        count = 0
        while True:
            tmin = np.inf
            j = -1
            for mu in range(p):
                t = math.atan2(g[mu], h[mu]) + 0.5 * math.pi
                if t < 0.0:
                    t += 2.0 * math.pi
                if t > 1e-10 and t < tmin:
                    tmin = t
                    j = mu
            if tmin >= left:
                x = x * math.cos(left) + v * math.sin(left)
                break
            c, s = math.cos(tmin), math.sin(tmin)
            x, v = x * c + v * s, v * c - x * s
            h, g = h * c + g * s, g * c - h * s
            coef = 2.0 * g[j] / K[j, j]
            v = v - coef * A[j]
            g = g - coef * K[:, j]
            h[j] = 0.0
            left -= tmin
            count += 1
            if count >= max_bounces:
                return -1
        w[:] = x
        bounces += count
    return bounces


def sample_typical_spherical(A, n_samples=1, burn_in=10, spacing=5, rng=None, start=None, max_bounces=100_000):
    """Directions uniform among the spherical solutions ``A w ≥ 0``, rows of shape (n_samples, N), |w|² = N.

    Exact HMC of the Gaussian conditioned on the cone (module docstring) from ``start`` (default: the
    least-norm solution of ``A w = 1``, strictly inside the cone; needs P < N); ``burn_in`` trajectories,
    then one sample every ``spacing`` trajectories.
    """
    A = np.ascontiguousarray(A, dtype=float)
    n = A.shape[1]
    rng = np.random.default_rng(rng)
    _seed(int(rng.integers(2**31 - 1)))
    if start is None:  # the least-norm solution of A w = 1: every stability 1/|w| > 0, inside the cone
        if not A.shape[0] < n:
            raise ValueError(f"sample_typical_spherical needs a start when P >= N; got P={A.shape[0]}, N={n}")
        w = A.T @ cho_solve(cho_factor(A @ A.T), np.ones(A.shape[0]))
    else:
        w = np.array(start, dtype=float)
    if np.any(A @ w < 0):
        raise ValueError("sample_typical_spherical: the start is not a solution (A w >= 0)")
    K = A @ A.T
    out = np.empty((n_samples, n))
    for k in range(n_samples):
        if _hmc_trajectories(A, K, w, int(burn_in if k == 0 else spacing), int(max_bounces)) < 0:
            raise RuntimeError(f"sample_typical_spherical: a trajectory exceeded {max_bounces} bounces")
        if np.any(A @ w < -1e-9):
            raise RuntimeError("sample_typical_spherical: the chain left the cone (rounding)")
        out[k] = w * math.sqrt(n) / np.linalg.norm(w)
    return out


@kernel
def _anneal(AT, w, h, kappa, beta0, beta1, max_sweeps):
    """Metropolis on ``E = Σ_μ max(0, κ - h_μ)`` (±1 weights), β growing geometrically from beta0 to beta1 over
    max_sweeps; stops when no pattern is violated.  Returns (violated, sweeps)."""
    n, p = AT.shape
    violated = 0
    for mu in range(p):
        if h[mu] < kappa:
            violated += 1
    ratio = (beta1 / beta0) ** (1.0 / max(max_sweeps - 1, 1))
    beta = beta0
    for sweep in range(max_sweeps):
        if violated == 0:
            return violated, sweep
        for _ in range(n):
            i = np.random.randint(n)
            a = AT[i]
            s = 2.0 * w[i]
            de = 0.0
            dv = 0
            for mu in range(p):
                old = h[mu]
                new = old - s * a[mu]
                de += max(0.0, kappa - new) - max(0.0, kappa - old)
                dv += int(new < kappa) - int(old < kappa)
            if de <= 0.0 or np.random.random() < math.exp(-beta * de):
                w[i] = -w[i]
                for mu in range(p):
                    h[mu] -= s * a[mu]
                violated += dv
                if violated == 0:
                    return violated, sweep + 1
        beta *= ratio
    return violated, max_sweeps


def anneal_binary(A, kappa=0.0, rng=None, beta0=20.0, beta1=200.0, max_sweeps=1000):
    """A ±1 solution with all stabilities ≥ κ, by simulated annealing on the hinge energy
    ``Σ_μ max(0, κ - Δ_μ)`` (the counting energy's landscape is too rough for SA at these sizes); not a
    uniform sample of the solutions."""
    A = np.asarray(A, dtype=float)
    n = A.shape[1]
    rng = np.random.default_rng(rng)
    _seed(int(rng.integers(2**31 - 1)))
    w = rng.choice([-1.0, 1.0], size=n)
    AT = np.ascontiguousarray(A.T)
    h = A @ w
    violated, sweeps = _anneal(AT, w, h, kappa, beta0, beta1, int(max_sweeps))
    if violated:
        raise RuntimeError(f"anneal_binary: no solution after {sweeps} sweeps ({violated} patterns left)")
    return w


# ----------------------------------------------------------------------------------------- experiment
@dataclass(frozen=True)
class LocalEnergySimulation:
    """Mean ± standard error over instances (seeds); one Estimate per noise level."""

    reference: str
    weights: str
    alpha: float
    kappa: float
    kappa_ref: float
    n_features: int
    n_samples: int
    seeds: tuple
    noise: tuple                 # σ (spherical) or p (binary)
    delta_train_error: tuple     # measured δε per noise level
    formula: tuple               # (1/P)Σ[H(c0 + c1Δ_μ) - θ(κ - Δ_μ)] on the solutions' own stabilities
    train_error_0: Estimate
    min_stability: Estimate      # smallest stability (max-margin: the margin κ_max)
    overlap: Estimate            # typical spherical: overlap of consecutive chain samples (→ Gardner q); else NaN


def simulate_local_energy(reference, alpha, noise, *, weights="spherical", kappa=0.0, kappa_ref=0.0,
                          n_features=1000, seeds=range(10), n_draws=50, n_solutions=1, burn_in=4, spacing=2,
                          progress=None, **loss_params):
    """Measure δε at each noise level on solutions found on independent pattern sets (one per seed).

    reference: typical (spherical: exact HMC samples at κ̃ = 0; binary: SA solutions with margin
    ``kappa_ref``), max_margin (spherical, α < 1), hinge / cross_entropy / logistic (spherical).
    ``n_solutions`` samples per instance for typical spherical (averaged within the instance).
    """
    if reference not in SIM_REFERENCES:
        raise ValueError(f"reference must be one of {', '.join(SIM_REFERENCES)}; got {reference!r}")
    if weights == "binary" and reference != "typical":
        raise ValueError(f"binary weights: only reference=typical (simulated annealing); got {reference!r}")
    if reference == "typical" and weights == "spherical" and kappa_ref != 0.0:
        raise ValueError(f"typical spherical samples need kappa_ref = 0 (the cone); got {kappa_ref}")
    n_features, n_samples, seeds = sizes_and_seeds(alpha, n_features, seeds)
    noise = tuple(float(v) for v in np.atleast_1d(noise))
    rows = dict(meas=[], form=[], err0=[], minst=[], overlap=[])
    for seed in over_seeds(seeds, f"local energy {reference} α={alpha:g}", progress):
        rng = np.random.default_rng(seed)
        A = sample_patterns(n_samples, n_features, rng)
        overlap = math.nan
        if reference == "max_margin":
            sols = [max_margin(A)[0]]
        elif reference == "typical" and weights == "spherical":
            sols = list(sample_typical_spherical(A, max(n_solutions, 2), burn_in, spacing, rng))
            overlap = float(np.mean([a @ b for a, b in zip(sols[:-1], sols[1:])])) / n_features
            sols = sols[:n_solutions]
        elif reference == "typical":
            sols = [anneal_binary(A, kappa_ref, rng)]
        else:
            sols = [minimize_on_sphere(A, reference, **loss_params).w]
        meas = np.zeros(len(noise))
        form = np.zeros(len(noise))
        for w in sols:
            for k, v in enumerate(noise):
                m, f, e0 = measure_local_energy(A, w, weights, v, kappa, n_draws, rng)
                meas[k] += m / len(sols)
                form[k] += f / len(sols)
        rows["meas"].append(meas)
        rows["form"].append(form)
        rows["err0"].append(np.mean([np.mean(A @ w * math.sqrt(n_features) / np.linalg.norm(w) < kappa)
                                     for w in sols]))
        rows["minst"].append(np.mean([np.min(A @ w) * math.sqrt(n_features) / np.linalg.norm(w) for w in sols]))
        rows["overlap"].append(overlap)
    meas, form = np.array(rows["meas"]), np.array(rows["form"])
    return LocalEnergySimulation(
        reference=reference, weights=weights, alpha=float(alpha), kappa=float(kappa), kappa_ref=float(kappa_ref),
        n_features=n_features, n_samples=n_samples, seeds=seeds, noise=noise,
        delta_train_error=tuple(Estimate.of(meas[:, k]) for k in range(len(noise))),
        formula=tuple(Estimate.of(form[:, k]) for k in range(len(noise))),
        train_error_0=Estimate.of(rows["err0"]), min_stability=Estimate.of(rows["minst"]),
        overlap=Estimate.of(rows["overlap"]))
