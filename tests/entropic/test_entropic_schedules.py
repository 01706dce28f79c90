"""Coupling schedules and hyper-parameter validation (reference: the documented formulas/ranges)."""

import math

import pytest

from replica.entropic import SGD, Constant, EntropySGD, ReplicatedSGD, Scoping, as_schedule
from replica.entropic.local_energy import local_energy
from replica.entropic.models import LinearClassifier


def test_scoping_is_geometric_and_capped():
    # reference: γ_t = γ0 (1+γ1)^t (docs/theory.md §7), exact to 1e-12 relative
    s = Scoping(0.03, 0.01)
    for t in (0, 1, 10, 250):
        assert s(t) == pytest.approx(0.03 * 1.01 ** t, rel=1e-12)
    capped = Scoping(0.5, 0.1, gamma_max=2.0)
    assert capped(0) == 0.5
    assert capped(100) == 2.0
    assert Scoping(1.0, 1.0)(10_000) == pytest.approx(math.exp(700.0))  # no overflow


def test_as_schedule_accepts_numbers_schedules_and_callables():
    assert isinstance(as_schedule(0.2), Constant) and as_schedule(0.2)(17) == 0.2
    s = Scoping(1.0, 0.0)
    assert as_schedule(s) is s
    assert as_schedule(lambda t: 2.0 * t)(3) == 6.0
    with pytest.raises(ValueError, match=r"gamma\(t\) must be a real number in \[0, inf\)"):
        as_schedule(lambda t: -1.0)(0)


@pytest.mark.parametrize("factory, pattern", [
    (lambda: SGD(lr=-0.1), r"^lr must be a real number in \[0, inf\); got -0.1$"),
    (lambda: SGD(momentum=1.0), r"^momentum must be a real number in \[0, 1\)"),
    (lambda: SGD(batch_size=0), r"^batch_size must be an integer >= 1; got 0$"),
    (lambda: EntropySGD(inner_steps=0), r"^inner_steps must be an integer >= 1; got 0$"),
    (lambda: EntropySGD(sgld_lr=-1), r"^sgld_lr must be a real number in \[0, inf\)"),
    (lambda: EntropySGD(noise=-1e-3), r"^noise must be"),
    (lambda: EntropySGD(average=1.0), r"^average must be a real number in \[0, 1\)"),
    (lambda: EntropySGD(gamma=-0.5), r"^gamma must be a real number in \[0, inf\)"),
    (lambda: ReplicatedSGD(replicas=0), r"^replicas must be an integer >= 1; got 0$"),
    (lambda: ReplicatedSGD(couple_every=0), r"^couple_every must be an integer >= 1"),
    (lambda: ReplicatedSGD(center="median"), r"^center must be one of mean, trained; got 'median'$"),
    (lambda: Scoping(0.1, -0.01), r"^gamma1 must be a real number in \[0, inf\)"),
    (lambda: ReplicatedSGD(lr=float("nan")), r"^lr must be a real number"),
    (lambda: local_energy(LinearClassifier(3), [1, 1, 1], [[1, 1, 1]], [1], [0.1], samples=0),
     r"^samples must be an integer >= 1"),
    (lambda: local_energy(LinearClassifier(3), [1, 1, 1], [[1, 1, 1]], [1], [-0.1]),
     r"^sigma must be a real number in \[0, inf\)"),
])
def test_bad_hyperparameters_raise_one_clear_line(factory, pattern):
    with pytest.raises(ValueError, match=pattern):
        factory()
