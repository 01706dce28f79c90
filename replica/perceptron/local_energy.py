"""Local energy of perceptron solutions in closed form, from the reference's stability law (docs/theory.md §10).

The seed's flatness measure ``δε = E_noise ε(w') - ε(w)``: the fraction of training patterns a
solution loses when its weights are perturbed, on random Gaussian patterns (labels absorbed),
stabilities ``Δ_μ = w·ξ^μ/|w|``, a pattern lost when its stability falls below κ (default 0).
Derivation and checks: docs/perceptron_local_energy.md.  Per pattern, the perturbed stability is
Gaussian given Δ, so the probability of ending below κ is ``H(c0 + c1 Δ)``:

* spherical, multiplicative noise ``w ⊙ (1 + σε)``: ``Δ' = (Δ + σζ)/√(1+σ²)`` (ζ ~ N(0,1), one per
  pattern, independent across patterns as N → ∞; the √(1+σ²) is the perturbed norm), so
  ``c0 = -κ√(1+σ²)/σ``, ``c1 = 1/σ`` — at κ = 0 the renormalisation drops out: ``H(Δ/σ)``;
* binary, independent flips with probability p ≤ ½: ``Δ' = (1-2p)Δ + 2√(p(1-p)) ζ``, so
  ``c0 = -κ/(2√(p(1-p)))``, ``c1 = (1-2p)/(2√(p(1-p)))`` — at κ = 0: ``H((1-2p)Δ/(2√(p(1-p))))``.

Then ``train_error = E_Δ H(c0 + c1Δ)``, ``train_error_0 = P(Δ < κ)`` and ``delta_train_error`` is their
difference (patterns lost minus patterns regained; for solutions at κ̃ ≥ κ nothing can be regained).
σ → ∞ or p = ½ give ``H(-κ) - P(Δ < κ)`` (½ at κ = 0).  Small noise, no stability below κ and a
density ``p(κ⁺)`` at the edge: ``δε = s p(κ⁺)/√(2π) + s² [p'(κ⁺) + κ p(κ⁺)]/4 + O(s³)``, ``s = 1/c1`` (the
noise in units of Δ: σ, or ``2√(p(1-p))/(1-2p)``), because ``∫_0^∞ H = 1/√(2π)``, ``∫_0^∞ t H(t) dt = 1/4``
and the threshold ``-c0/c1 = κ + κs²/2 + ...``; with stabilities on both sides of κ (minimisers with
training errors) the O(s) terms cancel and ``δε = s² p'(κ)/2 + O(s⁴)``.

Stability laws ``p(Δ)`` of the references (:func:`stability_law`):

* ``typical`` — uniform over the solutions with margin κ̃ (``kappa_ref``), spherical or binary: with q
  the Gardner overlap (§3), ``Δ = √q z + √(1-q) u`` conditioned on Δ ≥ κ̃ (weight 1/H(x0) per z,
  ``x0 = (κ̃ - √q z)/√(1-q)``), i.e. ``Δ = κ̃ + √(1-q) v`` with v a Gaussian truncated at x0 and shifted;
  density ``p(t) = θ(t-κ̃) E_z[G(x_t)/H(x0)]/√(1-q)``, ``x_t = (t - √q z)/√(1-q)``.
* ``max_margin`` — spherical: the q → 1 limit at κ̃ = κ_max(α): ``Δ = max(z, κ_max)``, an atom Φ(κ_max)
  at κ_max (the support vectors) plus the Gaussian above it (Gardner 1988); binary: the typical law at
  κ̃ = κ_max(α), where the entropy vanishes (q < 1).
* loss minimisers (spherical; ``hinge``, ``cross_entropy``, ``logistic``, ``square``): ``Δ = u*(z) =
  prox_{χℓ}(z)`` with χ from :func:`replica.perceptron.fp_minimizer.reference_chi` (their training errors
  count in train_error_0: a minimiser can regain patterns under noise).
* ``ld`` (dense-region centres) and ``ld_replica`` (the solutions around them), binary, with ``d=`` — through the
  hook :func:`register_reference_law`, filled by :mod:`replica.perceptron.ld_local_energy` on import.
"""

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._numba import kernel
from ..saddle_point.contract import OK, RSFlags
from ..saddle_point.losses import HINGE, CROSS_ENTROPY, loss_d1, loss_d2, prox
from ..saddle_point.quadrature import gauss_legendre
from ..saddle_point.special import GH, G, H, Phi, log_H
from ._quad import BASE, KINK_OFFSETS, STEP_OFFSETS, Z_MAX, add_feature, merged_rule, rule
from .fp_minimizer import MIN_LOSSES, _loss, reference_chi
from .gardner import WEIGHTS, gardner, kappa_max, spherical_capacity

