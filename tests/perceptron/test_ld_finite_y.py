"""Finite-y dense-region free entropy Φ(y), S_I = ∂Φ/∂y, Σ_ext, y* (issue 10, parts 2 and 3; docs/large_deviation.md
§9–§10).  Each test names its reference and tolerance: the independent slow scipy implementation
(tests/perceptron/reference_ld_finite_slow.py), the y = ∞ solver (itself checked against reference_ld_slow.py),
identities of the theory (envelope theorem, stationarity, the y → ∞ expansion), the y → 0 limit in closed form.
"""

import json
import math

import numpy as np
import pytest

from replica.perceptron.large_deviation import ld_local_entropy, ld_local_entropy_curve, ystar_complete
from replica.perceptron.ld_finite_kernels import fy_energetic, fy_entropic
from replica.saddle_point.quadrature import gauss_legendre
from . import reference_ld_finite_slow as ref

X, W = gauss_legendre(8)


@pytest.fixture(scope="module")
def large_y():
    # α = 0.6, d = 0.05: the y = ∞ point and y = 250 ... 4000, each warm-started from the previous one
    inf = ld_local_entropy(0.6, 0.05)
    pts, prev = {}, None
    for y in (250.0, 500.0, 1000.0, 2000.0, 4000.0):
        prev = ld_local_entropy(0.6, 0.05, y=y)
        pts[y] = prev
    return inf, pts


