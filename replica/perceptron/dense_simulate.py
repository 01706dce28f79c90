"""A dense-region finder for the binary perceptron: replicated simulated annealing (issue 10, part 6c).

The robust-ensemble scheme of Baldassi et al. (PNAS 2016): y replicas ``w^a ∈ {±1}^N`` of the storage problem,
coupled through a centre ``w̃`` that is traced out,

    P({w^a}) ∝ Π_a e^{-β E(w^a)} Σ_w̃ e^{γ Σ_a w̃·w^a} = Π_a e^{-β E(w^a)} Π_i 2cosh(γ m_i),   m_i = Σ_a w_i^a,

with the hinge energy ``E(w) = Σ_μ max(0, κ - Δ_μ)``, ``Δ_μ = w·ξ^μ/√N`` (the error-counting energy stalls at these
sizes; ``local_energy_simulate.anneal_binary`` is the y = 1 case).  γ is an entropic field (not multiplied by β): at
β = ∞ (every replica a solution) the measure is the finite-y large-deviation measure ``Σ_w̃ N_γ(w̃)^y`` of docs/theory.md §8
in its Legendre form — γ is the distance field Ŝ, fixed, instead of the distance d.  (With the coupling scaled by β,
as ``log 2cosh(βγ m_i)``, the replicas collapse onto one configuration as soon as βγ ≈ 2 and then freeze as plain SA
does: tried first.)  Two phases, seeded (:func:`replicated_anneal`):

1. **annealing with scoping**: Metropolis single-spin moves (replica and site drawn at random; the energy change in
   O(P) from the local fields, the coupling change ``log 2cosh(γ(m_i - 2w_i^a)) - log 2cosh(γ m_i)``), β and γ
   growing geometrically from (β0, γ0) = (5, 0.5) to (β1, γ1) = (200, 1.5) over ``anneal_sweeps`` sweeps of y·N
   moves, continued at (β1, γ1) until every replica is a solution (``stop="replicas"``) or only until the majority
   centre is one (``stop="centre"``, PNAS 2016's criterion; it comes first: at α = 0.5, N = 1000 after ~650 sweeps
   against ~1000 for all replicas, and at α = 0.6 it is the only one reached, with γ1 = 2.5 and 3000 sweeps);
2. **sampling inside the solution space**: the same moves at β = ∞ (a move that would violate a pattern is
   rejected) and a fixed γ, started from the phase-1 replicas or from the phase-1 centre copied into every
   replica — a Markov chain whose stationary law is the finite-y measure above restricted to solutions, so that the
   replicas stop being "the first solutions found" (which sit on the border of the solution space) and relax inside
   the region.  At α = 0.5, y = 7, γ = 1 both starts reach the same distance (d ≈ 0.041) within ~250 sweeps.

The clipped centre is the majority vote ``w̄ = sign(m)`` (y odd: no ties) — what an algorithm returns — and the
measure's own centre w̃ has the conditional law ``P(w̃_i) ∝ e^{γ w̃_i m_i}`` given the replicas.
:func:`simulate_dense_regions` measures, per instance (one pattern set per seed): the replica–centre distance d, the
replica–replica overlap q1, the centres' fractions of violated patterns, and the local energy δε(p) (independent
flips with probability p, :func:`local_energy_simulate.measure_local_energy`) of the majority centre and of the
replicas; :func:`compare_with_theory` lays the y = ∞ theory (:mod:`.ld_local_energy`) and the finite-y theory at the
same y (:mod:`.ld_finite_laws`) beside them at the d reached.

``replica/entropic/storage.py`` (DESIGN: binary-weight storage experiments) can wrap :func:`replicated_anneal`
(y = 1 is plain simulated annealing on the hinge energy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom

from .._numba import kernel
from .._simulation import over_seeds, sizes_and_seeds
from ..saddle_point.special import log_2cosh
from .local_energy_simulate import measure_local_energy
from .simulate import Estimate, sample_patterns

__all__ = ["RSAState", "replicated_anneal", "DenseRegionSimulation", "simulate_dense_regions",
           "compare_with_theory", "binomial_average"]


# ----------------------------------------------------------------------------------------- kernels
@kernel
def _seed(seed):
    np.random.seed(seed)


@kernel
def _hinge(h, kappa):
    e = 0.0
    v = 0
    for mu in range(h.shape[0]):
        if h[mu] < kappa:
            e += kappa - h[mu]
            v += 1
    return e, v


@kernel
def _centre_violations(AT, m, kappa):
    """Patterns violated by the majority centre sign(m) (ties → +1)."""
    n, p = AT.shape
    f = np.zeros(p)
    for i in range(n):
        c = 1.0 if m[i] >= 0.0 else -1.0
        for mu in range(p):
            f[mu] += c * AT[i, mu]
    v = 0
    for mu in range(p):
        if f[mu] < kappa:
            v += 1
    return v


@kernel
def _anneal_phase(AT, W, Hf, m, kappa, beta0, beta1, gamma0, gamma1, sweeps, extra, stop_on_centre):
    """Phase 1 (module docstring): updates W (y, N), the fields Hf (y, P) and m (N) in place.

    The coupling enters as ``log 2cosh(βγ m_i)`` (the centre coupled with strength γ in energy units, as the
    data): at β → ∞ the replicas minimise ``Σ_a E(w^a) - γ Σ_i |m_i|``.  Returns ``(sweeps done, violated
    patterns summed over replicas at the end)``."""
    y, n = W.shape
    p = AT.shape[1]
    viol = np.zeros(y, dtype=np.int64)
    for a in range(y):
        viol[a] = _hinge(Hf[a], kappa)[1]
    rb = (beta1 / beta0) ** (1.0 / max(sweeps - 1, 1))
    rg = (gamma1 / gamma0) ** (1.0 / max(sweeps - 1, 1))
    beta, gamma = beta0, gamma0
    done = 0
    for sweep in range(sweeps + extra):
        if sweep >= sweeps:
            beta, gamma = beta1, gamma1
        if viol.sum() == 0 and sweep >= sweeps:
            break
        if stop_on_centre and sweep > 0 and _centre_violations(AT, m, kappa) == 0:
            break
        bg = gamma
        for _ in range(y * n):
            a = np.random.randint(y)
            i = np.random.randint(n)
            s = 2.0 * W[a, i]
            row = AT[i]
            h = Hf[a]
            de = 0.0
            for mu in range(p):
                old = h[mu]
                new = old - s * row[mu]
                de += max(0.0, kappa - new) - max(0.0, kappa - old)
            mi = m[i]
            x = -beta * de + log_2cosh(bg * (mi - s)) - log_2cosh(bg * mi)
            if x >= 0.0 or np.random.random() < math.exp(x):
                W[a, i] = -W[a, i]
                m[i] = mi - s
                v = 0
                for mu in range(p):
                    h[mu] -= s * row[mu]
                    if h[mu] < kappa:
                        v += 1
                viol[a] = v
        done = sweep + 1
        if sweep < sweeps:
            beta *= rb
            gamma *= rg
    return done, viol.sum()


@kernel
def _sample_phase(AT, W, Hf, m, kappa, gamma, sweeps):
    """Phase 2: β = ∞ (moves violating a pattern are rejected), fixed γ.  Returns the acceptance rate.

    m_i takes the values -y, -y+2, ..., y: the coupling's acceptance probability ``min(1, cosh(γ(m_i - 2w))/
    cosh(γ m_i))`` is tabulated once; the O(P) constraint check runs only for moves the coupling accepts."""
    y, n = W.shape
    p = AT.shape[1]
    table = np.empty((2 * y + 1, 2))        # [m + y, (w + 1)/2]
    for k in range(2 * y + 1):
        mk = k - y
        for j in range(2):
            w = 2.0 * j - 1.0
            table[k, j] = min(1.0, math.exp(log_2cosh(gamma * (mk - 2.0 * w)) - log_2cosh(gamma * mk)))
    accepted = 0
    for sweep in range(sweeps):
        for _ in range(y * n):
            a = np.random.randint(y)
            i = np.random.randint(n)
            wi = W[a, i]
            mi = m[i]
            if np.random.random() >= table[int(mi) + y, 1 if wi > 0.0 else 0]:
                continue
            s = 2.0 * wi
            row = AT[i]
            h = Hf[a]
            ok = True
            for mu in range(p):
                if h[mu] - s * row[mu] < kappa:
                    ok = False
                    break
            if ok:
                W[a, i] = -wi
                m[i] = mi - s
                for mu in range(p):
                    h[mu] -= s * row[mu]
                accepted += 1
    return accepted / max(1, sweeps * y * n)


# ----------------------------------------------------------------------------------------- algorithm
@dataclass(frozen=True)
class RSAState:
    """Replicas (y, N) and their clipped centre after both phases, and the run's record."""

    replicas: np.ndarray
    centre: np.ndarray          # majority vote sign(Σ_a w^a) of the final replicas
    found: np.ndarray           # the phase-1 centre (the configuration phase 2 started from, if stop="centre")
    anneal_sweeps: int          # sweeps of phase 1 actually run
    acceptance: float           # acceptance rate of phase 2 (NaN if not run)
    solved: bool                # every final replica satisfies every pattern


