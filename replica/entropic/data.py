"""Data sets for the entropic experiments: Gaussian mixture, random patterns, handwritten digits."""

import math

import numpy as np

from . import _checks

__all__ = ["gaussian_mixture", "random_patterns", "digits"]


def gaussian_mixture(n_samples, n_features, delta, rho=0.5, rng=None, v_star=None):
    """docs/theory.md §1: ``x = y v*/√N + √Δ z``, v* ~ N(0, I_N), z ~ N(0, I_N), y = +1 w.p. ρ else -1.

    Returns ``(X, y, v_star)``; pass the returned ``v_star`` back to draw a test set of the same
    mixture.  ``rng`` is a ``numpy.random.Generator`` (or a seed).
    """
    n = _checks.integer("n_samples", n_samples)
    N = _checks.integer("n_features", n_features)
    delta = _checks.real("delta", delta, low_open=True)
    rho = _checks.real("rho", rho, high=1.0)
    rng = np.random.default_rng(rng)
    if v_star is None:
        v_star = rng.standard_normal(N)
    y = np.where(rng.random(n) < rho, 1.0, -1.0)
    X = y[:, None] * v_star[None, :] / math.sqrt(N) + math.sqrt(delta) * rng.standard_normal((n, N))
    return X, y, v_star


def random_patterns(n_samples, n_features, rng=None):
    """Storage problem (docs/theory.md §3): x ~ N(0, I_N), labels y = ±1 with probability 1/2 each."""
    n = _checks.integer("n_samples", n_samples)
    N = _checks.integer("n_features", n_features)
    rng = np.random.default_rng(rng)
    return rng.standard_normal((n, N)), np.where(rng.random(n) < 0.5, 1.0, -1.0)


def digits(test_fraction=0.3, seed=0):
    """scikit-learn's bundled 8×8 handwritten digits (1797 images, 10 classes, offline).

    Stratified train/test split (``seed``), pixels standardised with the training mean and
    standard deviation (constant pixels left at 0).  Returns ``X_train, X_test, y_train, y_test``
    with integer labels 0..9.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_fraction = _checks.real("test_fraction", test_fraction, low_open=True, high=1.0, high_open=True)
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X.astype(float), y, test_size=test_fraction,
                                          random_state=seed, stratify=y)
    mean, std = Xtr.mean(axis=0), Xtr.std(axis=0)
    std[std == 0] = 1.0
    return (Xtr - mean) / std, (Xte - mean) / std, ytr, yte
