"""CLI subcommands ``gm-local-entropy`` and ``gm-local-energy`` (docs/theory.md §5, §6)."""

from ..cli.problems import Param, Problem, non_negative, register
from .cli import ALPHA, BIAS, DELTA, LAM, LOSS, RHO
from .local_energy import LocalEnergyResult, local_energy
from .local_entropy import D_MAX, D_MIN, LocalEntropyResult, local_entropy

D = Param("d", float, None, "distance d = (1-S)/2 of the shell from the rescaled minimiser",
          check=lambda x: D_MIN <= x <= D_MAX, allowed=f"in [{D_MIN}, {D_MAX}]")
SIGMA = Param("sigma", float, None, "relative weight noise σ of w ⊙ (1 + σz)", check=non_negative,
              allowed=">= 0")


def _entropy(start=None, **kw):
    return local_entropy(**kw, start=start if isinstance(start, LocalEntropyResult) else None, strict=False)


def _energy(start=None, **kw):
    return local_energy(**kw, start=start if isinstance(start, LocalEnergyResult) else None, strict=False)


register(Problem("gm-local-entropy", "normalised local entropy Φ(d) of a rescaled GM ERM minimiser (docs/theory.md §5)",
                 _entropy, (LOSS, ALPHA, DELTA, LAM, D, RHO, BIAS)))
register(Problem("gm-local-energy", "training/test error of a GM ERM minimiser under weight noise (docs/theory.md §6)",
                 _energy, (LOSS, ALPHA, DELTA, LAM, SIGMA, RHO, BIAS)))
