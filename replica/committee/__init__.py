"""Wide tree committee machine (K → ∞) with any activation: kernels, Gardner volume and capacity,
Franz–Parisi local entropy and dense regions (docs/theory.md §9, docs/committee.md).

Every solver here is the perceptron's, with the output overlaps replaced by their kernel images
``k_g(q)`` (:mod:`replica.committee.kernels`); the perceptron code takes the kernel as an argument.
"""

import importlib

from .kernels import ACTIVATIONS, Kernel, kernel

# name -> submodule; loaded on first use so that importing the kernels stays cheap
_EXPORTS = {
    # (a submodule must not share a function's name: importing it would replace the function on the package)
    "CommitteeGardnerResult": "gardner_volume", "gardner": "gardner_volume", "capacity": "gardner_volume",
    "CommitteeFPResult": "fp_typical", "franz_parisi": "fp_typical", "franz_parisi_curve": "fp_typical",
    "CommitteeLDResult": "large_deviation", "ld_local_entropy": "large_deviation",
    "ld_local_entropy_curve": "large_deviation", "ld_threshold": "large_deviation",
    "simulate": None, "simulation_points": "simulate_experiment", "alpha_alg_table": "simulate_experiment",
}

__all__ = ["ACTIVATIONS", "Kernel", "kernel", *_EXPORTS]


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_EXPORTS[name] or name}")
    return module if _EXPORTS[name] is None else getattr(module, name)
