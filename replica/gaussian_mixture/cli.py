"""CLI subcommands ``gm-erm`` and ``gm-bayes``."""

from ..cli.problems import Param, Problem, non_negative, open_unit, positive, register
from .bayes import bayes_overlaps
from .erm import erm
from .optimal import optimize_lambda

ALPHA = Param("alpha", float, None, "samples per dimension α = P/N", check=positive, allowed="> 0")
DELTA = Param("delta", float, None, "cluster noise variance Δ", check=positive, allowed="> 0")
LAM = Param("lam", float, None, "L2 penalty λ (λ/2 ‖w‖²)", check=non_negative, allowed=">= 0")
RHO = Param("rho", float, 0.5, "fraction ρ of the +1 class", check=open_unit, allowed="in (0, 1)")
BIAS = Param("bias", bool, False, "learn an unpenalised bias (true/false)")
LOSS = Param("loss", str, None, "margin loss", choices=("square", "logistic", "hinge"))


def _gm_erm(start=None, optimize=None, **kw):
    if optimize == "lam":  # the λ minimising gen_error (bounded Brent in log λ), warm-started along the sweep
        return optimize_lambda(**kw, start=start, strict=False)
    return erm(**kw, start=start, strict=False)


register(Problem("gm-erm", "ERM fixed point on the Gaussian mixture (docs/theory.md §1)", _gm_erm,
                 (LOSS, ALPHA, DELTA, LAM, RHO, BIAS), optimize=("lam",)))
register(Problem("gm-bayes", "Bayes-optimal overlaps and error of the Gaussian mixture",
                 lambda start=None, **kw: bayes_overlaps(**kw), (ALPHA, DELTA, RHO)))
