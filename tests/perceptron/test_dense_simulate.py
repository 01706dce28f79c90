"""Replicated simulated annealing (replica/perceptron/dense_simulate.py; issue 10 part 6c) and the finite-y laws it is
compared with (replica/perceptron/ld_finite_laws.py).

References and tolerances are named in each test: exact stationary laws of the sampler without patterns (binomial
× 2cosh), the finite-y saddle's own overlaps (the site measure must reproduce S, q1, q0), the y → ∞ limit (the laws of
ld_local_energy, O(1/y)), and — slow — the finite-y RS theory at the simulation's y and d against the measurement at
N = 1000 with its standard error over instances and a stated finite-size allowance.
"""

import math

import numpy as np
import pytest
from scipy.stats import binom

from replica.perceptron import ld_local_entropy
from replica.perceptron import dense_simulate as ds
from replica.perceptron.ld_finite_laws import finite_y_laws, finite_y_site
from replica.perceptron.ld_local_energy import ld_centre_law, ld_replica_law
from replica.perceptron.local_energy import noise_coefficients


def _free_chain(y, gamma, n=4000, sweeps=60, phase=2, seed=0):
    """The sampler's kernels on zero patterns: every site independent, P(m) ∝ C(y, k) 2cosh(γm), m = 2k - y."""
    rng = np.random.default_rng(seed)
    ds._seed(seed)
    W = rng.choice([-1.0, 1.0], size=(y, n))
    AT = np.zeros((n, 0))
    Hf = np.zeros((y, 0))
    m = W.sum(axis=0)
    if phase == 2:
        ds._sample_phase(AT, W, Hf, m, 0.0, gamma, sweeps)
    else:
        ds._anneal_phase(AT, W, Hf, m, 0.0, 1.0, 1.0, gamma, gamma, sweeps, 0, False)
    assert np.array_equal(m, W.sum(axis=0))   # the running magnetisations stay exact
    return m


@pytest.mark.parametrize("phase", [1, 2])
@pytest.mark.parametrize("y,gamma", [(3, 0.4), (7, 1.0)])
def test_coupling_has_the_right_stationary_law(phase, y, gamma):
    # reference: exact site law without patterns, P(m = 2k - y) ∝ C(y, k)·2cosh(γm) (the traced-out centre);
    # each frequency within 5 binomial SE over n = 4000 sites (60 sweeps decorrelate: the chain mixes in a few)
    m = _free_chain(y, gamma, phase=phase)
    k = np.arange(y + 1)
    w = binom.pmf(k, y, 0.5) * np.cosh(gamma * (2 * k - y))
    w /= w.sum()
    freq = np.array([np.mean(m == 2 * kk - y) for kk in k])
    se = np.sqrt(w * (1 - w) / m.size)
    assert np.all(np.abs(freq - w) < 5 * se + 1e-12), (freq, w)


def test_replicated_anneal_small_instance():
    # a small instance (N = 201, α = 0.3, y = 3): phase 1 solves it, phase 2 keeps every replica a solution, the
    # centre is the majority vote, and the run is reproducible from its seed
    A = np.random.default_rng(3).standard_normal((60, 201)) / math.sqrt(201)
    st = ds.replicated_anneal(A, 3, rng=5, stop="replicas", anneal_sweeps=300, sample_sweeps=200, gamma_sample=1.0)
    assert st.solved and np.all(st.replicas @ A.T >= 0)
    assert np.array_equal(st.centre, np.where(st.replicas.sum(axis=0) >= 0, 1.0, -1.0))
    again = ds.replicated_anneal(A, 3, rng=5, stop="replicas", anneal_sweeps=300, sample_sweeps=200, gamma_sample=1.0)
    assert np.array_equal(st.replicas, again.replicas)
    with pytest.raises(ValueError, match="odd"):
        ds.replicated_anneal(A, 4)
    with pytest.raises(ValueError, match="stop"):
        ds.replicated_anneal(A, 3, stop="never")


@pytest.mark.parametrize("alpha,d,y", [(0.5, 0.0414, 7.0), (0.5, 0.1, 3.0), (0.6, 0.05, 15.0)])
def test_finite_y_site_reproduces_the_saddle(alpha, d, y):
    # identity: the site measure's overlaps at the finite-y saddle are the saddle's own: S = 1 - 2d, q1, q0
    # (the solver's 8-node panels against this module's grids; tol 2e-5)
    r = ld_local_entropy(alpha, d, y=y)
    s = finite_y_site(r)
    assert (s.S, s.q1, s.q0) == pytest.approx((1 - 2 * d, r.q1, r.q0), abs=2e-5)
    assert s.S_maj >= s.S - 1e-9 or y == 1   # the majority vote is closer to its replicas than the centre w̃


