"""Local energy of perceptron solutions (replica/perceptron/local_energy.py; docs/theory.md §10, issue 10 parts 5, 6a, 8).

Every numerical test names its reference and tolerance:
  * an independent slow implementation (tests/perceptron/local_energy_reference.py: scipy quad, the
    *density* representation of the typical law as a double integral, brentq prox) — the package uses the
    truncated-tail representation and Gauss–Legendre panels;
  * closed-form limits (small noise: s p(κ⁺)/√(2π) + s² p'(κ⁺)/4; σ → ∞ and p = ½: H(-κ) - P(Δ<κ));
  * orderings that follow from the theory (monotone in the noise, max-margin flatter than typical,
    typical → max-margin as κ̃ → κ_max);
  * finite-N measurements of the noise formula itself on arbitrary weights (fast) and of the whole
    prediction on actual solutions (slow, ``-m slow``).
"""

import json
import math

import numpy as np
import pytest

from replica import solve
from replica.perceptron.gardner import gardner, kappa_max
from replica.perceptron.local_energy import (MaxMarginLaw, _BUILDERS, _law, local_energy, noise_coefficients,
                                              register_reference_law, stability_law)
from replica.perceptron.local_energy_simulate import measure_local_energy
from replica.perceptron.simulate import sample_patterns
from replica.saddle_point.special import H, H_ufunc

from . import local_energy_reference as ref
from .reference_slow import gardner_binary, gardner_spherical

SQ2PI = math.sqrt(2 * math.pi)
pytestmark = pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")


# ----------------------------------------------------------------------------- against the slow reference
@pytest.mark.parametrize("alpha,kref,kappa", [(1.0, 0.0, 0.0), (0.8, 0.3, 0.5), (0.8, 0.3, 0.0), (1.5, -0.3, 0.0)])
def test_typical_spherical_against_double_quad(alpha, kref, kappa):
    # reference: ref.typical_delta_error (double quad over (Δ, z), q from reference_slow's Gardner solver);
    # tol 1e-10 absolute (both sides resolve ~1e-13; q agrees to ~1e-12).  κ > κ̃: patterns between the two
    # margins can be regained; κ̃ < 0: the reference has training errors.
    q, _ = gardner_spherical(alpha, kref)
    for sigma in (0.05, 0.5, 2.0):
        r = local_energy(alpha, sigma=sigma, kappa=kappa, kappa_ref=kref)
        assert r.q == pytest.approx(q, abs=1e-11)
        assert r.delta_train_error == pytest.approx(ref.typical_delta_error(q, kref, kappa, sigma=sigma), abs=1e-10)


@pytest.mark.parametrize("alpha,kref", [(0.5, 0.0), (0.5, 0.2), (0.3, 0.6)])
def test_typical_binary_against_double_quad(alpha, kref):
    # reference: the same double quad with the flip law H(((1-2p)Δ - κ)/(2√(p(1-p)))) written out from the
    # perturbation, q from reference_slow.gardner_binary (plain iteration); tol 1e-9 absolute (q to ~1e-11)
    q, _, _ = gardner_binary(alpha, kref)
    for p in (0.001, 0.05, 0.3):
        r = local_energy(alpha, flip_p=p, weights="binary", kappa_ref=kref)
        assert r.q == pytest.approx(q, abs=1e-10)
        assert r.delta_train_error == pytest.approx(ref.typical_delta_error(q, kref, 0.0, flip_p=p), abs=1e-9)


@pytest.mark.parametrize("alpha,kappa", [(0.5, 0.0), (1.0, 0.3), (2.5, 0.0)])
def test_max_margin_spherical_against_quad(alpha, kappa):
    # reference: atom Φ(κ_max) at κ_max plus ∫_{κ_max} Dz, κ_max by brentq on the closed-form capacity;
    # tol 1e-12 absolute.  α = 2.5: κ_max < 0 (RS only an upper bound there: rs_stable False)
    for sigma in (0.05, 0.5, 3.0):
        r = local_energy(alpha, sigma=sigma, reference="max_margin", kappa=kappa)
        assert r.reference_margin == pytest.approx(ref.max_margin_kappa(alpha), abs=1e-12)
        assert r.delta_train_error == pytest.approx(ref.max_margin_delta_error(alpha, kappa, sigma=sigma), abs=1e-12)
        assert r.q == 1.0 and r.rs_stable == (alpha <= 2)


