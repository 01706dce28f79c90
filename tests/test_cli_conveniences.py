"""CLI conveniences (issue 13, part 4): log-spaced ranges, ``--version``, the ``replica`` console
script, ``--optimize lam``."""

import json
import math
import shutil
import subprocess
import sys
from importlib import metadata

import numpy as np
import pytest

import replica
from replica import solve
from replica.cli.parsing import count_values, parse_values
from replica.gaussian_mixture import optimal_lambda


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "replica.solve", *args], capture_output=True, text=True)


def test_log_ranges():
    assert parse_values("1e-4:10:6:log") == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0], rel=1e-14)
    values = parse_values("0.5:8:5:log")
    assert values[0] == 0.5 and values[-1] == 8.0 and np.allclose(np.diff(np.log(values)), math.log(2), rtol=1e-13)
    assert parse_values("-1:-100:3:log") == pytest.approx([-1.0, -10.0, -100.0], rel=1e-14)
    assert parse_values("100:10000:3:log", int) == [100, 1000, 10000]
    assert parse_values("0:1:3:lin") == parse_values("0:1:3") == [0.0, 0.5, 1.0]
    for bad, kind in (("0:1:3:log", float), ("-1:1:3:log", float), ("1:2:3:geo", float), ("1:2:3:log:x", float),
                      ("1:10:20:log", int)):
        with pytest.raises(ValueError):
            parse_values(bad, kind)


@pytest.mark.parametrize("text", ["2", "1,2,4", "0.5:4:8", "1e-4:10:40:log", "1:2:1:log", "3:9:7:lin"])
def test_count_values_agrees_with_parse_values(text):
    """``count_values`` (the sweep-size check before anything is built) counts what ``parse_values`` gives."""
    assert count_values(text) == len(parse_values(text))


def test_log_range_sweep_and_size_check(capsys):
    assert solve.main(["gm-bayes", "--alpha", "0.1:10:3:log", "--delta", "1", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["alpha"] for r in rows] == pytest.approx([0.1, 1.0, 10.0], rel=1e-14)
    # refused from the text, before a list of 10^12 values is built
    assert solve.main(["gm-bayes", "--alpha", "1:2:1000000000000:log", "--delta", "1"]) == solve.EXIT_BAD_INPUT
    assert "above the limit" in capsys.readouterr().err


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"replica {replica.__version__}"


def test_console_script_is_declared_and_runs():
    """``replica`` is the same program as ``python -m replica.solve`` (setup.cfg entry point)."""
    scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts")}
    if scripts.get("replica") != "replica.solve:main":
        pytest.skip("the installed metadata predates the console script (reinstall: pip install -e .)")
    exe = shutil.which("replica")
    if exe is None:
        pytest.skip("the replica script is not on PATH")
    proc = subprocess.run([exe, "gm-bayes", "--alpha", "2", "--delta", "1", "--format", "json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and json.loads(proc.stdout) == json.loads(
        run_cli("gm-bayes", "--alpha", "2", "--delta", "1", "--format", "json").stdout)
    assert subprocess.run([exe, "--help"], capture_output=True, text=True).stdout.startswith("usage: replica ")


def test_optimize_lam_gm_erm(capsys):
    """Rows carry λ* (the ``lam`` column) and the ERM at λ*; the same as ``gm.optimal_lambda``."""
    argv = ["gm-erm", "--loss", "square,logistic", "--alpha", "1,2", "--delta", "1", "--rho", "0.3", "--bias", "true",
            "--optimize", "lam", "--format", "json"]
    assert solve.main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4
    for row in rows:
        lam, ref = optimal_lambda(row["loss"], row["alpha"], 1.0, 0.3, True)
        assert row["optimize"] == "lam" and row["lam_at_bound"] is False
        assert row["lam"] == pytest.approx(lam, rel=1e-4)
        assert row["gen_error"] == pytest.approx(ref.gen_error, abs=1e-10)


def test_optimize_lam_ts_erm_square_is_pi_over_2_minus_1(capsys):
    assert solve.main(["ts-erm", "--loss", "square", "--alpha", "1,3", "--optimize", "lam", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["lam"] for r in rows] == pytest.approx([math.pi / 2 - 1] * 2, rel=1e-5)  # docs/theory.md §2


@pytest.mark.parametrize("extra, needle", [
    (["--optimize", "lam", "--lam", "1"], "exclude each other"),
    ([], "--lam (or --optimize lam)"),
    (["--optimize", "alpha"], "--optimize"),
])
def test_optimize_bad_input_one_line_exit_2(extra, needle):
    proc = run_cli("gm-erm", "--loss", "square", "--alpha", "1", "--delta", "1", *extra)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and needle in lines[0], proc.stderr


TRAIN = ["train", "--epochs", "2", "--samples", "2", "--sigmas", "0,0.5", "--format", "json"]


def test_train_rows_carry_only_the_columns_that_apply():
    """A perceptron storage run has no test set, hence no test_error, and no Δ, ρ or test size; an SGD run has
    no replica count or Langevin options, an Entropy-SGD run no SGD rate; the mixture's rows keep theirs."""
    perceptron = run_cli(*TRAIN, "--data", "perceptron", "--alpha", "1", "--n-features", "50",
                         "--algorithm", "sgd,esgd")
    assert perceptron.returncode == 0, perceptron.stderr
    rows = json.loads(perceptron.stdout)
    sgd, esgd = rows  # one row each; the union of the columns fills the other's cells with null
    for row in rows:  # no row has them, so the columns are absent
        assert not {"test_error", "delta", "rho", "n_test", "m", "q"} & set(row)
        assert row["train_error"] is not None and row["alpha"] == 1.0
    assert "replicas" not in sgd and "replicas" not in esgd  # no rSGD run: no replica column at all
    assert sgd["lr"] == 0.5 and sgd["sgld_lr"] is None and sgd["gamma0"] is None  # null: the esgd row's column
    assert esgd["lr"] is None and esgd["sgld_lr"] == 0.5 and esgd["gamma0"] == 0.03
    gm = run_cli(*TRAIN, "--data", "gm", "--n-features", "50", "--n-test", "200", "--algorithm", "rsgd")
    (row,) = json.loads(gm.stdout)
    assert 0 <= row["test_error"] <= 1 and row["delta"] == 1.0 and row["replicas"] == 3 and row["lr"] == 0.5


def test_train_honours_progress():
    """--progress on draws the bar over the runs even when stderr is not a terminal; off (and auto, off a
    terminal) draws none."""
    args = [*TRAIN, "--data", "perceptron", "--n-features", "30", "--seed", "0,1"]
    on, off, auto = (run_cli(*args, "--progress", mode) for mode in ("on", "off", "auto"))
    assert on.returncode == off.returncode == auto.returncode == 0
    assert "train: 100%" in on.stderr.replace("\r", "\n") and "6/6" in on.stderr  # 3 algorithms x 2 seeds
    assert "train:" not in off.stderr and "train:" not in auto.stderr
