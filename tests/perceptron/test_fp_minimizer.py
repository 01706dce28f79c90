"""Local entropy around loss minimisers: slow reference (χ, φ and its stationarity), dφ/dS, β = 0 limit."""

import math

import pytest

from replica.perceptron import franz_parisi_minimizer, reference_chi
from replica.perceptron.fp_minimizer import stabilities
from . import reference_slow as ref


def test_chi_against_slow():
    # slow scipy brentq-in-quad reference for α E(u*-z)² = 1, cross-entropy γ = 2; tol 1e-8 relative
    assert reference_chi("cross_entropy", 1.0, gamma=2.0) == pytest.approx(ref.ce_chi(1.0, 2.0), rel=1e-8)


def test_phi_and_stationarity_against_slow():
    # slow quad φ(Q, δ) at the fast solution: value (tol 1e-8) and zero gradient by central FD (h=1e-4, tol 1e-6)
    gamma, alpha, d = 2.0, 1.0, 0.05
    r = franz_parisi_minimizer("cross_entropy", alpha, d, gamma=gamma)
    chi = ref.ce_chi(alpha, gamma)
    phi = lambda Q, dl: ref.fp_minimizer_phi(alpha, r.S, Q, dl, 0.0, lambda z: ref.ce_prox(z, chi, gamma))
    assert r.phi == pytest.approx(phi(r.Q, r.delta), abs=1e-8)
    h = 1e-4
    assert (phi(r.Q + h, r.delta) - phi(r.Q - h, r.delta)) / (2 * h) == pytest.approx(0.0, abs=1e-6)
    assert (phi(r.Q, r.delta + h) - phi(r.Q, r.delta - h)) / (2 * h) == pytest.approx(0.0, abs=1e-6)


def test_dphi_dS_finite_differences():
    # identity: dφ/dS = -½ dφ/dd along the solved curve; central FD at h = 2e-4, 1e-4 with Richardson
    # extrapolation (removes the O(h²) term); tol 1e-8
    d = 0.05
    f = lambda x: franz_parisi_minimizer("cross_entropy", 1.0, x, gamma=5.0, tol=1e-13).phi
    D = lambda h: (f(d - h / 2) - f(d + h / 2)) / (2 * h)
    fd = D(1e-4) + (D(1e-4) - D(2e-4)) / 3
    assert franz_parisi_minimizer("cross_entropy", 1.0, d, gamma=5.0, tol=1e-13).dphi_dS == pytest.approx(fd, abs=1e-8)


def test_ce_minimiser_is_flat_at_large_gamma():
    # β = 0 identity: unconstrained copies have Q = S², δ = S, φ = ½log(1-S²); when the minimiser's
    # violated fraction at distance d is ~0 (γ = 20), φ_FP must equal the shell volume (tol 1e-6)
    r = franz_parisi_minimizer("cross_entropy", 1.0, 0.002, gamma=20.0)
    assert r.violated_random < 1e-6
    assert r.phi == pytest.approx(0.5 * math.log(1 - r.S ** 2), abs=1e-6)


def test_stabilities_square_closed_form():
    # closed form: square loss prox u* = (z + χ)/(1 + χ) with χ from α E(u*-z)² = 1 ⇔ χ = 1/(√(α·2)-1)... checked via
    # α(χ/(1+χ))² E(1-z)² = 1 ⇒ χ/(1+χ) = 1/√(2α); tol 1e-10
    alpha = 2.0
    chi = reference_chi("square", alpha)
    assert chi / (1 + chi) == pytest.approx(1 / math.sqrt(2 * alpha), rel=1e-10)
    assert stabilities("square", alpha, 0.3) == pytest.approx((0.3 + chi) / (1 + chi), rel=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="^alpha must be > capacity"):
        franz_parisi_minimizer("hinge", 0.3, 0.1, margin=1.0)
    with pytest.raises(ValueError, match="^gamma must be > 0"):
        franz_parisi_minimizer("cross_entropy", 1.0, 0.1, gamma=-1.0)
    with pytest.raises(ValueError, match="^weights must be spherical or binary"):
        franz_parisi_minimizer("logistic", 1.0, 0.1, weights="ternary")


def test_hinge_minimiser_branch_ends_by_freezing():
    # the hinge (margin 1) minimiser at α = 1 violates a fraction Φ(-χ) = 8.5% of the patterns (margin 0), so
    # margin-0 solutions cannot be found arbitrarily close to it: the saddle's 1 - Q → 0 at d ≈ 0.009 and
    # below there is no RS saddle.  The old solver (absolute residual in Q) "converged" there to φ ~ -1e12.
    from replica.saddle_point import ConvergenceError
    r = franz_parisi_minimizer("hinge", 1.0, 0.0095, margin=1.0)
    assert r.converged and 1 - r.Q < 1e-3 and r.phi < franz_parisi_minimizer("hinge", 1.0, 0.0113, margin=1.0).phi
    with pytest.raises(ConvergenceError, match="freeze"):
        franz_parisi_minimizer("hinge", 1.0, 0.008, margin=1.0)


