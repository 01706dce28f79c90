"""Gardner volume: closed forms, mpmath, the slow scipy reference, literature constants, identities."""

import math

import mpmath as mp
import pytest

from replica.perceptron import capacity, gardner, kappa_max
from replica.perceptron.gardner import energetic
from replica.saddle_point.quadrature import gauss_legendre
from . import reference_slow as ref


@pytest.mark.parametrize("kappa", [0.0, 0.5, -0.3])
def test_spherical_capacity_mpmath(kappa):
    # reference: α_c(κ) = 1/∫_{-κ}^∞ Dt (t+κ)² (Gardner 1988), mpmath quad; tol 1e-12 relative
    with mp.workdps(30):
        val = 1 / mp.quad(lambda t: mp.npdf(t) * (t + kappa) ** 2, [-kappa, mp.inf])
    assert capacity(kappa) == pytest.approx(float(val), rel=1e-12)
    if kappa == 0.0:
        assert capacity(0.0) == pytest.approx(2.0, rel=1e-14)  # literature constant α_c(0) = 2


@pytest.mark.parametrize("alpha,kappa", [(1.0, 0.3), (1.9, 0.0)])
def test_spherical_against_slow(alpha, kappa):
    # reference: slow scipy quad + brentq (tests/perceptron/reference_slow.py); tol 1e-9
    q, phi = ref.gardner_spherical(alpha, kappa)
    r = gardner(alpha, kappa)
    assert r.q == pytest.approx(q, abs=1e-9) and r.phi == pytest.approx(phi, abs=1e-9)


def test_binary_against_slow():
    # reference: slow scipy iteration; tol 1e-9
    q, qh, s = ref.gardner_binary(0.5, 0.2)
    r = gardner(0.5, 0.2, "binary")
    assert (r.q, r.qhat, r.entropy) == pytest.approx((q, qh, s), abs=1e-9)
    assert r.phi == pytest.approx(s - math.log(2), abs=1e-9)


def test_binary_capacity_and_typical_distance():
    # literature: α_c(0) ≈ 0.833 (Krauth–Mézard 1989), typical distance at α_c ≈ 0.218 (docs/theory.md §3); tol 5e-4
    ac = capacity(0.0, "binary")
    assert ac == pytest.approx(0.833, abs=5e-4)
    r = gardner(ac, 0.0, "binary")
    assert r.entropy == pytest.approx(0.0, abs=1e-9)
    assert r.distance == pytest.approx(0.218, abs=5e-4)


def test_kappa_max_identities():
    # identities: α_c(κ_max(α)) = α (spherical); binary entropy(α, κ_max) = 0; κ_max(α_c(0)) = 0
    assert capacity(kappa_max(1.3)) == pytest.approx(1.3, rel=1e-10)
    km = kappa_max(0.5, "binary")
    assert gardner(0.5, km, "binary").entropy == pytest.approx(0.0, abs=1e-9)
    assert km < kappa_max(0.5)  # binary solutions are spherical ones
    assert kappa_max(capacity(0.0, "binary"), "binary") == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize("weights", ["spherical", "binary"])
def test_dphi_dalpha_is_energetic_term(weights):
    # identity (envelope theorem): dφ/dα = G_E(q) at the saddle; central differences h=1e-4, tol 1e-7
    a, h = 0.6, 1e-4
    dphi = (gardner(a + h, 0.1, weights).phi - gardner(a - h, 0.1, weights).phi) / (2 * h)
    x, w = gauss_legendre(12)
    assert dphi == pytest.approx(energetic(gardner(a, 0.1, weights).q, 0.1, x, w)[0], abs=1e-7)


def test_alpha_zero_and_bad_input():
    assert gardner(0.0, weights="binary").entropy == pytest.approx(math.log(2))
    for kwargs in (dict(alpha=-1.0), dict(alpha=1.0, weights="ising"), dict(alpha=2.5),
                   dict(alpha=1.0, kappa=float("nan"))):
        with pytest.raises(ValueError, match=r"^(alpha|weights|kappa) must"):
            gardner(**kwargs)