__all__ = ["PerceptronLocalEnergyResult", "StabilityLaw", "TypicalLaw", "MaxMarginLaw", "MinimizerLaw",
           "local_energy", "stability_law", "register_reference_law", "noise_coefficients", "REFERENCES"]

NODES = 12
REFERENCES = ("typical", "max_margin", "ld") + MIN_LOSSES
V_OFFSETS = np.array([0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0])  # truncated-tail panels, in units of 1/x0
TAIL_EXP = 90.0  # the truncated tail is cut where x0 v + v²/2 = 45 (weight e^-45 = 3e-20)
U_POINTS = np.array([-4.0, -1.0, 0.0, 1.0, 4.0])


# ----------------------------------------------------------------------------------------- result
@dataclass(frozen=True)
class PerceptronLocalEnergyResult(RSFlags):
    """Fraction of training patterns lost under weight noise, from the reference's stability law."""

    alpha: float
    weights: str
    reference: str
    loss_param: float        # hinge margin / cross-entropy γ (NaN for solution references)
    kappa: float             # a pattern counts as an error when its stability is below κ
    reference_margin: float  # margin κ̃ of the reference solutions: kappa_ref (typical), κ_max(α) (max_margin), NaN
    sigma: float             # multiplicative noise w ⊙ (1 + σε) (spherical; NaN for binary)
    flip_p: float            # flip probability (binary; NaN for spherical)
    noise_scale: float       # s = 1/c1: the perturbation of a stability in units of Δ
    delta_train_error: float  # δε = train_error - train_error_0
    train_error: float       # E_Δ H(c0 + c1Δ): error fraction of the perturbed weights
    train_error_0: float     # P(Δ < κ): error fraction of the reference itself
    edge_density: float      # p(κ⁺), density of stabilities just above κ (small-noise slope × √(2π))
    q: float                 # overlap of two reference solutions (1: max-margin sphere; NaN: minimisers)
    chi: float               # χ = β(1-q0) of a minimiser (NaN otherwise)
    converged: bool
    iterations: int
    residual: float
    d: float = math.nan      # dense-region references (ld, ld_replica): distance of its solutions from the centre


# ----------------------------------------------------------------------------------------- kernels
@kernel
def _typical_error(sq, s1, kref, c0, c1, x_ref, w_ref):
    """``E_Δ H(c0 + c1Δ)`` for ``Δ = √q z + √(1-q) u``, u ~ N(0,1) conditioned on Δ ≥ κ̃ (c1 > 0).

    Outer z: cut at the reference's edge x0 = 0 (z = κ̃/√q, width √(1-q)/√q) and at the smoothed step
    ``H((c0 + c1√q z)/√(1 + c1²(1-q)))``.  Inner: over u ∈ [x0, ∞) with Gaussian weights when x0 ≤ 0;
    when x0 > 0 over ``v = u - x0 ≥ 0`` with weight ``GH(x0) e^{-x0 v - v²/2}`` (the truncated tail, on its
    own scale 1/x0, without forming 1/H(x0)); in both the step of H at ``u* = -(c0 + c1√q z)/(c1√(1-q))``
    (width 1/(c1√(1-q))) is cut.
    """
    ncut = BASE.shape[0] + 2 * STEP_OFFSETS.shape[0]
    cuts = np.empty(ncut)
    cuts[:BASE.shape[0]] = BASE
    n = BASE.shape[0]
    if sq > 0.0:
        n = add_feature(cuts, n, kref / sq, s1 / sq, STEP_OFFSETS)
        n = add_feature(cuts, n, -c0 / (c1 * sq), math.sqrt(1.0 + c1 * c1 * s1 * s1) / (c1 * sq), STEP_OFFSETS)
    znodes, zweights = rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref)
    inner_cuts = np.empty(BASE.shape[0] + V_OFFSETS.shape[0] + STEP_OFFSETS.shape[0] + 1)
    total = 0.0
    for i in range(znodes.shape[0]):
        z = znodes[i]
        x0 = (kref - sq * z) / s1
        a = c0 + c1 * sq * z        # H(a + b u)
        b = c1 * s1
        acc = 0.0
        if x0 <= 0.0:
            lo = max(x0, -Z_MAX)
            inner_cuts[:BASE.shape[0]] = BASE
            m = add_feature(inner_cuts, BASE.shape[0], -a / b, 1.0 / b, STEP_OFFSETS)
            un, uw = rule(inner_cuts, m, lo, Z_MAX, x_ref, w_ref)
            for j in range(un.shape[0]):
                acc += uw[j] * H(a + b * un[j])
            acc /= H(x0)
        else:
            scale = 1.0 / (x0 + 1.0)
            vmax = -x0 + math.sqrt(x0 * x0 + TAIL_EXP)
            for k in range(V_OFFSETS.shape[0]):
                inner_cuts[k] = scale * V_OFFSETS[k]
            m = add_feature(inner_cuts, V_OFFSETS.shape[0], -a / b - x0, 1.0 / b, STEP_OFFSETS)
            vn, vw = merged_rule(inner_cuts, m, 0.0, vmax, x_ref, w_ref, False)
            gh = GH(x0)
            for j in range(vn.shape[0]):
                v = vn[j]
                acc += vw[j] * gh * math.exp(-x0 * v - 0.5 * v * v) * H(a + b * (x0 + v))
        total += zweights[i] * acc
    return total


