"""Output-overlap kernels of the wide tree committee machine (docs/theory.md §9, docs/committee.md).

A branch with activation ``g`` and preactivations ``x, y`` of two weight vectors at overlap ``q``
(``x, y`` standard normal with correlation ``q``) contributes the normalised covariance ::

    k_g(q) = (E[g(x) g(y)]_q − (E g)²) / Var g,        k_g(0) = 0,  k_g(1) = 1,

which is the overlap the output unit sees at K → ∞ (central limit over the branches, output weights
±1 in equal numbers).  Derivatives follow from Price's theorem, ``k_g^(n)(q) = E[g^(n)(x) g^(n)(y)]_q / Var g``,
so ``k_g′(1) = E[g′(z)²]/Var g``: finite for ReLU (π/(π−1)), infinite for sign.

Closed forms: linear ``k = q``; sign ``k = (2/π) arcsin q``; ReLU (arc-cosine kernel)
``k = [√(1−q²) + (π − arccos q) q − 1]/(π − 1)``; erf ``k = arcsin(2q/3)/arcsin(2/3)``.
Any other activation (``tanh`` or a user function) goes through Gauss–Hermite quadrature of the
nested representation ``E[f₁(x) f₂(y)]_q = ∫Dz ∫Dη f₁(√|q| z + √(1−|q|) η) ∫Dη′ f₂(±√|q| z + √(1−|q|) η′)``
(± the sign of q), which is exact in the limit of many nodes for smooth ``g``; the solvers then read k, k′, k″ from
degree-64 Chebyshev interpolants of the quadratures (built on first use).  For an activation with a
kink or a jump (ReLU, sign passed as a *function*) the rule converges only algebraically in the number of
nodes (at 96 nodes ReLU as a function is off by ~3e-3 in k, sign by ~1e-2): use the closed forms for those.

``1 − k_g(q)`` (the output's "distance", needed as q → 1) is given by its own formula where the closed
form of ``k`` cancels: sign ``(2/π) arccos q``; ReLU ``[π(1−q) + q arccos q − √(1−q²)]/(π−1)``; erf
``arcsin((4/9)(1−q²)/(u√(1−v²) + v√(1−u²)))/arcsin(2/3)`` (u = 2/3, v = 2q/3); quadrature
``E[(g(x) − g(y))²]_q/(2 Var g)`` with ``x, y = √((1+q)/2) s ± √((1−q)/2) t``.
"""

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from .._numba import kernel as jit_kernel

ACTIVATIONS = ("sign", "relu", "erf", "tanh", "linear")
QUAD_NODES = 96


@dataclass(frozen=True)
class Kernel:
    """The kernel ``k_g`` of one activation, with its first two derivatives (vectorised in ``q``).

    Attributes
    ----------
    name : str
        The activation's name (``"user"`` for a callable).
    k, dk, d2k : callable
        ``k_g(q)``, ``k_g′(q)``, ``k_g″(q)`` for ``q ∈ [−1, 1]``.
    dk1 : float
        ``k_g′(1) = E[g′²]/Var g`` (``inf`` for sign).
    one_minus_k : callable, optional
        ``1 − k_g(q)`` without the cancellation of ``1 − k(q)`` as q → 1 (None: ``1 − k(q)``); use
        :meth:`complement`.
    """

    name: str
    k: Callable
    dk: Callable
    d2k: Callable
    dk1: float
    one_minus_k: Callable = None

    def __call__(self, q):
        return self.k(q)

    def complement(self, q):
        """``1 − k_g(q)``, accurate relative to itself as q → 1 where a formula is known."""
        if self.one_minus_k is not None:
            return self.one_minus_k(q)
        out = 1.0 - np.asarray(self.k(q), dtype=float)
        return float(out) if np.ndim(out) == 0 else out


def _clip(q):
    return np.clip(np.asarray(q, dtype=float), -1.0, 1.0)


def _scalar(f):
    """Return a float for scalar input, an array otherwise."""
    def g(q):
        out = f(_clip(q))
        return float(out) if np.ndim(out) == 0 else out
    g.__doc__ = f.__doc__
    return g


class _Math:
    """The few numpy functions the closed forms use, on Python floats (math: ~50× faster than numpy on scalars)."""
    sqrt, arcsin, arccos, maximum = staticmethod(math.sqrt), staticmethod(math.asin), staticmethod(math.acos), max


