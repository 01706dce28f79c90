"""What ``converged`` means, and the physical flags every replica-symmetric answer carries.

The trust contract
------------------
``converged=True`` means the answer is a solution of its equations:

* the **undamped** residual ``max_i |F(x)_i - x_i| / max(floor_i, |x_i|)`` is below ``tol``
  (relative to each quantity, with an absolute floor documented per solver);
* every order parameter lies inside its domain (``0 ≤ q < 1`` unless the problem is frozen,
  ``V > 0`` and finite, ``Q̂q̂₀ ≥ ŝ₀²`` where it applies, ...);
* every free entropy lies inside its bounds (the α = 0 envelope, the Gardner value for
  Franz–Parisi potentials, ``H₂(d)`` for binary shells).

Anything else is ``converged=False`` with ``status`` naming the first reason found:

==================  ===========================================================================
``ok``              residual, domain and bounds hold
``diverged``        an order parameter ran off to infinity (e.g. V → ∞ in the separable regime)
``frozen``          a saddle pinned at q → 1 (binary weights beyond the freezing point)
``left-domain``     an order parameter outside its domain (q < 0, V ≤ 0, Q̂q̂₀ < ŝ₀², ...)
``bound-violated``  a free entropy outside its rigorous bounds
``max-iter``        the iteration budget ran out with the residual above tol
``non-finite``      the map or an observable produced NaN/inf
``invalid``         (CLI rows only) the point is outside the solver's range; the row keeps its
                    parameters, the message goes to stderr
==================  ===========================================================================

Physical flags, separate from convergence (a converged RS answer can be unstable or unphysical):

* ``replicon`` — the de Almeida–Thouless replicon eigenvalue λ_AT = γ_S γ_E (docs/theory.md §10), and
  ``rs_stable = replicon < 1``;
* ``entropy_negative`` — an RS entropy (binary Gardner, Franz–Parisi shell) below 0: the RS
  answer describes an empty set (Krauth–Mézard);
* ``frozen`` — a binary saddle with q → 1.
"""

import math
from dataclasses import dataclass

OK = "ok"
DIVERGED = "diverged"
FROZEN = "frozen"
LEFT_DOMAIN = "left-domain"
BOUND_VIOLATED = "bound-violated"
MAX_ITER = "max-iter"
NON_FINITE = "non-finite"
INVALID = "invalid"
STATUSES = (OK, DIVERGED, FROZEN, LEFT_DOMAIN, BOUND_VIOLATED, MAX_ITER, NON_FINITE, INVALID)

# trust-contract columns, written after every other result column in CLI rows
FLAG_FIELDS = ("status", "replicon", "rs_stable", "entropy_negative", "frozen")


@dataclass(frozen=True, kw_only=True)
class RSFlags:
    """Mixin of every solver result: the convergence status and the physical flags.

    ``status`` must be ``"ok"`` exactly when the result's ``converged`` is True (checked on
    construction).  ``rs_stable`` follows from ``replicon`` (``replicon < 1``) when it is not
    given; where no replicon is computed it is given explicitly (e.g. Bayes-optimal answers lie on
    the Nishimori line and are RS-exact: ``rs_stable=True``) or stays None (not assessed).
    """

    status: str = None
    replicon: float = math.nan
    rs_stable: bool = None
    entropy_negative: bool = False
    frozen: bool = False

    def __post_init__(self):
        if self.rs_stable is None and math.isfinite(self.replicon):
            object.__setattr__(self, "rs_stable", bool(self.replicon < 1.0))
        elif math.isfinite(self.replicon) and self.rs_stable != (self.replicon < 1.0):
            raise ValueError(f"rs_stable={self.rs_stable} contradicts replicon={self.replicon}")
        converged = getattr(self, "converged", self.status in (None, OK))
        if self.status is None:  # not given: "ok" if converged, else the generic "max-iter"
            object.__setattr__(self, "status", OK if converged else MAX_ITER)
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}; got {self.status!r}")
        if bool(converged) != (self.status == OK):
            raise ValueError(f"converged={converged} contradicts status={self.status!r}")


def verdict(residual, tol, checks=()):
    """``(converged, status)`` from the residual and the domain/bound checks.

    Parameters
    ----------
    residual : float
        Undamped relative residual of the final state.
    tol : float
        Declared tolerance.
    checks : iterable of (bool, str)
        ``(violated, status)`` pairs in order of precedence; the first violated one names the status.
    """
    for violated, status in checks:
        if violated:
            return False, status
    if not math.isfinite(residual):
        return False, NON_FINITE
    if residual <= tol:
        return True, OK
    return False, MAX_ITER
