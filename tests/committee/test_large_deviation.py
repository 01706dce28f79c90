"""Dense regions of the wide tree committee machine (y = ∞, binary weights): replica.committee.large_deviation.

References: the perceptron solver (the linear kernel, passed as a Kernel object so it goes through the
chain-rule path); the slow scipy reference tests/committee/reference_ld.py (closed-form kernels written again,
the perceptron's slow quad/brentq terms at the output overlaps); identities of docs/theory.md §8 with the kernel.
"""

import math
import warnings

import pytest

from replica import committee, perceptron
from replica.committee import kernel
from replica.perceptron.gardner import gardner
from replica.perceptron.large_deviation import binary_capacity, binary_entropy, branch_margin
from tests.committee import reference_ld as ref

ALPHA = 0.5
DS = (0.2, 0.1, 0.05, 0.02)


@pytest.fixture(scope="module")
def curves():
    return {a: committee.ld_local_entropy_curve(ALPHA, DS, a) for a in ("sign", "relu")}


def test_linear_kernel_reproduces_the_perceptron():
    # reference: replica.perceptron.ld_local_entropy_curve (no kernel); tolerance 1e-10 (round-off of the
    # chain-rule arithmetic k′ = 1, k″ = 0)
    lin = kernel("linear")
    c = committee.ld_local_entropy_curve(ALPHA, DS, lin)
    p = perceptron.ld_local_entropy_curve(ALPHA, DS)
    for rc, rp in zip(c, p):
        assert rc.converged and rp.converged and rc.branch == rp.branch
        for f in ("phi", "sigma_hat", "q1", "qhat0", "chat", "dq", "ref_violation_mass"):
            assert getattr(rc, f) == pytest.approx(getattr(rp, f), rel=1e-10, abs=1e-10), f
        assert rc.output_q1 == rc.q1 and rc.output_dq == rc.dq and rc.output_S == rc.S


def test_linear_kernel_reproduces_the_perceptron_threshold_and_capacity():
    # reference: replica.perceptron.ld_threshold (0.7553 at κ = 0) and capacity (Krauth–Mézard 0.833);
    # tolerance 1e-9 (both brentq runs at xtol 1e-11 on margins equal to round-off)
    lin = kernel("linear")
    assert binary_capacity(0.0, lin) == pytest.approx(perceptron.capacity(0.0, "binary"), abs=1e-10)
    assert committee.ld_threshold(lin, xtol=1e-11) == pytest.approx(perceptron.ld_threshold(xtol=1e-11), abs=1e-9)


