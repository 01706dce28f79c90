"""Composite Gauss–Legendre rules for ``E_z f(z)`` adapted to features of f (private helper).

A feature at ``z*`` of width ``w`` (a step ``H((z*-z)/w)``-like factor or a smoothed kink)
is resolved by cutting the z-axis at ``z* + w·t`` for a fixed set of offsets t: this is a
piecewise-affine change of variables onto the feature's own scale, so the node count does not
grow when ``w → 0`` (the step limit).  ``rule(cuts, ...)`` sorts, clips to [lo, hi] and fills
nodes/weights with the Gaussian density folded into the weights.
"""

import numpy as np

from .._numba import kernel
from ..saddle_point.quadrature import legendre_panels
from ..saddle_point.special import G

Z_MAX = 9.0  # Gaussian mass beyond |z| > 9 is 2e-19
BASE = np.array([-Z_MAX, -6.0, -3.5, -1.5, 0.0, 1.5, 3.5, 6.0, Z_MAX])
STEP_OFFSETS = np.array([-12.0, -5.0, -2.0, -0.7, 0.0, 0.7, 2.0, 5.0, 12.0])
MAX_WIDTH = 3.0
KINK_OFFSETS = np.array([-4.0, -1.0, 0.0, 1.0, 4.0])
MERGE = 0.25  # merged_rule: a panel shorter than MERGE × both neighbours is absorbed into them


@kernel
def add_feature(cuts, n, center, width, offsets):
    """Append ``center + width·offsets`` to ``cuts[n:]``; returns the new count.

    Skipped when not finite or when ``width > MAX_WIDTH`` (then the feature is smooth on the
    Gaussian scale and the base cuts resolve it; skipping keeps the rule from jittering).
    """
    if not (np.isfinite(center) and np.isfinite(width)) or width <= 0.0 or width > MAX_WIDTH:
        return n
    for t in offsets:
        cuts[n] = center + width * t
        n += 1
    return n


@kernel
def rule(cuts, n, lo, hi, x_ref, w_ref):
    """Gaussian-weighted composite rule on [lo, hi] from the first n cut points (clipped, sorted,
    exact duplicates dropped); allocates its output."""
    return _allocated_rule(cuts, n, lo, hi, x_ref, w_ref, True, 0.0)


@kernel
def feature_rule(center, width, x_ref, w_ref):
    """Rule for ``E_z f(z)`` with one feature (step or kink) at ``center`` of scale ``width``."""
    cuts = np.empty(BASE.shape[0] + STEP_OFFSETS.shape[0])
    cuts[:BASE.shape[0]] = BASE
    n = add_feature(cuts, BASE.shape[0], center, width, STEP_OFFSETS)
    return rule(cuts, n, -Z_MAX, Z_MAX, x_ref, w_ref)


@kernel
def merged_rule(cuts, n, lo, hi, x_ref, w_ref, gaussian):
    """Like ``rule`` (Lebesgue measure unless ``gaussian``), but near-coincident cuts are merged (see
    ``fill_rule``); allocates its output."""
    return _allocated_rule(cuts, n, lo, hi, x_ref, w_ref, gaussian, MERGE)


@kernel
def _allocated_rule(cuts, n, lo, hi, x_ref, w_ref, gaussian, merge):
    work = np.empty(n + 2)
    work[:n] = cuts[:n]
    nodes = np.empty(x_ref.shape[0] * (n + 1))
    weights = np.empty(x_ref.shape[0] * (n + 1))
    count = _fill(work, n, lo, hi, x_ref, w_ref, gaussian, merge, nodes, weights)
    return nodes[:count], weights[:count]


@kernel
def fill_rule(cuts, n, lo, hi, x_ref, w_ref, gaussian, nodes, weights):
    """Composite Gauss–Legendre rule on [lo, hi] cut at ``cuts[:n]``, written into ``nodes``/``weights``
    (capacity ``k·(n+1)``); returns the node count.  ``cuts`` needs capacity n + 2 and is overwritten.

    With ``gaussian`` the weights carry the density G.  Cuts from different features (and the base grid)
    often nearly coincide; the sliver panel between them costs a full set of nodes and resolves nothing.
    A panel shorter than ``MERGE`` × both of its neighbours is removed by moving its two ends to their
    midpoint (an end at ``lo``/``hi`` stays put), which changes each neighbour's length by at most
    ``MERGE/2`` of it.  No allocation: this runs once per outer node of the 2-D integrals.
    """
    return _fill(cuts, n, lo, hi, x_ref, w_ref, gaussian, MERGE, nodes, weights)


@kernel
def _fill(cuts, n, lo, hi, x_ref, w_ref, gaussian, merge, nodes, weights):
    """:func:`fill_rule` with the merge threshold as an argument (0: only exact duplicates are dropped)."""
    m = 0
    for i in range(n):
        v = cuts[i]
        if lo < v < hi:
            cuts[m] = v
            m += 1
    cuts[m] = lo
    cuts[m + 1] = hi
    m += 2
    for i in range(1, m):  # insertion sort (a few dozen entries)
        v = cuts[i]
        j = i - 1
        while j >= 0 and cuts[j] > v:
            cuts[j + 1] = cuts[j]
            j -= 1
        cuts[j + 1] = v
    k = 1
    for i in range(1, m):
        v = cuts[i]
        gap = v - cuts[k - 1]
        if gap <= 1e-12 * (1.0 + abs(v)):        # duplicate
            continue
        prev = cuts[k - 1] - cuts[k - 2] if k >= 2 else np.inf
        nxt = cuts[i + 1] - v if i + 1 < m else np.inf
        if gap < merge * prev and gap < merge * nxt:
            if k == 1:            # cuts[0] is lo: drop the interior cut v
                continue
            if i == m - 1:        # v is hi: move the previous cut onto it
                cuts[k - 1] = v
                continue
            cuts[k - 1] = 0.5 * (cuts[k - 1] + v)
            continue
        cuts[k] = v
        k += 1
    count = x_ref.shape[0] * (k - 1)
    legendre_panels(cuts[:k], x_ref, w_ref, nodes[:count], weights[:count])
    if gaussian:
        for i in range(count):
            weights[i] *= G(nodes[i])
    return count