@pytest.mark.parametrize("loss,kw,param", [("hinge", dict(margin=1.0), 1.0), ("logistic", {}, 0.0),
                                           ("cross_entropy", dict(gamma=2.0), 2.0), ("square", {}, 0.0)])
def test_minimiser_against_quad(loss, kw, param):
    # reference: E_z[P(error | u*(z)) - θ(-u*(z))] by panelled quad, u* = prox by brentq / closed forms,
    # χ from α E(u*-z)² = 1 by brentq; tol 1e-11 absolute on δε, 1e-9 relative on χ
    for sigma in (0.01, 0.05, 0.5):
        r = local_energy(1.0, sigma=sigma, reference=loss, **kw)
        value, chi = ref.minimizer_delta_error(loss, 1.0, param, 0.0, sigma=sigma)
        assert r.chi == pytest.approx(chi, rel=1e-9)
        assert r.delta_train_error == pytest.approx(value, abs=1e-11)


def test_binary_max_margin_is_the_zero_entropy_typical_law():
    # reference: reference_slow.gardner_binary's entropy at the returned κ_max vanishes (tol 1e-7 — the slow
    # solver's own accuracy), and the law there is the typical one (double quad, tol 1e-9)
    r = local_energy(0.5, flip_p=0.02, weights="binary", reference="max_margin")
    q, _, entropy = gardner_binary(0.5, r.reference_margin)
    assert abs(entropy) < 1e-7 and r.q == pytest.approx(q, abs=1e-9) and not r.entropy_negative
    assert r.delta_train_error == pytest.approx(ref.typical_delta_error(q, r.reference_margin, flip_p=0.02), abs=1e-9)


# ----------------------------------------------------------------------------- limits
@pytest.mark.parametrize("alpha,kref", [(1.0, 0.0), (0.5, 0.3), (1.5, 0.0)])
def test_small_sigma_expansion(alpha, kref):
    # closed form: with no stability below κ = κ̃ and density p(κ⁺) at the edge,
    # δε = σ p(κ⁺)/√(2π) + σ² [p'(κ⁺) + κ p(κ⁺)]/4 + O(σ³) (∫_0^∞ H = 1/√(2π), ∫_0^∞ tH = 1/4, ∫_0^∞ G = 1/2;
    # the κp term is the renormalised threshold κ√(1+σ²) ≈ κ + κσ²/2).  p(κ⁺) and p'(κ⁺) from the slow
    # reference density (one-sided differences, step 1e-4); tol: |δε/σ - p/√(2π) - σ(p' + κp)/4| ≤ 20σ²
    # (the σ³ term's coefficient ∫t²H·p''/2 is O(1) here), edge_density to 1e-9
    q, _ = gardner_spherical(alpha, kref)
    h = 1e-4
    p0, p1, p2 = (ref.typical_density(kref + k * h, q, kref) for k in (0, 1, 2))
    slope = (-3 * p0 + 4 * p1 - p2) / (2 * h)
    for sigma in (1e-3, 3e-3):
        r = local_energy(alpha, sigma=sigma, kappa=kref, kappa_ref=kref)
        assert r.edge_density == pytest.approx(p0, abs=1e-9)
        assert abs(r.delta_train_error / sigma - p0 / SQ2PI - sigma * (slope + kref * p0) / 4) <= 20 * sigma ** 2


@pytest.mark.parametrize("kref", [0.0, 0.3])
def test_small_flip_expansion_binary(kref):
    # same closed form with s = 2√(p(1-p))/(1-2p) ≈ 2√p (threshold κ/(1-2p) ≈ κ + κs²/2, so the κp term is the
    # same); p(κ⁺) from the slow reference density (tol 1e-9); tol 20 s²
    q, _, _ = gardner_binary(0.5, kref)
    p0 = ref.typical_density(kref, q, kref)
    h = 1e-4
    p1, p2 = ref.typical_density(kref + h, q, kref), ref.typical_density(kref + 2 * h, q, kref)
    slope = (-3 * p0 + 4 * p1 - p2) / (2 * h)
    for p in (1e-7, 1e-6):
        r = local_energy(0.5, flip_p=p, weights="binary", kappa=kref, kappa_ref=kref)
        s = 2 * math.sqrt(p * (1 - p)) / (1 - 2 * p)
        assert r.noise_scale == pytest.approx(s, rel=1e-14) and r.edge_density == pytest.approx(p0, abs=1e-9)
        assert abs(r.delta_train_error / s - p0 / SQ2PI - s * (slope + kref * p0) / 4) <= 20 * s ** 2


