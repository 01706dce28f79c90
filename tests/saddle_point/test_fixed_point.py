"""Fixed-point solver contract and continuation sweeps."""

import numpy as np
import pytest

from replica.saddle_point import ConvergenceError, hysteresis, residual_norm, solve_fixed_point, sweep


def test_converges_on_undamped_residual():
    """x = cos x has the Dottie number 0.7390851332151607 (literature constant) as its fixed point."""
    for method in ("anderson", "damped"):
        r = solve_fixed_point(np.cos, [0.0], tol=1e-13, damping=0.7, method=method)
        assert r.converged and r.residual <= 1e-13
        assert r.x[0] == pytest.approx(0.7390851332151607, abs=1e-12)
        assert residual_norm(r.x, np.cos(r.x)) <= 1e-13


def test_heavy_damping_is_not_mistaken_for_convergence():
    """With ψ = 0.999 the damped step is tiny but the undamped residual is not: must not converge in 5 steps."""
    with pytest.raises(ConvergenceError) as info:
        solve_fixed_point(np.cos, [0.0], damping=0.999, method="damped", maxiter=5)
    err = info.value
    assert err.iterations == 5 and err.residual > 0.1 and err.state is not None


def test_anderson_beats_plain_on_a_linear_contraction():
    """x = Ax + c with spectral radius 0.99: exact solution (I-A)⁻¹c; Anderson needs far fewer iterations."""
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    A = Q @ np.diag([0.99, -0.9, 0.5, 0.1]) @ Q.T
    c = rng.normal(size=4)
    exact = np.linalg.solve(np.eye(4) - A, c)
    fast = solve_fixed_point(lambda x: A @ x + c, np.zeros(4), tol=1e-12)
    slow = solve_fixed_point(lambda x: A @ x + c, np.zeros(4), tol=1e-12, method="damped", maxiter=100000)
    assert np.allclose(fast.x, exact, atol=1e-9)
    assert fast.iterations * 10 < slow.iterations


def test_not_strict_returns_flagged_result():
    r = solve_fixed_point(lambda x: x + 1.0, [0.0], maxiter=10, strict=False)
    assert not r.converged and r.iterations == 10


def test_bad_options():
    with pytest.raises(ValueError, match="damping"):
        solve_fixed_point(np.cos, [0.0], damping=1.0)


class _R:
    def __init__(self, v, x):
        self.value, self.x, self.converged = v, x, True


def test_sweep_warm_starts_and_hysteresis():
    """x = tanh(3x + h) is bistable for |h| < h_c = 3√(2/3) - atanh(√(2/3)) ≈ 1.3033 (saddle-node,
    closed form); sweeping h both ways must report exactly the grid points inside that window."""
    def solve(h, start):
        x0 = start.x if start is not None else (-1.0 if h < 0 else 1.0)
        r = solve_fixed_point(lambda x: np.tanh(3 * x + h), [x0], tol=1e-12)
        return _R(h, r.x[0])

    hs = np.linspace(-1.5, 1.5, 31)
    s = sweep(solve, hs, direction="both")
    assert [r.value for r in s.forward] == list(hs) == [r.value for r in s.backward]
    loop = hysteresis(s, "x")
    h_c = 3 * np.sqrt(2 / 3) - np.arctanh(np.sqrt(2 / 3))
    assert loop == [h for h in hs if abs(h) < h_c]
    # away from the loop the branches agree, and each branch is continuous in the direction it was swept
    assert s.forward[0].x < 0 < s.forward[-1].x
    with pytest.raises(ValueError, match="direction"):
        sweep(solve, hs, direction="sideways")
