"""Counting the solutions at distance d from a reference: thermodynamic integration at fixed distance (issue 10, 6c).

For a binary perceptron instance (``A = ξ/√N`` of shape (P, N), labels absorbed, margin κ, stabilities ``Δ_μ = A_μ·w``)
and a reference ``w̃ ∈ {±1}^N``, the local entropy at distance ``d = k/N`` is

    S_N(d) = (1/N) log #{w ∈ {±1}^N : Δ_μ(w) ≥ κ for all μ, Σ_i (1 - w_i w̃_i)/2 = k}.

With ``E(w)`` the number of violated patterns and ``Z(β) = Σ_{w at distance k} e^{-βE(w)}`` (so ``Z(0) = C(N, k)``
and ``Z(∞) = #solutions at distance k``), ``d log Z/dβ = -⟨E⟩_β`` gives

    log #solutions(k) = log C(N, k) - ∫_0^∞ ⟨E⟩_β dβ.                                                      (1)

``⟨E⟩_β`` is sampled by a Metropolis chain that keeps the distance fixed (a move swaps a flipped site back and
flips an unflipped one: the Kawasaki moves of the fixed-magnetisation Ising model), heated from β = 0 (where the
start, a uniformly random set of k flipped sites, is already an equilibrium draw) up to ``beta_max`` on a uniform
grid, each β equilibrated (``eq_sweeps``) before ``sweeps`` sweeps of measurement (a sweep is N attempted moves).
The integral is Simpson's rule on the grid; the tail beyond ``beta_max`` is ``∫_{β_max}^∞ ⟨E⟩ ≈ ⟨E⟩_{β_max}``
(for β large only E ∈ {0, 1} matters and ``⟨E⟩_β ≈ (n_1/n_0) e^{-β}``).  Checks reported with every count: the
integrand at ``beta_max`` (it must have decayed: a chain that cannot find solutions at distance k leaves ``⟨E⟩``
near 1 and the count diverges), Simpson on every second point (the β step doubled: the discretisation error), and
the spread over independent chains.  Why not a BP/AMP free entropy with a field coupled to w̃ (not tried): on a
single instance BP gives the Bethe (RS) approximation of the count and needs convergence on a dense, finite-N
factor graph; the TI is exact in law, and its only approximations (equilibration at each β, the grid) are the ones
checked by the numbers above.

Validated (tests/perceptron/test_local_entropy_count.py) against exhaustive enumeration at N ≤ 20 and an exact
combinatorial count for a few ±1 patterns at N = 1000.  The finite-N binomial prefactor: ``(1/N) log C(N, k) -
H₂(k/N) = -(1/2N) log(2π N d(1-d)) + ...``; :attr:`LocalEntropyCount.entropy_corrected` removes it so that a
count with no patterns gives H₂(d) exactly (the quantity compared with the N = ∞ theory).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from .._numba import kernel
from .large_deviation import binary_entropy

__all__ = ["LocalEntropyCount", "count_local_entropy", "log_binomial", "enumerate_counts"]


# ----------------------------------------------------------------------------------------- kernels
@kernel
def _seed(seed):
    np.random.seed(seed)


@kernel
def _violations(h, kappa):
    v = 0
    for mu in range(h.shape[0]):
        if h[mu] < kappa:
            v += 1
    return v


@kernel
def _chain(AT, w, flipped, kept, h, kappa, beta, eq_moves, moves):
    """Metropolis at inverse temperature β on ``E`` = #violated patterns, at fixed distance.

    ``flipped`` (k) / ``kept`` (N - k): the sites where ``w`` differs from / agrees with the reference; a move
    picks one of each and flips both (the distance is unchanged).  ``w``, ``flipped``, ``kept`` and the fields
    ``h = A w`` are updated in place.  Returns ``(⟨E⟩ over the last `moves` moves, acceptance rate)``."""
    k = flipped.shape[0]
    nk = kept.shape[0]
    p = AT.shape[1]
    e = _violations(h, kappa)
    if k == 0 or nk == 0:
        return float(e), 0.0
    acc = 0
    total = 0.0
    boltz = np.empty(p + 1)             # e^{-βΔE} for ΔE = 1 .. P
    for de in range(p + 1):
        boltz[de] = math.exp(-beta * de)
    for t in range(eq_moves + moves):
        a = np.random.randint(k)
        b = np.random.randint(nk)
        i = flipped[a]
        j = kept[b]
        si = 2.0 * w[i]
        sj = 2.0 * w[j]
        ri = AT[i]
        rj = AT[j]
        de = 0
        for mu in range(p):
            old = h[mu]
            new = old - si * ri[mu] - sj * rj[mu]
            de += (1 if new < kappa else 0) - (1 if old < kappa else 0)
        if de <= 0 or np.random.random() < boltz[de]:
            for mu in range(p):
                h[mu] = h[mu] - si * ri[mu] - sj * rj[mu]
            w[i] = -w[i]
            w[j] = -w[j]
            flipped[a] = j
            kept[b] = i
            e += de
            acc += 1
        if t >= eq_moves:
            total += e
    return total / max(moves, 1), acc / (eq_moves + moves)


@kernel
def _enumerate(A, w_ref, kappa):
    """Solutions at each distance k = 0..N from ``w_ref``, by enumerating all 2^N configurations (Gray code)."""
    p, n = A.shape
    counts = np.zeros(n + 1, dtype=np.int64)
    w = w_ref.copy()
    h = np.zeros(p)
    for mu in range(p):
        s = 0.0
        for i in range(n):
            s += A[mu, i] * w[i]
        h[mu] = s
    dist = 0
    for g in range(1 << n):
        if g > 0:                       # Gray code: flip the lowest set bit of g
            i = 0
            while (g >> i) & 1 == 0:
                i += 1
            s = 2.0 * w[i]
            for mu in range(p):
                h[mu] -= s * A[mu, i]
            w[i] = -w[i]
            dist += 1 if w[i] != w_ref[i] else -1
        ok = True
        for mu in range(p):
            if h[mu] < kappa:
                ok = False
                break
        if ok:
            counts[dist] += 1
    return counts


# ----------------------------------------------------------------------------------------- API
def log_binomial(n, k):
    """log C(n, k) (gammaln)."""
    return float(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))


def enumerate_counts(A, w_ref, kappa=0.0):
    """Exact ``#{solutions at Hamming distance k from w_ref}`` for k = 0..N by exhaustive enumeration (N ≤ 26)."""
    A = np.ascontiguousarray(A, dtype=float)
    n = A.shape[1]
    if n > 26:
        raise ValueError(f"enumeration needs n_features <= 26; got {n}")
    return _enumerate(A, np.asarray(w_ref, dtype=float).copy(), float(kappa))


