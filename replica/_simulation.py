"""scikit-learn fits for the simulation modules: an unconverged fit is an error, never a silent number."""

import warnings


def fit_or_raise(est, A, y):
    """``est.fit(A, y)``, turning scikit-learn's ConvergenceWarning into a RuntimeError."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            return est.fit(A, y)
        except ConvergenceWarning as exc:
            raise RuntimeError(f"{type(est).__name__} did not converge: {exc}") from exc
