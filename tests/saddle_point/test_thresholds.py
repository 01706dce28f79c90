"""``replica.saddle_point.thresholds``: bracketing + brentq, and bounded minimisation in log x, on
functions with closed-form roots and minima."""

import math

import pytest

from replica.saddle_point.fixed_point import ConvergenceError
from replica.saddle_point.thresholds import NoThresholdError, bracket_sign_change, find_threshold, minimize_log


def test_given_bracket_and_expansions():
    # closed forms: √2, the cube root of 10 (bracket [-1, 1] widened upward), -50, 3 - e^{-0.3}
    assert find_threshold(lambda x: x * x - 2.0, 0.0, 2.0) == pytest.approx(math.sqrt(2), rel=1e-14)
    assert find_threshold(lambda x: x * x - 2.0, 0.0, 1.0, expand="up") == pytest.approx(math.sqrt(2), rel=1e-14)
    assert find_threshold(lambda x: x ** 3 - 10.0, -1.0, 1.0, expand="both") == pytest.approx(10 ** (1 / 3), rel=1e-14)
    assert find_threshold(lambda x: x + 50.5, 0.0, 1.0, expand="down") == pytest.approx(-50.5, rel=1e-14)
    # approaching a bound where f is undefined (log(3 - x) at x ≥ 3): the gap to the limit halves
    f = lambda x: math.log(3.0 - x) + 0.3
    assert find_threshold(f, 0.0, 1.0, expand="up", limit=3.0) == pytest.approx(3 - math.exp(-0.3), rel=1e-14)
    # a pair of limits with "both": lower side doubles, upper side approaches 3
    assert find_threshold(f, -5.0, -4.0, expand="both", limit=(None, 3.0)) == pytest.approx(3 - math.exp(-0.3),
                                                                                            rel=1e-14)


def test_unusable_points_are_passed_over():
    """Points where f raises ConvergenceError or gives NaN do not end the search."""
    def f(x):
        if 1.0 < x < 3.0:
            raise ConvergenceError("not here")
        if 3.0 <= x < 5.0:
            return math.nan
        return 6.0 - x
    assert find_threshold(f, 0.0, 1.0, expand="up") == pytest.approx(6.0, rel=1e-14)  # 0, 1, 2, 4, 8 → [1, 8]
    assert find_threshold(math.cos, points=[0.0, 1.0, 2.0, 3.0]) == pytest.approx(math.pi / 2, rel=1e-14)
    assert bracket_sign_change(math.cos, [3.0, 2.0, 1.0]) == (2.0, 1.0, math.cos(2.0), math.cos(1.0))
    assert find_threshold(lambda x: x - 1.0, points=[0.0, 1.0, 2.0]) == 1.0  # an exact zero on a point


def test_no_sign_change_and_bad_brackets():
    with pytest.raises(NoThresholdError):
        find_threshold(lambda x: 1.0 + x * x, 0.0, 1.0, expand="both", max_steps=10)
    with pytest.raises(NoThresholdError):
        find_threshold(lambda x: 1.0, points=[0.0, 1.0])
    with pytest.raises(ValueError):
        find_threshold(lambda x: x, 1.0, 0.0)
    with pytest.raises(ValueError):
        find_threshold(lambda x: x, 0.0, 1.0, expand="sideways")


def test_minimize_log_warm_starts_and_finds_the_minimum():
    """(log x - log 3)² + 1 has its minimum at x = 3; each solve receives the previous result as its start."""
    starts = []

    def solve(x, start):
        starts.append(start)
        return {"x": x, "value": (math.log(x) - math.log(3.0)) ** 2 + 1.0}

    x, result, at_bound = minimize_log(solve, lambda r: r["value"], 1e-3, 1e3, start="first")
    assert x == pytest.approx(3.0, rel=1e-5) and result["x"] == x and not at_bound
    assert starts[0] == "first" and all(s is not None and s != "first" for s in starts[1:])
    # a monotone objective: the minimum sits at the upper end, flagged
    x, _, at_bound = minimize_log(lambda x, s: x, lambda r: -r, 1e-2, 1e2)
    assert at_bound and x == pytest.approx(1e2, rel=1e-4)
    with pytest.raises(ValueError):
        minimize_log(solve, lambda r: r["value"], 0.0, 1.0)