def replicated_anneal(A, y=7, kappa=0.0, *, beta0=5.0, beta1=200.0, gamma0=0.5, gamma1=1.5, anneal_sweeps=1000,
                      extra_sweeps=500, stop="centre", gamma_sample=None, sample_sweeps=0, rng=None, start=None):
    """Replicated simulated annealing (module docstring) on the patterns ``A = ξ/√N`` (P, N).

    Phase 1: ``y`` replicas (odd: the majority centre has no ties), margin κ, β0 → β1 and γ0 → γ1 (geometric) over
    ``anneal_sweeps``, then at most ``extra_sweeps`` at (β1, γ1).  ``stop="centre"`` ends it as soon as the
    majority centre is a solution (PNAS 2016's criterion), ``stop="replicas"`` once the schedule is done and every
    replica is a solution.  Phase 2 (``sample_sweeps`` > 0): β = ∞, fixed ``gamma_sample`` (default γ1), started
    from the phase-1 centre copied into every replica (``stop="centre"``) or from the replicas.  ``start``: initial
    replicas (y, N), default independent random ±1.  Returns an :class:`RSAState`.
    """
    A = np.asarray(A, dtype=float)
    p, n = A.shape
    if not (isinstance(y, (int, np.integer)) and y >= 1 and y % 2 == 1):
        raise ValueError(f"y must be an odd integer >= 1 (the majority centre must have no ties); got {y!r}")
    if stop not in ("centre", "replicas"):
        raise ValueError(f"stop must be 'centre' or 'replicas'; got {stop!r}")
    gamma_sample = gamma1 if gamma_sample is None else gamma_sample
    for name, v in (("beta0", beta0), ("beta1", beta1), ("gamma0", gamma0), ("gamma1", gamma1),
                    ("gamma_sample", gamma_sample)):
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a finite number > 0; got {v!r}")
    rng = np.random.default_rng(rng)
    _seed(int(rng.integers(2**31 - 1)))
    W = rng.choice([-1.0, 1.0], size=(y, n)) if start is None else np.array(start, dtype=float)
    AT = np.ascontiguousarray(A.T)
    Hf = np.ascontiguousarray(W @ A.T)
    m = W.sum(axis=0)
    done, _ = _anneal_phase(AT, W, Hf, m, float(kappa), float(beta0), float(beta1), float(gamma0), float(gamma1),
                            int(anneal_sweeps), int(extra_sweeps), stop == "centre")
    found = np.where(m >= 0, 1.0, -1.0)
    if stop == "centre" and sample_sweeps > 0 and np.all(A @ found >= kappa):
        W = np.repeat(found[None, :], y, axis=0)
        Hf = np.ascontiguousarray(W @ A.T)
        m = W.sum(axis=0)
    acc = math.nan
    if sample_sweeps > 0 and np.all(Hf >= kappa):
        acc = _sample_phase(AT, W, Hf, m, float(kappa), float(gamma_sample), int(sample_sweeps))
    centre = np.where(W.sum(axis=0) >= 0, 1.0, -1.0)
    return RSAState(W, centre, found, int(done), float(acc), bool(np.all(W @ A.T >= kappa)))


