"""Perceptron: Gardner volume, teacher–student learning, Franz–Parisi local entropy (docs/theory.md §2–§4)."""

from .binary_minimizer import BinaryMinimizerFPResult, binary_minimizer_fp, binary_minimizer_fp_curve
from .binary_reference import BinaryGibbsResult, BinaryReferenceResult, binary_gibbs, binary_reference
from .fp_minimizer import MinimizerFPResult, franz_parisi_minimizer, franz_parisi_minimizer_curve, reference_chi
from .franz_parisi import FPResult, franz_parisi, franz_parisi_curve
from .gardner import GardnerResult, capacity, gardner, kappa_max
from .large_deviation import LDResult, ld_local_entropy, ld_local_entropy_curve, ld_threshold
from .local_energy import PerceptronLocalEnergyResult, local_energy, stability_law
from . import ld_local_energy  # registers reference="ld" / "ld_replica" with local_energy (needs d=)
from . import teacher_student

__all__ = ["GardnerResult", "gardner", "capacity", "kappa_max",
           "FPResult", "franz_parisi", "franz_parisi_curve",
           "MinimizerFPResult", "franz_parisi_minimizer", "franz_parisi_minimizer_curve", "reference_chi",
           "BinaryMinimizerFPResult", "binary_minimizer_fp", "binary_minimizer_fp_curve",
           "BinaryGibbsResult", "BinaryReferenceResult", "binary_gibbs", "binary_reference",
           "PerceptronLocalEnergyResult", "local_energy", "stability_law",
           "LDResult", "ld_local_entropy", "ld_local_entropy_curve", "ld_threshold",
           "teacher_student"]

from .._lazy import submodule as _submodule


def __getattr__(name):
    """Submodules not imported above (the simulations, e.g. ``simulate``) load on first use."""
    return _submodule(__name__, name,
                      ("simulate", "local_energy_simulate", "binary_minimizer_simulate", "dense_simulate",
                       "local_entropy_count", "dense_count_simulate"))
