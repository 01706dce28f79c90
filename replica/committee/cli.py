"""CLI subcommands of the wide tree committee machine (docs/theory.md §9, docs/committee.md, issue 11 part 6).

Each subcommand is the perceptron's with ``--activation`` (the hidden units' activation, whose kernel the
output sees); options otherwise as in :mod:`replica.perceptron.cli` and :mod:`replica.perceptron.ld_cli`.
"""

import math
from dataclasses import dataclass

from ..cli.problems import Param, Problem, positive, register
from ..perceptron.cli import ALPHA0, KAPPA, KAPPA_REF, WEIGHTS, WEIGHTS_B, D
from ..saddle_point.contract import RSFlags
from .kernels import ACTIVATIONS

ALPHA = Param("alpha", float, None, "patterns per weight α = P/N", check=positive, allowed="> 0")
ACTIVATION = Param("activation", str, "relu", "activation g of the hidden units (the output sees its kernel k_g)",
                   choices=ACTIVATIONS)


def _ld(alpha, kappa, d, activation, start=None):
    from .large_deviation import ld_local_entropy
    return ld_local_entropy(alpha, d, activation, kappa, start=start, strict=False)


register(Problem("committee-ld", "local entropy S_I(d) of the densest regions (y = ∞) of the wide tree committee "
                 "machine, binary weights (docs/committee.md)", _ld, (ALPHA, KAPPA, D, ACTIVATION)))


@dataclass(frozen=True)
class CommitteeCapacityResult(RSFlags):
    """Storage capacity of the committee machine (``committee-capacity``): spherical ``k′(1)/B(κ)`` (inf for
    sign), binary the zero of the RS entropy; ``q``, ``output_overlap`` and the flags are those of the saddle at
    the capacity (binary; spherical: q → 1, no replicon)."""

    activation: str
    kappa: float
    weights: str
    alpha_capacity: float
    q: float
    output_overlap: float
    converged: bool
    iterations: int
    residual: float


def _gardner(alpha, kappa, weights, activation, start=None):
    from .gardner_volume import gardner
    start = start if getattr(start, "activation", None) == activation else None
    return gardner(alpha, activation, kappa, weights, start=start, strict=False)


def _capacity(activation, kappa, weights, start=None):
    from .gardner_volume import capacity, gardner
    ac = capacity(activation, kappa, weights)
    if weights == "spherical":
        return CommitteeCapacityResult(activation, kappa, weights, ac, 1.0, 1.0, True, 0, 0.0)
    r = gardner(ac, activation, kappa, weights, strict=False)
    # converged: the saddle at α_c solved and its entropy zero (to the bisection's precision)
    ok = r.converged and abs(r.entropy) < 1e-8
    return CommitteeCapacityResult(activation, kappa, weights, ac, r.q, r.output_overlap, ok, r.iterations,
                                   abs(r.entropy), status="ok" if ok else (r.status if r.status != "ok" else "max-iter"),
                                   replicon=r.replicon, entropy_negative=False, frozen=r.frozen)


register(Problem("committee-gardner", "Gardner volume of the wide tree committee machine, spherical or binary weights "
                 "(docs/committee.md)", _gardner, (ALPHA0, KAPPA, WEIGHTS, ACTIVATION)))
register(Problem("committee-capacity", "storage capacity of the wide tree committee machine: spherical k′(1)/B(κ), "
                 "binary where the RS entropy vanishes (docs/committee.md)", _capacity, (ACTIVATION, KAPPA, WEIGHTS)))


def _fp(alpha, weights, kappa_ref, kappa, d, activation, start=None):
    from .fp_typical import franz_parisi
    start = start if getattr(start, "activation", None) == activation else None
    return franz_parisi(alpha, d, activation, kappa, weights, kappa_ref=kappa_ref, start=start, strict=False)


register(Problem("committee-franz-parisi", "Franz–Parisi local entropy around typical solutions of the wide tree "
                 "committee machine (docs/committee.md)", _fp, (ALPHA, WEIGHTS_B, KAPPA_REF, KAPPA, D, ACTIVATION)))