@kernel
def _typical_below_density(sq, s1, kref, t, x_ref, w_ref):
    """``(P(Δ < t), p(t))`` of the typical law, t ≥ κ̃: ``E_z[1 - H(x_t)/H(x0)]`` and ``E_z[G(x_t)/H(x0)]/√(1-q)``."""
    cuts = np.empty(BASE.shape[0] + 2 * STEP_OFFSETS.shape[0])
    cuts[:BASE.shape[0]] = BASE
    n = BASE.shape[0]
    if sq > 0.0:
        n = add_feature(cuts, n, kref / sq, s1 / sq, STEP_OFFSETS)
        n = add_feature(cuts, n, t / sq, s1 / sq, STEP_OFFSETS)
    znodes, zweights = rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref)
    below = 0.0
    dens = 0.0
    for i in range(znodes.shape[0]):
        z = znodes[i]
        x0 = (kref - sq * z) / s1
        xt = x0 + (t - kref) / s1
        below += zweights[i] * -math.expm1(log_H(xt) - log_H(x0))
        if x0 > 0.0:  # G(xt)/H(x0) = GH(x0) e^{-(xt² - x0²)/2}, xt ≥ x0 > 0
            dens += zweights[i] * GH(x0) * math.exp(-0.5 * (xt - x0) * (xt + x0))
        else:
            dens += zweights[i] * G(xt) / H(x0)
    return below, dens / s1


@kernel
def _max_margin_error(km, c0, c1, x_ref, w_ref):
    """``Φ(κm) H(c0 + c1κm) + ∫_{κm}^∞ Dz H(c0 + c1 z)`` (law of max(z, κm))."""
    cuts = np.empty(BASE.shape[0] + STEP_OFFSETS.shape[0])
    cuts[:BASE.shape[0]] = BASE
    n = add_feature(cuts, BASE.shape[0], -c0 / c1, 1.0 / c1, STEP_OFFSETS)
    total = Phi(km) * H(c0 + c1 * km)
    if km < Z_MAX:
        zn, zw = rule(cuts, n, max(km, -Z_MAX), Z_MAX, x_ref, w_ref)
        for i in range(zn.shape[0]):
            total += zw[i] * H(c0 + c1 * zn[i])
    return total


@kernel
def _cavity_field(kind, param, chi, t):
    """The cavity field z with ``prox_{χℓ}(z) = t``: ``z = t + χℓ'(t)`` (hinge: left derivative)."""
    return t + chi * loss_d1(kind, t, param)