def test_small_sigma_minimiser_with_errors_is_second_order():
    # closed form: a minimiser with training errors has density on both sides of 0, the O(σ) terms of lost and
    # regained patterns cancel (∫(H(t) - θ(-t))dt = 0) and δε = σ² p'(0)/2 + O(σ⁴) (∫t(H(t) - θ(-t))dt = 1/2).
    # Hinge: p(t) = G(t - χ) below the margin, p'(0) = χG(χ); tol 1e-3 relative at σ = 1e-3
    r = local_energy(1.0, sigma=1e-3, reference="hinge", margin=1.0)
    assert r.train_error_0 > 0.05
    assert r.delta_train_error == pytest.approx(1e-6 * r.chi * math.exp(-r.chi ** 2 / 2) / SQ2PI / 2, rel=1e-3)


@pytest.mark.parametrize("reference,kw", [("typical", {}), ("max_margin", {}), ("hinge", {}),
                                          ("cross_entropy", dict(gamma=2.0)), ("logistic", {})])
@pytest.mark.parametrize("kappa", [0.0, 0.4])
def test_large_noise_limit(reference, kw, kappa):
    # closed form: σ → ∞ destroys the stabilities, Δ' → ζ·σ/√(1+σ²) → ζ: train_error → H(-κ) (½ at κ = 0);
    # σ = inf exactly (tol 1e-15), σ = 1e7 within 1e-6
    alpha = 0.8 if reference in ("typical", "max_margin") else 1.0
    inf = local_energy(alpha, sigma=math.inf, reference=reference, kappa=kappa, **kw)
    assert inf.train_error == pytest.approx(H(-kappa), abs=1e-15)
    assert inf.delta_train_error == pytest.approx(H(-kappa) - inf.train_error_0, abs=1e-15)
    big = local_energy(alpha, sigma=1e7, reference=reference, kappa=kappa, **kw)
    assert abs(big.train_error - H(-kappa)) < 1e-6


def test_half_flips_limit_binary():
    # closed form: p = ½ makes w' independent of w: train_error = H(-κ), ½ at κ = 0 (exact)
    for kappa in (0.0, 0.3):
        r = local_energy(0.5, flip_p=0.5, weights="binary", kappa=kappa, kappa_ref=0.3)
        assert r.train_error == H(-kappa) and r.delta_train_error == H(-kappa) - r.train_error_0


def test_alpha_zero_closed_form():
    # closed form: at α = 0 (q = 0) the stabilities of a solution are half-normal, and
    # δε = 2P(U > 0, sV > U) = atan(s)/π for U, V ~ N(0,1) (an angle of the Gaussian plane); tol 1e-14
    for sigma in (0.01, 0.3, 1.0, 5.0):
        assert local_energy(0.0, sigma=sigma).delta_train_error == pytest.approx(math.atan(sigma) / math.pi, abs=1e-14)
    s = 2 * math.sqrt(0.1 * 0.9) / 0.8
    assert local_energy(0.0, flip_p=0.1, weights="binary").delta_train_error == \
        pytest.approx(math.atan(s) / math.pi, abs=1e-14)


def test_no_noise_is_zero():
    # definition: σ = 0 / p = 0 leave w unchanged (exact 0)
    assert local_energy(1.0, sigma=0.0).delta_train_error == 0.0
    assert local_energy(0.5, flip_p=0.0, weights="binary").delta_train_error == 0.0
    assert local_energy(1.0, sigma=0.0, reference="hinge").delta_train_error == 0.0


@pytest.mark.parametrize("reference,weights,kw", [("typical", "spherical", {}), ("max_margin", "spherical", {}),
                                                  ("cross_entropy", "spherical", dict(gamma=2.0)),
                                                  ("typical", "binary", {}), ("max_margin", "binary", {})])
