"""Maximum-flatness estimator: pick the ERM minimiser with the largest local entropy Φ(d) (seed, THEORY §5).

Over a grid of losses and ridge penalties λ, each minimiser's normalised local entropy Φ(d) at a given
distance d (and its local energy at noise σ) is computed next to its generalisation error; the
estimator selects the flattest one (largest Φ(d)) and reports how far its error is from Bayes-optimal.
"""

from dataclasses import dataclass

import numpy as np

from .bayes import bayes_error
from .erm import erm
from .local_energy import energy_of
from .local_entropy import local_entropy


@dataclass(frozen=True)
class FlatnessRow:
    loss: str
    lam: float
    phi: float
    beta: float
    delta_train_error: float
    gen_error: float
    train_error: float
    converged: bool


@dataclass(frozen=True)
class FlatnessResult:
    alpha: float
    delta: float
    rho: float
    bias: bool
    d: float
    sigma: float
    rows: tuple             # one FlatnessRow per (loss, λ)
    best: FlatnessRow       # the flattest minimiser (largest Φ(d))
    bayes_error: float
    excess_error: float     # best.gen_error - bayes_error
    best_gen_error: float   # lowest generalisation error on the grid (for comparison)


def flatness_scan(alpha, delta, d, lams, losses=("square", "logistic"), rho=0.5, bias=False, sigma=0.1):
    """Φ(d), local energy δε(σ) and generalisation error of the minimisers on a (loss × λ) grid.

    Returns a :class:`FlatnessResult` whose ``best`` is the maximum-flatness estimator's choice.
    """
    lams = np.atleast_1d(np.asarray(lams, dtype=float))
    if lams.size == 0:
        raise ValueError("lams must be a non-empty list of values >= 0")
    rows = []
    for loss in losses:
        start = None
        for lam in lams:
            ref = erm(loss, alpha, delta, float(lam), rho, bias, strict=False)
            le = local_entropy(loss, alpha, delta, float(lam), d, rho, bias, reference=ref, start=start, strict=False)
            start = le if le.converged else None
            en = energy_of(ref, sigma)
            rows.append(FlatnessRow(loss=loss, lam=float(lam), phi=le.phi, beta=le.beta,
                                    delta_train_error=en.delta_train_error, gen_error=ref.gen_error,
                                    train_error=ref.train_error, converged=le.converged and ref.converged))
    ok = [r for r in rows if r.converged]
    best = max(ok, key=lambda r: r.phi)
    bo = bayes_error(alpha, delta, rho)
    return FlatnessResult(alpha=alpha, delta=delta, rho=rho, bias=bias, d=float(d), sigma=float(sigma),
                          rows=tuple(rows), best=best, bayes_error=bo, excess_error=best.gen_error - bo,
                          best_gen_error=min(r.gen_error for r in ok))


def flattest_minimiser(alpha, delta, d=0.05, lams=None, losses=("square", "logistic"), rho=0.5, bias=False):
    """The maximum-flatness estimator: the (loss, λ) with the largest Φ(d) on a log-λ grid (default 1e-2..1e2)."""
    if lams is None:
        lams = np.geomspace(1e-2, 1e2, 9)
    return flatness_scan(alpha, delta, d, lams, losses, rho, bias)