@kernel
def _minimizer_error(kind, param, chi, c0, c1, x_ref, w_ref):
    """``E_z H(c0 + c1 u*(z))``, ``u* = prox_{χℓ}(z)``: z cut where u* crosses the step and at the loss's kinks."""
    cuts = np.empty(BASE.shape[0] + STEP_OFFSETS.shape[0] + 2 * KINK_OFFSETS.shape[0] + U_POINTS.shape[0])
    cuts[:BASE.shape[0]] = BASE
    n = BASE.shape[0]
    tstar, width = -c0 / c1, 1.0 / c1
    if width <= 3.0:
        for k in range(STEP_OFFSETS.shape[0]):
            cuts[n] = _cavity_field(kind, param, chi, tstar + width * STEP_OFFSETS[k])
            n += 1
    if kind == HINGE:
        n = add_feature(cuts, n, param - chi, 0.02, KINK_OFFSETS)
        n = add_feature(cuts, n, param, 0.02, KINK_OFFSETS)
    else:
        scale = 1.0 / param if kind == CROSS_ENTROPY else 1.0
        for k in range(U_POINTS.shape[0]):
            cuts[n] = _cavity_field(kind, param, chi, U_POINTS[k] * scale)
            n += 1
    zn, zw = rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref)
    total = 0.0
    for i in range(zn.shape[0]):
        total += zw[i] * H(c0 + c1 * prox(kind, zn[i], chi, param)[0])
    return total


# ----------------------------------------------------------------------------------------- laws
@dataclass(frozen=True)
class StabilityLaw:
    """The law of a reference's training stabilities Δ, with the reference's own record.

    Subclasses implement ``error(c0, c1) = E_Δ H(c0 + c1Δ)`` (c1 > 0), ``below(t) = P(Δ < t)`` and
    ``density(t) = p(t⁺)`` (the absolutely continuous part; atoms are not included).  ``flags`` holds the
    RSFlags fields of the reference's solver (status, replicon, rs_stable, entropy_negative, frozen).
    """

    name: str
    weights: str
    alpha: float
    kappa_ref: float
    q: float
    chi: float
    loss_param: float
    converged: bool
    iterations: int
    residual: float
    flags: tuple  # ((field, value), ...)

    def error(self, c0, c1):
        raise NotImplementedError

    def below(self, t):
        raise NotImplementedError

    def density(self, t):
        raise NotImplementedError


@dataclass(frozen=True)
class TypicalLaw(StabilityLaw):
    """``Δ = √q z + √(1-q) u`` conditioned on Δ ≥ κ̃ (uniform measure over the margin-κ̃ solutions)."""

    def _args(self):
        return math.sqrt(self.q), math.sqrt(1.0 - self.q), self.kappa_ref

    def error(self, c0, c1):
        return _typical_error(*self._args(), float(c0), float(c1), *gauss_legendre(NODES))

    def below(self, t):
        if not t > self.kappa_ref:
            return 0.0
        return _typical_below_density(*self._args(), float(t), *gauss_legendre(NODES))[0]

    def density(self, t):
        if t < self.kappa_ref:
            return 0.0
        return _typical_below_density(*self._args(), float(t), *gauss_legendre(NODES))[1]


@dataclass(frozen=True)
class MaxMarginLaw(StabilityLaw):
    """Spherical max-margin solution: ``Δ = max(z, κ_max)`` (atom Φ(κ_max) at κ_max)."""

    def error(self, c0, c1):
        return _max_margin_error(self.kappa_ref, float(c0), float(c1), *gauss_legendre(NODES))

    def below(self, t):
        return Phi(t) if t > self.kappa_ref else 0.0

    def density(self, t):
        return G(t) if t >= self.kappa_ref else 0.0

    @property
    def atom(self):
        return Phi(self.kappa_ref)


@dataclass(frozen=True)
class MinimizerLaw(StabilityLaw):
    """Spherical loss minimiser: ``Δ = prox_{χℓ}(z)``, nondecreasing in z (hinge: atom at its margin)."""

    kind: int = 0

    def error(self, c0, c1):
        return _minimizer_error(self.kind, self.loss_param, self.chi, float(c0), float(c1),
                                *gauss_legendre(NODES))

    def below(self, t):
        return Phi(_cavity_field(self.kind, self.loss_param, self.chi, float(t)))

    def density(self, t):
        if self.kind == HINGE:
            return G(t - self.chi) if t < self.loss_param else G(t)
        z = _cavity_field(self.kind, self.loss_param, self.chi, float(t))
        return G(z) * (1.0 + self.chi * loss_d2(self.kind, float(t), self.loss_param))


_BUILDERS = {}


def register_reference_law(name, builder):
    """Hook for further references: ``builder(alpha, weights, kappa_ref, **params) -> StabilityLaw``.

    ``"ld"`` (centres of the dense regions, issue 10 part 1) is expected here: its solver provides the law
    of the clipped centre's stabilities and registers it; until then ``reference="ld"`` raises
    NotImplementedError.
    """
    if name in ("typical", "max_margin") + MIN_LOSSES:
        raise ValueError(f"reference {name!r} is built in")
    _BUILDERS[name] = builder
    _law.cache_clear()