def _simpson(x, f):
    """Composite Simpson on a uniform grid with an even number of intervals."""
    h = x[1] - x[0]
    return h / 3.0 * (f[0] + f[-1] + 4.0 * f[1:-1:2].sum() + 2.0 * f[2:-1:2].sum())


@dataclass(frozen=True)
class LocalEntropyCount:
    """(1/N) log #solutions at distance d = k/N from a reference, by thermodynamic integration (module docstring).

    ``entropy`` is the mean over ``chains`` independent chains and ``err`` their standard error (NaN for one
    chain); ``entropy_coarse`` the same with the β step doubled (Simpson on every second grid point) — the
    discretisation error is ``|entropy - entropy_coarse|``/15 or less (Simpson is O(h⁴)); ``tail`` the part of
    ``∫⟨E⟩dβ/N`` beyond ``beta_max`` (⟨E⟩ at beta_max, over N); ``energy`` (chains, len(betas)) the integrand ⟨E⟩_β."""

    n_features: int
    k: int
    d: float
    kappa: float
    entropy: float              # (1/N) [log C(N, k) - ∫⟨E⟩dβ], mean over chains
    err: float                  # standard error over chains
    entropy_coarse: float       # the β step doubled
    entropy_corrected: float    # entropy - [(1/N) log C(N, k) - H₂(k/N)]: a pattern-free count gives H₂(d) exactly
    tail: float                 # (1/N) ⟨E⟩_{β_max}, included in entropy
    betas: np.ndarray
    energy: np.ndarray          # ⟨E⟩_β per chain
    acceptance: np.ndarray      # acceptance rate per chain at each β
    per_chain: tuple            # entropy of each chain

    @property
    def discretisation(self):
        """|entropy - entropy_coarse|: an upper bound of the grid error of the fine Simpson rule (≈ 16×)."""
        return abs(self.entropy - self.entropy_coarse)


