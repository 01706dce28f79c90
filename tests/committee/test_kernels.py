"""Output-overlap kernels k_g(q) of the committee machine (replica.committee.kernels; docs/committee.md §1).

References: the defining 2-D Gaussian integral E[g(x)g(y)]_q by nested adaptive scipy ``quad`` (break points
at the kinks; independent of the package's Gauss–Hermite rule), Price's theorem k′(1) = E[g′²]/Var g by
mpmath quadrature, Isserlis/Mehler closed form of a polynomial activation, finite differences of k.
"""

import math

import mpmath
import numpy as np
import pytest
from scipy import integrate, special

from replica.committee import ACTIVATIONS, Kernel, kernel
from replica.committee.kernels import quadrature_kernel

SQ2PI = math.sqrt(2.0 * math.pi)
Q_VALUES = (-0.95, -0.6, -0.2, 0.0, 0.3, 0.7, 0.95)

ACT = {"sign": np.sign, "relu": lambda x: np.maximum(x, 0.0), "erf": special.erf, "tanh": np.tanh,
       "linear": lambda x: x}
KINKS = {"sign": True, "relu": True, "erf": False, "tanh": False, "linear": False}


def _Ez(f, points=()):
    pts = sorted(p for p in points if -10.0 < p < 10.0)
    return integrate.quad(lambda z: f(z) * math.exp(-0.5 * z * z) / SQ2PI, -10.0, 10.0, points=pts or None,
                          limit=200, epsabs=1e-13, epsrel=1e-12)[0]


def kernel_by_quad(name, q):
    """``(E[g(x)g(y)]_q − (Eg)²)/Var g`` with ``x = z``, ``y = qz + √(1−q²)η`` by nested quad."""
    g = lambda x: float(ACT[name](x))
    mean = _Ez(g, (0.0,))
    var = _Ez(lambda z: g(z) ** 2, (0.0,)) - mean ** 2
    s = math.sqrt(max(1.0 - q * q, 0.0))
    if s == 0.0:
        cov = _Ez(lambda z: g(z) * g(q * z), (0.0,))
    else:
        inner = lambda z: _Ez(lambda e: g(q * z + s * e), (-q * z / s,) if KINKS[name] else ())
        cov = _Ez(lambda z: g(z) * inner(z), (0.0,))
    return (cov - mean ** 2) / var


@pytest.mark.parametrize("name", ["sign", "relu", "erf", "linear"])
def test_closed_forms_match_the_2d_gaussian_integral(name):
    """Reference: nested scipy quad of the definition, q ∈ [−1, 1] including negative q; tol 1e-9 abs."""
    K = kernel(name)
    for q in (*Q_VALUES, -1.0, 1.0):
        assert K.k(q) == pytest.approx(kernel_by_quad(name, q), abs=1e-9), (name, q)


def test_tanh_quadrature_kernel_matches_the_2d_gaussian_integral():
    """tanh has no closed form: the package's Gauss–Hermite kernel vs nested scipy quad (tol 1e-10)."""
    K = kernel("tanh")
    for q in Q_VALUES:
        assert K.k(q) == pytest.approx(kernel_by_quad("tanh", q), abs=1e-10), q


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_normalisation(name):
    """Identities of the definition: k(0) = 0 (independent inputs), k(1) = 1 (same input); tol 1e-12."""
    K = kernel(name)
    assert abs(K.k(0.0)) < 1e-12 and K.k(1.0) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivatives_are_finite_differences_of_k(name):
    """Reference: central differences of k (h = 1e-5: k′ to 1e-7, k″ with h = 1e-4 to 1e-5 relative)."""
    K = kernel(name)
    for q in (-0.7, -0.3, 0.1, 0.5, 0.8):
        h = 1e-5
        assert K.dk(q) == pytest.approx((K.k(q + h) - K.k(q - h)) / (2 * h), rel=1e-7, abs=1e-9), (name, q)
        h = 1e-4
        fd2 = (K.dk(q + h) - K.dk(q - h)) / (2 * h)
        assert K.d2k(q) == pytest.approx(fd2, rel=1e-5, abs=1e-7), (name, q)


def _price_dk1(g, dg):
    """Price's theorem k′(1) = E[g′(z)²]/Var g, by mpmath quadrature (30 digits)."""
    with mpmath.workdps(30):
        phi = lambda z: mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi)
        E = lambda f: mpmath.quad(lambda z: f(z) * phi(z), [-mpmath.inf, 0, mpmath.inf])
        mean = E(g)
        return float(E(lambda z: dg(z) ** 2) / (E(lambda z: g(z) ** 2) - mean ** 2))


def test_price_theorem_for_dk1():
    """k′(1) of each kernel (and k′(q) at q → 1) against Price's theorem by mpmath (tol 1e-12; sign: ∞)."""
    refs = {
        "relu": _price_dk1(lambda z: max(z, 0), lambda z: 1 if z > 0 else 0),
        "erf": _price_dk1(mpmath.erf, lambda z: 2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-z * z)),
        "tanh": _price_dk1(mpmath.tanh, lambda z: mpmath.sech(z) ** 2),
        "linear": 1.0,
    }
    for name, ref in refs.items():
        K = kernel(name)
        assert K.dk1 == pytest.approx(ref, rel=1e-12), name
        assert K.dk(1.0 - 1e-12) == pytest.approx(ref, rel=1e-5), name  # k′ continuous at 1
    assert refs["relu"] == pytest.approx(math.pi / (math.pi - 1.0), rel=1e-14)  # the closed form quoted in §9
    assert kernel("sign").dk1 == math.inf and kernel("sign").dk(1.0 - 1e-12) > 1e5