def test_monotone_in_noise(reference, weights, kw):
    # ordering: every pattern's loss probability H(c0 + c1Δ) of a solution (Δ ≥ κ̃ ≥ 0) grows with the noise:
    # δε strictly increasing on a grid (for the cross-entropy minimiser, whose errors are ~1e-6, too)
    if weights == "spherical":
        values = [local_energy(1.0, sigma=s, reference=reference, **kw).delta_train_error
                  for s in np.geomspace(0.05, 20, 15)]
    else:
        values = [local_energy(0.5, flip_p=p, weights="binary", reference=reference).delta_train_error
                  for p in np.linspace(0.005, 0.5, 15)]
    assert np.all(np.diff(values) > 0)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 1.5])
def test_max_margin_flatter_than_typical(alpha):
    # ordering (the seed's flatness claim at the level of the stability laws): with κ_max > 0 (α < 2) the
    # max-margin solution has no stabilities in (0, κ_max), so at small noise it loses exponentially fewer
    # patterns than typical solutions (which have p(0⁺) > 0); checked on σ ∈ [0.01, 0.5]; binary at α = 0.5
    for sigma in (0.01, 0.1, 0.3, 0.5):
        assert local_energy(alpha, sigma=sigma, reference="max_margin").delta_train_error < \
            local_energy(alpha, sigma=sigma).delta_train_error
    for p in (0.001, 0.01, 0.1):
        assert local_energy(0.5, flip_p=p, weights="binary", reference="max_margin").delta_train_error < \
            local_energy(0.5, flip_p=p, weights="binary").delta_train_error


def test_typical_tends_to_max_margin():
    # limit: as κ̃ ↑ κ_max (spherical) q → 1 and the typical law tends to max(z, κ_max) (an independent code
    # path: closed form + 1-D rule); the gap shrinks monotonically and is < 1e-5 at κ̃ = κ_max - 1e-5
    km = kappa_max(1.0)
    target = local_energy(1.0, sigma=0.3, reference="max_margin").delta_train_error
    gaps = [abs(local_energy(1.0, sigma=0.3, kappa_ref=km - e).delta_train_error - target)
            for e in (1e-2, 1e-3, 1e-4, 1e-5)]
    assert np.all(np.diff(gaps) < 0) and gaps[-1] < 1e-5


def test_law_normalisation_and_cdf():
    # identities: ∫p + atoms = 1 and P(Δ < t) = ∫_{κ̃}^t p (scipy quad of the package's density; tol 1e-9);
    # max-margin atom Φ(κ_max); hinge atom Φ(m) - Φ(m - χ)
    from scipy.integrate import quad
    from scipy.special import ndtr
    for law, atom in [(stability_law(1.0), 0.0), (stability_law(0.5, weights="binary", kappa_ref=0.2), 0.0),
                      (stability_law(1.0, "max_margin"), float(ndtr(kappa_max(1.0)))),
                      (stability_law(1.0, "hinge"), None), (stability_law(1.0, "logistic"), 0.0)]:
        lo = law.kappa_ref if math.isfinite(law.kappa_ref) else -14.0
        if atom is None:
            atom = float(ndtr(law.loss_param) - ndtr(law.loss_param - law.chi))
        total = sum(quad(law.density, a, b, limit=200, epsabs=1e-13)[0]
                    for a, b in [(lo, lo + 0.01), (lo + 0.01, 1.0), (1.0, 14.0)])
        assert total + atom == pytest.approx(1.0, abs=1e-9)
        t = 0.7
        part = sum(quad(law.density, a, b, limit=200, epsabs=1e-13)[0] for a, b in [(lo, lo + 0.01), (lo + 0.01, t)])
        assert law.below(t) == pytest.approx(part + (atom if law.name == "max_margin" else 0.0), abs=1e-9)


# ----------------------------------------------------------------------------- the noise formula at finite N
def _instance(weights, seed, n=1000):
    """Gaussian patterns with the labels of an arbitrary w absorbed (all Δ ≥ 0; those in (0, κ) are errors)."""
    rng = np.random.default_rng(seed)
    A = sample_patterns(n, n, rng)
    w = rng.standard_normal(n) if weights == "spherical" else rng.choice([-1.0, 1.0], n)
    return A * np.sign(A @ w)[:, None], w, rng


def _formula_check(weights, noise, kappa, seeds=range(4), draws=100):
    rows = []
    for seed in seeds:
        A, w, rng = _instance(weights, seed)
        rows.append(measure_local_energy(A, w, weights, noise, kappa, draws, rng))
    return np.array(rows)


@pytest.mark.parametrize("weights,noise,kappa", [("spherical", 0.3, 0.0), ("spherical", 0.5, 0.5),
                                                 ("binary", 0.05, 0.0), ("binary", 0.1, 0.3)])
