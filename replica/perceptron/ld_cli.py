"""CLI subcommands ``ld-local-entropy`` and ``ld-threshold`` (docs/theory.md §8, issue 10 parts 1, 3 and 8)."""

import math
from dataclasses import dataclass

from ..cli.problems import Param, Problem, positive, register
from ..saddle_point.contract import RSFlags
from ..saddle_point.fixed_point import ConvergenceError
from .cli import KAPPA, D
from .gardner import capacity
from .large_deviation import PRESCRIPTIONS, branch_margin, ld_local_entropy, ld_threshold, ystar_complete

ALPHA = Param("alpha", float, None, "patterns per weight α = P/N", check=positive, allowed="> 0")
PRESCRIPTION = Param("prescription", str, "y_inf", "which local entropy: the y = ∞ densest regions (y_inf) or "
                     "S_I at y* where Σ_ext = 0 (y_star: bisection over whole y* curves, minutes)",
                     choices=PRESCRIPTIONS)


def _y_value(text):
    """``--y``: a number > 0, ``inf`` (the densest regions) or ``star`` (y*, where Σ_ext = 0)."""
    if text == "star":
        return "star"
    v = float(text)
    if not v > 0:
        raise ValueError(text)
    return v


def _y_ok(text):
    try:
        _y_value(text)
    except ValueError:
        return False
    return True


Y = Param("y", str, "inf", "number of copies y of the large-deviation measure: a number > 0, inf, or star "
          "(y* where Σ_ext = 0)", check=_y_ok, allowed="a number > 0, inf or star")
TEACHER = Param("teacher", bool, False, "labels from a binary teacher (true/false; κ = 0, y = inf): adds the clipped "
                "centre's teacher overlap R and generalisation error arccos(R)/π")
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
    margin_below: float       # branch_margin at 0.999 α_threshold (> 0: monotone); y_star: +1/-1 at α - 1e-3
    margin_above: float       # branch_margin at 1.001 α_threshold (< 0: broken); y_star: +1/-1 at α + 1e-3
    converged: bool
    iterations: int
    residual: float


def _ld(alpha, kappa, d, y="inf", teacher=False, start=None):
    if teacher and (kappa != 0.0 or _y_value(y) != math.inf):
        raise ValueError("--teacher true needs --kappa 0 and --y inf")
    return ld_local_entropy(alpha, d, kappa, y=_y_value(y), start=start, strict=False, teacher=teacher)


def _threshold(kappa, prescription, d_min, start=None):
    try:
        a = ld_threshold(kappa, prescription, d_min=d_min)
    except NotImplementedError as err:
        raise ValueError(f"--prescription {prescription}: {err}") from None
    except ConvergenceError as err:
        nan = math.nan
        raise ConvergenceError(str(err), LDThresholdResult(kappa, prescription, d_min, nan, nan, nan, nan, False, 0,
                                                           nan, status="max-iter"), nan, 0) from None
    if prescription == "y_star":    # the bisection's own bracket (1e-3): complete below, folded above
        below, above = (1.0 if ystar_complete(a - 1e-3, kappa, d_min)[0] else -1.0,
                        1.0 if ystar_complete(a + 1e-3, kappa, d_min)[0] else -1.0)
    else:
        below, above = branch_margin(0.999 * a, kappa, d_min)[0], branch_margin(1.001 * a, kappa, d_min)[0]
    ok = below > 0 > above
    return LDThresholdResult(kappa, prescription, d_min, a, capacity(kappa, "binary"), below, above, ok, 0,
                             0.0 if ok else math.nan, status="ok" if ok else "max-iter")


register(Problem("ld-local-entropy", "local entropy of the dense regions (large deviations, y = ∞, finite y or "
                 "y*), binary perceptron (docs/theory.md §8)", _ld, (ALPHA, KAPPA, D, Y, TEACHER)))
register(Problem("ld-threshold", "α where the dense regions break up (y_inf: σ̂ reaches 0 on the y = ∞ branch; "
                 "y_star: the y* curve folds), binary perceptron (docs/theory.md §8)", _threshold, (KAPPA, PRESCRIPTION, D_MIN)))
