"""Phase-diagram thresholds, each found by bracketing + root finding along one parameter.

A phase diagram over (κ, α) or (Δ, α) is mostly its boundary lines, and a line is one threshold per
value of the other parameter: a few solves each with :func:`find_threshold` instead of a dense grid
of saddle points.  Collected here (the model packages define them; this module only gathers them
and adds the AT line):

=========================  ====================================================================
:func:`separability`       GM: largest α at which the two clusters are linearly separable
                           (variational closed form, docs/theory.md §1; the interpolation peak)
:func:`capacity`           perceptron storage capacity α_c(κ): spherical closed form, binary
                           zero-entropy condition (docs/theory.md §3)
:func:`kappa_max`          largest margin with solutions at load α (docs/theory.md §3)
:func:`dense_region_break` binary perceptron: α where the dense regions (y = ∞ local entropy)
                           break up, 0.7553 at κ = 0 (docs/theory.md §8)
:func:`at_line`            de Almeida–Thouless line: α where the Gardner replicon crosses 1
                           (RS unstable beyond; spherical κ < 0 lies below capacity, docs/theory.md §10)
=========================  ====================================================================

Tracing a line is a loop over the other parameter::

    from replica import thresholds
    line = [(k, thresholds.at_line(k)) for k in (-1.5, -1.0, -0.5, -0.25)]
"""

import math

from .saddle_point.thresholds import NoThresholdError, find_threshold

__all__ = ["find_threshold", "NoThresholdError", "separability", "capacity", "kappa_max", "dense_region_break",
           "at_line"]


def separability(delta, rho=0.5, bias=False):
    """Largest α at which the Gaussian mixture is linearly separable
    (:func:`replica.gaussian_mixture.separability_threshold`)."""
    from .gaussian_mixture import separability_threshold

    return separability_threshold(delta, rho=rho, bias=bias)


def capacity(kappa=0.0, weights="spherical"):
    """Storage capacity α_c(κ) of the perceptron (:func:`replica.perceptron.capacity`; binary: the root
    of the Gardner entropy along α, found by :func:`find_threshold`)."""
    from .perceptron import capacity as _capacity

    return _capacity(kappa, weights)


def kappa_max(alpha, weights="spherical"):
    """Largest margin κ with solutions at load α (:func:`replica.perceptron.kappa_max`, by
    :func:`find_threshold` along κ)."""
    from .perceptron import kappa_max as _kappa_max

    return _kappa_max(alpha, weights)


def dense_region_break(kappa=0.0, d_min=0.005, prescription="y_inf"):
    """α_U where the binary perceptron's dense regions break up: the largest α at which σ̂ > 0 on the
    whole y = ∞ branch (:func:`replica.perceptron.ld_threshold`: a coarse scan down from the capacity
    for the bracket, then ``brentq``); 0.7553 at κ = 0."""
    from .perceptron import ld_threshold

    return ld_threshold(kappa, prescription, d_min=d_min)


def at_line(kappa, weights="spherical", *, xtol=1e-12):
    """The load α_AT(κ) at which the RS Gardner saddle loses stability: its replicon crosses 1.

    Bracketed from [0.05, 0.5]·α_c^sph(κ) with the upper end stepped toward the spherical capacity
    (where the spherical saddle ends; binary: a scan in steps of α_c^sph/40, since the binary saddle
    freezes not far above the crossing), then ``brentq`` on ``replicon - 1``.  Spherical: κ < 0 only —
    for κ ≥ 0 RS is stable up to the capacity (marginal at κ = 0, α = 2), and NoThresholdError is
    raised.  Binary: the crossing lies above the binary capacity (≈ 1.015 at κ = 0, where the RS
    entropy is already negative).

    Examples
    --------
    >>> from replica import thresholds
    >>> round(thresholds.at_line(-0.5), 4)
    3.9507
    """
    from .perceptron.gardner import gardner, spherical_capacity

    if not math.isfinite(kappa):
        raise ValueError(f"kappa must be finite; got {kappa}")
    ac = spherical_capacity(kappa)

    def excess(alpha):
        return gardner(alpha, kappa, weights, strict=False).replicon - 1.0  # NaN (frozen) is passed over

    try:
        if weights == "binary":  # the binary saddle freezes (q → 1, no replicon) not far above the crossing:
            points = [ac * k / 40 for k in range(1, 40)]  # a coarse scan, not steps that halve the gap to α_c
            return find_threshold(excess, points=points, xtol=xtol)
        return find_threshold(excess, 0.05 * ac, 0.5 * ac, expand="up", limit=ac, max_steps=40, xtol=xtol)
    except NoThresholdError:
        raise NoThresholdError(f"the {weights} Gardner saddle at kappa={kappa} stays RS-stable (replicon < 1) up to "
                               f"the spherical capacity {ac:.6g}: no AT line") from None