@pytest.mark.parametrize("activation,alpha,d,guess", [
    ("relu", 0.5, 0.1, (0.65, 1.4, 0.16, 0.4, 0.5)),
    ("sign", 0.6, 0.05, (0.8, 0.6, 0.2, 0.5, 0.5)),
])
def test_against_slow_reference(activation, alpha, d, guess):
    # reference: tests/committee/reference_ld.py (scipy root on the direct stationarity conditions, quad);
    # tolerance 1e-7 on the order parameters, 1e-9 on S_I (quad at epsrel 1e-11; root xtol 1e-12)
    r = committee.ld_local_entropy(alpha, d, activation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = ref.solve(alpha, d, guess, ref.Kernel(activation))
        mass = ref.violation_mass(ref.Kernel(activation), 0.0, r.S, r.q1, r.dq, r.qhat0)
    assert s["residual"] < 1e-9
    assert r.phi == pytest.approx(s["phi"], abs=1e-9)
    for f, g in (("q1", "q1"), ("dq", "dq"), ("qhat0", "qhat0"), ("chat", "chat"), ("sigma_hat", "sigma")):
        assert getattr(r, f) == pytest.approx(s[g], rel=1e-7), f
    k = ref.Kernel(activation)
    assert r.output_q1 == pytest.approx(k.k(r.q1), rel=1e-13) and r.output_dq == pytest.approx(k.dk(r.q1) * r.dq, rel=1e-13)
    # the centre's violated fraction, eq. (19) at output overlaps, written again in the reference (rel 1e-6)
    assert r.ref_violation_mass == pytest.approx(mass, rel=1e-6)


@pytest.mark.parametrize("activation,alpha", [("relu", 0.5), ("sign", 0.6)])
def test_gardner_point(activation, alpha):
    # reference: the committee binary Gardner saddle by brentq (tests/committee/reference_ld.gardner), 1e-10;
    # identity (docs/theory.md §8): leaving S* the branch starts at S_I = φ_G with σ̂ = 0, so just below d* S_I
    # is within O(σ̂ ΔS) of φ_G and σ̂ is small (ΔS = 2e-4: |ΔS_I| ≲ 1e-6, σ̂ ≲ 1e-2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q, qhat, entropy, S_star = ref.gardner(alpha, ref.Kernel(activation))
    g = gardner(alpha, 0.0, "binary", kernel=kernel(activation))
    assert g.q == pytest.approx(q, abs=1e-10) and g.entropy == pytest.approx(entropy, abs=1e-10)
    d_star = 0.5 * (1 - S_star)
    plateau = committee.ld_local_entropy(alpha, d_star + 0.01, activation)
    assert plateau.branch == "plateau" and plateau.phi == pytest.approx(entropy, abs=1e-10)
    near = committee.ld_local_entropy(alpha, d_star - 1e-4, activation)
    assert near.branch == "dense" and near.converged
    assert abs(near.phi - entropy) < 1e-6 and 0 < near.sigma_hat < 1e-2


@pytest.mark.parametrize("activation", ["sign", "relu"])
def test_alpha_to_zero(activation):
    # identity (docs/theory.md §8, docs/large_deviation.md eq. 18 with the kernel): S_I → H₂(d) as α → 0, from
    # below, and the densest centres lose less than a random one, H₂(d) - S_I ≤ -α∫Dz log H(-k(S)z/√(1-k(S)²))
    # (+ O(α²)); the deficit vanishes faster than any power here (q̂0 ~ e^{-c/(αd)}-like): < 1e-12 at α = 0.01
    d = 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        random_term = -ref.random_centre_term(ref.Kernel(activation), d)
    gaps = []
    for alpha in (0.08, 0.04, 0.02, 0.01):
        r = committee.ld_local_entropy(alpha, d, activation)
        gap = binary_entropy(d) - r.phi
        assert -1e-14 <= gap <= alpha * random_term
        gaps.append(gap)
    assert gaps[0] > gaps[1] > gaps[2] and gaps[3] < 1e-12


@pytest.mark.parametrize("activation", ["sign", "relu"])
def test_envelope_dphi_dd(activation):
    # identity (docs/theory.md §8): dS_I/dd = 2σ̂; central differences h = 1e-4 (error O(h²) ~ 1e-7)
    d, h = 0.08, 1e-4
    mid = committee.ld_local_entropy(ALPHA, d, activation)
    up = committee.ld_local_entropy(ALPHA, d + h, activation, start=mid)
    down = committee.ld_local_entropy(ALPHA, d - h, activation, start=mid)
    assert (up.phi - down.phi) / (2 * h) == pytest.approx(2 * mid.sigma_hat, rel=1e-6)


@pytest.mark.parametrize("activation", ["sign", "relu"])
def test_stationarity_of_the_slow_functional(activation):
    # identity: every partial derivative of the reference functional (energetic term at k(q1), k′(q1)δq) vanishes
    # at the fast solution: checks the chain-rule conjugates independently of both codes.  Central differences,
    # h = 1e-5 relative; tolerance 2e-6 (quad 1e-11 / h plus O(h²))
    r = committee.ld_local_entropy(ALPHA, 0.1, activation)
    k = ref.Kernel(activation)
    x = dict(q1=r.q1, dq=r.dq, qhat0=r.qhat0, chat=r.chat, sigma=r.sigma_hat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in x:
            h = 1e-5 * abs(x[name])
            vals = []
            for sgn in (1, -1):
                y = dict(x)
                y[name] += sgn * h
                vals.append(ref.functional(ALPHA, 0.0, r.S, y["q1"], y["dq"], y["qhat0"], y["chat"], y["sigma"], k))
            assert abs((vals[0] - vals[1]) / (2 * h)) < 2e-6, name


def test_upper_bounds(curves):
    # identity (docs/theory.md §8): S_I ≤ min(H₂(d), φ_G) (the solver flags bound-violated above 1e-9)
    for a, rs in curves.items():
        g = gardner(ALPHA, 0.0, "binary", kernel=kernel(a))
        for r in rs:
            assert r.converged, (a, r.d, r.status)
            assert r.phi <= min(binary_entropy(r.d), g.entropy) + 1e-12
            assert r.output_S == pytest.approx(ref.Kernel(a).k(r.S), rel=1e-13)


@pytest.mark.parametrize("activation", ["sign", "relu"])
def test_threshold_brackets_the_breakup(activation):
    # definition (docs/theory.md §8): σ̂ > 0 on the whole branch below α_U, σ̂ reaches 0 above it
    # (branch_margin > 0 at 0.995 α_U, < 0 at 1.005 α_U); α_U below the binary capacity
    a = committee.ld_threshold(activation)
    k = kernel(activation)
    assert branch_margin(0.995 * a, 0.0, kernel=k)[0] > 0 > branch_margin(1.005 * a, 0.0, kernel=k)[0]
    assert a < binary_capacity(0.0, k)


def test_out_of_scope_inputs():
    # finite y, y*, a teacher, an unknown activation: one-line ValueErrors naming the parameter
    k = kernel("relu")
    with pytest.raises(ValueError, match="^y must"):
        perceptron.ld_local_entropy(0.5, 0.1, y=5.0, kernel=k)
    with pytest.raises(ValueError, match="^teacher must"):
        perceptron.ld_local_entropy(0.5, 0.1, teacher=True, kernel=k)
    with pytest.raises(ValueError, match="^prescription must"):
        perceptron.ld_threshold(prescription="y_star", kernel=k)
    with pytest.raises(ValueError, match="^activation must"):
        committee.ld_local_entropy(0.5, 0.1, "softplus")