def _flags(result):
    return tuple((k, getattr(result, k)) for k in ("status", "replicon", "rs_stable", "entropy_negative", "frozen"))


def _gardner_law(alpha, weights, kappa_ref, name):
    g = gardner(alpha, kappa_ref, weights, strict=False)
    flags = dict(_flags(g))
    if weights == "binary":  # at κ_max the entropy is 0 by construction: allow its rounding
        flags["entropy_negative"] = bool(g.frozen or g.entropy < -1e-9)
    if flags["rs_stable"] is None and not math.isfinite(flags["replicon"]) and weights == "spherical" \
            and kappa_ref >= 0:
        flags["rs_stable"] = True  # κ ≥ 0: the solution space is convex, RS is exact (Gardner 1988)
    return TypicalLaw(name, weights, float(alpha), float(kappa_ref), float(g.q), math.nan, math.nan,
                      bool(g.converged), int(g.iterations), float(g.residual), tuple(flags.items()))


@lru_cache(maxsize=256)
def _law(alpha, reference, weights, kappa_ref, params):
    params = dict(params)
    if reference == "typical":
        return _gardner_law(alpha, weights, kappa_ref, reference)
    if reference == "max_margin":
        km = kappa_max(alpha, weights)
        if weights == "binary":
            return _gardner_law(alpha, weights, km, reference)
        residual = abs(spherical_capacity(km) - alpha) / alpha
        # q → 1 limit; RS is exact for κ_max ≥ 0 (α ≤ 2), an upper bound only beyond
        flags = (("status", OK), ("replicon", math.nan), ("rs_stable", bool(km >= 0)),
                 ("entropy_negative", False), ("frozen", False))
        return MaxMarginLaw(reference, weights, float(alpha), float(km), 1.0, math.nan, math.nan, True, 0,
                            float(residual), flags)
    if reference in MIN_LOSSES:
        kind, param = _loss(reference, params)
        chi = reference_chi(reference, alpha, **params)
        residual = abs(alpha * _minimizer_moment(kind, param, chi) - 1.0)
        # α < 2: the sphere minimiser of a decreasing convex loss is the ball minimiser (convex, RS exact)
        stable = True if (reference != "square" and alpha < 2) else None
        flags = (("status", OK), ("replicon", math.nan), ("rs_stable", stable), ("entropy_negative", False),
                 ("frozen", False))
        return MinimizerLaw(reference, weights, float(alpha), math.nan, math.nan, float(chi), float(param), True, 0,
                            float(residual), flags, kind)
    if reference in _BUILDERS:
        return _BUILDERS[reference](alpha, weights, kappa_ref, **params)
    raise NotImplementedError(f"reference={reference!r} needs its stability law: the dense-region (large-deviation) "
                              f"solver registers it with register_reference_law({reference!r}, builder)")


def _minimizer_moment(kind, param, chi):
    x_ref, w_ref = gauss_legendre(NODES)
    from .fp_minimizer import reference_moments
    return reference_moments(kind, param, chi, 0.0, 0.0, x_ref, w_ref)[0]


def _validate_reference(alpha, reference, weights, kappa_ref, loss_params):
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {', '.join(WEIGHTS)}; got {weights!r}")
    if reference not in REFERENCES and reference not in _BUILDERS:
        raise ValueError(f"reference must be one of {', '.join(REFERENCES)}; got {reference!r}")
    if not (isinstance(alpha, (int, float, np.integer, np.floating)) and math.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"alpha must be a finite number >= 0; got {alpha!r}")
    if not math.isfinite(kappa_ref):
        raise ValueError(f"kappa_ref must be a finite number; got {kappa_ref}")
    if reference != "typical" and alpha == 0:
        raise ValueError(f"alpha must be > 0 for reference={reference}; got {alpha}")
    if reference in MIN_LOSSES:
        if weights != "spherical":
            raise ValueError(f"weights must be spherical for loss-minimiser references (binary minimisers: "
                             f"issue 10 part 4); got {weights!r}")
        _loss(reference, loss_params)
    elif loss_params and reference not in _BUILDERS:
        raise ValueError(f"reference {reference} takes no loss parameters; got {', '.join(sorted(loss_params))}")
    if reference in ("max_margin",) + MIN_LOSSES and kappa_ref != 0.0:
        raise ValueError(f"kappa_ref applies to reference=typical only (max_margin uses κ_max(α)); got {kappa_ref}")