# --------------------------------------------------------------------------- range of α (finite χ)
def _m2_smooth_reference(chi, gamma):
    """Independent E(u*-z)² for cross-entropy with sharpness γ (γ = 1/2 is logistic): u* is the root of
    ``u - z = χ σ(-2γu)`` (ℓ'_γ(u) = -σ(-2γu), no cancellation at large γu) by scipy brentq, integrated
    with scipy quad over |z| ≤ 12 (rel 1e-12)."""
    from scipy.integrate import quad
    from scipy.optimize import brentq
    from scipy.special import expit

    def u_of(z):
        return brentq(lambda u: u - z - chi * expit(-2 * gamma * u), z, z + chi, xtol=1e-14, rtol=1e-15, maxiter=500)

    g = lambda z: (u_of(z) - z) ** 2 * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    return quad(g, -12, 12, points=[0.0], limit=400, epsabs=0, epsrel=1e-12)[0]


def test_square_alpha_range_message_and_cli():
    """Closed form (docs/perceptron.md, "Range of α"): square loss needs α > 1/2.  The error is one line
    naming the loss, alpha and the range, raised before any solving; the CLI exits 2 with it."""
    import subprocess
    import sys

    for alpha in (0.5, 0.2):
        with pytest.raises(ValueError, match=r"^alpha must be > 0\.5 for the square-loss minimiser") as info:
            franz_parisi_minimizer("square", alpha, 0.1)
        assert "\n" not in str(info.value) and f"got {alpha}" in str(info.value)
    out = subprocess.run([sys.executable, "-m", "replica.solve", "franz-parisi-minimizer", "--loss", "square",
                          "--alpha", "0.5", "--d", "0.1"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "alpha must be > 0.5 for the square-loss minimiser" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("eps", [1e-12, 1e-6, 1e-3, 1.0])
def test_square_chi_near_boundary_closed_form(eps):
    """Closed form χ = 1/(√(2α) - 1) (α E(u*-z)² = 2α χ²/(1+χ)² = 1), evaluated with mpmath at 30 digits,
    at α = ½(1+ε)² so that χ ≈ 1/ε: just above the boundary χ is huge.  Tolerance rel 1e-12.  Also the
    quadrature of α E(u*-z)² at that χ (reference_moments) equals 1 to rel 1e-12."""
    import mpmath as mp
    from replica.perceptron.fp_minimizer import NODES, reference_moments
    from replica.saddle_point.losses import loss_code
    from replica.saddle_point.quadrature import gauss_legendre

    alpha = 0.5 * (1 + eps) ** 2
    with mp.workdps(30):
        exact = float(1 / (mp.sqrt(2 * mp.mpf(alpha)) - 1))
    chi = reference_chi("square", alpha)
    assert chi == pytest.approx(exact, rel=1e-12)
    # χ ≈ 1/ε up to O(ε) and the rounding of α to double (relative ~1e-16/ε in 2α - 1)
    assert chi == pytest.approx(1 / eps, rel=1e-3 if eps < 1e-3 else 1e-2)
    kind, param = loss_code("square", None)
    x, w = gauss_legendre(NODES)
    assert alpha * reference_moments(kind, param, chi, 0.0, 0.0, x, w)[0] == pytest.approx(1.0, rel=1e-12)


def test_square_boundary_is_where_interpolators_reach_the_sphere():
    """Independent check of α = 1/2 (simulation with its own exact finite-N mean): the minimum-norm
    interpolator of ``ξ^μ·w/√N = 1`` has ``E‖w‖²/N = P/(N-P-1)`` (inverse-Wishart mean), → α/(1-α), which
    crosses 1 at α = 1/2: below, zero-loss vectors exist on the sphere (χ = ∞).  N = 1500, one seed per α;
    tolerance 5 % of the mean (fluctuations are O(N^-1/2))."""
    import numpy as np

    rng = np.random.default_rng(0)
    n = 1500
    for alpha in (0.4, 0.6):
        p = int(alpha * n)
        X = rng.standard_normal((p, n))
        w = math.sqrt(n) * np.linalg.lstsq(X, np.ones(p), rcond=None)[0]
        norm = w @ w / n
        assert norm == pytest.approx(p / (n - p - 1), rel=0.05)
        assert (norm < 1) == (alpha < 0.5)
    assert reference_chi("square", 0.6) > 0
    with pytest.raises(ValueError):
        reference_chi("square", 0.4)


@pytest.mark.parametrize("margin", [1.0, 0.0, -0.5])
def test_hinge_chi_near_capacity_closed_form(margin):
    """Closed form: hinge with margin m has ``E(u*-z)² = 1/α_c(m) - T(χ)``, ``T = (1+m²-χ²)Φ(x) + (2m-x)G(x)``,
    ``x = m - χ`` (the capped part of the patterns beyond the margin); so a finite χ exists iff α > α_c(m)
    (Gardner capacity) and χ → ∞ there.  χ at α = α_c(1+ε) is checked against the root of α(1/α_c - T) = 1
    by scipy brentq (rel 1e-8); below/at α_c the one-line error names the capacity."""
    from scipy.optimize import brentq
    from scipy.stats import norm
    from replica.perceptron.fp_minimizer import minimizer_alpha_min
    from replica.perceptron.gardner import spherical_capacity

    ac = spherical_capacity(margin)
    assert minimizer_alpha_min("hinge", margin=margin) == pytest.approx(ac, rel=1e-14)
    T = lambda c: (1 + margin ** 2 - c * c) * norm.cdf(margin - c) + (margin + c) * norm.pdf(margin - c)
    chis = []
    for eps in (1e-6, 1e-3, 1.0):
        alpha = ac * (1 + eps)
        exact = brentq(lambda c: alpha * (1 / ac - T(c)) - 1, 1e-6, 40, xtol=1e-14, rtol=1e-15)
        chis.append(reference_chi("hinge", alpha, margin=margin))
        assert chis[-1] == pytest.approx(exact, rel=1e-8)
    assert chis[0] > chis[1] > chis[2]  # χ grows towards the boundary
    with pytest.raises(ValueError, match=rf"^alpha must be > capacity\(margin={margin:g}\)="):
        reference_chi("hinge", ac, margin=margin)


@pytest.mark.parametrize("gamma", [0.5, 2.0, 5.0, 50.0])
def test_smooth_losses_alpha_min(gamma):
    """Logistic and cross-entropy: a finite χ exists for every α > 0 mathematically, but log χ grows like
    2γ κ_max(α); the solver resolves χ ≤ e^60, so α_min = 1/E(u*-z)²|_{χ=e^60}.  Reference: the independent
    scipy prox + quad ``_m2_smooth_reference`` (rel 1e-5: the package's z rule resolves the γ = 50 kink of
    u*(z) to ~5e-6).  Just above α_min the root sits at log χ ≈ 60 (abs 1e-3); just below, one-line error."""
    from replica.perceptron.fp_minimizer import LOG_CHI_MAX, minimizer_alpha_min

    loss, kw = ("logistic", {}) if gamma == 0.5 else ("cross_entropy", {"gamma": gamma})
    a_min = minimizer_alpha_min(loss, **kw)
    assert a_min == pytest.approx(1 / _m2_smooth_reference(math.exp(LOG_CHI_MAX), gamma), rel=1e-5)
    assert 0 < a_min < 2  # γ → ∞ is the perceptron loss max(0, -h): capacity 2
    assert math.log(reference_chi(loss, a_min * (1 + 1e-9), **kw)) == pytest.approx(LOG_CHI_MAX, abs=1e-3)
    with pytest.raises(ValueError, match=rf"^alpha must be > [0-9.e+-]+ for the {loss}") as info:
        franz_parisi_minimizer(loss, a_min * (1 - 1e-9), 0.1, **kw)
    assert "\n" not in str(info.value)
    shown = float(str(info.value).split()[4])  # the bound, rounded up to 6 digits
    assert a_min <= shown <= a_min * (1 + 1e-5)


def test_smooth_losses_alpha_min_identities():
    """Identities: cross-entropy at γ = 1/2 is the logistic loss (equal α_min to rel 1e-14); α_min(γ)
    increases with γ towards the perceptron-loss capacity 2 (γ = 1e4 within 1 %)."""
    from replica.perceptron.fp_minimizer import minimizer_alpha_min

    assert minimizer_alpha_min("cross_entropy", gamma=0.5) == pytest.approx(minimizer_alpha_min("logistic"), rel=1e-14)
    values = [minimizer_alpha_min("cross_entropy", gamma=g) for g in (1.0, 5.0, 50.0, 1e3, 1e4)]
    assert all(a < b for a, b in zip(values, values[1:]))
    assert values[-1] == pytest.approx(2.0, rel=1e-2)
