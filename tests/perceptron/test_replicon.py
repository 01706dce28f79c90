"""Replicon (AT) eigenvalues of the perceptron solvers (docs/stability.md), against independent routes.

Each test names its reference:

* two-group check — the 1RSB fixed-point map linearised around RS (docs/stability.md eq. 28), computed here
  with scipy quad and Gauss–Hermite over the within-group field, Richardson-extrapolated in Δ = q1 - q0; it
  contains neither the kernel GH' nor the product γ_S γ_E, so a wrong factor of α, of (1-q) or a wrong γ_S
  shows (rel 2e-5);
* spherical κ = 0 marginal at α_c = 2, and the q → 1 limit λ → α_c(κ)Φ(κ) (closed form);
* κ < 0 AT line against an independent scipy quad + brentq computation (tests/perceptron/reference_slow.py
  for q, quad for E GH'²; |Δα_AT| ≤ 1e-6).  No published α_AT(κ) was found in the stored literature
  (searched: Franz–Parisi 2016 "simplest model of jamming", Franz et al. SciPost 2017, Annesi–Malatesta–
  Zamponi 2024; only abstracts are stored), so the reference is that independent computation;
* binary κ = 0: RS stable up to and beyond the capacity 0.833 (Gardner–Derrida 1988, as quoted by
  Huang–Kabashima 2013, arXiv:1304.2850: "shown to be stable up to the capacity");
* Franz–Parisi and minimiser sectors: identities of the theory (λ_FP(S = q0) = λ_Gardner at κ̃ = κ, to 1e-8;
  at the minimiser's maximum over S, λ = λ_Gardner(α, κ), to 1e-8) and the new integrals against slow
  nested scipy quad (rel 1e-7);
* teacher–student ERM: random-matrix simulation of the minimiser's Hessian, N⁻¹Tr H⁻² / (N⁻¹Tr H⁻¹)² =
  1/(1 - λ_AT) (eq. 8; N = 300, 3 seeds, rel 1.5%), convex ⇒ stable on random points, square closed form;
* teacher–student Bayes: the Nishimori identity λ = F'(q*) (eq. 26) by finite differences of an independent
  quad implementation of the Bayes fixed-point map (rel 1e-6), and the limits α(2/π)² and ½.
"""

import importlib
import math

import mpmath as mp
import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss
from scipy import integrate, optimize, special

from replica.perceptron.fp_energetic import fp_energetic
from replica.perceptron.fp_minimizer import franz_parisi_minimizer
from replica.perceptron.franz_parisi import fp_entropic_binary, franz_parisi
from replica.saddle_point.quadrature import gauss_legendre

from . import reference_slow as ref

gardner_mod = importlib.import_module("replica.perceptron.gardner")
ts = importlib.import_module("replica.perceptron.teacher_student")
gardner, spherical_capacity = gardner_mod.gardner, gardner_mod.spherical_capacity

SQ2PI = math.sqrt(2 * math.pi)
Z1, W1 = hermegauss(80)
W1 = W1 / SQ2PI


def dens(z):
    return np.exp(-0.5 * z * z) / SQ2PI


def gh(x):
    return math.sqrt(2 / math.pi) / special.erfcx(np.asarray(x) / math.sqrt(2))


def curv(x):
    g = gh(x)
    return g * (g - x)


def quad(f, lo=-11.0, hi=11.0, points=None):
    return integrate.quad(lambda z: dens(z) * f(z), lo, hi, points=points, limit=400, epsabs=1e-15,
                          epsrel=1e-11)[0]