def count_local_entropy(A, w_ref, d, kappa=0.0, *, beta_max=12.0, n_beta=49, eq_sweeps=50, sweeps=200, chains=2,
                        rng=None):
    """Local entropy (1/N) log #{w solution: Hamming distance k = round(dN) from ``w_ref``} by eq. (1).

    Parameters
    ----------
    A : (P, N) array, the patterns ``ξ/√N`` (stability ``Δ_μ = A_μ·w``).
    w_ref : (N,) ±1 reference.
    d : distance in (0, 1) (k = round(dN) flipped sites, at least 1).
    kappa : margin.
    beta_max, n_beta : the uniform β grid ``linspace(0, beta_max, n_beta)`` (n_beta odd, ≥ 5: Simpson with h and 2h).
    eq_sweeps, sweeps : equilibration and measurement sweeps (N moves each) at each β.
    chains : independent chains (each heated from its own random start at β = 0).
    rng : seed or Generator (the numba kernels are seeded from it).

    Returns
    -------
    LocalEntropyCount
    """
    A = np.asarray(A, dtype=float)
    if A.ndim != 2:
        raise ValueError(f"A must be a (P, N) array; got shape {A.shape}")
    p, n = A.shape
    w_ref = np.asarray(w_ref, dtype=float)
    if w_ref.shape != (n,) or not np.all(np.abs(w_ref) == 1.0):
        raise ValueError(f"w_ref must be a ±1 vector of length N = {n}")
    if not (0.0 < d < 1.0):
        raise ValueError(f"d must be in (0, 1); got {d!r}")
    k = int(round(d * n))
    if not (1 <= k <= n - 1):
        raise ValueError(f"d must give 1 <= round(d N) <= N - 1; got d = {d!r}, N = {n}")
    if not (isinstance(n_beta, (int, np.integer)) and n_beta >= 5 and n_beta % 4 == 1):
        raise ValueError(f"n_beta must be an integer >= 5 with n_beta = 1 mod 4 (Simpson with the step doubled); "
                         f"got {n_beta!r}")
    if not (math.isfinite(beta_max) and beta_max > 0):
        raise ValueError(f"beta_max must be a finite number > 0; got {beta_max!r}")
    if not (isinstance(chains, (int, np.integer)) and chains >= 1):
        raise ValueError(f"chains must be an integer >= 1; got {chains!r}")
    rng = np.random.default_rng(rng)
    betas = np.linspace(0.0, float(beta_max), int(n_beta))
    AT = np.ascontiguousarray(A.T)
    energy = np.empty((chains, betas.size))
    accept = np.empty((chains, betas.size))
    for c in range(chains):
        _seed(int(rng.integers(2**31 - 1)))
        perm = rng.permutation(n)
        flipped, kept = perm[:k].astype(np.int64), perm[k:].astype(np.int64)
        w = w_ref.copy()
        w[flipped] = -w[flipped]
        for b, beta in enumerate(betas):
            h = A @ w                    # fresh fields at each β: no drift of the running sums
            energy[c, b], accept[c, b] = _chain(AT, w, flipped, kept, h, float(kappa), float(beta),
                                                int(eq_sweeps) * n, int(sweeps) * n)
    lb = log_binomial(n, k)
    fine = np.array([lb - _simpson(betas, e) - e[-1] for e in energy]) / n
    coarse = np.array([lb - _simpson(betas[::2], e[::2]) - e[-1] for e in energy]) / n
    s = float(fine.mean())
    err = float(fine.std(ddof=1) / math.sqrt(chains)) if chains > 1 else math.nan
    return LocalEntropyCount(
        n_features=n, k=k, d=k / n, kappa=float(kappa), entropy=s, err=err, entropy_coarse=float(coarse.mean()),
        entropy_corrected=s - (lb / n - float(binary_entropy(k / n))), tail=float(energy[:, -1].mean() / n),
        betas=betas, energy=energy, acceptance=accept, per_chain=tuple(float(v) for v in fine))
