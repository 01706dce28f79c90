"""Two-cluster Gaussian mixture: ERM fixed points, Bayes-optimal error, simulations (THEORY §1)."""

from .bayes import BayesResult, bayes_error, bayes_overlaps, separability_threshold
from .erm import ERMResult, erm, erm_curve, gen_error, square_closed_form

__all__ = ["ERMResult", "erm", "erm_curve", "gen_error", "square_closed_form",
           "BayesResult", "bayes_error", "bayes_overlaps", "separability_threshold"]
