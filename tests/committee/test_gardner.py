"""Committee Gardner volume and capacity (replica.committee.gardner / capacity; docs/committee.md §2–§3).

References: the perceptron solver (identity kernel passed as a Kernel object: the chain-rule path reduces to
it), the independent slow scipy implementation in reference_gardner.py (its own closed-form kernels, quad +
brentq), the envelope theorem dφ/dα = G_E(k(q)), the closed-form spherical capacity k′(1)/B(κ), the
zero-entropy condition, and the literature constant α_c ≈ 0.833 (Krauth–Mézard) for the linear kernel.
"""

import math
import warnings

import pytest

from replica.committee import CommitteeGardnerResult, Kernel, capacity, gardner, kernel
from replica.perceptron import capacity as perceptron_capacity
from replica.perceptron import gardner as perceptron_gardner

from . import reference_gardner as ref


@pytest.fixture(autouse=True)
def _quiet_quad():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's IntegrationWarning in the slow reference
        yield


def linear_kernel():
    """The identity kernel as a plain Kernel object (so it goes through the kernel code path)."""
    K = kernel("linear")
    return Kernel("identity", K.k, K.dk, K.d2k, K.dk1)


@pytest.mark.parametrize("weights", ["spherical", "binary"])
@pytest.mark.parametrize("kappa", [0.0, 0.5])
def test_identity_kernel_reproduces_the_perceptron(weights, kappa):
    """Reference: replica.perceptron.gardner without a kernel; tol 1e-10 relative on every order parameter,
    free entropy and replicon."""
    K = linear_kernel()
    for alpha in (0.1, 0.25, 0.4):  # below the binary capacity 0.456 at κ = 0.5
        a = perceptron_gardner(alpha, kappa, weights)
        b = gardner(alpha, K, kappa, weights)
        assert b.converged and b.status == a.status
        for name in ("q", "qhat", "phi", "entropy", "replicon", "distance"):
            assert getattr(b, name) == pytest.approx(getattr(a, name), rel=1e-10, abs=1e-13), (name, alpha)
        assert b.output_overlap == b.q and b.activation == "identity"


def test_perceptron_without_kernel_is_unchanged_by_the_keyword():
    """kernel=None is the plain perceptron path: identical (bit for bit) to the call without the keyword."""
    for weights in ("spherical", "binary"):
        assert perceptron_gardner(0.6, 0.3, weights, kernel=None) == perceptron_gardner(0.6, 0.3, weights)


@pytest.mark.parametrize("activation", ["sign", "relu", "erf"])
def test_spherical_against_the_slow_scipy_reference(activation):
    """Reference: reference_gardner.spherical (quad + brentq); tol 1e-9 on q, k(q), φ and the replicon."""
    for alpha, kappa in ((0.4, 0.0), (1.2, 0.0), (0.8, 0.5)):
        r = gardner(alpha, activation, kappa)
        s = ref.spherical(alpha, activation, kappa)
        assert isinstance(r, CommitteeGardnerResult) and r.converged and r.activation == activation
        assert r.q == pytest.approx(s["q"], rel=1e-9)
        assert r.output_overlap == pytest.approx(s["k"], rel=1e-9)
        assert r.phi == pytest.approx(s["phi"], rel=1e-9)
        assert r.replicon == pytest.approx(s["replicon"], rel=1e-8)


@pytest.mark.slow
def test_tanh_spherical_against_the_slow_scipy_reference():
    """tanh (tabulated quadrature kernel) against the reference's kernel by nested scipy quad of (1) and Price's
    theorem (~7 s); tol 1e-9 on q, k(q), φ and the replicon (agreement ~4e-11)."""
    r = gardner(0.8, "tanh")
    s = ref.spherical(0.8, "tanh")
    assert r.q == pytest.approx(s["q"], rel=1e-9) and r.output_overlap == pytest.approx(s["k"], rel=1e-9)
    assert r.phi == pytest.approx(s["phi"], rel=1e-9) and r.replicon == pytest.approx(s["replicon"], rel=1e-9)


