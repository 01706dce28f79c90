"""CLI subcommands ``gardner``, ``ts-erm``, ``ts-bayes``, ``franz-parisi``, ``franz-parisi-minimizer``."""

import math

from ..cli.problems import Param, Problem, non_negative, positive, register
from .fp_minimizer import franz_parisi_minimizer
from .franz_parisi import franz_parisi
from .gardner import gardner
from .teacher_student import bayes, erm, optimize_lambda


def _finite(x):
    return math.isfinite(x)


def _half_open(x):
    return 0 < x < 0.5


ALPHA = Param("alpha", float, None, "patterns per weight α = P/N", check=positive, allowed="> 0")
ALPHA0 = Param("alpha", float, None, "patterns per weight α = P/N", check=non_negative, allowed=">= 0")
KAPPA = Param("kappa", float, 0.0, "margin κ of the counted solutions", check=_finite, allowed="finite")
KAPPA_REF = Param("kappa_ref", float, 0.0, "margin κ̃ of the reference solutions", check=_finite, allowed="finite")
MAX_MARGIN = Param("max_margin", bool, False, "references at κ̃ = κ_max(α) (overrides --kappa-ref)")
WEIGHTS = Param("weights", str, "spherical", "weight space", choices=("spherical", "binary"))
WEIGHTS_B = Param("weights", str, "binary", "weight space", choices=("spherical", "binary"))
D = Param("d", float, None, "distance d = (1-S)/2 from the reference", check=_half_open, allowed="in (0, 0.5)")
LAM = Param("lam", float, None, "L2 penalty λ (λ/2 ‖w‖²)", check=positive, allowed="> 0")
TS_LOSS = Param("loss", str, None, "margin loss", choices=("square", "logistic", "hinge"))
MIN_LOSS = Param("loss", str, None, "loss minimised by the reference (error_counting: binary weights only)",
                 choices=("hinge", "cross_entropy", "logistic", "square", "error_counting"))
EC_MARGIN = Param("kappa_ref", float, 0.0, "threshold κ̃ of the error-counting loss Θ(κ̃ - Δ) (error_counting only)",
                  check=_finite, allowed="finite")
MARGIN = Param("margin", float, 1.0, "hinge margin (hinge only)", check=_finite, allowed="finite")
GAMMA = Param("gamma", float, 1.0, "cross-entropy sharpness γ (cross_entropy only)", check=positive, allowed="> 0")


def _gardner(alpha, kappa, weights, start=None):
    return gardner(alpha, kappa, weights, start=start, strict=False)


def _fp(alpha, weights, kappa_ref, kappa, max_margin, d, start=None):
    return franz_parisi(alpha, d, weights, "max" if max_margin else kappa_ref, kappa, start=start, strict=False)


def _fpm(loss, alpha, kappa, margin, gamma, weights, kappa_ref, d, start=None):
    extra = {"hinge": {"margin": margin}, "cross_entropy": {"gamma": gamma},
             "error_counting": {"margin": kappa_ref}}.get(loss, {})
    start = start if getattr(start, "weights", None) == weights else None
    return franz_parisi_minimizer(loss, alpha, d, kappa, weights, start=start, strict=False, **extra)


register(Problem("gardner", "Gardner volume, spherical or binary weights (docs/theory.md §3)", _gardner,
                 (ALPHA0, KAPPA, WEIGHTS)))
def _ts_erm(start=None, optimize=None, **kw):
    if optimize == "lam":  # the λ minimising gen_error (square loss: π/2 - 1)
        return optimize_lambda(**kw, start=start, strict=False)
    return erm(**kw, start=start, strict=False)


register(Problem("ts-erm", "teacher–student perceptron ERM fixed point (docs/theory.md §2)", _ts_erm, (TS_LOSS, ALPHA, LAM),
                 optimize=("lam",)))
register(Problem("ts-bayes", "teacher–student Bayes-optimal and Gibbs errors (docs/theory.md §2)",
                 lambda start=None, **kw: bayes(**kw), (ALPHA,)))
register(Problem("franz-parisi", "Franz–Parisi local entropy around typical/max-margin solutions (docs/theory.md §4)",
                 _fp, (ALPHA, WEIGHTS_B, KAPPA_REF, KAPPA, MAX_MARGIN, D)))
register(Problem("franz-parisi-minimizer", "local entropy around loss minimisers; binary: zero-entropy minimiser "
                 "(docs/theory.md §4, §10)", _fpm, (MIN_LOSS, ALPHA, KAPPA, MARGIN, GAMMA, WEIGHTS, EC_MARGIN, D)))
