"""Dense regions with a constrained centre (PRL 2015's measure), finite y (docs/large_deviation.md §14).

Each test names its reference and tolerance: the unconstrained finite-y kernels (themselves checked against
tests/perceptron/reference_ld_finite_slow.py), the independent slow scipy evaluation
tests/perceptron/reference_ld_constrained_slow.py, identities of the theory (stationarity, S_I = ∂Φ/∂y,
dΦ/dS = -yσ_eff), the y → 0 limit (the package's Franz–Parisi solver around typical solutions and the Gardner
entropy), the α → 0 limit in closed form, the y → ∞ approach to the unconstrained y = ∞ solver.
"""

import math

import pytest
from scipy.integrate import quad
from scipy.special import log_ndtr

from replica.perceptron import franz_parisi, gardner
from replica.perceptron.large_deviation import binary_entropy, ld_local_entropy
from replica.perceptron.ld_constrained import ce_energetic, ce_entropic, ld_constrained, ystar_monotone
from replica.perceptron.ld_finite_kernels import fy_energetic, fy_entropic
from replica.saddle_point.quadrature import gauss_legendre
from . import reference_ld_constrained_slow as ref

X, W = gauss_legendre(8)


@pytest.fixture(scope="module")
def point():
    # α = 0.6, d = 0.05, y = 10: the saddle from the unconstrained finite-y start
    r = ld_constrained(0.6, 0.05, 10.0)
    assert r.converged
    return r


def functional(r, y=None, S=None, **shift):
    """Φ assembled from the kernels at the order parameters of ``r`` (plus ``shift``), module docstring of
    replica.perceptron.ld_constrained."""
    y = r.y if y is None else y
    S = r.S if S is None else S
    v = dict(q1=r.q1, q0=r.q0, t=r.t, p=r.p, qhat1=r.qhat1, qhat0=r.qhat0, that=r.that, phat=r.phat,
             shat=r.sigma_hat)
    for k, dv in shift.items():
        v[k] += dv
    conj = (-y * v["shat"] * S - 0.5 * y * v["qhat1"] * (1 + (y - 1) * v["q1"]) + 0.5 * y * y * v["qhat0"] * v["q0"]
            + y * v["that"] * v["t"] - 0.5 * v["phat"] * (1 - v["p"]))
    gs = ce_entropic(y, v["qhat0"], v["qhat1"], v["that"], v["phat"], v["shat"], X, W)[0]
    ge = ce_energetic(y, v["q1"], v["q0"], S, S - v["t"], 1 - v["p"], r.kappa, r.kappa_ref, X, W, X, W)[0]
    return conj + gs + r.alpha * ge


# ----------------------------------------------------------------------------- kernels
def test_kernels_reduce_to_unconstrained():
    # identity: with t̂ = p̂ = 0 the entropic term is the unconstrained one, and with κ̃ = -40 (the centre's
    # factor H(x̃) = 1 to e^{-800}) the energetic term is too: against ld_finite_kernels.fy_* (tol 1e-9)
    a = ce_entropic(3.0, 0.2, 0.4, 0.0, 0.0, 0.5, X, W)
    b = fy_entropic(3.0, 0.2, 0.4, 0.5, X, W)
    assert (a[0], a[1], a[2], a[3], a[6]) == pytest.approx(b, abs=1e-9)
    e = ce_energetic(5.0, 0.8, 0.6, 0.7, 0.05, 0.2, 0.0, -40.0, X, W, X, W)
    f = fy_energetic(5.0, 0.8, 0.6, 0.0, X, W)
    assert (e[0], e[2], e[3], e[1]) == pytest.approx(f, abs=1e-9)
    assert e[5] == e[6] == e[7] == 0.0