# ----------------------------------------------------------------------------------------------- two-group
def _tilted_variance(values, log_weight):
    """Variance of ``values`` over the z1 rule tilted by exp(log_weight) (shifted by the z1 = 0 value)."""
    lw = log_weight - log_weight.max()
    w = W1 * np.exp(lw)
    w /= w.sum()
    f = values - values[len(values) // 2]
    mean = np.dot(w, f)
    return np.dot(w, (f - mean) ** 2)


def _energetic_gain(alpha, kappa, q0, D, m):
    """q̂1 - q̂0 = α E_z0 Var_{z1,m}[∂_ω log H], ω = √q0 z0 + √D z1, q1 = q0 + D, weight H^m."""
    q1 = q0 + D

    def inner(z0):
        x = (kappa - math.sqrt(q0) * z0 - math.sqrt(D) * Z1) / math.sqrt(1 - q1)
        return _tilted_variance(gh(x) / math.sqrt(1 - q1), m * special.log_ndtr(-x))
    return alpha * quad(inner, points=[kappa / math.sqrt(q0)])


def _binary_entropic_gain(qhat0, Dh, m):
    """q1 - q0 = E_z0 Var_{z1,m}[tanh h], h = √q̂0 z0 + √D̂ z1, weight (2cosh h)^m."""
    def inner(z0):
        h = math.sqrt(qhat0) * z0 + math.sqrt(Dh) * Z1
        return _tilted_variance(np.tanh(h), m * np.logaddexp(h, -h))
    return quad(inner, points=[0.0])


def two_group_gain(alpha, kappa, weights, q, qhat, m, D):
    """One round trip δq → δq̂ → δq of the 1RSB map at (q0, q̂0) = RS: spherical weights are Gaussian sites
    with a Lagrange multiplier A = 1/(1-q1), whose tilted within-group variance is D̂(1-q1)²/(1 - mD̂(1-q1))."""
    Dh = _energetic_gain(alpha, kappa, q, D, m)
    if weights == "spherical":
        s = 1 - q - D
        return Dh * s * s / (1 - m * Dh * s) / D
    return _binary_entropic_gain(qhat, Dh, m) / D


@pytest.mark.parametrize("alpha, kappa, weights", [(1.0, 0.0, "spherical"), (1.7, 0.0, "spherical"),
                                                   (4.5, -0.5, "spherical"), (0.6, 0.0, "binary"),
                                                   (1.0, 0.0, "binary"), (0.5, 0.3, "binary")])
def test_replicon_equals_linearised_two_group_map(alpha, kappa, weights):
    """Two-group (1RSB) map linearised around RS: the gain of δ = q1 - q0 → λ_AT as δ → 0, for any block size m
    (eq. 28).  Richardson in D ∈ {2e-4, 1e-4}; rel 2e-5.  (4.5, -0.5) lies beyond the AT line: gain > 1."""
    r = gardner(alpha, kappa, weights)
    for m in (0.3, 0.7):
        g1, g2 = (two_group_gain(alpha, kappa, weights, r.q, r.qhat, m, D) for D in (2e-4, 1e-4))
        assert 2 * g2 - g1 == pytest.approx(r.replicon, rel=2e-5)
    assert r.rs_stable == (r.replicon < 1)


# ------------------------------------------------------------------------------------------ Gardner lines
def test_spherical_kappa0_marginal_at_capacity():
    """κ = 0 (RS exact): λ < 1 below α_c = 2 and λ → 1 as α → 2, with 1 - λ ∝ √(1-q) (the boundary layer of
    width √(1-q) at the kink); checked for 2 - α = 1e-1 … 1e-4 (closer, the solver's 12-node rule, not the
    replicon, limits the accuracy: docs/stability.md §4).  Independent value at 2 - α = 1e-3 (quad, rel 1e-8)."""
    lams, ratios = [], []
    for k in range(1, 5):
        r = gardner(2 - 10.0 ** -k, 0.0)
        assert r.rs_stable and r.replicon < 1
        lams.append(r.replicon)
        ratios.append((1 - r.replicon) / math.sqrt(1 - r.q))
    assert np.all(np.diff(lams) > 0) and 1 - lams[-1] < 5e-3
    assert np.ptp(ratios) < 2e-3 * ratios[0]
    a = 2 - 1e-3
    q, _ = ref.gardner_spherical(a, 0.0)
    s = math.sqrt(1 - q)
    lam = a * quad(lambda z: curv(-math.sqrt(q) * z / s) ** 2, -12, 12, points=[-20 * s, 0.0, 20 * s])
    assert gardner(a, 0.0).replicon == pytest.approx(lam, rel=1e-8)


@pytest.mark.parametrize("kappa", [0.5, -0.5, -1.0])
def test_capacity_limit(kappa):
    """As q → 1, GH'(x)² → θ(z < κ): λ → α_c(κ)Φ(κ) (< 1 iff κ > 0; = 1 at κ = 0).  At α = α_c(1 - 1e-6)
    the distance is O(√(1-q)) (abs 5e-3)."""
    ac = spherical_capacity(kappa)
    r = gardner(ac * (1 - 1e-6), kappa)
    limit = ac * special.ndtr(kappa)
    assert r.replicon == pytest.approx(limit, abs=5e-3)
    assert (limit < 1) == (kappa > 0)


def _reference_lambda(alpha, kappa):
    q, _ = ref.gardner_spherical(alpha, kappa)
    x = lambda z: (kappa - math.sqrt(q) * z) / math.sqrt(1 - q)
    return alpha * quad(lambda z: curv(x(z)) ** 2, -12, 12, points=[kappa / math.sqrt(q)])


@pytest.mark.parametrize("kappa, expected", [(-0.5, 3.9507), (-1.0, 7.8736)])
def test_negative_margin_at_line_below_capacity(kappa, expected):
    """κ < 0: the replicon crosses 1 at α_AT(κ) < α_c(κ) (RS wrong in between).  α_AT from the solver against
    the independent quad + brentq computation (|Δ| ≤ 1e-6); both near the values in docs/stability.md."""
    ac = spherical_capacity(kappa)
    at = optimize.brentq(lambda a: gardner(a, kappa).replicon - 1, 0.3 * ac, ac * (1 - 1e-6), xtol=1e-12)
    at_ref = optimize.brentq(lambda a: _reference_lambda(a, kappa) - 1, at - 0.01, at + 0.01, xtol=1e-10)
    assert at == pytest.approx(at_ref, abs=1e-6)
    assert at == pytest.approx(expected, abs=1e-4)
    assert at < ac
    assert gardner(0.99 * at, kappa).rs_stable and not gardner(min(1.01 * at, 0.5 * (at + ac)), kappa).rs_stable


def test_binary_stable_below_capacity():
    """Binary κ = 0: λ < 1 for α ≤ α_c(0) = 0.833 (RS stable where it describes solutions, Gardner–Derrida
    1988); λ increases with α and crosses 1 only above the capacity, at α ≈ 1.015 (this package's value)."""
    lams = [gardner(a, 0.0, "binary").replicon for a in np.linspace(0.05, 0.833, 12)]
    assert np.all(np.diff(lams) > 0) and max(lams) < 0.6
    at = optimize.brentq(lambda a: gardner(a, 0.0, "binary").replicon - 1, 0.9, 1.1, xtol=1e-8)
    assert 1.0 < at < 1.03


def test_gardner_flags():
    """α = 0: λ = 0; the flag follows the value; a frozen binary saddle has no replicon (NaN, not assessed)."""
    assert gardner(0.0).replicon == 0.0 and gardner(0.0).rs_stable
    r = gardner(4.5, -0.5)
    assert r.replicon > 1 and r.rs_stable is False
    frozen = gardner(1.5, 0.0, "binary", strict=False)
    if frozen.frozen:
        assert math.isnan(frozen.replicon) and frozen.rs_stable is None


# ---------------------------------------------------------------------------------------- Franz–Parisi
@pytest.mark.parametrize("weights, alpha, kappa", [("spherical", 1.0, 0.0), ("spherical", 0.7, 0.5),
                                                   ("spherical", 3.0, -0.5), ("binary", 0.5, 0.0),
                                                   ("binary", 0.3, -0.3)])
def test_fp_replicon_equals_gardner_at_typical_distance(weights, alpha, kappa):
    """κ̃ = κ, S = q0: the constrained copies are typical solutions (Q = s0 = q0, X = x0), so
    λ_FP(S = q0) = λ_Gardner (docs/stability.md §5), to 1e-8.  (Binary: strict=False, the degenerate saddle
    has Q̂q̂0 - ŝ0² = 0 up to rounding; only the replicon is asserted.)"""
    g = gardner(alpha, kappa, weights)
    r = franz_parisi(alpha, (1 - g.q) / 2, weights, kappa, kappa, strict=False)
    assert r.Q == pytest.approx(g.q, abs=1e-8)
    assert r.replicon == pytest.approx(g.replicon, abs=1e-8)


def _slow_fp_curvature(q0, kappa_ref, kappa, S, Q, s0):
    """E_W[GH'(X)²] by nested adaptive quadrature (the structure of reference_slow.fp_energetic)."""
    b = Q - s0 * s0 / q0
    a = 1 - q0 - (S - s0) ** 2 / b
    c = (S - s0) / math.sqrt(b)

    def inner(z0):
        base = kappa_ref - math.sqrt(q0) * z0
        lhx0 = special.log_ndtr(-base / math.sqrt(1 - q0))
        lo, hi = (-12.0, max(12.0, base / c + 12.0)) if c > 0 else (min(-12.0, base / c - 12.0), 12.0)
        pts = sorted(p for p in [(kappa - s0 / math.sqrt(q0) * z0) / math.sqrt(b), base / c] if lo < p < hi)

        def f(eta):
            Y = (base - c * eta) / math.sqrt(a)
            X = (kappa - s0 / math.sqrt(q0) * z0 - math.sqrt(b) * eta) / math.sqrt(1 - Q)
            return math.exp(-0.5 * eta * eta - math.log(SQ2PI) + special.log_ndtr(-Y) - lhx0) * curv(X) ** 2
        return integrate.quad(f, lo, hi, points=pts or None, limit=200, epsabs=1e-13, epsrel=1e-10)[0]
    return quad(inner, -10, 10, points=[kappa_ref / math.sqrt(q0)])


def test_fp_curvature_integral_against_slow():
    """The new output of fp_energetic, E_W[GH'(X)²], at a non-degenerate saddle (κ̃ = 0.3 ≠ κ = 0) against
    nested scipy quad (rel 1e-7)."""
    r = franz_parisi(1.0, 0.1, "spherical", 0.3, 0.0)
    x, w = gauss_legendre(8)
    fast = fp_energetic(r.q0, 0.3, 0.0, r.S, r.Q, r.s0, x, w)[6]
    assert fast == pytest.approx(_slow_fp_curvature(r.q0, 0.3, 0.0, r.S, r.Q, r.s0), rel=1e-7)
    assert r.replicon == pytest.approx(r.alpha * fast, rel=1e-12)


def test_fp_binary_entropic_factor_against_slow():
    """γ_S of the binary constrained copies, E[Σ± ½(1±t0) sech⁴(h ± (ŝ1 - ŝ0))], against nested quad over
    (z0, η) on the full line (the kernel folds z0 ≥ 0; rel 1e-8)."""
    r = franz_parisi(0.5, 0.1, "binary")
    x, w = gauss_legendre(8)
    fast = fp_entropic_binary(r.qhat0, r.Qhat, r.shat0, r.shat1, x, w)[6]
    v = math.sqrt(r.Qhat - r.shat0 ** 2 / r.qhat0)
    dl = r.shat1 - r.shat0
    sech4 = lambda y: 1 / math.cosh(y) ** 4

    def inner(z0):
        t0 = math.tanh(math.sqrt(r.qhat0) * z0)
        m = r.shat0 / math.sqrt(r.qhat0) * z0
        return quad(lambda e: 0.5 * (1 + t0) * sech4(m + v * e + dl) + 0.5 * (1 - t0) * sech4(m + v * e - dl),
                    points=[(-dl - m) / v, (dl - m) / v])
    slow = quad(inner, points=[0.0])
    assert fast == pytest.approx(slow, rel=1e-8)
    e = fp_energetic(r.q0, 0.0, 0.0, r.S, r.Q, r.s0, x, w)
    assert r.replicon == pytest.approx(fast * r.alpha * e[6] / (1 - r.Q) ** 2, rel=1e-10)


@pytest.mark.parametrize("loss, alpha, kappa", [("cross_entropy", 1.0, 0.0), ("square", 1.0, -0.5)])
def test_minimizer_replicon_equals_gardner_at_maximum(loss, alpha, kappa):
    """Around a minimiser, at the maximum of φ(S) (dφ/dS = 0) the constrained copies are typical κ-solutions:
    δ = 0, Q = q_Gardner(α, κ) and λ = λ_Gardner(α, κ) (docs/stability.md §6), to 1e-8."""
    f = lambda d: franz_parisi_minimizer(loss, alpha, d, kappa=kappa, tol=1e-12).dphi_dS
    ds = np.linspace(0.05, 0.4, 8)
    vals = [f(d) for d in ds]
    i = next(j for j in range(len(ds) - 1) if vals[j] < 0 < vals[j + 1])
    d = optimize.brentq(f, ds[i], ds[i + 1], xtol=1e-14)
    r = franz_parisi_minimizer(loss, alpha, d, kappa=kappa, tol=1e-12)
    g = gardner(alpha, kappa)
    assert abs(r.delta) < 1e-8 and r.Q == pytest.approx(g.q, abs=1e-8)
    assert r.replicon == pytest.approx(g.replicon, abs=1e-8)


# --------------------------------------------------------------------------------- teacher–student ERM
def test_ts_erm_convex_losses_stable_on_random_points():
    """Convex loss + ridge: λ_AT ≤ V V̂ = V̂/(λ + V̂) < 1 (eq. 17) on 12 random (loss, α, λ); hinge saturates the
    bound (1 - ∂p/∂ω ∈ {0, 1}); square has λ = α(V/(1+V))² exactly (∂p/∂ω = 1/(1+V))."""
    rng = np.random.default_rng(7)
    for _ in range(12):
        loss = rng.choice(["square", "logistic", "hinge"])
        alpha, lam = 10 ** rng.uniform(-1, 1.3), 10 ** rng.uniform(-2.5, 1)
        r = ts.erm(loss, alpha, lam)
        bound = r.Vhat / (lam + r.Vhat)
        assert r.rs_stable and 0 <= r.replicon <= bound * (1 + 1e-8) < 1
        if loss == "hinge":
            assert r.replicon == pytest.approx(bound, rel=1e-7)
        if loss == "square":
            assert r.replicon == pytest.approx(alpha * (r.V / (1 + r.V)) ** 2, rel=1e-9)


def _ts_logistic_hessian_traces(N, alpha, lam, seed):
    rng = np.random.default_rng(seed)
    P = int(alpha * N)
    teacher = rng.standard_normal(N)
    X = rng.standard_normal((P, N))
    A = np.sign(X @ teacher)[:, None] * X / math.sqrt(N)

    def f(w):
        h = A @ w
        return np.logaddexp(0, -h).sum() + 0.5 * lam * w @ w, -A.T @ special.expit(-h) + lam * w
    w = optimize.minimize(f, np.zeros(N), jac=True, method="L-BFGS-B",
                          options=dict(maxiter=10000, gtol=1e-10, ftol=1e-16)).x
    s = special.expit(A @ w)
    Hi = np.linalg.inv(lam * np.eye(N) + (X.T * (s * (1 - s))) @ X / N)
    return np.trace(Hi) / N, np.sum(Hi * Hi) / N


def test_ts_replicon_against_random_matrix_susceptibility():
    """Zero-temperature spin-glass susceptibility: at the logistic minimiser, N⁻¹Tr H⁻¹ → V and
    N⁻¹Tr H⁻² → V²/(1 - λ_AT) (eq. 8 with ⟨w_i w_j⟩_c = β⁻¹(H⁻¹)_ij).  N = 300, 3 seeds (measured spread 0.3%):
    V within 2%, the ratio within 1.5% (λ_AT = 0.285 here; a factor 2 error in λ would move it by 20%+)."""
    alpha, lam = 2.0, 0.05
    r = ts.erm("logistic", alpha, lam)
    traces = [_ts_logistic_hessian_traces(300, alpha, lam, seed) for seed in range(3)]
    assert np.mean([t1 for t1, _ in traces]) == pytest.approx(r.V, rel=0.02)
    assert np.mean([t2 / t1 ** 2 for t1, t2 in traces]) == pytest.approx(1 / (1 - r.replicon), rel=0.015)


# ------------------------------------------------------------------------------- teacher–student Bayes
def _qhat_of_q(alpha, q):
    """RHS of the Bayes-optimal equation as a map: q̂(q) = (α/π) ∫Dt e^{-qt²/2}/H(-√q t) / √(1-q) (quad)."""
    integral = quad(lambda t: math.exp(-0.5 * q * t * t - special.log_ndtr(math.sqrt(q) * t)), -12, 12)
    return alpha / math.pi * integral / math.sqrt(1 - q)


@pytest.mark.parametrize("alpha", [0.3, 1.0, 3.0, 20.0])
def test_ts_bayes_replicon_is_state_evolution_slope(alpha):
    """Nishimori line: the replicon equals the slope F'(q*) of the Bayes-optimal map F(q) = q̂/(1+q̂)
    (eq. 26), F' = (1-q)² dq̂/dq, by central differences of an independent quad implementation (h = 1e-6 (1-q),
    rel 1e-6).  F'(q*) < 1 (q* attracting), hence λ < 1: RS stable."""
    r = ts.bayes(alpha)
    h = 1e-6 * r.one_minus_q
    slope = (_qhat_of_q(alpha, r.q + h) - _qhat_of_q(alpha, r.q - h)) / (2 * h) * r.one_minus_q ** 2
    assert r.replicon == pytest.approx(slope, rel=1e-6)
    assert r.rs_stable


def test_ts_bayes_replicon_limits():
    """α → 0: λ ≈ α GH'(0)² = α(2/π)²; α → ∞: λ → ½, from ∫Dy GH(y)(GH(y)-y)² = ½ ∫Dy GH(y) (mpmath, 25
    digits) and √(1-q) ≈ π/(α ∫Dy GH(-y))."""
    assert ts.bayes(1e-6).replicon == pytest.approx(1e-6 * (2 / math.pi) ** 2, rel=1e-5)
    with mp.workdps(30):
        G = lambda y: mp.npdf(y) / (mp.erfc(y / mp.sqrt(2)) / 2)
        lhs = mp.quad(lambda y: mp.npdf(y) * G(y) * (G(y) - y) ** 2, [-mp.inf, 0, mp.inf])
        rhs = mp.quad(lambda y: mp.npdf(y) * G(y), [-mp.inf, 0, mp.inf]) / 2
    assert abs(lhs - rhs) < 1e-25
    assert ts.bayes(1e8).replicon == pytest.approx(0.5, abs=1e-7)
    assert all(ts.bayes(a).replicon < 0.5 for a in (0.1, 1.0, 10.0, 1e3))