def stability_law(alpha, reference="typical", weights="spherical", kappa_ref=0.0, **loss_params):
    """The :class:`StabilityLaw` of the reference's training stabilities (cached)."""
    _validate_reference(alpha, reference, weights, kappa_ref, loss_params)
    return _law(float(alpha), reference, weights, float(kappa_ref), tuple(sorted(loss_params.items())))


def noise_coefficients(weights, kappa=0.0, sigma=None, flip_p=None):
    """``(c0, c1)`` with ``P(perturbed stability < κ | Δ) = H(c0 + c1Δ)``; c1 = ∞ for no noise, 0 for full noise."""
    if weights == "spherical":
        if sigma is None or flip_p is not None:
            raise ValueError("spherical weights take sigma (multiplicative noise w ⊙ (1 + σε)), not flip_p")
        if not (isinstance(sigma, (int, float, np.integer, np.floating)) and sigma >= 0 and not math.isnan(sigma)):
            raise ValueError(f"sigma must be >= 0; got {sigma!r}")
        if sigma == 0:
            return -math.inf, math.inf
        if math.isinf(sigma):
            return -kappa, 0.0
        return -kappa * math.sqrt(1.0 + sigma * sigma) / sigma, 1.0 / sigma
    if weights == "binary":
        if flip_p is None or sigma is not None:
            raise ValueError("binary weights take flip_p (independent flips with probability p), not sigma")
        if not (isinstance(flip_p, (int, float, np.integer, np.floating)) and 0 <= flip_p <= 0.5):
            raise ValueError(f"flip_p must be in [0, 0.5]; got {flip_p!r}")
        if flip_p == 0:
            return -math.inf, math.inf
        root = 2.0 * math.sqrt(flip_p * (1.0 - flip_p))
        return -kappa / root, (1.0 - 2.0 * flip_p) / root
    raise ValueError(f"weights must be one of {', '.join(WEIGHTS)}; got {weights!r}")


def local_energy(alpha, sigma=None, flip_p=None, reference="typical", weights="spherical", kappa=0.0,
                 kappa_ref=0.0, *, strict=True, **loss_params):
    """δε_train of the reference under weight noise (spherical: ``sigma``; binary: ``flip_p``).

    reference ∈ {typical (margin ``kappa_ref``), max_margin, hinge (``margin=``), cross_entropy
    (``gamma=``), logistic, square, ld / ld_replica (binary, ``d=``)}; ``kappa``: a pattern is an error
    when its stability is below κ.  Returns a :class:`PerceptronLocalEnergyResult`; with ``strict`` a
    reference that did not converge raises :class:`~replica.saddle_point.fixed_point.ConvergenceError`.
    """
    if not (isinstance(kappa, (int, float, np.integer, np.floating)) and math.isfinite(kappa)):
        raise ValueError(f"kappa must be a finite number; got {kappa!r}")
    c0, c1 = noise_coefficients(weights, kappa, sigma, flip_p)
    law = stability_law(alpha, reference, weights, kappa_ref, **loss_params)
    err0 = law.below(kappa)
    if math.isinf(c1):
        err = err0
    elif c1 == 0.0:
        err = H(c0)
    else:
        err = law.error(c0, c1)
    flags = dict(law.flags)
    if not law.converged and flags["status"] == OK:
        flags["status"] = "max-iter"
    result = PerceptronLocalEnergyResult(
        alpha=float(alpha), weights=weights, reference=reference, loss_param=law.loss_param, kappa=float(kappa),
        reference_margin=law.kappa_ref, sigma=math.nan if sigma is None else float(sigma),
        flip_p=math.nan if flip_p is None else float(flip_p), noise_scale=1.0 / c1 if c1 > 0 else math.inf,
        delta_train_error=float(err - err0), train_error=float(err), train_error_0=float(err0),
        edge_density=float(law.density(kappa)), q=law.q, chi=law.chi, converged=law.converged,
        iterations=law.iterations, residual=law.residual, d=float(getattr(law, "d", math.nan)), **flags)
    if strict and not result.converged:
        from ..saddle_point.fixed_point import ConvergenceError
        raise ConvergenceError(f"local_energy(alpha={alpha}, reference={reference}, weights={weights}): the "
                               f"reference did not converge ({result.status})", state=result,
                               residual=result.residual, iterations=result.iterations, status=result.status)
    return result