@pytest.mark.slow
def test_kernels_against_slow_scipy():
    # reference: independent nested scipy quad of G_S and G_E (reference_ld_constrained_slow.py) at a point with
    # an active centre constraint (C² = 0.059, D² = 0.216) and t̂, p̂ ≠ 0; tol 1e-10 (G_S), 1e-9 (G_E)
    assert ce_entropic(3.0, 0.4, 0.6, 0.15, 0.3, 0.5, X, W)[0] == pytest.approx(
        ref.entropic(3.0, 0.4, 0.6, 0.15, 0.3, 0.5), abs=1e-10)
    y, q1, q0, t, p, S = 3.0, 0.8, 0.6, 0.62, 0.7, 0.75
    assert ce_energetic(y, q1, q0, S, S - t, 1 - p, 0.0, 0.0, X, W, X, W)[0] == pytest.approx(
        ref.energetic(y, q1, q0, t, p, S, 0.0, 0.0), abs=1e-9)


# ----------------------------------------------------------------------------- identities
def test_stationarity_by_finite_differences(point):
    # identity: the closed-form conditions (S = E⟨w̃μ⟩, q1 = E⟨μ²⟩, q0 = E⟨μ⟩², t = E⟨w̃⟩⟨μ⟩, p = E⟨w̃⟩²,
    # q̂1 = αE⟨f²⟩, q̂0 = αE⟨f⟩², t̂ = αE⟨f̃⟩⟨f⟩, p̂ = αE⟨f̃⟩²) are the stationarity conditions of Φ: each of the
    # nine partial derivatives of the functional (central differences, h = 1e-5) vanishes (tol 2e-6, the size of
    # the difference quotient's quadrature noise), and its value is the returned Φ (tol 1e-9)
    r = point
    assert functional(r) == pytest.approx(r.Phi, abs=1e-9)
    h = 1e-5
    for name in ("q1", "q0", "t", "p", "qhat1", "qhat0", "that", "phat", "shat"):
        dphi = (functional(r, **{name: h}) - functional(r, **{name: -h})) / (2 * h)
        assert dphi == pytest.approx(0.0, abs=2e-6), name


def test_local_entropy_is_dphi_dy_and_envelope_in_S(point):
    # identities: S_I = dΦ/dy (closed form from the explicit y-dependence against central differences of the solved
    # Φ(y), h = 1e-3·y, tol 1e-6) and dΦ/dS = -yσ_eff, σ_eff = Ŝ - αE⟨f̃f⟩ (central differences in S,
    # h = 1e-5, tol 1e-5); Σ_ext = Φ - yS_I
    r = point
    y = r.y
    up = ld_constrained(0.6, 0.05, y * 1.001, start=r)
    dn = ld_constrained(0.6, 0.05, y * 0.999, start=r)
    assert up.converged and dn.converged
    assert (up.Phi - dn.Phi) / (0.002 * y) == pytest.approx(r.phi, abs=1e-6)
    assert r.sigma_ext == pytest.approx(r.Phi - y * r.phi, abs=1e-12)
    h = 1e-5
    sp = ld_constrained(0.6, 0.05 - h / 2, y, start=r)     # S + h
    sm = ld_constrained(0.6, 0.05 + h / 2, y, start=r)     # S - h
    assert (sp.Phi - sm.Phi) / (2 * h) == pytest.approx(-y * r.sigma_eff, abs=1e-5)
    assert r.sigma_eff != pytest.approx(r.sigma_hat, abs=1e-3)      # the centre term is not negligible here


@pytest.mark.slow
def test_y_to_zero_is_franz_parisi_around_typical_solutions():
    # limit (docs §14): as y → 0 the centre is a uniform solution of margin κ̃ and its copies are counted around
    # it: S_I → φ_FP(κ̃ = κ) (replica.perceptron.franz_parisi, theory §4) and Σ_ext → Φ(0) = φ_Gardner(κ̃).
    # Richardson from y = 0.02, 0.01 (S_I = S_I(0) + O(y)); tol 2e-5 (S_I), 1e-5 (Σ_ext, which is φ_G + O(y²))
    a, d = 0.5, 0.1
    fp = franz_parisi(a, d, "binary", kappa_ref=0.0, kappa=0.0)
    r2 = ld_constrained(a, d, 0.02, start="fp")
    r1 = ld_constrained(a, d, 0.01, start="fp")
    assert r1.converged and r2.converged
    assert 2 * r1.phi - r2.phi == pytest.approx(fp.phi, abs=2e-5)
    assert r1.sigma_ext == pytest.approx(gardner(a, 0.0, "binary").entropy, abs=1e-5)
    # the unconstrained y → 0 limit is the random-centre potential, far from this one (docs §9)
    assert abs(fp.phi - ld_local_entropy(a, d, y=0.01).phi) > 0.05


