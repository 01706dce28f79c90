"""Binary-weight storage experiments (issue 12): equal budgets, reproducible seeds, planted instances solved, the
energy goes down, the threshold estimate, the ``storage`` subcommand (bad input, --summary, --resume)."""

import csv
import json
import math

import numpy as np
import pytest

from replica.entropic import storage
from replica.entropic.storage import ALGORITHMS, alpha_alg, run_instance, summarize, threshold_differences
from replica.solve import main


@pytest.mark.parametrize("method", ALGORITHMS)
def test_budget_is_spent_exactly_when_unsolved(method):
    # α = 1.5 is far above the binary capacity (0.83): no run can succeed, each spends exactly its budget
    # (proposals/N for SA and replicated SA — the y replicas share it — gradients/P for the SGD family)
    r = run_instance(method, 31, 1.5, 0, budget=70)
    assert not r.solved
    assert r.spent == pytest.approx(70, abs=1e-9)
    assert r.used == 70


@pytest.mark.parametrize("method", ALGORITHMS)
def test_seeds_reproduce(method):
    a = run_instance(method, 61, 0.5, 3, budget=60, seed=7)
    b = run_instance(method, 61, 0.5, 3, budget=60, seed=7)
    assert np.array_equal(a.w, b.w) and a.used == b.used and a.solved == b.solved
    c = run_instance(method, 61, 0.5, 3, budget=60, seed=7, run=1)          # another run on the same instance
    assert not np.array_equal(a.w, c.w)
    assert np.array_equal(storage.patterns(61, 0.5, 3, 7), storage.patterns(61, 0.5, 3, 7))
    assert not np.array_equal(storage.patterns(61, 0.5, 3, 7), storage.patterns(61, 0.5, 4, 7))


@pytest.mark.parametrize("method", ALGORITHMS)
def test_planted_easy_instance_is_solved(method):
    # a teacher w* and labels sign(w*·ξ) absorbed into the patterns: w* is a solution, and at α = 0.3 every method
    # finds one well within the budget
    rng = np.random.default_rng(1)
    n, p = 101, 30
    teacher = rng.choice([-1, 1], n)
    xi = rng.choice([-1, 1], (p, n)).astype(np.int8)
    X = (xi * np.sign(xi @ teacher)[:, None]).astype(np.int8)
    r = run_instance(method, n, p / n, 0, budget=300, X=X)
    assert r.solved and r.train_error == 0.0
    assert np.all(X.astype(int) @ r.w.astype(int) > 0)
    assert r.used < 300


def _stability_energy(X, w):
    f = X.astype(int) @ w.astype(int)
    return float(np.sum(np.maximum(0, -f)) / math.sqrt(len(w)))


@pytest.mark.parametrize("method", ALGORITHMS)
def test_energy_decreases(method):
    # unsolvable (α = 1.2): the stability energy Σ max(0, -Δ) of the configuration returned is far below a random
    # configuration's, and lower with a larger budget
    X = storage.patterns(101, 1.2, 0)
    w0 = np.random.default_rng(0).choice([-1.0, 1.0], 101)
    e_random = _stability_energy(X, w0)
    e = [_stability_energy(X, run_instance(method, 101, 1.2, 0, budget=b).w) for b in (5, 300)]
    assert e[1] < 0.5 * e_random
    assert e[1] < e[0]


def test_bad_parameters_refused():
    with pytest.raises(ValueError, match="odd"):
        run_instance("sa", 100, 0.5, 0)
    with pytest.raises(ValueError, match="algorithm"):
        run_instance("adam", 101, 0.5, 0)
    with pytest.raises(ValueError, match="y"):
        run_instance("rsa", 101, 0.5, 0, params={"y": 4})
    with pytest.raises(ValueError, match="budget"):
        run_instance("sgd", 101, 0.5, 0, budget=0)


def _rows(fractions, n_inst=20, n=101):
    rows = []
    for a, f in fractions.items():
        k = int(round(f * n_inst))
        rows += [{"algorithm": "sa", "n": n, "alpha": a, "instance": i, "solved": i < k, "used": 1.0,
                  "seconds": 0.0} for i in range(n_inst)]
    return rows


def test_alpha_alg_interpolates_and_bounds():
    t = alpha_alg(_rows({0.5: 1.0, 0.6: 0.7, 0.7: 0.3, 0.8: 0.0}))[0]
    assert t["status"] == "ok" and t["alpha_alg"] == pytest.approx(0.65)
    assert t["alpha_lo95"] < 0.65 < t["alpha_hi95"] and t["alpha_alg_se"] > 0
    assert (t["bracket_lo"], t["bracket_hi"]) == (0.6, 0.7)
    # a non-monotone estimate is made monotone first (isotonic regression)
    t = alpha_alg(_rows({0.5: 1.0, 0.6: 0.4, 0.7: 0.6, 0.8: 0.0}))[0]
    assert t["alpha_alg"] == pytest.approx(0.7 + 0.1 * 0.0 / 0.5, abs=0.1)
    assert alpha_alg(_rows({0.5: 1.0, 0.6: 0.9}))[0]["status"] == "above_range"
    assert alpha_alg(_rows({0.5: 0.2, 0.6: 0.0}))[0]["status"] == "below_range"
    s = summarize(_rows({0.5: 1.0, 0.6: 0.5}))
    assert [r["p_solved"] for r in s] == [1.0, 0.5]
    assert s[1]["p_lo95"] < 0.5 < s[1]["p_hi95"]


