"""Command-line plumbing shared by every problem of ``python -m replica.solve``."""

from .parsing import parse_values
from .problems import Param, Problem, REGISTRY, register

__all__ = ["parse_values", "Param", "Problem", "REGISTRY", "register"]