# ----------------------------------------------------------------------------- kernels
def test_kernels_against_slow():
    # reference: slow adaptive quad_vec over the group variable around every stationary point (brentq), quad over
    # the whole z line; G_S, S, q1, q1 - q0, ∂G_S/∂y and G_E, E⟨GH²⟩, its variance, ∂G_E/∂y; tol 1e-9
    e = ref.energetic(5.0, 0.8, 0.6, 0.0)
    f = fy_energetic(5.0, 0.8, 0.6, 0.0, X, W)
    assert (f[0], f[1], f[2], f[3]) == pytest.approx((e["GE"], e["a"], e["a"] - e["b"], e["dGE"]), abs=1e-9)
    s = ref.entropic(3.0, 0.2, 0.4, 0.5)
    f = fy_entropic(3.0, 0.2, 0.4, 0.5, X, W)
    assert f == pytest.approx((s["GS"], s["S"], s["q1"], s["q1"] - s["q0"], s["dGS"]), abs=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("args", [(30.0, 0.3, 0.33, 0.5), (10.0, 1.4, 1.5, 0.02), (8.0, 0.6, 0.75, -0.2)])
def test_entropic_against_slow_bimodal(args):
    # reference: as above, including ĉ = y(q̂1 - q̂0) > 1 (two maxima of the group exponent) and Ŝ < 0; tol 1e-9
    s = ref.entropic(*args)
    f = fy_entropic(*args, X, W)
    assert f == pytest.approx((s["GS"], s["S"], s["q1"], s["q1"] - s["q0"], s["dGS"]), abs=1e-9)


# ----------------------------------------------------------------------------- identities
def test_stationarity_by_finite_differences():
    # identity: the closed-form conditions (q1 = E⟨m²⟩, q0 = E⟨m⟩², S = E⟨w̃m⟩, q̂1 = αE⟨GH²⟩/(1-q1),
    # q̂0 = αE⟨GH⟩²/(1-q1)) are the stationarity conditions of Φ as printed in docs/theory.md §8: every partial derivative
    # of the functional (assembled from the kernels' G_S, G_E) vanishes at the saddle (central differences
    # h = 1e-5, tol 1e-6); its value is the returned Φ (tol 1e-10)
    r = ld_local_entropy(0.6, 0.05, y=10.0)
    y, S, a = 10.0, r.S, 0.6

    def phi(q1, q0, qh1, qh0, sh):
        conj = -y * sh * S - 0.5 * y * qh1 * (1 + (y - 1) * q1) + 0.5 * y * y * qh0 * q0
        return conj + fy_entropic(y, qh0, qh1, sh, X, W)[0] + a * fy_energetic(y, q1, q0, 0.0, X, W)[0]

    x = [r.q1, r.q0, r.qhat1, r.qhat0, r.sigma_hat]
    assert phi(*x) == pytest.approx(r.Phi, abs=1e-10)
    h = 1e-5
    for k in range(5):
        up, dn = list(x), list(x)
        up[k] += h
        dn[k] -= h
        assert (phi(*up) - phi(*dn)) / (2 * h) == pytest.approx(0.0, abs=1e-6)


def test_local_entropy_is_dphi_dy_and_envelope_in_S():
    # identities: S_I = dΦ/dy (the closed form from the explicit y-derivative against central differences of the
    # solved Φ(y), h = 1e-3·y, tol 1e-7) and dΦ/dS = -yŜ (central differences in S, h = 1e-5, tol 1e-6)
    y, d = 10.0, 0.05
    r = ld_local_entropy(0.6, d, y=y)
    up = ld_local_entropy(0.6, d, y=y * 1.001, start=None)
    dn = ld_local_entropy(0.6, d, y=y * 0.999, start=None)
    assert (up.Phi - dn.Phi) / (0.002 * y) == pytest.approx(r.phi, abs=1e-7)
    assert r.sigma_ext == pytest.approx(r.Phi - y * r.phi, abs=1e-12)
    h = 1e-5
    sp = ld_local_entropy(0.6, d - h / 2, y=y, start=r)     # S + h
    sm = ld_local_entropy(0.6, d + h / 2, y=y, start=r)     # S - h
    assert (sp.Phi - sm.Phi) / (2 * h) == pytest.approx(-y * r.sigma_hat, abs=1e-6)


def test_large_y_approaches_y_infinity(large_y):
    # limit (docs §9): Φ = yS_∞ + Σ_∞ + C/y + O(1/y²) ⇒ S_I = ∂Φ/∂y = S_∞ - C/y² + O(1/y³) (the O(1/y) term of
    # S_I vanishes: y(S_I - S_∞) → 0 like 1/y) and Σ_ext = Σ_∞ + 2C/y.  Checks: y²(S_I - S_∞) converges
    # (Richardson: successive differences shrink by ≈ 2), the C it gives equals y·(Σ_ext(y) - Σ_ext(2y)) (tol 2 %),
    # the order parameters approach the y = ∞ ones (δq, ĉ, q1, q̂0, Ŝ → δq, ĉ, q1, q̂0, σ̂: y·Δ converges)
    inf, pts = large_y
    ys = sorted(pts)
    c_si = [-y * y * (pts[y].phi - inf.phi) for y in ys]
    diffs = np.diff(c_si)
    assert all(abs(b) < 0.7 * abs(a) for a, b in zip(diffs, diffs[1:]))
    assert all(abs(y * (pts[y].phi - inf.phi)) < 5.0 / y for y in ys)
    c_sig = [y * (pts[y].sigma_ext - pts[2 * y].sigma_ext) for y in ys[:-1]]
    assert c_sig[-1] == pytest.approx(c_si[-1], rel=0.02)
    for name in ("dq", "chat", "q1", "qhat0", "sigma_hat"):
        g = [y * (getattr(pts[y], name) - getattr(inf, name)) for y in ys]
        dg = np.diff(g)
        assert abs(dg[-1]) < 0.6 * abs(dg[0]) + 1e-9, name


def test_large_y_reproduces_the_breakup_conjugate():
    # independent check of the y = ∞ equations where the threshold is decided (α = 0.75, d = 0.021: σ̂ near its
    # minimum, ĉ > 1): the finite-y Ŝ approaches σ̂ as 1/y (y·(Ŝ - σ̂) converges, Richardson), and the Richardson
    # extrapolation 2Ŝ(2y) - Ŝ(y) equals σ̂ to 2e-6
    inf = ld_local_entropy(0.75, 0.021)
    sh = {y: ld_local_entropy(0.75, 0.021, y=y).sigma_hat for y in (2500.0, 5000.0, 10000.0)}
    g = [y * (sh[y] - inf.sigma_hat) for y in sorted(sh)]
    assert abs(g[2] - g[1]) < 0.6 * abs(g[1] - g[0])
    assert 2 * sh[10000.0] - sh[5000.0] == pytest.approx(inf.sigma_hat, abs=2e-6)


def test_y_to_zero_is_random_centre_reference():
    # limit (docs §9): y → 0 weighs centres uniformly, so S_I(0) = E (1/N) log N(w̃, d) over uniformly random w̃
    # = (gauge symmetry) the binary Gardner entropy at fixed magnetisation S (slow reference, independent RS
    # solve); Richardson in y from y = 0.1, 0.05, 0.025, tol 1e-4.  Φ → log 2 (tol y/2) and Σ_ext = Φ - yΦ' → log 2 as y² (tol 0.1y²).
    # NB: not the Franz–Parisi potential around typical *solutions* (κ̃ = κ): the centre is unconstrained; that
    # limit is the constrained centre's (PRL 2015's X(w̃) kept), which differs by > 0.1 here.
    from replica.perceptron import franz_parisi
    a, d = 0.2, 0.2
    s = {y: ld_local_entropy(a, d, y=y) for y in (0.1, 0.05, 0.025)}
    r1 = 2 * s[0.05].phi - s[0.1].phi
    r2 = 2 * s[0.025].phi - s[0.05].phi
    extrapolated = (4 * r2 - r1) / 3
    exact = ref.fixed_magnetisation_entropy(a, 1 - 2 * d)
    assert extrapolated == pytest.approx(exact, abs=1e-4)
    for y, r in s.items():
        assert r.converged and r.Phi == pytest.approx(math.log(2), abs=0.5 * y)
        assert r.sigma_ext == pytest.approx(math.log(2), abs=0.1 * y * y)
    assert franz_parisi(a, d, "binary", kappa_ref=0.0, kappa=0.0).phi > exact + 0.1


# ----------------------------------------------------------------------------- y*
def test_y_star():
    # definition: Σ_ext(y*) = 0 (tol 1e-9); at α = 0.6, d = 0.05 Σ_ext(y = ∞) < 0, so y* is finite (between 10 and
    # 20, docs §10) and S_I(y*) lies below S_I(∞) (y = ∞ overestimates) and above S_I(y*/2)
    r = ld_local_entropy(0.6, 0.05, y="star")
    assert r.branch == "y-star" and r.converged and 10 < r.y < 20
    assert r.sigma_ext == pytest.approx(0.0, abs=1e-9)
    inf = ld_local_entropy(0.6, 0.05)
    assert ld_local_entropy(0.6, 0.05, y=r.y / 2).phi < r.phi < inf.phi


@pytest.mark.slow
def test_y_star_threshold_bracket():
    # the y* curve from d = 0.1 reaches d = 0.005 with Ŝ > 0 at α = 0.765 and folds (ends near d ≈ 0.043) at
    # α = 0.7675: α_U(y*) ∈ (0.765, 0.7675), above the y = ∞ breakup 0.7553 (docs §10)
    ok, pts = ystar_complete(0.765)
    assert ok and pts[-1][0] == pytest.approx(0.005)
    ok, pts = ystar_complete(0.7675)
    assert not ok and 0.03 < pts[-1][0] < 0.06


@pytest.mark.slow
def test_point_against_slow_reference():
    # reference: the slow stationarity conditions (direct tilted averages, adaptive quadrature) vanish at the fast
    # saddle (tol 1e-8), and the slow S_I (central difference of the slow functional in y at fixed order
    # parameters) equals the fast closed form (tol 1e-8); α = 0.6, d = 0.05, y = 5
    r = ld_local_entropy(0.6, 0.05, y=5.0)
    x = np.array([r.q1, r.q0, r.qhat1, r.qhat0, r.sigma_hat])
    assert np.max(np.abs(ref.equations(x, 5.0, 0.6, 0.0, r.S))) < 1e-8
    f = lambda yy: ref.functional(yy, 0.6, 0.0, r.S, *x)
    assert f(5.0) == pytest.approx(r.Phi, abs=1e-9)
    assert (f(5.0005) - f(4.9995)) / 1e-3 == pytest.approx(r.phi, abs=1e-8)


# ----------------------------------------------------------------------------- API, CLI, input
def test_curve_and_warm_start():
    # the curve at finite y equals point solves (tol 1e-10); a finite-y start at the same y is used directly
    ds = [0.1, 0.05]
    curve = ld_local_entropy_curve(0.6, ds, y=10.0)
    for d, r in zip(ds, curve):
        assert r.branch == "finite-y" and r.phi == pytest.approx(ld_local_entropy(0.6, d, y=10.0).phi, abs=1e-10)
    warm = ld_local_entropy(0.6, 0.049, y=10.0, start=curve[1])
    assert warm.converged and warm.iterations < 60


def test_cli_y(capsys):
    from replica import solve
    code = solve.main(["ld-local-entropy", "--alpha", "0.6", "--d", "0.05", "--y", "10,inf", "--format", "json"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0 and [r["branch"] for r in rows] == ["finite-y", "dense"]
    assert rows[0]["phi"] == pytest.approx(ld_local_entropy(0.6, 0.05, y=10.0).phi, abs=1e-10)
    assert rows[0]["sigma_ext"] is not None and rows[1]["Phi"] is None
    code = solve.main(["ld-local-entropy", "--alpha", "0.6", "--d", "0.05", "--y", "-2"])
    out = capsys.readouterr()
    assert code == 2 and "--y" in out.err and len(out.err.strip().splitlines()) == 1


def test_bad_y():
    for bad in (0.0, -1.0, "starr", math.nan):
        with pytest.raises(ValueError):
            ld_local_entropy(0.5, 0.1, y=bad)


def test_finite_y_from_a_saturated_y_infinity_start():
    # regression: at α = 0.3, d = 0.01 the y = ∞ branch is saturated (δq ~ 1e6 ≫ y, S_I ≈ H₂(d)), so the y = ∞ state
    # gives q0 = q1 - δq/y < 0 at every finite y; y="star" overflowed (expm1 of a wandering Newton step).  Reference:
    # the y → ∞ limit S_I(y) = S_∞ - C/y² (docs §9): at y = 1000 within 1e-4 of S_∞; Σ_ext(1000) > 0, so y* = ∞
    # and the y* answer is the y = ∞ one; the finite-y S_I ≤ H₂(d) (α → 0 envelope) at y = 10
    inf = ld_local_entropy(0.3, 0.01)
    big = ld_local_entropy(0.3, 0.01, y=1000.0)
    assert big.converged and abs(big.phi - inf.phi) < 1e-4 and big.sigma_ext > 0
    star = ld_local_entropy(0.3, 0.01, y="star")
    assert star.converged and star.y == math.inf and star.phi == pytest.approx(inf.phi, abs=1e-12)
    small = ld_local_entropy(0.3, 0.01, y=10.0)
    assert small.converged and small.phi <= -0.01 * math.log(0.01) - 0.99 * math.log(0.99)