@pytest.mark.slow
def test_alpha_to_zero():
    # closed form: at α → 0 the conjugates vanish, the centre is uniform and its y copies independent at overlap S:
    # Φ = log 2 + yH₂(d) + α log ∫Dx θ(x - κ̃) H((κ - Sx)/√(1-S²))^y + O(α²), so
    # S_I = H₂(d) + α c1 + O(α²), c1 = the θ(x - κ̃)H^y-tilted mean of log H (scipy quad).  (S_I - H₂)/α from
    # α = 0.04, 0.02 extrapolated linearly to α = 0 against c1, tol 2e-3 (below α ≈ 0.01 the centre–copy
    # coordinates t, p → 0 and hybrd stalls at residual ~1e-4)
    d, y = 0.1, 5.0
    S = 1 - 2 * d
    lh = lambda x: float(log_ndtr(-(0.0 - S * x) / math.sqrt(1 - S * S)))
    wgt = lambda x: math.exp(-0.5 * x * x + y * lh(x))
    c1 = quad(lambda x: wgt(x) * lh(x), 0, 12)[0] / quad(wgt, 0, 12)[0]
    slopes, r = [], "fp"
    for a in (0.04, 0.02):
        r = ld_constrained(a, d, y, start=r, tol=1e-8)    # ill-conditioned as α → 0: residual 1e-8
        assert r.converged
        slopes.append((r.phi - binary_entropy(d)) / a)
    assert 2 * slopes[1] - slopes[0] == pytest.approx(c1, abs=2e-3)


@pytest.mark.slow
def test_large_y_tends_to_unconstrained_y_infinity():
    # limit (docs §14): where the y = ∞ centre violates a negligible mass of patterns (here < 1e-15), the centre's
    # constraint costs nothing at y = ∞ and the constrained S_I(y) tends to the unconstrained y = ∞ S_I
    # (ld_local_entropy, itself checked against reference_ld_slow.py) as O(1/y): y·|S_I(y) - S_∞| stays bounded
    # (its successive values settle: the last change is < 0.6 of the first) and the gap at y = 400 is < 1e-3
    a, d = 0.6, 0.02
    inf = ld_local_entropy(a, d)
    assert inf.ref_violation_mass < 1e-15
    gaps, prev = [], None
    for y in (100.0, 200.0, 400.0):
        prev = ld_constrained(a, d, y, start=prev)
        assert prev.converged
        gaps.append(y * (prev.phi - inf.phi))
    assert abs(gaps[2] - gaps[1]) < 0.6 * abs(gaps[1] - gaps[0]) + 1e-6
    assert abs(gaps[2] / 400.0) < 1e-3


def test_bad_input():
    with pytest.raises(ValueError):
        ld_constrained(0.6, 0.6, 5.0)
    with pytest.raises(ValueError):
        ld_constrained(0.6, 0.05, math.inf)
    with pytest.raises(ValueError):
        ld_constrained(-0.1, 0.05, 5.0)


@pytest.mark.slow
def test_constrained_ystar_threshold_against_literature():
    """Literature: the dense regions of the binary perceptron (κ = 0) break up at α ≈ 0.77–0.78 (Baldassi et al.
    PRL 2015 / PNAS 2016; Stojnic 2025, arXiv:2506.19276: (0.77, 0.78)); tolerance: that interval.

    The constrained-centre y* curve (PRL 2015's measure, Σ_ext(y*) = 0) is monotone in d (σ_eff > 0, no fold) from
    d = 0.1 down to 0.001 at α = 0.775, and not at α = 0.78 (σ_eff < 0 already at d = 0.005): its breakup threshold
    lies in (0.775, 0.78) ⊂ [0.77, 0.78], for any d_min in [0.001, 0.005] (docs/large_deviation.md §10).  ~10 min."""
    assert ystar_monotone(0.775, d_min=0.001)[0]
    assert not ystar_monotone(0.78, d_min=0.005)[0]