def _closed(formula):
    """``formula(q, m)`` (m: numpy or :class:`_Math`) as a kernel function: arrays → numpy, scalars → math (the
    solvers call the kernel on scalars at every step); a scalar at q = ±1 where math divides by zero falls
    back to numpy's ±inf."""
    def g(q):
        if isinstance(q, (float, int, np.floating)):
            x = min(max(float(q), -1.0), 1.0)
            try:
                return float(formula(x, _Math))
            except (ZeroDivisionError, ValueError):
                with np.errstate(divide="ignore", invalid="ignore"):
                    return float(formula(np.float64(x), np))
        with np.errstate(divide="ignore", invalid="ignore"):
            out = formula(_clip(q), np) + np.zeros(np.shape(q))
        return float(out) if np.ndim(out) == 0 else out
    return g


def _one_minus_q2(q, m=np):
    return m.maximum((1.0 - q) * (1.0 + q), 0.0)


def _linear():
    return Kernel("linear", _closed(lambda q, m: q * 1.0), _closed(lambda q, m: 1.0),
                  _closed(lambda q, m: 0.0), 1.0, _closed(lambda q, m: 1.0 - q))


def _sign():
    c = 2.0 / math.pi
    return Kernel("sign", _closed(lambda q, m: c * m.arcsin(q)),
                  _closed(lambda q, m: c / m.sqrt(_one_minus_q2(q, m))),
                  _closed(lambda q, m: c * q / _one_minus_q2(q, m) ** 1.5), math.inf,
                  _closed(lambda q, m: c * m.arccos(q)))


def _relu():
    c = math.pi - 1.0
    return Kernel("relu", _closed(lambda q, m: (m.sqrt(_one_minus_q2(q, m)) + (math.pi - m.arccos(q)) * q - 1.0) / c),
                  _closed(lambda q, m: (math.pi - m.arccos(q)) / c),
                  _closed(lambda q, m: 1.0 / (c * m.sqrt(_one_minus_q2(q, m)))), math.pi / c,
                  _closed(lambda q, m: (math.pi * (1.0 - q) + q * m.arccos(q) - m.sqrt(_one_minus_q2(q, m))) / c))


def _erf():
    a, u = math.asin(2.0 / 3.0), 2.0 / 3.0

    def near_one(q, m):
        # q ≥ 0: arcsin u − arcsin v = arcsin(u√(1−v²) − v√(1−u²)), the difference written as (u² − v²)/(...)
        v = u * q
        return m.arcsin(u * u * _one_minus_q2(q, m) / (u * m.sqrt(1.0 - v * v) + v * math.sqrt(1.0 - u * u))) / a

    def one_minus_k(q, m):
        if m is np:
            return np.where(q >= 0.0, near_one(np.maximum(q, 0.0), np), 1.0 - np.arcsin(u * q) / a)
        return near_one(q, m) if q >= 0.0 else 1.0 - m.arcsin(u * q) / a

    return Kernel("erf", _closed(lambda q, m: m.arcsin(u * q) / a),
                  _closed(lambda q, m: u / (a * m.sqrt(1.0 - (u * q) ** 2))),
                  _closed(lambda q, m: u * u * (u * q) / (a * (1.0 - (u * q) ** 2) ** 1.5)),
                  2.0 / (math.sqrt(5.0) * a), _closed(one_minus_k))


def _derivative(g, h=1e-4):
    """Central difference ``(g(x+h) − g(x−h))/2h`` (O(h²)); used when no derivative is given."""
    return lambda x: (g(x + h) - g(x - h)) / (2.0 * h)


@lru_cache(maxsize=8)
def _hermite(nodes):
    """Probabilists' Gauss–Hermite rule for ``E_z f(z)`` (weights normalised to 1), computed once per size."""
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    z.flags.writeable = False
    w = w / w.sum()
    w.flags.writeable = False
    return z, w


def gaussian_covariance(f1, f2, q, nodes=QUAD_NODES):
    """``E[f₁(x) f₂(y)]`` for standard normal ``x, y`` with correlation ``q`` (nested Gauss–Hermite)."""
    z, w = _hermite(nodes)
    q = float(q)
    a, s = math.sqrt(abs(q)), math.copysign(1.0, q)
    b = math.sqrt(max(1.0 - abs(q), 0.0))
    outer = a * z[:, None]
    inner1 = f1(outer + b * z[None, :]) @ w
    inner2 = f2(s * outer + b * z[None, :]) @ w
    return float(np.sum(w * inner1 * inner2))


