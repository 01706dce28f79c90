"""Bayes-optimal error and separability threshold of the Gaussian mixture (docs/theory.md §1).

Labels are observed, so the posterior on v* is Gaussian: the Bayes-optimal
overlaps are ``m = q = α/(α+Δ)`` and the optimal bias ``b = (Δ/2) log(ρ/(1-ρ))``.
The replicon is 0 (docs/stability.md eq. 27).
"""

import math
from dataclasses import dataclass

from .._lazy import minimize_scalar

from ..saddle_point.special import G, H
from .erm import gen_error
from .problem import validate
from ..saddle_point.contract import RSFlags


@dataclass(frozen=True)
class BayesResult(RSFlags):
    alpha: float
    delta: float
    rho: float
    m: float
    q: float
    b: float
    gen_error: float
    converged: bool = True


def bayes_overlaps(alpha, delta, rho=0.5):
    """Bayes-optimal overlaps ``m = q = α/(α+Δ)``, bias ``b = (Δ/2)log(ρ/(1-ρ))`` and error.

    ``ε_BO = ρH((q+b)/√(Δq)) + (1-ρ)H((q-b)/√(Δq))``.
    """
    validate(alpha, delta, 1.0, rho)
    q = alpha / (alpha + delta)
    b = 0.5 * delta * math.log(rho / (1.0 - rho))
    # replicon 0: the data term is linear in the overlaps after the noise average, so the replicated
    # measure has no pattern-induced curvature (γ_E = 0; docs/stability.md eq. 27) — RS is exact and stable
    return BayesResult(alpha=alpha, delta=delta, rho=rho, m=q, q=q, b=b, gen_error=gen_error(q, q, b, delta, rho),
                       replicon=0.0)


def bayes_error(alpha, delta, rho=0.5):
    """Bayes-optimal generalisation error; balanced: ``H(√(α/(Δ(α+Δ))))``."""
    return bayes_overlaps(alpha, delta, rho).gen_error


def _tail_square(x):
    """``E[(ξ - x)_+²] = (1+x²)H(x) - xG(x)``."""
    return (1.0 + x * x) * H(x) - x * G(x)


def separability_threshold(delta, rho=0.5, bias=False):
    """Largest α at which the mixture is linearly separable (interpolation peak of logistic/hinge ERM).

    ``α* = max_{c∈[0,1), β} (1-c²)/E_{y,ξ}[(ξ - (c + yβ)/√Δ)_+²]`` with β = 0 without bias;
    the inner function is convex in β, the outer is maximised over c by bounded Brent search.
    """
    validate(1.0, delta, 1.0, rho)
    sd = math.sqrt(delta)

    def cost(c, beta):
        return rho * _tail_square((c + beta) / sd) + (1.0 - rho) * _tail_square((c - beta) / sd)

    def best_cost(c):
        if not bias:
            return cost(c, 0.0)
        # the minimiser β lies within a few noise widths of 0; bracket generously
        return minimize_scalar(lambda beta: cost(c, beta), bracket=(-1.0, 1.0),
                               options={"xtol": 1e-12}).fun

    res = minimize_scalar(lambda c: -(1.0 - c * c) / best_cost(c), bounds=(0.0, 1.0), method="bounded",
                          options={"xatol": 1e-12})
    return float(-res.fun)
