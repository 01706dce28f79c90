"""Diverging training is stopped and flagged; a budget below one gradient step is refused (issue 9, defect 9)."""

import csv
import io
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from replica.entropic import experiments as ex
from replica.entropic.optimizers import SGD, EntropySGD, ReplicatedSGD


def _quadratic(w, idx):
    """Gradient of L(w) = |w|²/2 (one sample): a step of rate η maps w to (1 - η) w."""
    return w.copy()


def test_sgd_stops_at_the_first_overflowing_step():
    """Closed form: with L = w²/2 and η = 3, w_k = (-2)^k; w·w = 4^k overflows (> 1.8e308) first at
    k = 512, so the run must stop after exactly 512 of its 10⁴ steps, flagged, with no numpy warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = SGD(lr=3.0, batch_size=1, seed=0).fit(np.array([1.0]), _quadratic, n_samples=1, epochs=10_000)
    assert res.diverged
    assert res.grad_evals == 512
    assert res.history[-1]["diverged"] is True and res.history[-1]["grad_evals"] == 512
    assert abs(res.params[0]) == 2.0 ** 512  # exact: the stop leaves the first overflowing iterate


def test_replicated_and_entropy_sgd_stop_on_divergence():
    """Same closed form per replica (γ = 0: uncoupled, w_k = (-2)^k): Replicated-SGD with y = 2 stops at
    iteration 512 = 1024 gradients.  Entropy-SGD with an unstable walker (η' = 3) also stops early."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = ReplicatedSGD(lr=3.0, replicas=2, gamma=0.0, batch_size=1, seed=0).fit(
            np.array([1.0]), _quadratic, n_samples=1, epochs=10_000)
        e = EntropySGD(lr=1.0, sgld_lr=3.0, inner_steps=5, gamma=0.0, noise=0.0, batch_size=1, seed=0).fit(
            np.array([1.0]), _quadratic, n_samples=1, epochs=10_000)
    assert r.diverged and r.grad_evals == 2 * 512
    assert e.diverged and e.grad_evals < 10_000 and e.history[-1]["diverged"] is True


def test_stable_run_is_not_flagged():
    """η = 0.5 contracts (w_k = 2^-k): the run spends its whole budget and is not flagged."""
    res = SGD(lr=0.5, batch_size=1, seed=0).fit(np.array([1.0]), _quadratic, n_samples=1, epochs=50)
    assert not res.diverged and res.grad_evals == 50
    assert all("diverged" not in row for row in res.history)
    assert res.params[0] == 2.0 ** -50


def test_train_row_of_a_diverged_run():
    """``train --lr 1e200`` used to print test_error 0 and solved=True from NaN weights.  Now the row says
    diverged / converged=False / status=diverged, its observables are NaN, it has the same columns as a
    finite run, and the optimiser stopped after the first gradient step."""
    common = dict(data="gm", n_features=50, epochs=2, n_test=200, samples=2, sigmas=(0.0, 0.5))
    bad = ex.train(algorithm="sgd", lr=1e200, **common)
    good = ex.train(algorithm="sgd", lr=0.5, **common)
    assert set(bad) == set(good)
    assert bad["diverged"] is True and bad["converged"] is False and bad["status"] == "diverged"
    assert good["diverged"] is False and good["converged"] is True and good["status"] == "ok"
    assert bad["grad_evals"] == 1 and bad["solved"] is False
    for key in ("test_error", "train_error", "train_loss", "m", "q", "le_train_0.5", "le_test_se_0.5"):
        assert math.isnan(bad[key]), key
    summary = ex.summarize([bad, good], by=("lr",)) + ex.summarize([good], by=("lr",))
    assert [s["n_diverged"] for s in summary] == [1, 0, 0]
    assert [s["converged"] for s in summary] == [False, True, True]
    assert [s["status"] for s in summary] == ["diverged", "ok", "ok"]


def test_cli_flags_diverged_rows_and_exits_3():
    """CLI: the diverged sgd row is kept and flagged, the esgd row (which does not use --lr) is ok, and the exit
    status is 3 (rows with converged=False)."""
    out = subprocess.run([sys.executable, "-m", "replica.solve", "train", "--lr", "1e200", "--epochs", "2",
                          "--n-features", "50", "--n-test", "200", "--samples", "2", "--sigmas", "0,0.5",
                          "--algorithm", "sgd,esgd", "--format", "csv"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 3, out.stderr
    assert "Traceback" not in out.stderr and "RuntimeWarning" not in out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    status = {r["algorithm"]: (r["status"], r["converged"], r["diverged"]) for r in rows}
    assert status == {"sgd": ("diverged", "False", "True"), "esgd": ("ok", "True", "False")}


def test_budget_below_one_step_is_refused():
    """P = αN = 200 samples, batch 50: nb = 4 minibatches per pass; a run has round(epochs·nb) steps (per
    replica: epochs/3 for rsgd), so the minimum is epochs > 0.5/4 = 0.125 (sgd, esgd) and 0.375 (rsgd)."""
    base = dict(n_features=100, alpha=2.0, batch_size=50)
    for algorithm, minimum in (("sgd", 0.125), ("esgd", 0.125), ("rsgd", 0.375)):
        with pytest.raises(ValueError, match=rf"^epochs must be > {minimum:g} so that --epochs buys at least one") as info:
            ex.config("gm", algorithm, epochs=minimum * 0.96, **base)
        assert "\n" not in str(info.value)
        ex.config("gm", algorithm, epochs=minimum * 1.04, **base)  # one step: accepted
    with pytest.raises(ValueError, match=r"^epochs must be > 0\.5 for at least one gradient step"):
        SGD(lr=0.1, batch_size=1).fit(np.array([1.0]), _quadratic, n_samples=1, epochs=1e-9)


def test_cli_budget_below_one_step_exits_2():
    """``train --epochs 1e-9`` raised IndexError; now one line naming --epochs and the minimum, exit 2."""
    out = subprocess.run([sys.executable, "-m", "replica.solve", "train", "--epochs", "1e-9", "--n-features", "20"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "--epochs" in lines[0] and "epochs must be > 0.5" in lines[0]
