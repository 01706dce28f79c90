"""Local entropy around the solutions a dense-region finder returns, counted and set against the theory (issue 10, 6c).

Per instance (one Gaussian pattern set per seed, ``A = ξ/√N``): replicated simulated annealing
(:func:`.dense_simulate.replicated_anneal`, y replicas, phase 2 at β = ∞ and fixed coupling γ for ``burn_in``
sweeps), then two references —

* the **majority** centre ``w̄ = sign(Σ_a w^a)`` (what the algorithm returns), and
* the measure's own centre ``w̃``, drawn from its conditional law ``P(w̃_i) ∝ e^{γ w̃_i m_i}`` given the replicas:
  by construction a draw from ``P(w̃) ∝ N_γ(w̃)^y``, the finite-y large-deviation measure in its Legendre form
  (docs/theory.md §8), so ``(1/N) log N(w̃, d_γ)`` at the distance ``d_γ`` the chain sits at is the finite-y
  theory's ``S_I(y, d_γ)``; at other d it is bounded above by the y = ∞ curve (the densest centres).

For each reference, the local entropy at each d is counted by thermodynamic integration
(:func:`.local_entropy_count.count_local_entropy`).  :func:`compare_counts_with_theory` lays the theories beside
the counts: y = ∞ (:func:`ld_local_entropy`), finite y at the algorithm's y, and the Franz–Parisi curve around a
typical solution (:func:`franz_parisi`, κ_ref = 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._simulation import over_seeds, sizes_and_seeds
from .dense_simulate import replicated_anneal
from .local_entropy_count import count_local_entropy
from .simulate import Estimate, sample_patterns

__all__ = ["DenseCount", "count_dense_regions", "compare_counts_with_theory"]


@dataclass(frozen=True)
class DenseCount:
    """Mean ± standard error over instances of the bias-corrected local entropy (``entropy_corrected``) at each d.

    ``majority[j]`` / ``sampled[j]``: the count at ``ds[j]`` around the majority / the sampled centre (own: at the
    instance's own d_γ, where the finite-y theory applies);
    ``chain_err`` the largest within-instance standard error over chains; ``discretisation`` the largest
    |fine - coarse| Simpson difference; ``tail`` the largest (1/N)⟨E⟩ at β_max (all over instances and d), ``tails``
    the same per d (majority and sampled centres).  A count whose tail has not decayed (≳ 1e-4: ⟨E⟩ still O(0.1)
    at β_max) did not reach the solutions at that distance and is not a count: at α = 0.6 this happens for d ≥ 0.05
    with the default schedule (docs/large_deviation.md §13)."""

    alpha: float
    y: int
    gamma: float
    kappa: float
    n_features: int
    seeds: tuple
    ds: tuple
    d_gamma: Estimate           # replica–centre distance of the chain (Rao–Blackwell over w̃): the finite-y theory's d
    majority: tuple             # Estimate per d
    sampled: tuple              # Estimate per d
    own: Estimate               # the count around the sampled centre at the instance's own d_γ (values per instance)
    chain_err: float
    discretisation: float
    tail: float
    tails: tuple                # largest (1/N)⟨E⟩_{β_max} per d
    own_tail: float             # the same for the counts at the instances' own d_γ
    solved: int                 # instances where phase 1 found a start for phase 2 (the others are dropped)


def count_dense_regions(alpha, ds=(0.01, 0.02, 0.05, 0.1), *, y=7, gamma=1.0, kappa=0.0, n_features=1000,
                        seeds=range(4), burn_in=3000, sampled_at_ds=True, count=None, progress=None, **schedule):
    """Replicated SA on each seed's instance, then the local entropy at each d around both centres (module doc).

    ``schedule``: phase-1 keywords of :func:`replicated_anneal` (default ``stop="replicas", extra_sweeps=1500``; at
    α = 0.6 ``stop="centre", gamma1=2.5, anneal_sweeps=3000``).  ``count``: keywords of
    :func:`count_local_entropy` (default ``chains=2``).  ``sampled_at_ds=False``: the sampled centre is counted only
    at its own d_γ (``sampled`` is then empty)."""
    n_features, n_samples, seeds = sizes_and_seeds(alpha, n_features, seeds)
    ds = tuple(float(d) for d in np.atleast_1d(ds))
    if not (math.isfinite(gamma) and gamma > 0):
        raise ValueError(f"gamma must be a finite number > 0; got {gamma!r}")
    schedule = {"stop": "replicas", "extra_sweeps": 1500, **schedule}
    count = {"chains": 2, **(count or {})}
    n = n_features
    rows = {"dg": [], "maj": [], "smp": [], "own": []}
    chain_err = disc = tail = 0.0
    tails = [0.0] * len(ds)
    own_tail = 0.0
    for seed in over_seeds(seeds, f"RSA + TI count α={alpha:g} y={y}", progress):
        rng = np.random.default_rng(seed)
        A = sample_patterns(n_samples, n, rng)
        st = replicated_anneal(A, y, kappa, rng=rng, gamma_sample=gamma, sample_sweeps=int(burn_in), **schedule)
        if not st.solved:
            continue
        m = st.replicas.sum(axis=0)
        rows["dg"].append(float(0.5 * (1.0 - np.mean(np.tanh(gamma * m) * m) / y)))
        sampled = np.where(rng.random(n) < 0.5 * (1.0 + np.tanh(gamma * m)), 1.0, -1.0)
        for key, ref, dd in (("maj", st.centre, ds), ("smp", sampled, ds if sampled_at_ds else ()),
                             ("own", sampled, (rows["dg"][-1],))):
            vals = []
            for j, d in enumerate(dd):
                r = count_local_entropy(A, ref, d, kappa, rng=rng, **count)
                vals.append(r.entropy_corrected)
                if key != "own":
                    tails[j] = max(tails[j], r.tail)
                else:
                    own_tail = max(own_tail, r.tail)
                chain_err = max(chain_err, r.err if math.isfinite(r.err) else 0.0)
                disc, tail = max(disc, r.discretisation), max(tail, r.tail)
            rows[key].append(vals if key != "own" else vals[0])
    if not rows["dg"]:
        raise RuntimeError(f"count_dense_regions: no instance solved (alpha={alpha}, y={y}); lengthen the schedule")
    maj, smp = np.array(rows["maj"]), np.array(rows["smp"])
    return DenseCount(alpha=float(alpha), y=int(y), gamma=float(gamma), kappa=float(kappa), n_features=n,
                      seeds=seeds, ds=ds, d_gamma=Estimate.of(rows["dg"]),
                      majority=tuple(Estimate.of(maj[:, j]) for j in range(len(ds))),
                      sampled=tuple(Estimate.of(smp[:, j]) for j in range(len(ds))) if sampled_at_ds else (),
                      own=Estimate.of(rows["own"]), chain_err=chain_err, discretisation=disc, tail=tail,
                      tails=tuple(tails), own_tail=own_tail, solved=len(rows["dg"]))


def compare_counts_with_theory(sim):
    """Theory at each d of ``sim`` and at the chain's distance d_γ: a dict of lists over ``sim.ds`` —
    ``"inf"`` (y = ∞ S_I), ``"y"`` (finite-y S_I at the algorithm's y, and its Ŝ under ``"y_sigma_hat"``),
    ``"typical"`` (Franz–Parisi φ around a typical solution) — and ``"own"``: per instance, (d_γ, S_I(y, d_γ),
    Ŝ(y, d_γ), S_I(∞, d_γ)) at the instance's own d_γ (the rows of ``sim.own.values``).  A failed solve gives NaN."""
    from .franz_parisi import franz_parisi
    from .large_deviation import ld_local_entropy

    def safe(f):
        try:
            return f()
        except (ArithmeticError, ValueError, RuntimeError):
            return None

    a, k, y = sim.alpha, sim.kappa, float(sim.y)
    out = {"inf": [], "y": [], "y_sigma_hat": [], "typical": []}
    for d in sim.ds:
        r, ry, fp = (safe(lambda: ld_local_entropy(a, d, k)), safe(lambda: ld_local_entropy(a, d, k, y=y)),
                     safe(lambda: franz_parisi(a, d, "binary", 0.0, k)))
        out["inf"].append(r.phi if r is not None and r.converged else math.nan)
        out["y"].append(ry.phi if ry is not None and ry.converged else math.nan)
        out["y_sigma_hat"].append(ry.sigma_hat if ry is not None and ry.converged else math.nan)
        out["typical"].append(fp.phi if fp is not None and fp.converged else math.nan)
    out["own"] = []
    for dg in sim.d_gamma.values:
        ry, r = safe(lambda: ld_local_entropy(a, dg, k, y=y)), safe(lambda: ld_local_entropy(a, dg, k))
        out["own"].append((dg, ry.phi if ry is not None else math.nan, ry.sigma_hat if ry is not None else math.nan,
                           r.phi if r is not None else math.nan))
    return out
