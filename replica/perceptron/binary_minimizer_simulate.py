"""Simulated annealing for the minimal loss of a binary-weight perceptron (the check of e(β_s), docs/theory.md §10).

Patterns ξ^μ ~ N(0, I_N) (labels absorbed), stabilities ``Δ_μ = w·ξ^μ/√N``, w ∈ {±1}^N, P = round(αN);
energy per pattern ``E(w)/P = (1/P) Σ_μ ℓ(Δ_μ)`` with the package's losses (cross-entropy
``ℓ_γ(Δ) = ln(1 + e^{-2γΔ})/(2γ)``, hinge, error counting).  Single-spin-flip Metropolis with the fields
and the per-pattern losses kept up to date (O(P) per proposal), a geometric schedule in β over
``sweeps`` sweeps, then zero-temperature sweeps until no single flip lowers the energy (a local minimum
under one flip).  SA returns an *upper bound* on each instance's minimum; :func:`min_energy` reports mean ±
standard error over instances, :func:`extrapolate` fits ``e_N = e_∞ + c/N``.
"""

import math

import numpy as np

from .._numba import kernel
from .._simulation import over_seeds, sizes_and_seeds
from .binary_reference import loss_spec
from .loss_channel import channel_loss


@kernel
def _anneal(xi, kind, param, w, beta0, beta1, sweeps, seed):
    """Anneal w (modified in place) on patterns ``xi`` (N×P); returns the final energy per pattern."""
    np.random.seed(seed)
    n, p = xi.shape
    scale = 1.0 / math.sqrt(n)
    h = np.zeros(p)
    for i in range(n):
        for m in range(p):
            h[m] += w[i] * xi[i, m] * scale
    ell = np.empty(p)
    for m in range(p):
        ell[m] = channel_loss(kind, param, h[m])
    new = np.empty(p)
    total_sweeps = sweeps
    ratio = (beta1 / beta0) ** (1.0 / max(total_sweeps - 1, 1))
    beta = beta0
    for s in range(total_sweeps + 1000):
        zero_t = s >= total_sweeps
        improved = False
        for _ in range(n):
            i = np.random.randint(n)
            step = -2.0 * w[i] * scale
            de = 0.0
            for m in range(p):
                v = channel_loss(kind, param, h[m] + step * xi[i, m])
                new[m] = v
                de += v - ell[m]
            if de < 0.0 or (not zero_t and np.random.random() < math.exp(-beta * de)):
                if de < -1e-12:
                    improved = True
                w[i] = -w[i]
                for m in range(p):
                    h[m] += step * xi[i, m]
                    ell[m] = new[m]
        if not zero_t:
            beta *= ratio
        elif not improved:
            break
    total = 0.0
    for m in range(p):   # recompute from scratch: no drift from the incremental updates
        hm = 0.0
        for i in range(n):
            hm += w[i] * xi[i, m] * scale
        total += channel_loss(kind, param, hm)
    return total / p


def anneal(loss, alpha, n, seed, *, sweeps=500, beta0=0.5, beta1=None, **loss_params):
    """One instance: patterns and start drawn from ``seed``; returns the SA energy per pattern (an upper bound
    on the instance's minimum).  ``beta1`` defaults to 2000/ (loss scale) — well past any β_s of interest."""
    kind, param = loss_spec(loss, loss_params)
    n, p, _ = sizes_and_seeds(alpha, n, (seed,))
    rng = np.random.default_rng(seed)
    xi = rng.standard_normal((n, p))
    w = rng.choice(np.array([-1.0, 1.0]), size=n)
    return float(_anneal(xi, kind, param, w, beta0, 2000.0 if beta1 is None else beta1, int(sweeps),
                         int(rng.integers(2 ** 31))))


def min_energy(loss, alpha, n, seeds, *, progress=None, **options):
    """Mean and standard error of the SA minimum over instances ``seeds``: ``(mean, se, values)``."""
    values = np.array([anneal(loss, alpha, n, s, **options)
                       for s in over_seeds(sizes_and_seeds(alpha, n, seeds)[2], f"SA N={n}", progress)])
    se = values.std(ddof=1) / math.sqrt(len(values)) if len(values) > 1 else math.nan
    return float(values.mean()), float(se), values


def extrapolate(ns, means, ses):
    """Weighted least-squares fit ``e_N = e_∞ + c/N``; returns ``(e_∞, se(e_∞), c)``."""
    x = 1.0 / np.asarray(ns, dtype=float)
    y = np.asarray(means, dtype=float)
    wts = 1.0 / np.asarray(ses, dtype=float) ** 2
    A = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(A.T @ (A * wts[:, None]))
    coef = cov @ (A.T @ (wts * y))
    return float(coef[0]), float(math.sqrt(cov[0, 0])), float(coef[1])
