"""Gaussian quadrature rules and Gaussian expectations.

Rules are returned as read-only ``(nodes, weights)`` arrays and passed to
kernels as arguments (never baked in as globals).

- ``gauss_hermite(n)``: ``E_z f(z) ≈ Σ_i w_i f(z_i)`` for ``z ~ N(0, 1)``
  (probabilists' Hermite rule, weights normalised to sum to 1).
- ``gauss_legendre(n, a, b)``: ``∫_a^b f ≈ Σ_i w_i f(x_i)``.
- ``gaussian_panels``: a composite Gauss–Legendre rule for ``E_z f(z)`` on
  ``[-L, L]`` cut at given points, for integrands with a kink or a sharp step
  at a known place (where Gauss–Hermite converges slowly).
"""

from functools import lru_cache

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from numpy.polynomial.legendre import leggauss
from .._lazy import logsumexp

from .._numba import kernel
from .special import G

SQRT_2PI = np.sqrt(2.0 * np.pi)


def _frozen(*arrays):
    for a in arrays:
        a.setflags(write=False)
    return arrays


@lru_cache(maxsize=None)
def gauss_hermite(n):
    """Nodes and weights of the n-point rule for ``E_z f(z)``, ``z ~ N(0, 1)``."""
    if n < 1:
        raise ValueError(f"n must be a positive integer, got {n}")
    z, w = hermegauss(n)
    return _frozen(z, w / SQRT_2PI)


@lru_cache(maxsize=None)
def gauss_legendre(n, a=-1.0, b=1.0):
    """Nodes and weights of the n-point Gauss–Legendre rule on ``[a, b]``."""
    if n < 1:
        raise ValueError(f"n must be a positive integer, got {n}")
    x, w = leggauss(n)
    half = 0.5 * (b - a)
    return _frozen(0.5 * (b + a) + half * x, half * w)


def gaussian_expectation(f, n=80):
    """``E_z f(z)`` for ``z ~ N(0, 1)`` with an n-point Gauss–Hermite rule; f is vectorised."""
    z, w = gauss_hermite(n)
    return np.dot(w, f(z))


def gaussian_expectation_2d(f, n=60, corr=0.0):
    """``E f(z1, z2)`` for standard normals with correlation ``corr`` (tensor Gauss–Hermite rule).

    ``z1 = u``, ``z2 = corr·u + √(1-corr²)·v`` with u, v independent.
    """
    if not -1.0 <= corr <= 1.0:
        raise ValueError(f"corr must lie in [-1, 1], got {corr}")
    z, w = gauss_hermite(n)
    u, v = np.meshgrid(z, z, indexing="ij")
    return np.sum(np.outer(w, w) * f(u, corr * u + np.sqrt(1.0 - corr * corr) * v))


def log_gaussian_expectation(log_f, n=80):
    """``log E_z exp(log_f(z))`` in the log domain (no overflow for large ``log_f``)."""
    z, w = gauss_hermite(n)
    return logsumexp(log_f(z), b=w)


@kernel
def legendre_panels(cuts, x_ref, w_ref, nodes, weights):
    """Fill a composite Gauss–Legendre rule for ``∫ f ≈ Σ weights·f(nodes)`` over ``[cuts[j], cuts[j+1]]``.

    ``x_ref, w_ref`` is a Gauss–Legendre rule on [-1, 1] (k nodes); ``cuts`` must be
    sorted; ``nodes`` and ``weights`` have length ``k·(len(cuts)-1)``.
    """
    k = x_ref.shape[0]
    for j in range(cuts.shape[0] - 1):
        a = cuts[j]
        half = 0.5 * (cuts[j + 1] - a)
        mid = a + half
        for i in range(k):
            nodes[j * k + i] = mid + half * x_ref[i]
            weights[j * k + i] = half * w_ref[i]


@kernel
def gaussian_panels(cuts, x_ref, w_ref, nodes, weights):
    """:func:`legendre_panels` for ``E_z f(z) ≈ Σ weights·f(nodes)``: each weight carries ``G(node)``."""
    legendre_panels(cuts, x_ref, w_ref, nodes, weights)
    for i in range(nodes.shape[0]):
        weights[i] *= G(nodes[i])
