"""Coupling schedules γ_t for the entropic optimisers.

A schedule is a small object called with the step counter ``t = 0, 1, 2, ...`` and returning
γ_t ≥ 0.  The counter counts *coupling updates*: outer steps of Entropy-SGD (one per L inner
steps) and iterations ``t`` of the Replicated-SGD box (one minibatch per replica), as in
Chaudhari et al.'s and Pittorino et al.'s code.  ``as_schedule`` turns a number into
``Constant`` and wraps any callable ``t -> γ``.
"""

import math

from . import _checks


class Schedule:
    """Base class: ``schedule(t) -> γ_t``."""

    def __call__(self, t):
        raise NotImplementedError


class Constant(Schedule):
    """γ_t = γ for every t."""

    def __init__(self, gamma):
        self.gamma = _checks.real("gamma", gamma)

    def __call__(self, t):
        return self.gamma

    def __repr__(self):
        return f"Constant({self.gamma:g})"


class Scoping(Schedule):
    """Exponential "scoping" γ_t = γ0 (1 + γ1)^t, capped at ``gamma_max`` (seed; Chaudhari et al.).

    γ grows during training so that the replicas (or the SGLD walker and its centre) are first
    loosely and finally tightly coupled; at the end the answer is a minimiser of the original loss
    surrounded by a wide flat region.
    """

    def __init__(self, gamma0, gamma1, gamma_max=math.inf):
        self.gamma0 = _checks.real("gamma0", gamma0)
        self.gamma1 = _checks.real("gamma1", gamma1)
        self.gamma_max = _checks.real("gamma_max", gamma_max, allow_inf=True)

    def __call__(self, t):
        # log form avoids overflow of (1+γ1)^t for long runs
        if self.gamma0 == 0.0:
            return 0.0
        log_g = math.log(self.gamma0) + t * math.log1p(self.gamma1)
        return min(self.gamma_max, math.exp(min(log_g, 700.0)))

    def __repr__(self):
        return f"Scoping({self.gamma0:g}, {self.gamma1:g}, gamma_max={self.gamma_max:g})"


class FromCallable(Schedule):
    """Wrap a user callable ``t -> γ``; the value is checked to be a real number ≥ 0."""

    def __init__(self, func):
        if not callable(func):
            raise ValueError(f"gamma must be a number, a Schedule or a callable; got {func!r}")
        self.func = func

    def __call__(self, t):
        return _checks.real("gamma(t)", self.func(t))

    def __repr__(self):
        return f"FromCallable({self.func!r})"


def as_schedule(gamma):
    """A number → ``Constant``; a ``Schedule`` → itself; any other callable → ``FromCallable``."""
    if isinstance(gamma, Schedule):
        return gamma
    if callable(gamma):
        return FromCallable(gamma)
    return Constant(gamma)
