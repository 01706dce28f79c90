"""CLI subcommand ``perceptron-local-energy`` (docs/theory.md §10, issue 10 part 5)."""

from ..cli.problems import Param, Problem, register
from .cli import ALPHA0, GAMMA, KAPPA, KAPPA_REF, MARGIN, WEIGHTS
from .local_energy import local_energy

REFERENCE = Param("reference", str, "typical", "whose stabilities: typical solutions (margin --kappa-ref), the "
                  "max-margin solution, a loss minimiser (spherical), or a dense region at distance --d (binary): "
                  "its centre (ld) or its solutions (ld_replica)",
                  choices=("typical", "max_margin", "hinge", "cross_entropy", "logistic", "square", "ld", "ld_replica"))
D = Param("d", float, 0.05, "distance d of the dense region's solutions from its centre (ld, ld_replica only)",
          check=lambda x: 0 < x < 0.5, allowed="in (0, 0.5)")
SIGMA = Param("sigma", float, 0.0, "multiplicative weight noise w ⊙ (1 + σε) (spherical weights only)",
              check=lambda x: x >= 0, allowed=">= 0")
FLIP_P = Param("flip_p", float, 0.0, "probability of flipping each weight (binary weights only)",
               check=lambda x: 0 <= x <= 0.5, allowed="in [0, 0.5]")


def _solve(reference, alpha, weights, kappa_ref, kappa, margin, gamma, d, sigma, flip_p, start=None):
    if weights == "spherical" and flip_p != 0:
        raise ValueError(f"--flip-p applies to binary weights; spherical weights take --sigma (got --flip-p {flip_p})")
    if weights == "binary" and sigma != 0:
        raise ValueError(f"--sigma applies to spherical weights; binary weights take --flip-p (got --sigma {sigma})")
    if reference != "typical" and kappa_ref != 0:
        raise ValueError(f"--kappa-ref applies to --reference typical only; got --kappa-ref {kappa_ref} "
                         f"with --reference {reference}")
    extra = {"hinge": {"margin": margin}, "cross_entropy": {"gamma": gamma}, "ld": {"d": d},
             "ld_replica": {"d": d}}.get(reference, {})
    noise = dict(sigma=sigma) if weights == "spherical" else dict(flip_p=flip_p)
    return local_energy(alpha, reference=reference, weights=weights, kappa=kappa, kappa_ref=kappa_ref,
                        strict=False, **noise, **extra)


register(Problem("perceptron-local-energy",
                 "fraction of training patterns a perceptron solution loses under weight noise, from its "
                 "stability law (docs/theory.md §10)",
                 _solve, (REFERENCE, ALPHA0, WEIGHTS, KAPPA_REF, KAPPA, MARGIN, GAMMA, D, SIGMA, FLIP_P)))