@pytest.mark.parametrize("activation", ["sign", "relu", "erf"])
def test_binary_against_the_slow_scipy_reference(activation):
    """Reference: reference_gardner.binary (quad, first root of q − E tanh²(√q̂ z) on a grid + brentq);
    tol 1e-9 on q, q̂, the entropy and the replicon."""
    for alpha, kappa in ((0.3, 0.0), (0.7, 0.0), (0.3, 0.5)):
        r = gardner(alpha, activation, kappa, "binary")
        s = ref.binary(alpha, activation, kappa)
        assert r.converged
        assert r.q == pytest.approx(s["q"], rel=1e-9)
        assert r.qhat == pytest.approx(s["qhat"], rel=1e-9)
        assert r.entropy == pytest.approx(s["entropy"], rel=1e-9)
        assert r.replicon == pytest.approx(s["replicon"], rel=1e-8)


@pytest.mark.parametrize("weights", ["spherical", "binary"])
@pytest.mark.parametrize("activation", ["sign", "relu", "tanh"])
def test_envelope_theorem(activation, weights):
    """Identity of the theory: at the saddle dφ/dα = G_E(k(q)) (the explicit α-dependence only); φ by central
    differences (h = 1e-4, error O(h²) ≈ 1e-8), G_E by the slow quad reference at the solver's k(q); tol 1e-6."""
    alpha, h = 0.5, 1e-4
    r = gardner(alpha, activation, 0.0, weights)
    dphi = (gardner(alpha + h, activation, 0.0, weights).phi - gardner(alpha - h, activation, 0.0, weights).phi) / (2 * h)
    ge = ref.energetic(r.output_overlap, 0.0)[0]
    assert dphi == pytest.approx(ge, rel=1e-6)


