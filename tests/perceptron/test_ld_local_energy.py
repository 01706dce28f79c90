"""Stability laws of the dense regions and their local energy (replica/perceptron/ld_local_energy.py;
issue 10 part 5 with reference="ld"; derivation: docs/large_deviation.md §7, docs/perceptron_local_energy.md §3).

Every numerical test names its reference and tolerance:
  * the independent slow implementation tests/perceptron/reference_ld_laws.py (scipy quad + brentq in g, the
    density forms of both laws) — the package uses the closed-form Gaussian convolution (centre), the
    truncated-tail representation (solutions) and Gauss–Legendre panels;
  * identities: mass 1; the centre's violated fraction is LDResult.ref_violation_mass; the solutions' edge
    density is -∂G_E/∂κ (finite differences of the energetic kernel); the small-noise closed form;
  * limits: d → d* (the Gardner point) gives the cavity law of the clipped Gardner centre (built from the
    Gardner saddle alone) for the centre and the typical law for the solutions; continuity across d*.
"""

import contextlib
import io
import json
import math

import numpy as np
import pytest

from replica.perceptron import ld_local_entropy, local_energy
from replica.perceptron.large_deviation import _Problem
from replica.perceptron.ld_kernels import ld_energetic
from replica.perceptron.ld_local_energy import gardner_centre_law, ld_centre_law, ld_replica_law
from replica.perceptron.local_energy import noise_coefficients, stability_law
from replica.saddle_point.quadrature import gauss_legendre

from . import reference_ld_laws as ref

pytestmark = pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
# (α, d): dense branch at moderate and small d, a small α, and the plateau (d > d*)
CASES = [(0.5, 0.1), (0.6, 0.05), (0.3, 0.15), (0.5, 0.02), (0.5, 0.3)]


def _close(a, b, rel=1e-9, abs_=1e-13):
    return abs(a - b) <= abs_ + rel * abs(b)


@pytest.mark.parametrize("alpha,d", CASES)
def test_centre_law_against_quad(alpha, d):
    # reference: ref.centre_density / centre_below / centre_error (quad, density form, g* by brentq);
    # tol 1e-9 relative + 1e-13 absolute (measured agreement ~1e-14; the package's 20-node panels)
    L = ld_centre_law(alpha, d)
    args = (L.q, L.dq, L.kappa_ref, L.S, L.tau)
    for t in (0.0, 0.3, 1.0):
        assert _close(L.density(t), ref.centre_density(t, *args)), t
        assert _close(L.below(t), ref.centre_below(t, *args)), t
    for p in (0.01, 0.1):
        c0, c1 = noise_coefficients("binary", 0.0, flip_p=p)
        assert _close(L.error(c0, c1), ref.centre_error(c0, c1, *args)), p


@pytest.mark.parametrize("alpha,d", CASES)
def test_replica_law_against_quad(alpha, d):
    # reference: ref.replica_density / replica_error (quad in the density form θ(t-κ)∫Dζ G(·)/(s1 H(·)));
    # tol 1e-9 relative + 1e-13 absolute
    R = ld_replica_law(alpha, d)
    for t in (0.0, 0.5):
        assert _close(R.density(t), ref.replica_density(t, R.q, R.dq, 0.0)), t
    for p in (0.01, 0.1):
        c0, c1 = noise_coefficients("binary", 0.0, flip_p=p)
        assert _close(R.error(c0, c1), ref.replica_error(c0, c1, R.q, R.dq, 0.0)), p


def test_laws_with_a_margin_against_quad():
    # κ = 0.2 (α = 0.3, d = 0.08): the margin enters x0 and the counting threshold; reference as above (quad),
    # tol 1e-9 relative + 1e-13; the violated fraction below κ is the solver's ref_violation_mass (rel 5e-5)
    k = 0.2
    L, R = ld_centre_law(0.3, 0.08, k), ld_replica_law(0.3, 0.08, k)
    c0, c1 = noise_coefficients("binary", k, flip_p=0.02)
    assert _close(L.error(c0, c1), ref.centre_error(c0, c1, L.q, L.dq, k, L.S, L.tau))
    assert _close(L.below(0.5), ref.centre_below(0.5, L.q, L.dq, k, L.S, L.tau))
    assert _close(R.error(c0, c1), ref.replica_error(c0, c1, R.q, R.dq, k))
    assert _close(R.density(k), ref.replica_density(k, R.q, R.dq, k))
    assert L.below(k) == pytest.approx(ld_local_entropy(0.3, 0.08, k).ref_violation_mass, rel=5e-5)