def test_noise_formula_against_direct_perturbation(weights, noise, kappa):
    # finite-N measurement: arbitrary weights (Gaussian / random ±1) on N = P = 1000 Gaussian patterns, δε from
    # 100 perturbations each, against (1/P)Σ_μ[H(c0 + c1Δ_μ) - θ(κ-Δ_μ)] on the same stabilities; tol 4 SE of
    # the paired difference over 4 instances + 1/N (the O(1/N) fluctuation of Σ w_i²ξ_i²/N); κ = 0.5 spherical
    # tells the renormalised stability (Δ + σζ)/√(1+σ²) from the bare one (> 10 SE apart)
    rows = _formula_check(weights, noise, kappa)
    diff = rows[:, 0] - rows[:, 1]
    se = diff.std(ddof=1) / math.sqrt(len(diff))
    assert abs(diff.mean()) <= 4 * se + 1e-3
    if weights == "spherical" and kappa > 0:
        bare = []
        for seed in range(4):
            A, w, _ = _instance(weights, seed)
            delta = A @ w * math.sqrt(1000) / np.linalg.norm(w)
            bare.append(np.mean(H_ufunc((kappa - delta) / noise * -1.0)) - np.mean(delta < kappa))
        assert abs(rows[:, 0].mean() - np.mean(bare)) > 10 * (se + 1e-3)


# ----------------------------------------------------------------------------- input, flags, hook
@pytest.mark.parametrize("kwargs,match", [
    (dict(alpha=1.0, flip_p=0.1), "spherical weights take sigma"),
    (dict(alpha=0.5, sigma=0.1, weights="binary"), "binary weights take flip_p"),
    (dict(alpha=1.0, sigma=-0.1), "sigma must be >= 0"),
    (dict(alpha=0.5, flip_p=0.7, weights="binary"), r"flip_p must be in \[0, 0.5\]"),
    (dict(alpha=1.0, sigma=0.1, reference="svm"), "reference must be one of"),
    (dict(alpha=1.0, sigma=0.1, reference="max_margin", kappa_ref=0.2), "kappa_ref applies to reference=typical"),
    (dict(alpha=0.5, flip_p=0.1, weights="binary", reference="hinge"), "weights must be spherical"),
    (dict(alpha=1.0, sigma=0.1, gamma=2.0), "takes no loss parameters"),
    (dict(alpha=3.0, sigma=0.1), "spherical capacity"),
    (dict(alpha=0.0, sigma=0.1, reference="max_margin"), "alpha must be > 0"),
    (dict(alpha=1.0, sigma=0.1, kappa=math.nan), "kappa must be a finite number"),
    (dict(alpha=1.0, sigma=0.1, weights="ternary"), "weights must be one of"),
])
def test_bad_input_one_line(kwargs, match):
    with pytest.raises(ValueError, match=match) as info:
        local_energy(**kwargs)
    assert "\n" not in str(info.value)


def test_ld_reference_is_a_hook():
    # "ld" is not built in: NotImplementedError naming the hook; a registered builder is used (and cached away).
    # replica.perceptron.ld_local_energy registers the dense-region law on import: set aside here, restored after
    saved = _BUILDERS.pop("ld", None)
    _law.cache_clear()
    with pytest.raises(NotImplementedError, match="register_reference_law"):
        local_energy(0.5, flip_p=0.05, weights="binary", reference="ld")
    km = kappa_max(1.0)
    fake = MaxMarginLaw("ld", "spherical", 1.0, km, 1.0, math.nan, math.nan, True, 0, 0.0,
                        (("status", "ok"), ("replicon", math.nan), ("rs_stable", True),
                         ("entropy_negative", False), ("frozen", False)))
    register_reference_law("ld", lambda alpha, weights, kappa_ref, **params: fake)
    try:
        r = local_energy(1.0, sigma=0.3, reference="ld")
        assert r.delta_train_error == local_energy(1.0, sigma=0.3, reference="max_margin").delta_train_error
    finally:
        _BUILDERS.pop("ld", None)
        if saved is not None:
            _BUILDERS["ld"] = saved
        _law.cache_clear()
    with pytest.raises(ValueError, match="built in"):
        register_reference_law("typical", lambda *a, **k: fake)