# ----------------------------------------------------------------------------------------- experiment
@dataclass(frozen=True)
class DenseRegionSimulation:
    """Mean ± standard error over instances (seeds) of the dense-region observables of phase 2.

    Structural observables are averaged over ``n_snapshots`` snapshots of phase 2 within an instance; the local
    energies are measured at the last snapshot.  Two centres: the **majority** vote ``sign(m)`` (the clipped centre
    an algorithm returns) and the measure's own centre w̃, whose conditional law given the replicas is
    ``P(w̃_i) ∝ e^{γ w̃_i m_i}``: its overlap with the replicas is estimated without sampling noise
    (``Σ_i tanh(γ m_i) m_i/(Ny)``, Rao–Blackwell), its violated fraction from one draw per snapshot."""

    alpha: float
    y: int
    gamma: float                  # the coupling of phase 2 (the distance field Ŝ of the finite-y theory)
    kappa: float
    n_features: int
    n_samples: int
    seeds: tuple
    flip_p: tuple
    d: Estimate                   # replica–centre distance with the measure's centre (Rao–Blackwell): theory's d
    d_majority: Estimate          # replica–majority distance (1 - w^a·w̄/N)/2
    q1: Estimate                  # replica–replica overlap
    centre_violation: Estimate    # fraction of patterns the measure's centre w̃ (sampled) violates
    majority_violation: Estimate  # fraction of patterns the majority centre violates
    majority_min_stability: Estimate
    majority_delta: tuple         # δε(p) of the majority centre, one Estimate per p (lost minus regained)
    replica_delta: tuple          # δε(p) of the replicas (mean over the y replicas of an instance)
    acceptance: Estimate          # phase-2 acceptance rate
    solved: int                   # instances where the replicas all became solutions (the others are dropped)