def test_price_theorem_at_interior_q():
    """k′(q) = E[g′(x)g′(y)]_q / Var g (Price) for erf and tanh, by nested quad of the derivatives (tol 1e-9)."""
    for name, dg in (("erf", lambda x: 2 / math.sqrt(math.pi) * math.exp(-x * x)),
                     ("tanh", lambda x: 1.0 / math.cosh(x) ** 2)):
        g = ACT[name]
        mean = _Ez(lambda z: float(g(z)))
        var = _Ez(lambda z: float(g(z)) ** 2) - mean ** 2
        for q in (-0.5, 0.4, 0.9):
            s = math.sqrt(1.0 - q * q)
            ref = _Ez(lambda z: dg(z) * _Ez(lambda e: dg(q * z + s * e))) / var
            assert kernel(name).dk(q) == pytest.approx(ref, abs=1e-9), (name, q)


def test_user_function_erf_matches_the_closed_form():
    """A user callable (quadrature kernel, derivatives by finite differences of g) vs the erf closed form:
    k to 1e-11, k′ to 1e-7, k″ to 1e-5, k′(1) to 1e-8."""
    U, E = kernel(special.erf), kernel("erf")
    assert U.name == "erf"
    for q in Q_VALUES:
        assert U.k(q) == pytest.approx(E.k(q), abs=1e-11), q
        assert U.dk(q) == pytest.approx(E.dk(q), rel=1e-7), q
        assert U.d2k(q) == pytest.approx(E.d2k(q), abs=1e-5), q
    assert U.dk1 == pytest.approx(E.dk1, rel=1e-8)


def test_user_polynomial_matches_isserlis():
    """g(x) = x + x²/2: Cov(g(x), g(y)) = q + q²/2, Var g = 3/2 (Isserlis), so k = (2q + q²)/3, k′(1) = 4/3;
    tol 1e-12 on k, 1e-8 on the finite-difference derivatives."""
    K = kernel(lambda x: x + 0.5 * x * x)
    for q in Q_VALUES:
        assert K.k(q) == pytest.approx((2 * q + q * q) / 3, abs=1e-12)
        assert K.dk(q) == pytest.approx((2 + 2 * q) / 3, abs=1e-8)
        assert K.d2k(q) == pytest.approx(2 / 3, abs=1e-6)
    assert K.dk1 == pytest.approx(4 / 3, rel=1e-8)


def test_kink_quadrature_is_documented_inaccurate_but_close():
    """ReLU/sign passed as functions: the Gauss–Hermite rule converges slowly at the kink/jump (module docstring:
    ~3e-3 and ~1e-2 in k at 96 nodes), which is why the closed forms are used; the error is as documented."""
    U, R = kernel(lambda x: np.maximum(x, 0.0)), kernel("relu")
    S, T = kernel(np.sign), kernel("sign")
    assert max(abs(U.k(q) - R.k(q)) for q in (0.3, 0.7, 0.95)) < 5e-3
    assert max(abs(S.k(q) - T.k(q)) for q in (0.3, 0.7, 0.95)) < 2e-2


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_complement_is_accurate_as_q_goes_to_one(name):
    """1 − k(q) without cancellation: against 1 − k computed in mpmath at 40 digits from the closed form
    (tanh: the expansion k′(1)(1−q) − k″(1)(1−q)²/2), at 1 − q = 1e-4 .. 1e-12; rel tol 1e-9."""
    K = kernel(name)
    exact = {
        "linear": lambda q: 1 - q,
        "sign": lambda q: 1 - 2 / mpmath.pi * mpmath.asin(q),
        "relu": lambda q: 1 - (mpmath.sqrt(1 - q * q) + (mpmath.pi - mpmath.acos(q)) * q - 1) / (mpmath.pi - 1),
        "erf": lambda q: 1 - mpmath.asin(2 * q / 3) / mpmath.asin(mpmath.mpf(2) / 3),
    }
    for e in (1e-4, 1e-8, 1e-12):
        q = 1.0 - e
        if name == "tanh":
            ref = K.dk1 * e - 0.5 * K.d2k(1.0) * e * e
            assert K.complement(q) == pytest.approx(ref, rel=1e-7 if e > 1e-6 else 1e-9), e
            continue
        with mpmath.workdps(40):
            ref = float(exact[name](mpmath.mpf(q)))
        assert K.complement(q) == pytest.approx(ref, rel=1e-9), (name, e)


def test_vectorised_and_scalar():
    """Arrays in → arrays out, equal to the scalar calls (closed forms: numpy on arrays, math on scalars; to
    round-off, rel 1e-14, and the same ±inf at q = ±1); scalars in → floats."""
    for name in ACTIVATIONS:
        K = kernel(name)
        qs = np.array([-1.0, -0.5, 0.1, 0.5, 0.9, 1.0])
        assert isinstance(K.k(0.5), float) and isinstance(K(0.5), float)
        for f in (K.k, K.dk, K.d2k, K.complement):
            out = f(qs)
            assert isinstance(out, np.ndarray) and out.shape == qs.shape
            np.testing.assert_allclose(out, [f(q) for q in qs], rtol=1e-14, atol=1e-300)


def test_kernel_objects_pass_through():
    K = kernel("relu")
    assert kernel(K) is K and isinstance(K, Kernel)


@pytest.mark.parametrize("bad,needle", [("softplus", "activation must be one of"), ("", "activation must be one of"),
                                        (lambda x: 0.0 * x + 1.0, "zero variance")])
def test_bad_activation_is_one_line_value_error(bad, needle):
    with pytest.raises(ValueError) as info:
        kernel(bad)
    msg = str(info.value)
    assert needle in msg and "\n" not in msg and "activation" in msg
