"""Replicon kernels (replica.saddle_point.stability) against independent references.

References and tolerances, per test: mpmath at 50 digits (GH' = -d² log H/dx², rel 1e-12 where representable),
scipy.stats.truncnorm (GH' = 1 - Var(z | z > x), rel 1e-9), central finite differences of scipy's log_ndtr
(∂²_ω log H, rel 1e-6), scipy.integrate.quad (Gaussian averages, rel 1e-10), a finite-n log-det Hessian
(spherical γ_S, rel 1e-6) and a scipy.optimize Moreau envelope (moreau_d2, rel 1e-5).
"""

import math

import mpmath as mp
import numpy as np
import pytest
from scipy import integrate, optimize, special, stats

from replica.saddle_point.quadrature import gauss_hermite, gauss_legendre, gaussian_panels
from replica.saddle_point.stability import (binary_gamma_s, constraint_d2, constraint_gamma_e, erm_replicon,
                                            gh_curvature, moreau_d2, replicon, spherical_gamma_s)

GRID = np.concatenate([np.linspace(-38.0, 60.0, 491), [3.999999, 4.0, 4.000001, 1e3, 1e6, 1e150]])


def dens(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def mp_curvature(x):
    with mp.workdps(50):  # local: other test modules set the global precision
        x = mp.mpf(x)
        gh = mp.npdf(x) / (mp.erfc(x / mp.sqrt(2)) / 2)
        return gh * (gh - x)


@pytest.mark.parametrize("x", GRID)
def test_gh_curvature_against_mpmath(x):
    """GH'(x) = GH(GH - x) at 50 digits; rel 1e-12 wherever the value is a normal double."""
    ref = mp_curvature(x)
    if ref < 1e-300:
        assert 0.0 <= gh_curvature(x) < 1e-290
    else:
        assert abs(gh_curvature(x) - float(ref)) <= 1e-12 * float(ref)


@pytest.mark.parametrize("x", [-3.0, -0.4, 0.0, 0.7, 2.5])
def test_gh_curvature_is_minus_second_derivative_of_log_H(x):
    """-d² log H/dx² by mpmath's numerical differentiation (rel 1e-12)."""
    ref = -mp.diff(lambda t: mp.log(mp.erfc(t / mp.sqrt(2)) / 2), mp.mpf(x), 2)
    assert gh_curvature(x) == pytest.approx(float(ref), rel=1e-12)


@pytest.mark.parametrize("x", [-5.0, -1.0, 0.0, 1.0, 3.0, 5.0])
def test_gh_curvature_is_one_minus_truncated_variance(x):
    """GH'(x) = 1 - Var(z | z > x) (scipy.stats.truncnorm), so 0 < GH' < 1 (rel 1e-9)."""
    assert gh_curvature(x) == pytest.approx(1.0 - stats.truncnorm(x, np.inf).var(), rel=1e-9)


@pytest.mark.parametrize("kappa, q, omega", [(0.0, 0.3, 0.2), (-1.0, 0.8, 0.5), (0.5, 0.95, -0.3), (2.0, 0.5, 4.0)])
def test_constraint_d2_against_finite_differences(kappa, q, omega):
    """∂²_ω log H((κ-ω)/√(1-q)) by central differences of scipy.special.log_ndtr (h = 1e-4, rel 1e-6)."""
    f = lambda w: special.log_ndtr(-(kappa - w) / math.sqrt(1 - q))
    h = 1e-4
    fd = (f(omega + h) - 2 * f(omega) + f(omega - h)) / h ** 2
    assert constraint_d2((kappa - omega) / math.sqrt(1 - q), 1 - q) == pytest.approx(fd, rel=1e-6)


@pytest.mark.parametrize("alpha, kappa, q", [(1.0, 0.0, 0.4), (3.0, -0.5, 0.7), (0.5, 1.0, 0.2)])
def test_constraint_gamma_e_against_quad(alpha, kappa, q):
    """α E_z[(∂²_ω log H)²] with a 200-node Gauss–Hermite rule against scipy quad of the FD-free formula
    written with erfcx (rel 1e-10)."""
    gh = lambda x: math.sqrt(2 / math.pi) / special.erfcx(x / math.sqrt(2))
    c = lambda x: gh(x) * (gh(x) - x)
    x = lambda z: (kappa - math.sqrt(q) * z) / math.sqrt(1 - q)
    ref = alpha * integrate.quad(lambda z: dens(z) * (c(x(z)) / (1 - q)) ** 2, -14, 14, epsabs=1e-14,
                                 epsrel=1e-12, limit=200)[0]
    z, w = gauss_hermite(200)
    assert constraint_gamma_e(alpha, kappa, q, z, w) == pytest.approx(ref, rel=1e-10)


@pytest.mark.parametrize("qhat", [0.1, 1.0, 7.0])
def test_binary_gamma_s(qhat):
    """E sech⁴(√q̂ z) against quad, and against 1 - 2q + E m⁴ with m = tanh(√q̂ z) (the P - 2Q + R of the
    site's 4-point function; rel 1e-10)."""
    s = math.sqrt(qhat)
    E = lambda f: integrate.quad(lambda z: dens(z) * f(z), -14, 14, points=[0.0], epsabs=1e-15, epsrel=1e-13,
                                 limit=200)[0]
    ref = E(lambda z: 1 / math.cosh(s * z) ** 4)
    q, m4 = E(lambda z: math.tanh(s * z) ** 2), E(lambda z: math.tanh(s * z) ** 4)
    x_ref, w_ref = gauss_legendre(16)
    cuts = np.linspace(-12.0, 12.0, 97)
    z, w = np.empty(16 * 96), np.empty(16 * 96)
    gaussian_panels(cuts, x_ref, w_ref, z, w)       # composite Gauss–Legendre, panels of 0.25
    assert binary_gamma_s(qhat, z, w) == pytest.approx(ref, rel=1e-10)
    assert ref == pytest.approx(1 - 2 * q + m4, rel=1e-10)


@pytest.mark.parametrize("n, q", [(4, 0.3), (6, 0.85)])
def test_spherical_gamma_s_is_replicon_of_log_det(n, q):
    """The spherical entropic term is ½ log det Q; its second derivative along a replicon direction δQ
    (symmetric, zero diagonal, zero row sums) is -½‖δQ‖²/(1-q)² at any n — finite differences of
    numpy's slogdet at finite n (h = 1e-4, rel 1e-6) give γ_S = (1-q)²."""
    Q = (1 - q) * np.eye(n) + q * np.ones((n, n))
    D = np.zeros((n, n))
    D[0, 1] = D[1, 0] = D[2, 3] = D[3, 2] = 1.0
    D[0, 2] = D[2, 0] = D[1, 3] = D[3, 1] = -1.0
    assert np.allclose(D.sum(axis=1), 0)
    f = lambda e: 0.5 * np.linalg.slogdet(Q + e * D)[1]
    h = 1e-4
    second = (f(h) - 2 * f(0) + f(-h)) / h ** 2
    gain = -0.5 * np.sum(D * D) / second    # δQ̂ → δQ gain of the entropic map on this mode
    assert gain == pytest.approx(spherical_gamma_s(1 - q), rel=1e-6)


@pytest.mark.parametrize("tau, omega", [(0.5, 0.3), (3.0, -1.0), (20.0, 2.0)])
def test_moreau_d2_against_envelope(tau, omega):
    """-moreau_d2 = M_τ''(ω) for the logistic loss, M_τ(ω) = min_p (p-ω)²/(2τ) + log(1+e^{-p}) minimised by
    scipy (bounded Brent), second derivative by central differences (h = 1e-3, rel 1e-5)."""
    def M(w):
        res = optimize.minimize_scalar(lambda p: (p - w) ** 2 / (2 * tau) + np.logaddexp(0, -p),
                                       bounds=(w - 1, w + tau + 1), method="bounded", options={"xatol": 1e-13})
        return res.fun, res.x
    h = 1e-3
    fd = (M(omega + h)[0] - 2 * M(omega)[0] + M(omega - h)[0]) / h ** 2
    p = M(omega)[1]
    sig = 1 / (1 + math.exp(-p))
    dp = 1 / (1 + tau * sig * (1 - sig))        # ∂p/∂ω = 1/(1 + τℓ''(p))
    assert -moreau_d2(dp, tau) == pytest.approx(fd, rel=1e-5)


def test_products():
    assert replicon(0.25, 3.0) == 0.75
    assert erm_replicon(2.0, 0.125) == 0.25
