"""Franz–Parisi local entropy around binary-weight loss minimisers (docs/theory.md §4, §10; derivation in
docs/perceptron_binary_minimizers.md).

The reference is the zero-entropy state of :func:`.binary_reference.binary_reference` (RS at β_s, i.e. the
frozen 1RSB minimisers with q1 = 1, m = β_s/β, for every β ≥ β_s): its replicas enter the FP computation
exactly as the typical references of :mod:`.franz_parisi` do, with the reference's constraint θ(h̃ - κ̃)
replaced by the channel ``e^{-β_s ℓ(h̃)}``.  The entropic term and the solver are those of
:func:`.franz_parisi.franz_parisi` (binary weights), which takes the energetic term as a strategy; this
module supplies :class:`ChannelEnergetic` (kernel :func:`.loss_channel.channel_fp_energetic`) and the
result type.  When β_s = ∞ (error counting below α_c(κ̃), hinge with margin below κ_max(α)) the channel is
θ(h̃ - κ̃) and the answer is the typical-solution FP curve of :func:`.franz_parisi.franz_parisi`.
"""

import math
from dataclasses import dataclass

from ..saddle_point.continuation import Sweep
from ..saddle_point.contract import RSFlags
from ..saddle_point.fixed_point import ConvergenceError
from .binary_reference import binary_reference, reference_channel
from .franz_parisi import FPResult, franz_parisi, franz_parisi_curve
from .loss_channel import ERROR_COUNTING, channel_fp_energetic


@dataclass(frozen=True)
class BinaryMinimizerFPResult(RSFlags):
    """Franz–Parisi saddle at distance d around the binary minimiser of a loss (zero-entropy reference)."""

    loss: str
    loss_param: float
    alpha: float
    d: float
    kappa: float
    weights: str
    S: float
    beta_s: float       # the reference's β_s (inf: the zero-loss set has positive entropy)
    e_min: float        # the minimiser's mean loss per pattern, e(β_s)
    q0: float
    qhat0: float
    Q: float
    s0: float
    Qhat: float
    shat0: float
    shat1: float
    phi: float          # log-count per weight of margin-κ solutions at distance d (α = 0: H₂(d))
    dphi_dS: float
    train_error: float  # the minimiser's fraction of patterns with Δ < 0
    converged: bool
    iterations: int
    residual: float


class ChannelEnergetic:
    """Energetic-term strategy for :func:`.franz_parisi.franz_parisi`: the reference channel e^{-βℓ}
    (same call signature and outputs as :func:`.fp_energetic.fp_energetic`; ``kappa_ref`` is ignored — the
    channel carries its own parameters)."""

    def __init__(self, kind, param, beta):
        self.kind, self.param, self.beta = int(kind), float(param), float(beta)

    def __call__(self, q0, kappa_ref, kappa, S, Q, s0, x_ref, w_ref):
        return channel_fp_energetic(self.kind, self.param, self.beta, q0, kappa, S, Q, s0, x_ref, w_ref)

    def __repr__(self):
        return f"ChannelEnergetic(kind={self.kind}, param={self.param}, beta={self.beta})"


def _setup(loss, alpha, reference, loss_params):
    ref = reference if reference is not None else binary_reference(loss, alpha, **loss_params)
    kind, param, beta = reference_channel(ref)
    # kappa_ref only labels the FPResult (the channel ignores it): the margin of a θ channel, else 0
    kappa_ref = param if kind == ERROR_COUNTING else 0.0
    return ref, ChannelEnergetic(kind, param, beta), kappa_ref


def _convert(ref, r):
    return BinaryMinimizerFPResult(ref.loss, ref.loss_param, r.alpha, r.d, r.kappa, "binary", r.S, ref.beta_s,
                                   ref.e_min, r.q0, r.qhat0, r.Q, r.s0, r.Qhat, r.shat0, r.shat1, r.phi, r.dphi_dS,
                                   ref.train_error, r.converged, r.iterations, r.residual, status=r.status,
                                   replicon=r.replicon, rs_stable=r.rs_stable,
                                   entropy_negative=r.entropy_negative, frozen=r.frozen)


def binary_minimizer_fp(loss, alpha, d, kappa=0.0, *, start=None, tol=1e-10, maxiter=500, strict=True,
                        reference=None, **loss_params):
    """Local entropy (log-count per weight) of the ±1 solutions with margin κ at distance d from the binary
    minimiser of ``loss``; returns :class:`BinaryMinimizerFPResult`.

    ``reference`` (a :class:`.binary_reference.BinaryReferenceResult`) skips the β_s search; ``start`` is a
    neighbouring result (of this function or of ``franz_parisi``).  Non-convergence (e.g. the constrained
    copies freeze, Q → 1, close to a minimiser with training errors) raises ``ConvergenceError`` carrying a
    flagged result, unless ``strict=False``.
    """
    ref, energetic, kappa_ref = _setup(loss, alpha, reference, loss_params)
    try:
        r = franz_parisi(alpha, d, "binary", kappa_ref, kappa, start=start, tol=tol, maxiter=maxiter,
                         strict=strict, reference=ref, energetic=energetic)
    except ConvergenceError as err:
        if isinstance(err.state, FPResult):
            err.state = _convert(ref, err.state)
        raise
    return _convert(ref, r)


def binary_minimizer_fp_curve(loss, alpha, ds, kappa=0.0, *, reference=None, direction="backward",
                              progress=None, **options):
    """:func:`binary_minimizer_fp` over ``ds`` with the warm starts, extrapolation and frozen-point handling of
    :func:`.franz_parisi.franz_parisi_curve`; loss parameters (``gamma=``, ``margin=``) go in ``options``.
    Returns a ``Sweep`` of :class:`BinaryMinimizerFPResult`."""
    loss_params = {k: options.pop(k) for k in ("gamma", "margin") if k in options}
    ref, energetic, kappa_ref = _setup(loss, alpha, reference, loss_params)
    sweep = franz_parisi_curve(alpha, ds, "binary", kappa_ref, kappa, direction=direction, progress=progress,
                               reference=ref, energetic=energetic, **options)
    conv = lambda branch: None if branch is None else tuple(_convert(ref, r) for r in branch)
    return Sweep(values=sweep.values, forward=conv(sweep.forward), backward=conv(sweep.backward))


def shell_entropy_binary(d):
    """H₂(d) = -d ln d - (1-d) ln(1-d): the α = 0 value of every binary FP curve."""
    return -d * math.log(d) - (1.0 - d) * math.log1p(-d)