def test_finite_y_laws_tend_to_y_infinity():
    # limit y → ∞ (O(1/y)): y(S - t) → τ = 2G(0)/√q̂0 of the y = ∞ centre law (the window argument of docs §7,
    # here from the finite-y site measure), and the centre's and the replicas' δε(p = 0.02) approach the y = ∞ laws:
    # the gap shrinks by ≥ 2 from y = 31 to y = 101 and is < 2e-3 (centre) / 1e-3 (replicas) at y = 301
    alpha, d = 0.5, 0.1
    c0, c1 = noise_coefficients("binary", 0.0, flip_p=0.02)
    L, R = ld_centre_law(alpha, d), ld_replica_law(alpha, d)
    inf_c, inf_r = L.error(c0, c1), R.error(c0, c1)
    gaps = {}
    for y in (31.0, 101.0, 301.0):
        F = finite_y_laws(ld_local_entropy(alpha, d, y=y))
        gaps[y] = (abs(y * (F.site.S - F.site.t) - L.tau), abs(F.centre_error(c0, c1) - inf_c),
                   abs(F.replica_error(c0, c1) - inf_r))
    assert gaps[301.0][0] < 0.01 * L.tau
    assert gaps[101.0][1] < 0.5 * gaps[31.0][1] and gaps[301.0][1] < 2e-3
    assert gaps[101.0][2] < 0.5 * gaps[31.0][2] + 2e-4 and gaps[301.0][2] < 1e-3


# ----------------------------------------------------------------------------- simulation (slow)
N_SE = 3.0


@pytest.fixture(scope="module")
def rsa05():
    # α = 0.5, y = 7, γ = 1, N = 1000, 4 instances; phase 2: 5000 sweeps burn-in, 5 snapshots 200 sweeps apart
    sim = ds.simulate_dense_regions(0.5, flip_p=(0.005, 0.02), y=7, gamma=1.0, n_features=1000, seeds=range(4))
    return sim, ds.compare_with_theory(sim)


@pytest.mark.slow
def test_rsa_structure_matches_finite_y_theory(rsa05):
    # reference: finite-y RS theory (y = 7) at the measured d.  The chain samples the measure with Ŝ = γ = 1: the
    # theory's Ŝ at the measured d must be γ within 3 SE (the SE of d times |dŜ/dd| ≈ 10) + 0.04 (finite N = 1000);
    # q1 within 3 SE + 0.005; the majority centre's distance within 3 SE + 0.002
    sim, th = rsa05
    fy = th["y"]
    assert sim.solved == 4
    assert abs(fy["sigma_hat"] - sim.gamma) < N_SE * 10 * sim.d.err + 0.04
    assert abs(sim.q1.mean - fy["q1"]) < N_SE * sim.q1.err + 0.005
    assert abs(sim.d_majority.mean - fy["d_majority"]) < N_SE * sim.d_majority.err + 0.002


@pytest.mark.slow
def test_rsa_local_energy_matches_finite_y_not_y_infinity(rsa05):
    # reference: finite-y (y = 7) laws at the measured d, Binomial(N, p)-averaged; tol 3 SE + 5 % (finite N) for
    # the replicas and the majority centre.  The y = ∞ laws at the same d are not comparable (docs/theory.md §8): the
    # replicas lose more patterns than y = ∞ predicts by > 3 SE, the centre by a factor > 3 at p = 0.005
    sim, th = rsa05
    fy, inf = th["y"], th["inf"]
    for k, p in enumerate(sim.flip_p):
        rep, maj = sim.replica_delta[k], sim.majority_delta[k]
        assert abs(rep.mean - fy["replica_delta"][k]) < N_SE * rep.err + 0.05 * fy["replica_delta"][k], p
        assert abs(maj.mean - fy["majority_delta"][k]) < N_SE * maj.err + 0.05 * fy["majority_delta"][k], p
        assert rep.mean > inf["replica_delta"][k] + N_SE * rep.err, p
    assert sim.majority_delta[0].mean > 3 * inf["centre_delta"][0]


@pytest.mark.slow
def test_rsa_centre_violations_order_of_magnitude(rsa05):
    # the centre's violated fraction: finite-y theory (y = 7) 0.35 %, y = ∞ ~1e-28 at this d.  Measured (N = 1000,
    # ~1-2 violated patterns per instance) it agrees with the finite-y value within a factor 2 — a 30 % deficit at
    # ~4 SE is seen with 6 instances and not resolved (finite N or slow relaxation) — and exceeds y = ∞ by > 1e20
    sim, th = rsa05
    for meas, theory in ((sim.majority_violation, th["y"]["majority_violation"]),
                         (sim.centre_violation, th["y"]["centre_violation"])):
        assert 0.5 < meas.mean / theory < 2.0
        assert meas.mean > 1e20 * th["inf"]["centre_violation"]
