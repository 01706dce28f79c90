"""Plumbing shared by the simulation modules: sizes and seeds, progress over seeds, strict fits."""

import sys
import warnings

from ._lazy import tqdm


def sizes_and_seeds(alpha, n_features, seeds):
    """``(N, P = round(αN), seeds as a tuple of ints)``; ValueError naming what is too small."""
    n_features = int(n_features)
    if n_features < 1:
        raise ValueError(f"n_features must be >= 1; got {n_features}")
    n_samples = int(round(alpha * n_features))
    if n_samples < 2:
        raise ValueError(f"alpha*n_features must round to at least 2 samples; got {n_samples}")
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds must contain at least one seed")
    return n_features, n_samples, seeds


def over_seeds(seeds, desc, progress=None):
    """Iterate over ``seeds`` with a tqdm bar on stderr (by default only when stderr is a terminal)."""
    if progress is None:
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)())
    return tqdm(seeds, desc=desc, file=sys.stderr, leave=False, disable=not progress)


def fit_or_raise(est, A, y):
    """``est.fit(A, y)``, turning scikit-learn's ConvergenceWarning into a RuntimeError."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            return est.fit(A, y)
        except ConvergenceWarning as exc:
            raise RuntimeError(f"{type(est).__name__} did not converge: {exc}") from exc
