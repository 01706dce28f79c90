"""CLI subcommands ``ld-local-entropy`` and ``ld-threshold`` (THEORY §8, issue 10 parts 1, 3 and 8)."""

import math
from dataclasses import dataclass

from ..cli.problems import Param, Problem, positive, register
from ..saddle_point.contract import RSFlags
from ..saddle_point.fixed_point import ConvergenceError
from .cli import KAPPA, D
from .gardner import capacity
from .large_deviation import PRESCRIPTIONS, branch_margin, ld_local_entropy, ld_threshold

ALPHA = Param("alpha", float, None, "patterns per weight α = P/N", check=positive, allowed="> 0")
PRESCRIPTION = Param("prescription", str, "y_inf", "which local entropy: the y = ∞ densest regions (y_inf) or "
                     "S_I at y* where Σ_ext = 0 (y_star, needs finite y: not implemented yet)", choices=PRESCRIPTIONS)
D_MIN = Param("d_min", float, 0.005, "smallest distance of the branch checked for σ̂ > 0",
              check=lambda x: 0 < x < 0.5, allowed="in (0, 0.5)")


@dataclass(frozen=True)
class LDThresholdResult(RSFlags):
    """Breakup threshold of the dense regions: the largest α with σ̂ > 0 on the whole y = ∞ branch."""

    kappa: float
    prescription: str
    d_min: float
    alpha_threshold: float
    alpha_capacity: float     # binary capacity at κ, for reference
    margin_below: float       # branch_margin at 0.999 α_threshold (> 0: monotone branch)
    margin_above: float       # branch_margin at 1.001 α_threshold (< 0: broken)
    converged: bool
    iterations: int
    residual: float


def _ld(alpha, kappa, d, start=None):
    return ld_local_entropy(alpha, d, kappa, start=start, strict=False)


def _threshold(kappa, prescription, d_min, start=None):
    try:
        a = ld_threshold(kappa, prescription, d_min=d_min)
    except NotImplementedError as err:
        raise ValueError(f"--prescription {prescription}: {err}") from None
    except ConvergenceError as err:
        nan = math.nan
        raise ConvergenceError(str(err), LDThresholdResult(kappa, prescription, d_min, nan, nan, nan, nan, False, 0,
                                                           nan, status="max-iter"), nan, 0) from None
    below, above = branch_margin(0.999 * a, kappa, d_min)[0], branch_margin(1.001 * a, kappa, d_min)[0]
    ok = below > 0 > above
    return LDThresholdResult(kappa, prescription, d_min, a, capacity(kappa, "binary"), below, above, ok, 0,
                             0.0 if ok else math.nan, status="ok" if ok else "max-iter")


register(Problem("ld-local-entropy", "local entropy of the densest regions (large deviations, y = ∞), binary "
                 "perceptron (THEORY §8)", _ld, (ALPHA, KAPPA, D)))
register(Problem("ld-threshold", "α where the y = ∞ dense regions break up (σ̂ reaches 0 on the branch), binary "
                 "perceptron (THEORY §8)", _threshold, (KAPPA, PRESCRIPTION, D_MIN)))
