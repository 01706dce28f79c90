"""Committee-machine Franz–Parisi entropy (issue 11 part 3): reduction to the perceptron, an independent slow
scipy implementation, the theory's identities, the trust contract, and isolation of typical binary solutions."""

import math

import numpy as np
import pytest

from replica import perceptron
from replica.committee import capacity, franz_parisi, franz_parisi_curve, gardner, kernel
from replica.committee.kernels import Kernel
from replica.perceptron.franz_parisi import shell_entropy
from . import reference_franz_parisi as slow

# the identity kernel passed as a Kernel object, so that it goes through the chain-rule path
LINEAR = Kernel("linear", lambda q: q * 1.0, lambda q: 1.0, lambda q: 0.0, 1.0)


@pytest.mark.parametrize("weights,alpha,ds", [("binary", 0.5, (0.004, 0.03, 0.2)), ("spherical", 1.0, (0.02, 0.1, 0.3))])
def test_linear_kernel_is_the_perceptron(weights, alpha, ds):
    # reduction: k(q) = q through the kernel path reproduces replica.perceptron.franz_parisi; abs 1e-10
    for d in ds:
        p = perceptron.franz_parisi(alpha, d, weights)
        c = franz_parisi(alpha, d, LINEAR, weights=weights)
        for name in ("phi", "Q", "s0", "Qhat", "shat0", "dphi_dS", "q0", "replicon"):
            assert getattr(c, name) == pytest.approx(getattr(p, name), abs=1e-10), name
        if weights == "binary":
            assert c.shat1 == pytest.approx(p.shat1, abs=1e-10)
        assert (c.output_S, c.output_Q) == (c.S, c.Q)
    # and a curve (warm starts, extrapolation): abs 1e-10
    cp = perceptron.franz_parisi_curve(alpha, list(ds), weights).results
    cc = franz_parisi_curve(alpha, list(ds), LINEAR, weights=weights).results
    assert [r.phi for r in cc] == pytest.approx([r.phi for r in cp], abs=1e-10)


@pytest.mark.slow
@pytest.mark.parametrize("activation", ["relu", "sign"])
def test_spherical_point_against_slow_solver(activation):
    # independent slow implementation (tests/committee/reference_franz_parisi.py: closed-form kernels written
    # again, nested scipy quad G_E at the output overlaps, stationarity by scipy root on finite-difference
    # gradients of φ in the weight overlaps): q0 abs 1e-9, (Q, s0) abs 1e-7, φ abs 1e-9
    alpha, d = 1.0, 0.1
    (Q, s0), phi, q0 = slow.spherical_solve(alpha, activation, d)
    r = franz_parisi(alpha, d, activation, weights="spherical")
    assert r.q0 == pytest.approx(q0, abs=1e-9)
    assert (r.Q, r.s0) == pytest.approx((Q, s0), abs=1e-7)
    assert r.phi == pytest.approx(phi, abs=1e-9)
    assert r.output_S == pytest.approx(slow.KERNELS[activation][0](r.S), abs=1e-14)


@pytest.mark.slow
@pytest.mark.parametrize("activation,alpha,d", [("relu", 0.5, 0.02), ("sign", 0.5, 0.005)])
def test_binary_saddle_against_slow(activation, alpha, d):
    # independent slow implementation: the committee Gardner reference (q0, q̂0) by plain iteration with quad
    # (abs 1e-9); at the package's saddle the five stationarity conditions of φ(Q, s0, Q̂, ŝ0, ŝ1) with the
    # slow quad G_E(k(·)), G_S and central finite differences in the weight overlaps — no chain rule written
    # in the reference (abs 1e-7); φ assembled from the slow terms (abs 1e-9)
    q0, qhat0, _ = slow.gardner_binary(alpha, activation)
    r = franz_parisi(alpha, d, activation, weights="binary")
    assert (r.q0, r.qhat0) == pytest.approx((q0, qhat0), abs=1e-9)
    res, phi = slow.binary_stationarity(alpha, activation, d, q0, qhat0, r.Q, r.s0, r.Qhat, r.shat0, r.shat1)
    assert np.abs(res).max() < 1e-7
    assert r.phi == pytest.approx(phi, abs=1e-9)


@pytest.mark.parametrize("activation", ["relu", "sign"])
@pytest.mark.parametrize("weights,alpha", [("binary", 0.5), ("spherical", 1.0)])
def test_maximum_at_typical_distance_is_gardner(activation, weights, alpha):
    # identity (docs/theory.md §4): κ̃ = κ ⇒ the maximum over S sits at S = q0 (d = (1-q0)/2), where the saddle
    # is Q = s0 = q0 (the copies are typical solutions) and φ = the committee Gardner entropy; abs 1e-9 (φ, Q,
    # s0), dφ/dS abs 1e-7;
    # neighbours at d_typ ± 0.01 lie below.  Also the replicon there is the Gardner replicon (abs 1e-8).
    g = gardner(alpha, activation, 0.0, weights)
    r = franz_parisi(alpha, g.distance, activation, weights=weights)
    assert r.phi == pytest.approx(g.entropy, abs=1e-9)
    assert (r.Q, r.s0) == pytest.approx((g.q, g.q), abs=1e-9)
    assert r.dphi_dS == pytest.approx(0.0, abs=1e-7)
    assert r.replicon == pytest.approx(g.replicon, abs=1e-8)
    for off in (-0.01, 0.01):
        assert franz_parisi(alpha, g.distance + off, activation, weights=weights).phi < g.entropy


