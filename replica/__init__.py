"""replica: replica saddle-point solvers for learning in shallow networks."""

__version__ = "0.1.0"
