"""Two-cluster Gaussian mixture (docs/theory.md §1, §5, §6): ERM fixed points, Bayes-optimal error,
local entropy and local energy of ERM minimisers, and scikit-learn simulations (``simulate``)."""

from .bayes import BayesResult, bayes_error, bayes_overlaps, separability_threshold
from .erm import ERMResult, erm, erm_curve, gen_error, square_closed_form
from .flatness import FlatnessResult, flatness_scan, flattest_minimiser
from .local_energy import LocalEnergyResult, energy_of, local_energy
from .local_entropy import (LocalEntropyResult, LocalFreeEntropyResult, local_entropy, local_entropy_curve,
                            local_free_entropy, shell_error)
from .optimal import OptimalERMResult, OptimumAtBoundWarning, optimal_lambda

__all__ = ["ERMResult", "erm", "erm_curve", "gen_error", "square_closed_form",
           "BayesResult", "bayes_error", "bayes_overlaps", "separability_threshold",
           "LocalEntropyResult", "LocalFreeEntropyResult", "local_entropy", "local_entropy_curve",
           "local_free_entropy", "shell_error", "LocalEnergyResult", "local_energy", "energy_of",
           "FlatnessResult", "flatness_scan", "flattest_minimiser",
           "optimal_lambda", "OptimalERMResult", "OptimumAtBoundWarning"]

from .._lazy import submodule as _submodule


def __getattr__(name):
    """Submodules not imported above (``simulate``, which imports scikit-learn) load on first use."""
    return _submodule(__name__, name, ("simulate",))