def simulate_dense_regions(alpha, flip_p=(0.005, 0.01, 0.02, 0.05), *, y=7, gamma=1.0, kappa=0.0, n_features=1000,
                           seeds=range(5), burn_in=5000, n_snapshots=5, spacing=200, n_draws=40, progress=None,
                           **schedule):
    """:func:`replicated_anneal` on independent pattern sets (one per seed), then phase 2 at ``gamma`` for ``burn_in``
    sweeps and ``n_snapshots`` snapshots ``spacing`` sweeps apart (class docstring).

    Phase 2 starts from the phase-1 replicas (``stop="replicas"``, the default: all replicas solutions) or from the
    phase-1 centre copied into every replica (``stop="centre"``: only the centre needs to be a solution — the
    robust choice near α = 0.6, with a longer schedule, e.g. ``gamma1=2.5, anneal_sweeps=3000``).  Instances where
    that start is not a solution are dropped (counted in ``solved``); RuntimeError if none is left.
    ``schedule``: the phase-1 keyword arguments of :func:`replicated_anneal`.  The phase-2 relaxation of the centre's
    stabilities is slow (acceptance ~0.2 %): ``burn_in`` of a few thousand sweeps is needed at α = 0.5, γ = 1
    (with 500 the majority centre still has ~20 % too many stabilities in (0, 0.3))."""
    n_features, n_samples, seeds = sizes_and_seeds(alpha, n_features, seeds)
    flip_p = tuple(float(v) for v in np.atleast_1d(flip_p))
    if not (math.isfinite(gamma) and gamma > 0):
        raise ValueError(f"gamma must be a finite number > 0; got {gamma!r}")
    schedule = {"stop": "replicas", "extra_sweeps": 1500, **schedule}
    rows = {k: [] for k in ("d", "dmaj", "q1", "viol", "mviol", "mmin", "mdel", "rdel", "acc")}
    n = n_features
    for seed in over_seeds(seeds, f"replicated SA α={alpha:g} y={y}", progress):
        rng = np.random.default_rng(seed)
        A = sample_patterns(n_samples, n, rng)
        st = replicated_anneal(A, y, kappa, rng=rng, sample_sweeps=0, **schedule)
        if schedule["stop"] == "centre":     # phase 2 from the phase-1 centre, copied into every replica
            if not np.all(A @ st.found >= kappa):
                continue
            W = np.repeat(st.found[None, :], y, axis=0)
        elif st.solved:
            W = st.replicas.copy()
        else:
            continue
        AT = np.ascontiguousarray(A.T)
        Hf = np.ascontiguousarray(W @ A.T)
        m = W.sum(axis=0)
        acc = [_sample_phase(AT, W, Hf, m, float(kappa), float(gamma), int(burn_in))]
        snaps = []
        for _ in range(n_snapshots):
            acc.append(_sample_phase(AT, W, Hf, m, float(kappa), float(gamma), int(spacing)))
            maj = np.where(m >= 0, 1.0, -1.0)
            sampled = np.where(rng.random(n) < 0.5 * (1.0 + np.tanh(gamma * m)), 1.0, -1.0)
            G = W @ W.T / n
            snaps.append((0.5 * (1.0 - np.mean(np.tanh(gamma * m) * m) / y), 0.5 * (1.0 - np.mean(W @ maj) / n),
                          G[np.triu_indices(y, 1)].mean() if y > 1 else math.nan, np.mean(A @ sampled < kappa),
                          np.mean(A @ maj < kappa), np.min(A @ maj)))
        for key, v in zip(("d", "dmaj", "q1", "viol", "mviol", "mmin"), np.mean(snaps, axis=0)):
            rows[key].append(float(v))
        maj = np.where(m >= 0, 1.0, -1.0)
        rows["mdel"].append([measure_local_energy(A, maj, "binary", p, kappa, n_draws, rng)[0] for p in flip_p])
        rows["rdel"].append([np.mean([measure_local_energy(A, w, "binary", p, kappa, max(1, n_draws // y), rng)[0]
                                      for w in W]) for p in flip_p])
        rows["acc"].append(float(np.mean(acc)))
    if not rows["d"]:
        raise RuntimeError(f"simulate_dense_regions: no instance solved (alpha={alpha}, y={y}); lengthen the schedule")
    mdel, rdel = np.array(rows["mdel"]), np.array(rows["rdel"])
    est = {k: Estimate.of(v) for k, v in rows.items() if k not in ("mdel", "rdel")}
    return DenseRegionSimulation(
        alpha=float(alpha), y=int(y), gamma=float(gamma), kappa=float(kappa), n_features=n_features,
        n_samples=n_samples, seeds=seeds, flip_p=flip_p, d=est["d"], d_majority=est["dmaj"], q1=est["q1"],
        centre_violation=est["viol"], majority_violation=est["mviol"], majority_min_stability=est["mmin"],
        majority_delta=tuple(Estimate.of(mdel[:, k]) for k in range(len(flip_p))),
        replica_delta=tuple(Estimate.of(rdel[:, k]) for k in range(len(flip_p))),
        acceptance=est["acc"], solved=len(rows["d"]))


def binomial_average(error, below0, flip_p, n_features, kappa=0.0):
    """δε = E_k error(c0, c1)(k/N) - below0 with k ~ Binomial(N, p): the finite-N measurement flips exactly k
    weights, and the flip formula holds at the realised fraction k/N (docs/perceptron_local_energy.md §2).
    ``error(c0, c1)`` is a law's E H(c0 + c1Δ); terms with pmf < 1e-9 are dropped."""
    from .local_energy import noise_coefficients
    n = int(n_features)
    lo, hi = (int(v) for v in binom.ppf([1e-9, 1 - 1e-9], n, flip_p))
    ks = np.arange(max(lo, 0), hi + 1)
    pmf = binom.pmf(ks, n, flip_p)
    vals = []
    for k in ks:
        if k == 0:
            vals.append(below0)
        else:
            c0, c1 = noise_coefficients("binary", kappa, flip_p=min(k / n, 0.5))
            vals.append(error(c0, c1) if c1 > 0 else 0.5)
    return float(np.dot(pmf, vals) / pmf.sum() - below0)


def compare_with_theory(sim, finite_y=True):
    """The theory at the distance the simulation reached (the Rao–Blackwell d of the measure's centre).

    Returns a dict: ``"inf"`` (y = ∞: :func:`ld_local_entropy`, q1, the centre's violated fraction and δε(p) of
    centre and replicas, from :mod:`.ld_local_energy`) and, with ``finite_y``, ``"y"`` (the finite-y saddle at the
    simulation's y: Ŝ — to be compared with γ —, q1, the majority centre's distance, both centres' violated
    fractions and δε(p) of the majority centre and of the replicas, from :mod:`.ld_finite_laws`).  δε are averaged
    over Binomial(N, p) flip counts (:func:`binomial_average`)."""
    from .ld_finite_laws import finite_y_laws
    from .ld_local_energy import ld_centre_law, ld_replica_law
    from .large_deviation import ld_local_entropy
    a, d, k, n = sim.alpha, sim.d.mean, sim.kappa, sim.n_features
    r = ld_local_entropy(a, d, k)
    centre, rep = ld_centre_law(a, d, k, result=r), ld_replica_law(a, d, k, result=r)
    out = {"inf": dict(ld=r, q1=r.q1, sigma_hat=r.sigma_hat, centre_violation=centre.below(k),
                       centre_delta=tuple(binomial_average(centre.error, centre.below(k), p, n, k) for p in sim.flip_p),
                       replica_delta=tuple(binomial_average(rep.error, 0.0, p, n, k) for p in sim.flip_p))}
    if finite_y:
        ry = ld_local_entropy(a, d, k, y=float(sim.y))
        L = finite_y_laws(ry)
        out["y"] = dict(ld=ry, q1=ry.q1, sigma_hat=ry.sigma_hat, d_majority=0.5 * (1.0 - L.site.S_maj),
                        centre_violation=L.centre_below(k), majority_violation=L.majority_below(k),
                        majority_delta=tuple(binomial_average(L.majority_error, L.majority_below(k), p, n, k)
                                             for p in sim.flip_p),
                        replica_delta=tuple(binomial_average(L.replica_error, 0.0, p, n, k) for p in sim.flip_p))
    return out