def test_flags_pass_through():
    # the Gardner result's flags travel with the answer: binary typical beyond α_c(0) ≈ 0.833 describes an empty
    # set (entropy < 0); the replicon is the Gardner one
    r = local_energy(0.9, flip_p=0.05, weights="binary")
    g = gardner(0.9, 0.0, "binary")
    assert r.entropy_negative and r.converged and r.status == "ok"
    assert (r.replicon == g.replicon) or (math.isnan(r.replicon) and math.isnan(g.replicon))
    assert not local_energy(0.5, flip_p=0.05, weights="binary").entropy_negative


def test_noise_coefficients_closed_forms():
    # closed forms of the derivation: spherical c0 = -κ√(1+σ²)/σ, c1 = 1/σ; binary c0 = -κ/(2√(p(1-p))),
    # c1 = (1-2p)/(2√(p(1-p))) (exact)
    assert noise_coefficients("spherical", 0.5, sigma=2.0) == (-0.5 * math.sqrt(5.0) / 2.0, 0.5)
    root = 2 * math.sqrt(0.1 * 0.9)
    assert noise_coefficients("binary", 0.3, flip_p=0.1) == (-0.3 / root, 0.8 / root)


# ----------------------------------------------------------------------------- CLI
def _run(argv, capsys):
    code = solve.main(argv)
    return code, capsys.readouterr()


def test_cli_rows(capsys):
    # the CLI's rows are the solver's results (equal to 1e-15) with the flag columns
    code, out = _run(["perceptron-local-energy", "--alpha", "1", "--sigma", "0.1,0.5", "--reference",
                      "typical,max_margin", "--format", "json"], capsys)
    rows = json.loads(out.out)
    assert code == 0 and len(rows) == 4
    for row in rows:
        r = local_energy(1.0, sigma=row["sigma"], reference=row["reference"])
        assert row["delta_train_error"] == pytest.approx(r.delta_train_error, abs=1e-15)
        assert row["status"] == "ok" and "rs_stable" in row and "reference_margin" in row
    code, out = _run(["perceptron-local-energy", "--alpha", "0.5", "--weights", "binary", "--flip-p", "0.01",
                      "--format", "json"], capsys)
    assert code == 0 and json.loads(out.out)[0]["flip_p"] == 0.01
    code, out = _run(["perceptron-local-energy", "--alpha", "1", "--reference", "cross_entropy", "--gamma", "2",
                      "--sigma", "0.3", "--format", "json"], capsys)
    row = json.loads(out.out)[0]
    assert code == 0 and row["loss_param"] == 2.0
    assert row["delta_train_error"] == pytest.approx(
        local_energy(1.0, sigma=0.3, reference="cross_entropy", gamma=2.0).delta_train_error, abs=1e-15)