@pytest.mark.parametrize("activation,weights", [("relu", "binary"), ("sign", "spherical")])
def test_maximum_for_other_reference_margin_is_gardner(activation, weights):
    # identity: whatever the reference (κ̃ = 0.3 ≠ κ = 0), every κ-solution lies at some distance from it, so
    # max_d φ_FP = the committee Gardner entropy at κ, with Q = q_Gardner(κ) there (a non-degenerate saddle:
    # a wrong k′ factor in any of the conjugates moves it); abs 1e-8 (φ), 1e-5 (Q)
    from scipy.optimize import minimize_scalar
    alpha = 0.5 if weights == "binary" else 1.0
    g = gardner(alpha, activation, 0.0, weights)
    phi = lambda d: franz_parisi(alpha, d, activation, 0.0, weights, kappa_ref=0.3, tol=1e-13)
    o = minimize_scalar(lambda d: -phi(d).phi, bounds=(0.05, 0.49), method="bounded", options=dict(xatol=1e-7))
    assert -o.fun == pytest.approx(g.entropy, abs=1e-8)
    assert phi(o.x).Q == pytest.approx(g.q, abs=1e-5)


@pytest.mark.parametrize("activation", ["relu", "sign"])
@pytest.mark.parametrize("weights", ["binary", "spherical"])
def test_alpha_to_zero_is_shell_entropy(activation, weights):
    # α → 0: φ_FP → the shell's log-volume (binary H₂(d), spherical ½log(1-S²)), whatever the kernel;
    # α = 1e-5, abs 1e-4 (the energetic term is O(α))
    d = 0.1
    S = 1 - 2 * d
    shell = -d * math.log(d) - (1 - d) * math.log(1 - d) if weights == "binary" else 0.5 * math.log(1 - S * S)
    assert franz_parisi(1e-5, d, activation, weights=weights).phi == pytest.approx(shell, abs=1e-4)


@pytest.mark.parametrize("activation,d", [("relu", 0.05), ("sign", 0.05), ("sign", 2e-4)])
@pytest.mark.parametrize("weights", ["binary", "spherical"])
def test_dphi_dS_is_the_derivative(activation, d, weights):
    # identity: dφ/dS of the solved curve (central difference in d, h = 1e-3·d, φ(S) = φ(d = (1-S)/2)) = the
    # explicit S-derivative at the saddle, whose energetic part carries k′(S) (diverging for sign as d → 0:
    # at d = 2e-4, k′(S) ≈ 22); rel 1e-5
    alpha = 0.5 if weights == "binary" else 1.0
    h = 1e-3 * d
    fd = (franz_parisi(alpha, d - h, activation, weights=weights).phi -
          franz_parisi(alpha, d + h, activation, weights=weights).phi) / (4 * h)
    assert franz_parisi(alpha, d, activation, weights=weights).dphi_dS == pytest.approx(fd, rel=1e-5)


@pytest.mark.parametrize("activation", ["relu", "sign"])
def test_trust_contract_flags(activation):
    # bounds of the contract on a whole binary curve: every converged point lies below the shell entropy and
    # below the committee Gardner entropy (slack 1e-9); entropy_negative ⇔ φ < 0; rs_stable ⇔ replicon < 1;
    # frozen points are reported with status "frozen", never "ok"
    alpha = 0.6 * capacity(activation, 0.0, "binary")
    g = gardner(alpha, activation, 0.0, "binary")
    sw = franz_parisi_curve(alpha, np.geomspace(1e-4, 0.3, 12), activation)
    for r in sw.results:
        assert r.activation == activation
        if r.converged:
            assert r.phi <= min(g.entropy, shell_entropy(r.S, "binary")) + 1e-9
            assert r.entropy_negative == (r.phi < 0)
            assert r.rs_stable == (r.replicon < 1)
            assert r.output_S == pytest.approx(kernel(activation).k(r.S), abs=1e-15)
        else:
            assert r.status == "frozen" and r.frozen


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_typical_binary_solutions_are_isolated_for_sign_and_relu(fraction):
    # the question (docs/committee.md "Franz–Parisi"): at α = fraction·α_c (binary RS capacities, zero
    # entropy) φ_FP < 0 on an interval just above d = 0 for both activations (isolated typical solutions, as for
    # the binary perceptron, Huang–Kabashima 2014), positive at d = 0.3; and at the same α/α_c sign's φ_FP lies
    # below ReLU's at every small d where both converge (its output sees 1 - k(S) ≈ (4/π)√d, ReLU's ≈ 2πd/(π-1))
    ds = np.geomspace(1e-4, 0.3, 25)
    curves = {}
    for act in ("relu", "sign"):
        alpha = fraction * capacity(act, 0.0, "binary")
        curves[act] = franz_parisi_curve(alpha, ds, act).results
        conv = [r for r in curves[act] if r.converged]
        assert conv[-1].phi > 0
        assert conv[0].phi < 0 and conv[0].d < 0.02
    small = [(s.phi, r.phi) for s, r in zip(curves["sign"], curves["relu"]) if s.d < 0.01 and s.converged and r.converged]
    assert small and all(s < r for s, r in small)


def test_bad_input():
    # one-line ValueErrors naming the parameter
    with pytest.raises(ValueError, match=r"^d must be in \(0, 0.5\)"):
        franz_parisi(0.5, 0.6, "relu")
    with pytest.raises(ValueError, match="^activation must be"):
        franz_parisi(0.5, 0.1, "softplus")
    with pytest.raises(ValueError, match="^alpha must be below the binary capacity"):
        franz_parisi(0.95, 0.1, "relu", weights="binary")
    with pytest.raises(ValueError, match="^alpha must be < the spherical capacity"):
        franz_parisi(3.0, 0.1, "relu", weights="spherical")
