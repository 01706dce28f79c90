"""Maximum-flatness estimator: pick the ERM minimiser with the largest local entropy Φ(d) (seed, docs/theory.md §5).

Over a grid of losses and ridge penalties λ, each minimiser's normalised local entropy Φ(d) at a given
distance d (and its local energy at noise σ) is computed next to its generalisation error; the
estimator selects the flattest one (largest Φ(d)) and reports how far its error is from Bayes-optimal.

Balanced mixture (ρ = 1/2): Φ(d) grows with λ, so the estimator picks the largest λ of the grid, and as
λ → ∞ every loss's minimiser tends to ``w ∝ Σ_μ y_μ x_μ``, whose error is the Bayes-optimal one
(docs/theory.md §1; at α = 2, Δ = 1 the excess is ≈ 2e-9 at λ = 1e4).  This is the seed's claim (checked in
the tests at α = 2, Δ = 1).

Failure mode — unbalanced mixture (ρ ≠ 1/2) with a learned bias. As λ grows the penalised weights shrink
while the unpenalised bias does not, and the minimiser collapses onto the majority class: training and
generalisation errors → min(ρ, 1-ρ), far above Bayes (docs/theory.md §1). After rescaling to the unit sphere the
bias ``b/√q`` dwarfs the O(1) fields (≈ -80 at λ = 100 below), so every point of the shell predicts the
majority class like the reference: the shell's typical error equals the reference's and **Φ(d) = 0
trivially** — the largest value Φ can take. The estimator then selects the collapsed minimiser (at
ρ = 0.3, α = 2, Δ = 1, d = 0.05 it picks λ = 100 with error 0.3 against Bayes 0.179; several rows can tie at
Φ = 0 and the first wins). Compare ``best.gen_error`` with ``best_gen_error`` and ``bayes_error``, and
restrict the grid to λ below the collapse, before trusting the choice in the unbalanced case.
"""

from dataclasses import dataclass

import numpy as np

from ..saddle_point.fixed_point import ConvergenceError
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

    Each λ of a loss is warm-started from the previous one.  Returns a :class:`FlatnessResult` whose
    ``best`` is the maximum-flatness estimator's choice: the converged row with the largest Φ(d).  In
    the unbalanced case with a learned bias that choice can be a minimiser collapsed onto the majority
    class (Φ = 0 trivially; see the module docstring).
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
    if not ok:
        raise ConvergenceError(f"gm flatness_scan(alpha={alpha}, delta={delta}, d={d}): no minimiser on the grid "
                               f"converged", tuple(rows))
    best = max(ok, key=lambda r: r.phi)
    bo = bayes_error(alpha, delta, rho)
    return FlatnessResult(alpha=alpha, delta=delta, rho=rho, bias=bias, d=float(d), sigma=float(sigma),
                          rows=tuple(rows), best=best, bayes_error=bo, excess_error=best.gen_error - bo,
                          best_gen_error=min(r.gen_error for r in ok))


def flattest_minimiser(alpha, delta, d=0.05, lams=None, losses=("square", "logistic"), rho=0.5, bias=False):
    """The maximum-flatness estimator: the (loss, λ) with the largest Φ(d) on a log-λ grid (default 1e-2..1e2).

    Balanced case: picks the largest λ, whose error approaches Bayes-optimal.  Unbalanced with a learned
    bias: can pick a majority-class collapse with Φ = 0 (see :mod:`replica.gaussian_mixture.flatness`).
    """
    if lams is None:
        lams = np.geomspace(1e-2, 1e2, 9)
    return flatness_scan(alpha, delta, d, lams, losses, rho, bias)
