"""Counting solutions at distance d by thermodynamic integration (replica/perceptron/local_entropy_count.py) and the
local entropy around replicated-simulated-annealing centres (replica/perceptron/dense_count_simulate.py; issue 10, 6c).

References: exhaustive enumeration of all 2^N configurations (N ≤ 20; itself checked against a numpy brute force),
an exact combinatorial count for two ±1 patterns at N = 1000 (sites split into the four classes of (ξ¹w̃, ξ²w̃)), and
— slow — the finite-y and y = ∞ large-deviation theory and the typical Franz–Parisi curve at N = 1000.
"""

import itertools
import math

import numpy as np
import pytest
from scipy.special import gammaln, logsumexp

from replica.perceptron import local_entropy_count as lec
from replica.perceptron.large_deviation import binary_entropy


def _planted(p, n, seed):
    """Gaussian patterns A = ξ/√N with the labels chosen so that a random w̃ is a solution (κ = 0)."""
    rng = np.random.default_rng(seed)
    w = rng.choice([-1.0, 1.0], size=n)
    A = rng.standard_normal((p, n)) / math.sqrt(n)
    return A * np.sign(A @ w)[:, None], w


def test_enumeration_against_numpy_brute_force():
    # reference: every configuration of N = 10 listed with itertools, stabilities by numpy, histogram of distances
    A, w = _planted(6, 10, 0)
    W = np.array(list(itertools.product([-1.0, 1.0], repeat=10)))
    ok = np.all(W @ A.T >= 0.2, axis=1)
    dist = np.sum(W != w, axis=1)
    expected = np.bincount(dist[ok], minlength=11)
    assert np.array_equal(lec.enumerate_counts(A, w, 0.2), expected)


@pytest.mark.parametrize("p,seed", [(8, 1), (14, 2)])
def test_count_matches_enumeration_small_n(p, seed):
    # reference: exhaustive enumeration at N = 20 (α = 0.4 and 0.7, around a planted solution).  Tolerance: 4 SE over
    # 4 chains + the Simpson discretisation estimate |fine - coarse| + 0.03 nats / N (equilibration at each β)
    n = 20
    A, w = _planted(p, n, seed)
    exact = lec.enumerate_counts(A, w)
    for k in (2, 4, 7, 10):
        assert exact[k] > 0
        r = lec.count_local_entropy(A, w, k / n, eq_sweeps=100, sweeps=1000, chains=4, rng=seed)
        target = math.log(exact[k]) / n
        assert abs(r.entropy - target) < 4 * r.err + r.discretisation + 0.03 / n, (k, r.entropy, target, r.err)
        assert r.tail < 1e-3                    # the integrand has decayed: solutions exist at this distance


def _two_pattern_log_count(xi, w, k, kappa):
    """log #{w' at distance k from w: ξ^μ·w'/√N ≥ κ, μ = 1, 2} for two ±1 patterns: a site of class
    c = (ξ¹_i w_i, ξ²_i w_i) ∈ {±1}² adds s_c to the two stabilities if kept and -s_c if flipped, so with k_c
    flipped sites in class c the stabilities are Σ_c s_c (n_c - 2k_c): a sum of products of binomials."""
    n = w.size
    n_sqrt = math.sqrt(n)
    classes = [(1, 1), (1, -1), (-1, 1), (-1, -1)]
    s = xi * w
    sizes = [int(np.sum((s[0] == a) & (s[1] == b))) for a, b in classes]
    logc = lambda nn, kk: gammaln(nn + 1) - gammaln(kk + 1) - gammaln(nn - kk + 1)
    terms = []
    for k0 in range(min(k, sizes[0]) + 1):
        for k1 in range(min(k - k0, sizes[1]) + 1):
            for k2 in range(min(k - k0 - k1, sizes[2]) + 1):
                k3 = k - k0 - k1 - k2
                if k3 > sizes[3]:
                    continue
                ks = (k0, k1, k2, k3)
                h = [sum(c[mu] * (nc - 2 * kc) for c, nc, kc in zip(classes, sizes, ks)) for mu in range(2)]
                if min(h) >= kappa * n_sqrt - 1e-9:
                    terms.append(sum(logc(nc, kc) for nc, kc in zip(sizes, ks)))
    return float(logsumexp(terms))