@pytest.mark.parametrize("alpha,d", CASES)
def test_mass_and_cdf_are_consistent(alpha, d):
    # identities: total mass 1 (tol 1e-12), and below(t) = ∫_{-∞}^t density (scipy quad of the package's own
    # density, tol 1e-8) — the CDF and the density are computed by different integrands
    from scipy.integrate import quad
    for law in (ld_centre_law(alpha, d), ld_replica_law(alpha, d)):
        assert law.below(40.0) == pytest.approx(1.0, abs=1e-12)
        lo = law.kappa_ref if law.name == "ld_replica" else -10.0
        for t in (0.2, 0.9):
            pieces = np.linspace(lo, t, 9)
            mass = sum(quad(law.density, a, b, epsabs=1e-14, epsrel=1e-11, limit=200)[0]
                       for a, b in zip(pieces[:-1], pieces[1:]))
            assert mass == pytest.approx(law.below(t), abs=1e-8), (law.name, t)


@pytest.mark.parametrize("alpha,d", [(0.5, 0.1), (0.6, 0.05), (0.3, 0.1), (0.6, 0.1), (0.5, 0.05)])
def test_violated_fraction_is_ref_violation_mass(alpha, d):
    # the law's mass below κ is the LD solver's ref_violation_mass (same formula, eq. 19, different code):
    # rel 5e-5 — the LD kernel's 8-node rule is the less accurate of the two (against the quad reference the law
    # agrees to 1e-12 relative, ref_violation_mass to 1.3e-5 at α = 0.3, d = 0.1 where it is 3e-30)
    r = ld_local_entropy(alpha, d)
    L = ld_centre_law(alpha, d, result=r)
    assert L.below(0.0) == pytest.approx(r.ref_violation_mass, rel=5e-5, abs=1e-300)
    assert L.below(0.0) == pytest.approx(ref.centre_below(0.0, L.q, L.dq, 0.0, L.S, L.tau), rel=1e-9)


@pytest.mark.parametrize("alpha,d", [(0.5, 0.1), (0.6, 0.05), (0.4, 0.02)])
def test_replica_edge_density_is_dGE_dkappa(alpha, d):
    # identity: p(κ⁺) = E_ζ GH(x)/√(1-q1) = -∂G_E/∂κ at fixed (q1, δq) (envelope theorem on the max over g);
    # central differences of the energetic kernel (h = 1e-5, 30-node rule), tol 1e-7
    R = ld_replica_law(alpha, d)
    X, W = gauss_legendre(30)
    h = 1e-5
    dge = (ld_energetic(R.q, R.dq, h, X, W)[0] - ld_energetic(R.q, R.dq, -h, X, W)[0]) / (2 * h)
    assert R.density(0.0) == pytest.approx(-dge, abs=1e-7)
    assert R.below(0.0) == 0.0 and R.density(-1e-9) == 0.0    # the solutions satisfy every pattern


@pytest.mark.parametrize("alpha", [0.3, 0.6])
def test_small_noise_limit_of_the_solutions(alpha):
    # closed form (docs/perceptron_local_energy.md §4, κ = 0): δε = s p(0⁺)/√(2π) + s² p'(0⁺)/4 + O(s³), p' by
    # one-sided differences of the law's density (O(e²), e = 1e-4); the remainder must be O(s³): below 0.5 s³ at
    # s ≈ 0.02 and s ≈ 0.002 (measured coefficient 0.15 at α = 0.3, 0.01-0.02 at α = 0.6)
    R = ld_replica_law(alpha, 0.05)
    e = 1e-4
    dp = 2 * (R.density(2 * e) - R.density(e)) / e - (R.density(3 * e) - R.density(e)) / (2 * e)
    for p in (1e-4, 1e-6):
        s = 2 * math.sqrt(p * (1 - p)) / (1 - 2 * p)
        c0, c1 = noise_coefficients("binary", 0.0, flip_p=p)
        expected = s * R.density(0.0) / math.sqrt(2 * math.pi) + s * s * dp / 4
        assert abs(R.error(c0, c1) - expected) < 0.5 * s ** 3, p


