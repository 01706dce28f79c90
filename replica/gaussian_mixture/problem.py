"""The ERM problem every Gaussian-mixture result belongs to, and the check of its parameters."""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class GMProblem:
    """Loss, sample ratio α = P/N, cluster variance Δ, ridge λ, fraction ρ of the +1 class, learned bias."""

    loss: str
    alpha: float
    delta: float
    lam: float
    rho: float
    bias: bool


def validate(alpha, delta, lam, rho):
    """One-line ValueError naming the first parameter out of range."""
    for name, value, ok, allowed in (("alpha", alpha, alpha > 0, "> 0"), ("delta", delta, delta > 0, "> 0"),
                                     ("lam", lam, lam >= 0, ">= 0"), ("rho", rho, 0 < rho < 1, "in (0, 1)")):
        if not (math.isfinite(value) and ok):
            raise ValueError(f"{name} must be {allowed}; got {value}")
