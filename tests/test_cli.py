"""`python -m replica.solve`: sweeps, formats, output files, bad input (exit 2) and non-convergence (exit 3)."""

import csv
import json
import subprocess
import sys
from dataclasses import dataclass

import pytest

from replica import solve
from replica.cli.parsing import parse_values
from replica.cli.problems import Param, Problem
from replica.gaussian_mixture import bayes_overlaps, erm


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "replica.solve", *args], capture_output=True, text=True)


def test_parse_values():
    assert parse_values("2") == [2.0]
    assert parse_values("1,2,4") == [1.0, 2.0, 4.0]
    assert parse_values("0.5:4:8") == pytest.approx([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0])
    assert parse_values("3:5:3", int) == [3, 4, 5]
    for bad in ("1:2", "a", "1,,2", "1:2:0", "nan", "1:2:x"):
        with pytest.raises(ValueError):
            parse_values(bad)


def test_gm_erm_json_rows_are_the_solver_results(capsys):
    """JSON rows are keyed by parameter and result-field names and carry the solver's own numbers."""
    assert solve.main(["gm-erm", "--loss", "logistic,hinge", "--alpha", "1:2:3", "--delta", "0.5",
                       "--lam", "0.1", "--rho", "0.3", "--bias", "true", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 6
    for row in rows:
        assert {"loss", "alpha", "delta", "lam", "rho", "bias", "m", "q", "V", "b", "mhat", "qhat", "Vhat",
                "gen_error", "train_error", "train_loss", "converged", "iterations", "residual"} <= set(row)
        ref = erm(row["loss"], row["alpha"], 0.5, 0.1, rho=0.3, bias=True)
        assert row["q"] == pytest.approx(ref.q, rel=1e-9) and row["converged"] is True


def test_out_writes_csv_and_sidecar(tmp_path, capsys):
    out = tmp_path / "bayes.csv"
    assert solve.main(["gm-bayes", "--alpha", "1,2", "--delta", "1", "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.DictReader(open(out)))
    assert [float(r["gen_error"]) for r in rows] == pytest.approx(
        [bayes_overlaps(a, 1.0).gen_error for a in (1.0, 2.0)], rel=1e-15)
    side = json.load(open(str(out) + ".json"))
    assert side["command"][:3] == ["python", "-m", "replica.solve"] and "numpy" in side["versions"]
    assert "gen_error" in capsys.readouterr().out


@pytest.mark.parametrize("args,needle", [
    (["gm-erm", "--loss", "huber", "--alpha", "1", "--delta", "1", "--lam", "1"], "--loss must be one of"),
    (["gm-erm", "--loss", "logistic", "--alpha", "0", "--delta", "1", "--lam", "1"], "--alpha must be > 0"),
    (["gm-erm", "--loss", "logistic", "--alpha", "1", "--delta", "-1", "--lam", "1"], "--delta must be > 0"),
    (["gm-erm", "--loss", "logistic", "--alpha", "1", "--delta", "1", "--lam", "-1"], "--lam must be >= 0"),
    (["gm-erm", "--loss", "logistic", "--alpha", "1", "--delta", "1", "--lam", "1", "--rho", "1"], "--rho must be in (0, 1)"),
    (["gm-erm", "--loss", "logistic", "--alpha", "1:3", "--delta", "1", "--lam", "1"], "--alpha: a range"),
    (["gm-erm", "--loss", "logistic", "--alpha", "1", "--delta", "1", "--lam", "1", "--bias", "maybe"], "--bias"),
    (["gm-erm", "--loss", "logistic", "--alpha", "1", "--delta", "1"], "--lam"),
    (["no-such-problem"], "invalid choice"),
])
def test_bad_input_one_line_exit_2(args, needle):
    proc = run_cli(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in proc.stderr


@dataclass(frozen=True)
class _Fake:
    x: float
    converged: bool


def test_non_converged_points_are_flagged_and_exit_3(monkeypatch, capsys):
    fake = Problem("fake", "test", lambda x, start=None: _Fake(x, x < 2), (Param("x", float, None, "x"),))
    monkeypatch.setitem(solve.REGISTRY, "fake", fake)
    assert solve.main(["fake", "--x", "1,2,3"]) == solve.EXIT_NOT_CONVERGED
    out, err = capsys.readouterr()
    assert out.count("NOT CONVERGED") == 2 and "2 of 3 points did not converge" in err


def test_main_job_from_the_readme():
    proc = run_cli("gm-erm", "--loss", "logistic", "--alpha", "0.5:4:8", "--delta", "0.5", "--lam", "0.1")
    assert proc.returncode == 0 and len(proc.stdout.strip().splitlines()) == 9


def test_train_subcommand_rows_and_bad_hyperparameters(capsys):
    """`train` rows carry the algorithm, errors and the local energy at each σ; y < 1 or a negative rate
    is bad input (exit 2)."""
    assert solve.main(["train", "--data", "gm", "--alpha", "2", "--delta", "1", "--n-features", "100",
                       "--algorithm", "sgd,rsgd", "--seed", "0", "--epochs", "2", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["algorithm"] for r in rows] == ["sgd", "rsgd"]
    for r in rows:
        assert 0 <= r["test_error"] <= 1 and 0 <= r["train_error"] <= 1
        assert r["le_train_0"] == 0.0 and r["le_test_0"] == 0.0  # δε(σ = 0) = 0 by definition
        assert r["le_train_1"] > 0  # noise of the weights' own size degrades a trained classifier
    for bad in (["--replicas", "0", "--algorithm", "rsgd"], ["--lr", "-1"], ["--inner-steps", "0"]):
        assert solve.main(["train", "--data", "gm", *bad]) == 2