@pytest.mark.parametrize("argv,word", [
    (["--alpha", "1", "--flip-p", "0.1"], "--flip-p"),
    (["--alpha", "0.5", "--weights", "binary", "--sigma", "0.1"], "--sigma"),
    (["--alpha", "1", "--reference", "max_margin", "--kappa-ref", "0.2", "--sigma", "0.1"], "--kappa-ref"),
    (["--alpha", "3", "--sigma", "0.1"], "alpha"),
    (["--alpha", "1", "--sigma", "-1"], "--sigma"),
    (["--alpha", "0.5", "--weights", "binary", "--flip-p", "0.6"], "--flip-p"),
    (["--alpha", "1", "--reference", "ld", "--sigma", "0.1"], "binary"),
])
def test_cli_bad_input_exit_2(argv, word, capsys):
    code, out = _run(["perceptron-local-energy", *argv], capsys)
    assert code == 2 and word in out.err and len(out.err.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- simulations (slow)
N_SE = 3.0
C_FS = 1.0  # finite-size allowance C_FS/N; see the module docstring of the slow tests below


def _close(lines, name, est, theory, n):
    dev = est.mean - theory
    ok = abs(dev) <= N_SE * est.err + C_FS / n
    lines.append(f"{name:28s} theory {theory:.5f}  sim {est.mean:.5f} ± {est.err:.5f}  z = {dev / est.err:+.2f}  "
                 f"N·Δ = {n * dev:+.2f}" + ("" if ok else "   <-- outside"))
    return ok


@pytest.mark.slow
@pytest.mark.parametrize("reference,alpha,noise,kw", [
    ("typical", 0.5, (0.1, 0.3, 1.0), {}),        # exact HMC samples of the solution cone, 2 per instance
    ("max_margin", 0.5, (0.3, 0.6, 1.0), {}),     # hard-margin SVM by NNLS on its dual
    ("logistic", 1.0, (0.1, 0.3, 1.0), {}),       # certified sphere minimiser (has training errors: regains)
])
def test_local_energy_against_simulation(reference, alpha, noise, kw):
    """Measured δε (mean ± SE over 10 instances at N = 1000, 50 noise draws each) within 3 SE + C_FS/N of the
    theory, C_FS = 1: the same runs at N = 500 with 40 instances gave |N·Δ| ≤ 0.9 on every point of these
    three references and of hinge and cross-entropy (γ = 2) minimisers (largest |z| = 1.9), i.e. no
    finite-size bias was resolved at the 1/N level; the allowance covers one.  Also: typical samples' mutual
    overlap → Gardner q, max-margin margin → κ_max(α), minimiser training error → P(u* < 0)."""
    from replica.perceptron.local_energy_simulate import simulate_local_energy
    n = 1000
    sim = simulate_local_energy(reference, alpha, noise, n_features=n, seeds=range(10), n_draws=50,
                                n_solutions=2 if reference == "typical" else 1, **kw)
    lines, ok = [], True
    for k, sigma in enumerate(noise):
        theory = local_energy(alpha, sigma=sigma, reference=reference, **kw)
        ok &= _close(lines, f"{reference} δε(σ={sigma})", sim.delta_train_error[k], theory.delta_train_error, n)
    law = stability_law(alpha, reference, **kw)
    if reference == "typical":
        ok &= _close(lines, "overlap of samples", sim.overlap, law.q, n)
    elif reference == "max_margin":
        ok &= _close(lines, "margin", sim.min_stability, law.kappa_ref, n)
    else:
        ok &= _close(lines, "train error", sim.train_error_0, law.below(0.0), n)
    print("\n".join(lines))
    assert ok, "\n".join(lines)


@pytest.mark.slow
def test_binary_annealed_solutions():
    """Binary ±1 solutions by simulated annealing (α = 0.3, N = 1001, 20 instances, p ∈ {0.01, 0.05}).

    Quantitative: the flip formula on the solutions' own stabilities (at each draw's realised flip fraction)
    matches the direct measurement within 3 SE of the paired difference + 1/N.  Qualitative only: SA does not
    sample solutions uniformly; its solutions are expected to be at least as flat as typical ones — asserted as
    measured ≤ typical theory (averaged over the Binomial(N, p) flip count) + 3 SE.  Measured (N = 1001,
    10 instances): 0.0663 ± 0.0015 vs typical 0.0714 at p = 0.01, 0.1490 ± 0.0021 vs 0.1564 at p = 0.05.
    """
    from scipy.stats import binom

    from replica.perceptron.local_energy_simulate import simulate_local_energy
    n, alpha, flips = 1001, 0.3, (0.01, 0.05)
    sim = simulate_local_energy("typical", alpha, flips, weights="binary", n_features=n, seeds=range(20), n_draws=50)
    lines, ok = [], True
    for k, p in enumerate(flips):
        meas, form = np.array(sim.delta_train_error[k].values), np.array(sim.formula[k].values)
        diff = meas - form
        se = diff.std(ddof=1) / math.sqrt(len(diff))
        ok &= abs(diff.mean()) <= N_SE * se + 1.0 / n
        ks = np.arange(1, int(4 * n * p) + 1)
        weights = binom.pmf(ks, n, p)
        typical = sum(wt * local_energy(alpha, flip_p=kk / n, weights="binary").delta_train_error
                      for kk, wt in zip(ks, weights)) / weights.sum() * (1 - binom.pmf(0, n, p))
        est = sim.delta_train_error[k]
        ok &= est.mean <= typical + N_SE * est.err
        lines.append(f"p={p}: measured {est.mean:.5f} ± {est.err:.5f}, formula on own Δ {form.mean():.5f} "
                     f"(paired diff {diff.mean():+.5f} ± {se:.5f}), typical theory {typical:.5f} "
                     f"(N → ∞: {local_energy(alpha, flip_p=p, weights='binary').delta_train_error:.5f})")
    print("\n".join(lines))
    assert ok, "\n".join(lines)