def test_count_matches_exact_two_pattern_count_large_n():
    # reference: the exact two-pattern count (helper above) at N = 1000, d = 0.05, κ = 0.7 around a reference of
    # stabilities ≈ 0.9, 1.0 (each constraint cuts a finite fraction of the shell).  This is α → 0: the count is
    # log C(N, k) - O(1) nats.  Tolerance 4 SE over 4 chains + discretisation + 0.02 nats / N
    n, k, kappa = 1000, 50, 0.7
    rng = np.random.default_rng(4)
    w = rng.choice([-1.0, 1.0], size=n)
    xi = rng.choice([-1.0, 1.0], size=(2, n))
    for mu, target in enumerate((28, 32)):           # set ξ^μ·w = target (even: N even) by flipping agreeing sites
        excess = (int(xi[mu] @ w) - target) // 2
        idx = np.flatnonzero(xi[mu] * w > 0) if excess > 0 else np.flatnonzero(xi[mu] * w < 0)
        xi[mu, idx[:abs(excess)]] *= -1
    assert list(xi @ w) == [28, 32]
    exact = _two_pattern_log_count(xi, w, k, kappa)
    lb = math.log(math.comb(n, k))
    assert 0.3 < lb - exact < 3.0                    # the constraints matter (the test is not the bare binomial)
    r = lec.count_local_entropy(xi / math.sqrt(n), w, k / n, kappa, sweeps=100, chains=4, rng=1)
    assert abs(r.entropy - exact / n) < 4 * r.err + r.discretisation + 0.02 / n, (r.entropy * n, exact)
    # the bias correction: entropy_corrected - H₂(d) = entropy - (1/N) log C(N, k) exactly
    assert r.entropy_corrected - binary_entropy(k / n) == pytest.approx(r.entropy - lb / n, abs=1e-12)


def test_count_is_reproducible_and_validates():
    A, w = _planted(8, 20, 3)
    a = lec.count_local_entropy(A, w, 0.2, sweeps=50, chains=2, rng=7)
    b = lec.count_local_entropy(A, w, 0.2, sweeps=50, chains=2, rng=7)
    assert a.per_chain == b.per_chain
    for kw, match in ((dict(d=0.0), "d must"), (dict(d=0.01), "round"), (dict(n_beta=8), "n_beta"),
                      (dict(chains=0), "chains"), (dict(beta_max=-1.0), "beta_max")):
        args = dict(d=0.2) | kw
        with pytest.raises(ValueError, match=match):
            lec.count_local_entropy(A, w, args.pop("d"), **args)
    with pytest.raises(ValueError, match="w_ref"):
        lec.count_local_entropy(A, 0.5 * w, 0.2)


# ----------------------------------------------------------------------------- N = 1000 against the theory (slow)
@pytest.fixture(scope="module")
def rsa_count():
    # replicated SA (y = 7, phase 2 at γ = 1 for 3000 sweeps) at α = 0.4, N = 1000 on 3 instances; the local entropy
    # around the sampled centre w̃ at each instance's own d_γ and around the majority centre at d = 0.02, 0.05
    from replica.perceptron.dense_count_simulate import compare_counts_with_theory, count_dense_regions
    sim = count_dense_regions(0.4, (0.02, 0.05), n_features=1000, seeds=range(3), sampled_at_ds=False)
    return sim, compare_counts_with_theory(sim)


@pytest.mark.slow
def test_count_around_rsa_centre_matches_finite_y_theory(rsa_count):
    # reference: the finite-y (y = 7) RS local entropy S_I(y, d_γ) at each instance's own d_γ (the centre w̃ drawn
    # from the chain is a draw of the finite-y measure, dense_count_simulate docstring).  Tolerance: 3 SE of the
    # per-instance difference + 0.003 (finite N = 1000: the O(1/N) corrections of a single instance's log-count
    # beyond the binomial prefactor; measured 0.0007 ± 0.0006 on 4 instances, while S_I(y = ∞, d_γ) is 0.02 higher);
    # the count stays below S_I(y = ∞, d_γ)
    sim, th = rsa_count
    diff = [v - row[1] for v, row in zip(sim.own.values, th["own"])]
    se = np.std(diff, ddof=1) / math.sqrt(len(diff))
    assert abs(np.mean(diff)) < 3 * se + 0.003, (diff, th["own"])
    assert all(v < row[3] for v, row in zip(sim.own.values, th["own"]))
    assert sim.tail < 1e-4 and sim.discretisation < 1e-3


@pytest.mark.slow
def test_count_around_majority_centre_between_typical_and_dense(rsa_count):
    # references: y = ∞ S_I(d) (an upper bound for every centre, the densest regions) and the Franz–Parisi φ around
    # typical solutions (isolated): the majority centre's count is below y = ∞ (within 3 SE) and above typical by
    # more than 0.02 (measured ~0.04 at d = 0.02, 0.05)
    sim, th = rsa_count
    for j, d in enumerate(sim.ds):
        est = sim.majority[j]
        assert est.mean < th["inf"][j] + 3 * est.err, d
        assert est.mean > th["typical"][j] + 0.02, d