def test_threshold_differences_are_paired():
    a = _rows({0.5: 1.0, 0.6: 0.7, 0.7: 0.3, 0.8: 0.0})
    b = [dict(r, algorithm="rsa") for r in _rows({0.5: 1.0, 0.6: 0.9, 0.7: 0.7, 0.8: 0.1})]
    d = threshold_differences(a + b, "sa")[0]
    assert d["algorithm"] == "rsa" and d["diff"] == pytest.approx(0.7 + 0.1 * 0.2 / 0.6 - 0.65)
    assert d["diff_lo95"] <= d["diff"] <= d["diff_hi95"]
    # the same outcomes under another name: the paired difference is exactly 0 in every bootstrap draw
    same = threshold_differences(a + [dict(r, algorithm="rsa") for r in a], "sa")[0]
    assert same["diff"] == 0 and same["diff_se"] == 0


# ----------------------------------------------------------------------------------------- CLI
ARGS = ["storage", "--algorithm", "sa,sgd", "--n", "31", "--alpha", "0.3,0.6", "--budget", "50", "--progress", "off"]


@pytest.mark.parametrize("extra, message", [
    (["--n", "30"], "odd"),
    (["--alpha", "0:1:x"], "--alpha"),
    (["--algorithm", "sa,adam"], "--algorithm"),
    (["--set", "rsa.gamma9=1"], "gamma9"),
    (["--set", "rsa.y=2"], "odd"),
    (["--set", "sgd.lr=abc"], "lr"),
    (["--weights", "spherical"], "--weights"),
    (["--flip-p", "0.7"], "--flip-p"),
    (["--resume"], "--resume needs --out"),
])
def test_cli_bad_input_one_line_exit_2(capsys, extra, message):
    assert main(ARGS + ["--instances", "1"] + extra) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err


def _read(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def _strip(rows):
    return sorted((tuple((k, v) for k, v in r.items() if k != "seconds") for r in rows))


def test_cli_rows_summary_and_resume(tmp_path, capsys):
    full = tmp_path / "full.csv"
    assert main(ARGS + ["--instances", "3", "--out", str(full), "--flip-p", "0.05", "--draws", "5"]) == 0
    rows = _read(full)
    assert len(rows) == 2 * 2 * 3 and {"solved", "used", "le_p0.05"} <= set(rows[0])
    meta = json.load(open(str(full) + ".json"))
    assert meta["complete"] is True
    capsys.readouterr()

    # an interrupted run (1 instance done), then --resume: the missing instances are computed, the kept ones are
    # not recomputed, and the result is the fresh run's (instance-level seeds)
    part = tmp_path / "part.csv"
    assert main(ARGS + ["--instances", "1", "--out", str(part), "--flip-p", "0.05", "--draws", "5"]) == 0
    kept = _read(part)
    assert main(ARGS + ["--instances", "3", "--out", str(part), "--flip-p", "0.05", "--draws", "5",
                        "--resume"]) == 0
    resumed = _read(part)
    assert "4 instance rows kept" in capsys.readouterr().err
    assert _strip(resumed) == _strip(rows)
    assert [r["seconds"] for r in resumed[:len(kept)]] == [r["seconds"] for r in kept]

    # a killed run leaves only its temporary file: --resume reads it, then removes it
    killed = tmp_path / "killed.csv"
    stale = tmp_path / ".killed.csv.abc123.part"
    with open(stale, "w") as fh:
        fh.write(",".join(rows[0]) + "\n" + "\n".join(",".join(r.values()) for r in rows[:2]) + "\n")
    assert main(ARGS + ["--instances", "3", "--out", str(killed), "--flip-p", "0.05", "--draws", "5",
                        "--resume"]) == 0
    assert _strip(_read(killed)) == _strip(rows) and not stale.exists()

    # --summary prints points and thresholds; --out still holds the instance rows
    capsys.readouterr()
    out = tmp_path / "s.csv"
    assert main(ARGS + ["--instances", "3", "--summary", "--format", "json", "--out", str(out)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert {r["kind"] for r in shown} <= {"point", "threshold", "difference"}
    assert {"point", "threshold"} <= {r["kind"] for r in shown}
    assert sum(r["kind"] == "point" for r in shown) == 4 and len(_read(out)) == 12
    for r in shown:
        if r["kind"] == "point":
            assert 0 <= r["p_lo95"] <= r["p_solved"] <= r["p_hi95"] <= 1
            assert (r["used_mean"] is None) == (r["solved"] == 0)