@pytest.mark.parametrize("activation,kappa", [("relu", 0.0), ("erf", 0.0), ("relu", 0.5), ("tanh", 0.0)])
def test_spherical_capacity_closed_form_and_the_approach_of_q_to_one(activation, kappa):
    """Closed form α_c = k′(1)/B(κ), with B by quad (reference) and k′(1) by Price (tested in test_kernels);
    the solver's q → 1 as α → α_c (1 − q shrinking with α_c − α); the reference stationarity map α(q) tends to
    the closed form as q → 1 (rel 1e-3 at 1 − q = 1e-8: the correction is O(√(1−q)) for ReLU)."""
    K = kernel(activation)
    ac = capacity(activation, kappa)
    assert ac == pytest.approx(K.dk1 / ref.B(kappa), rel=1e-12)
    gaps = [1.0 - gardner(ac * (1.0 - eps), activation, kappa).q for eps in (1e-2, 1e-3, 1e-4)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-3
    if activation in ref.KERNELS:
        assert ref.spherical_alpha_of_q(1.0 - 1e-8, activation, kappa) == pytest.approx(ac, rel=1e-3)
    with pytest.raises(ValueError, match="alpha must be < the spherical capacity"):
        gardner(ac * 1.0001, activation, kappa)


def test_relu_spherical_capacity_value():
    """Literature/closed form: ReLU κ = 0, α_c = 2 k′(1) = 2π/(π − 1) (Baldassi, Malatesta, Zecchina 2019 RS;
    Zavatone-Veth & Pehlevan 2021); erf 2 k′(1) = 4/(√5 arcsin(2/3)); tol 1e-12."""
    assert capacity("relu") == pytest.approx(2 * math.pi / (math.pi - 1), rel=1e-12)
    assert capacity("erf") == pytest.approx(4 / (math.sqrt(5) * math.asin(2 / 3)), rel=1e-12)
    assert capacity("linear") == pytest.approx(perceptron_capacity(0.0), rel=1e-15)


def test_sign_spherical_has_no_finite_capacity():
    """k′(1) = ∞ for sign: capacity inf, and the RS saddle exists (q < 1) at any α; theory: 1 − q ~ c/α² at large
    α (1/(1−q)² = α B(κ)/((2/π)(2(1−q))^{3/2}) asymptotically), checked as the ratio of 1 − q at α and 2α → 4."""
    assert capacity("sign") == math.inf
    gaps = {}
    for alpha in (10.0, 100.0, 200.0):
        r = gardner(alpha, "sign")
        assert r.converged and r.q < 1.0 and math.isfinite(r.phi)
        gaps[alpha] = 1.0 - r.q
    assert gaps[100.0] / gaps[200.0] == pytest.approx(4.0, rel=0.05)
    assert gaps[10.0] > gaps[100.0]


@pytest.mark.parametrize("activation", ["sign", "relu", "erf"])
def test_binary_capacity_is_where_the_entropy_vanishes(activation):
    """Zero-entropy condition: entropy(α_c) = 0 to 1e-9, > 0 just below and < 0 just above (α_c ± 1e-3); the
    slow reference's entropy at the solver's α_c is 0 to 1e-8; α_c ≤ 1 (annealed bound for ±1 weights, κ = 0)."""
    ac = capacity(activation, 0.0, "binary")
    assert 0.5 < ac < 1.0
    assert abs(gardner(ac, activation, 0.0, "binary").entropy) < 1e-9
    assert gardner(ac - 1e-3, activation, 0.0, "binary").entropy > 0 > gardner(ac + 1e-3, activation, 0.0,
                                                                                "binary", strict=False).entropy
    assert abs(ref.binary(ac, activation)["entropy"]) < 1e-8


def test_linear_binary_capacity_is_krauth_mezard():
    """Identity kernel (Kernel object): the binary capacity equals the perceptron's (tol 1e-9) and the literature
    constant α_c ≈ 0.833 (Krauth–Mézard 1989; tol 1e-3)."""
    ac = capacity(linear_kernel(), 0.0, "binary")
    assert ac == pytest.approx(perceptron_capacity(0.0, "binary"), abs=1e-9)
    assert ac == pytest.approx(0.833, abs=1e-3)


def test_rs_stability_is_reported():
    """The replicon is computed and flags instability: ReLU spherical near capacity is RS-unstable (λ ≫ 1: the k″
    term diverges as q → 1), small α is stable; the binary saddles below their capacity are stable."""
    assert gardner(0.3, "relu").rs_stable is True
    near = gardner(0.999 * capacity("relu"), "relu")
    assert near.rs_stable is False and near.replicon > 10
    assert gardner(0.8, "relu", 0.0, "binary").rs_stable is True


def test_results_and_bad_input():
    r = gardner(0.0, "relu")
    assert r.q == 0.0 and r.output_overlap == 0.0 and r.converged
    with pytest.raises(ValueError, match="activation must be one of"):
        gardner(0.5, "softplus")
    with pytest.raises(ValueError, match="weights must be one of"):
        gardner(0.5, "relu", 0.0, "ternary")
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        gardner(-1.0, "relu")


def test_cli_rows(capsys):
    """committee-capacity / committee-gardner rows: the closed form 2π/(π − 1) (ReLU spherical, tol 1e-12), the
    binary row at its zero-entropy point (residual = |entropy| < 1e-9), and a Gardner row equal to the solver's."""
    import json

    from replica import solve

    assert solve.main(["committee-capacity", "--activation", "relu", "--weights", "spherical,binary",
                       "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["alpha_capacity"] == pytest.approx(2 * math.pi / (math.pi - 1), rel=1e-12)
    assert rows[1]["converged"] and rows[1]["residual"] < 1e-9
    assert rows[1]["alpha_capacity"] == pytest.approx(capacity("relu", 0.0, "binary"), rel=1e-12)
    assert solve.main(["committee-gardner", "--alpha", "1", "--activation", "sign", "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    r = gardner(1.0, "sign")
    assert row["q"] == r.q and row["output_overlap"] == r.output_overlap and row["activation"] == "sign"