def quadrature_kernel(g, name="user", dg=None, d2g=None, nodes=QUAD_NODES):
    """Kernel of any activation ``g`` (a vectorised numpy function) by Gauss–Hermite quadrature.

    ``dg``, ``d2g`` (the activation's derivatives) give ``k′``, ``k″`` by Price's theorem; when they
    are omitted they are taken by central differences of ``g``.  Accurate (to round-off at 96 nodes) for
    smooth ``g``; a kink or a jump in ``g`` converges slowly (module docstring).
    """
    z, w = _hermite(nodes)
    mean = float(np.sum(w * g(z)))
    var = float(np.sum(w * g(z) ** 2)) - mean ** 2
    if not var > 1e-12:
        raise ValueError(f"activation {name!r} has zero variance under a standard normal input")
    dg = dg or _derivative(g)
    d2g = d2g or _derivative(dg)

    def vec(f1, f2, shift):
        def k(q):
            arr = np.atleast_1d(q)
            out = np.array([(gaussian_covariance(f1, f2, x, nodes) - shift) / var for x in arr])
            return out if np.ndim(q) else out[0]
        return k

    def one_minus_k(q):
        # 1 − k = E[(g(x) − g(y))²]/(2 Var g), x, y = c s ± d t: no cancellation as q → 1
        arr = np.atleast_1d(q)
        out = np.empty(arr.shape)
        for i, x in enumerate(arr):
            c, d = math.sqrt((1.0 + x) / 2.0), math.sqrt(max((1.0 - x) / 2.0, 0.0))
            diff = g(c * z[:, None] + d * z[None, :]) - g(c * z[:, None] - d * z[None, :])
            out[i] = float(w @ (diff * diff) @ w) / (2.0 * var)
        return out if np.ndim(q) else out[0]

    # k′(1) = E[g′²]/Var g (Price) from a 1-D rule twice as fine (cheap; E g′² converges slowest: tanh's
    # sech⁴ is ~1e-9 off at 96 nodes, 1e-14 at 192; numpy's rule overflows beyond ~250 nodes);
    # Var g from the 2-D rule's nodes, so that k(1) = 1 exactly
    zf, wf = _hermite(2 * nodes)
    mean_f = float(np.sum(wf * g(zf)))
    dk1 = float(np.sum(wf * dg(zf) ** 2)) / (float(np.sum(wf * g(zf) ** 2)) - mean_f ** 2)
    return Kernel(name, _Tabulated(vec(g, g, mean ** 2)), _Tabulated(vec(dg, dg, 0.0)),
                  _Tabulated(vec(d2g, d2g, 0.0)), dk1, _scalar(one_minus_k))


CHEB_DEGREE = 64


@jit_kernel
def _clenshaw(c, x):
    """``Σ_j c_j T_j(x)`` (Clenshaw's recurrence)."""
    b1 = b2 = 0.0
    for j in range(c.shape[0] - 1, 0, -1):
        b1, b2 = 2.0 * x * b1 - b2 + c[j], b1
    return x * b1 - b2 + c[0]


class _Tabulated:
    """A quadrature function of q ∈ [−1, 1] evaluated through its Chebyshev interpolant of degree 64, built on the
    first call (65 quadratures, ~30 ms): a 96 × 96 quadrature costs ~0.1 ms a call, the interpolant ~1 µs, and the
    solvers call the kernel at every step.  For smooth g the kernel is C^∞ on [−1, 1] (its Mehler coefficients
    decay faster than any power) and the interpolant reproduces the quadrature to its own accuracy (tanh: k to
    1e-13, k′ and k″ to the quadrature's ~3e-11)."""

    def __init__(self, f):
        self.f, self.c = f, None

    def __call__(self, q):
        if self.c is None:
            self.c = np.polynomial.chebyshev.chebinterpolate(self.f, CHEB_DEGREE)
        if isinstance(q, (float, int, np.floating)):
            return float(_clenshaw(self.c, min(max(float(q), -1.0), 1.0)))
        out = np.polynomial.chebyshev.chebval(_clip(q), self.c)
        return float(out) if np.ndim(out) == 0 else out


def _tanh():
    return quadrature_kernel(np.tanh, "tanh", dg=lambda x: 1.0 / np.cosh(x) ** 2,
                             d2g=lambda x: -2.0 * np.tanh(x) / np.cosh(x) ** 2)


_CLOSED = {"linear": _linear, "sign": _sign, "relu": _relu, "erf": _erf, "tanh": _tanh}


_NAMED = {}  # name -> Kernel, built once per process (tanh's table is built on its first use)


def kernel(activation):
    """The :class:`Kernel` of ``activation``: one of ``sign, relu, erf, tanh, linear``, a callable
    ``g`` (vectorised numpy function; its kernel by quadrature), or a :class:`Kernel` (returned as is)."""
    if isinstance(activation, Kernel):
        return activation
    if callable(activation):
        return quadrature_kernel(activation, getattr(activation, "__name__", "user"))
    if not (isinstance(activation, str) and activation in _CLOSED):
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)} or a function; got {activation!r}")
    if activation not in _NAMED:
        _NAMED[activation] = _CLOSED[activation]()
    return _NAMED[activation]
