"""Entropic algorithms (Entropy-SGD, Replicated-SGD), the local-energy flatness measure, and
experiments that set them against the replica theory (docs/theory.md §6–§7; seed arXiv:2006.07897).

Modules: ``optimizers`` (SGD, EntropySGD, ReplicatedSGD on a flat parameter vector),
``schedules`` (Constant, Scoping, callables), ``models`` (LinearClassifier, OneHiddenLayer,
Objective), ``local_energy``, ``data`` (Gaussian mixture, random patterns, digits),
``experiments`` (train / gm / perceptron / digits, CLI helpers), ``gm_theory`` (replica-theory
overlay from ``replica.gaussian_mixture`` when available), ``storage`` (binary-weight perceptron storage
near capacity: SA, replicated SA, binary-connect SGD, Replicated-SGD, Entropy-SGD at equal budget) and ``torch``
(optional ``torch.optim.Optimizer`` versions; needs ``replica[torch]``).
"""

from .local_energy import LocalEnergy, local_energy
from .models import LinearClassifier, Objective, OneHiddenLayer
from .optimizers import SGD, EntropySGD, FitResult, ReplicatedSGD, cosine_distance
from .schedules import Constant, FromCallable, Schedule, Scoping, as_schedule

__all__ = [
    "SGD", "EntropySGD", "ReplicatedSGD", "FitResult", "cosine_distance",
    "Schedule", "Constant", "Scoping", "FromCallable", "as_schedule",
    "LinearClassifier", "OneHiddenLayer", "Objective",
    "LocalEnergy", "local_energy",
]

from .._lazy import submodule as _submodule


def __getattr__(name):
    """Submodules not imported above (``experiments``, ``data``, ``torch``, ...) load on first use."""
    return _submodule(__name__, name, ("experiments", "data", "gm_theory", "torch", "storage"))
