"""Model-agnostic numerics: special functions, quadrature, losses, fixed points, continuation,
thresholds and optima along one parameter."""

from .continuation import Sweep, hysteresis, sweep
from .fixed_point import ConvergenceError, FixedPointResult, residual_norm, solve_fixed_point
from .losses import LOSSES, loss_array, loss_code, loss_d1, loss_d2, loss_value, prox, prox_array
from .quadrature import (gauss_hermite, gauss_legendre, gaussian_expectation, gaussian_expectation_2d,
                         gaussian_panels, legendre_panels, log_gaussian_expectation)
from .special import GH, H, G, Phi, log_2cosh, log_H
from .thresholds import NoThresholdError, find_threshold, minimize_log

__all__ = [
    "ConvergenceError", "FixedPointResult", "solve_fixed_point", "residual_norm",
    "Sweep", "sweep", "hysteresis",
    "LOSSES", "loss_code", "loss_value", "loss_d1", "loss_d2", "prox", "prox_array", "loss_array",
    "gauss_hermite", "gauss_legendre", "gaussian_expectation", "gaussian_expectation_2d",
    "gaussian_panels", "legendre_panels", "log_gaussian_expectation",
    "G", "H", "Phi", "GH", "log_H", "log_2cosh",
    "find_threshold", "minimize_log", "NoThresholdError",
]
