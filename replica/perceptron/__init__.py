"""Perceptron: Gardner volume, teacher–student learning, Franz–Parisi local entropy (THEORY §2–§4)."""

from .fp_minimizer import MinimizerFPResult, franz_parisi_minimizer, franz_parisi_minimizer_curve, reference_chi
from .franz_parisi import FPResult, franz_parisi, franz_parisi_curve
from .gardner import GardnerResult, capacity, gardner, kappa_max
from .large_deviation import LDResult, ld_local_entropy, ld_local_entropy_curve, ld_threshold
from .local_energy import PerceptronLocalEnergyResult, local_energy, stability_law
from . import teacher_student

__all__ = ["GardnerResult", "gardner", "capacity", "kappa_max",
           "FPResult", "franz_parisi", "franz_parisi_curve",
           "MinimizerFPResult", "franz_parisi_minimizer", "franz_parisi_minimizer_curve", "reference_chi",
           "PerceptronLocalEnergyResult", "local_energy", "stability_law",
           "LDResult", "ld_local_entropy", "ld_local_entropy_curve", "ld_threshold",
           "teacher_student"]