@pytest.mark.parametrize("alpha", [0.3, 0.5, 0.7])
def test_gardner_point_limit(alpha):
    # limit d → d*⁻: the centre law tends to the cavity (TAP) law of the clipped Gardner centre sign(m_i)
    # (gardner_centre_law, from the Gardner saddle alone), linearly in d* - d: the gap at 1e-4 is below
    # 1/5 of the gap at 1e-3 (tol of linear convergence) and below 1e-3 in the violated fraction and δε(p = 0.05).
    # The solutions' law tends to the typical law at κ̃ = κ (tol 1e-3 at 1e-4 from d*).  On the plateau d > d*
    # the law is continuous with it (the flipped Gardner centre: τ → τ S/S*), and the solutions are typical
    # (identical to TypicalLaw, tol 1e-10).
    d_star = _Problem(alpha, 0.0).d_star
    g = gardner_centre_law(alpha)
    typ = stability_law(alpha, "typical", "binary")
    c0, c1 = noise_coefficients("binary", 0.0, flip_p=0.05)
    gaps = []
    for eps in (1e-3, 1e-4):
        L = ld_centre_law(alpha, d_star - eps)
        R = ld_replica_law(alpha, d_star - eps)
        gaps.append(abs(L.below(0.0) - g.below(0.0)) + abs(L.error(c0, c1) - g.error(c0, c1)))
        assert abs(R.error(c0, c1) - typ.error(c0, c1)) < 1e-3
    assert gaps[1] < 1e-3 and gaps[1] < 0.2 * gaps[0]
    plateau = ld_centre_law(alpha, d_star + 1e-6)
    assert plateau.below(0.0) == pytest.approx(g.below(0.0), abs=1e-5)
    assert ld_replica_law(alpha, d_star + 0.01).error(c0, c1) == pytest.approx(typ.error(c0, c1), abs=1e-10)
    # the centre of the typical cloud is not a typical solution: it violates a finite fraction of patterns
    assert g.below(0.0) > 0.01 and typ.below(0.0) == 0.0


def test_local_energy_hook_and_bad_input():
    # the registered builders answer local_energy(reference="ld"/"ld_replica", d=...): the law's own numbers
    # (identity, tol 1e-15); d is recorded; missing/invalid d, spherical weights and unknown parameters refused
    r = local_energy(0.5, flip_p=0.02, reference="ld", weights="binary", d=0.1)
    L = ld_centre_law(0.5, 0.1)
    c0, c1 = noise_coefficients("binary", 0.0, flip_p=0.02)
    assert r.converged and r.d == 0.1 and r.q == pytest.approx(L.q, abs=1e-15)
    assert r.train_error_0 == pytest.approx(L.below(0.0), abs=1e-15)
    assert r.delta_train_error == pytest.approx(L.error(c0, c1) - L.below(0.0), abs=1e-15)
    rr = local_energy(0.5, flip_p=0.02, reference="ld_replica", weights="binary", d=0.1)
    assert rr.train_error_0 == 0.0 and rr.edge_density > 0
    with pytest.raises(ValueError, match="need d="):
        local_energy(0.5, flip_p=0.02, reference="ld", weights="binary")
    with pytest.raises(ValueError, match="d must be in"):
        local_energy(0.5, flip_p=0.02, reference="ld", weights="binary", d=0.7)
    with pytest.raises(ValueError, match="binary"):
        local_energy(0.5, sigma=0.1, reference="ld", d=0.1)
    with pytest.raises(ValueError, match="take d"):
        local_energy(0.5, flip_p=0.02, reference="ld", weights="binary", d=0.1, gamma=2.0)


def test_dense_centres_are_flatter():
    # orderings the theory predicts at α = 0.5, p = 0.01 (not identities: checked numbers, docs §3): the centre at
    # d = 0.05 loses fewer patterns than the max-margin solution, the region's solutions fewer than typical ones,
    # and the centre fewer than its own solutions
    kw = dict(flip_p=0.01, weights="binary")
    typ = local_energy(0.5, reference="typical", **kw).delta_train_error
    mm = local_energy(0.5, reference="max_margin", **kw).delta_train_error
    centre = local_energy(0.5, reference="ld", d=0.05, **kw).delta_train_error
    rep = local_energy(0.5, reference="ld_replica", d=0.05, **kw).delta_train_error
    assert centre < mm < typ and centre < rep < typ


def test_cli_dense_region_reference():
    """`perceptron-local-energy --reference ld|ld_replica --d`: the rows carry the library's values (1e-15)."""
    from replica import solve

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = solve.main(["perceptron-local-energy", "--reference", "ld,ld_replica", "--alpha", "0.5",
                             "--weights", "binary", "--d", "0.05", "--flip-p", "0.01", "--format", "json"])
    assert status == 0
    for row in json.loads(out.getvalue()):
        ref = local_energy(0.5, flip_p=0.01, reference=row["reference"], weights="binary", d=0.05)
        assert row["delta_train_error"] == pytest.approx(ref.delta_train_error, rel=1e-15)
