"""CLI fault test (issue 9, defects 7, 8, 12, 13, 14, 15): every registered subcommand under bad
``--out`` paths, Ctrl-C, oversize sweeps and strict JSON; invalid points inside a sweep; warm starts
along the continuation axis.

In-process tests replace a subcommand's solver by one that fails the test when called, so "nothing
was computed" is asserted, not assumed; the Ctrl-C test sends a real SIGINT to a child process.
"""

import csv
import dataclasses
import glob
import json
import math
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from replica import solve
from replica.cli.parsing import count_values, parse_values
from replica.cli.problems import Param, Problem
from .fake_problem import fake_solve
from replica.saddle_point.contract import FLAG_FIELDS, INVALID

# one small valid sweep of three points per subcommand (the first point is solved for real in the
# Ctrl-C test); test_every_subcommand_is_covered keeps this in step with the registry
SWEEPS = {
    "gm-erm": ["--loss", "square", "--alpha", "1,1.5,2", "--delta", "1", "--lam", "1"],
    "gm-bayes": ["--alpha", "1,1.5,2", "--delta", "1"],
    "gm-local-entropy": ["--loss", "square", "--alpha", "2", "--delta", "1", "--lam", "1", "--d", "0.05,0.1,0.15"],
    "gm-local-energy": ["--loss", "square", "--alpha", "2", "--delta", "1", "--lam", "1", "--sigma", "0.2,0.5,1"],
    "gardner": ["--alpha", "0.5,0.8,1"],
    "ts-erm": ["--loss", "square", "--alpha", "1,1.5,2", "--lam", "0.5"],
    "ts-bayes": ["--alpha", "1,1.5,2"],
    "franz-parisi": ["--alpha", "0.5", "--d", "0.1,0.08,0.06"],
    "franz-parisi-minimizer": ["--loss", "cross_entropy", "--gamma", "5", "--alpha", "1", "--d", "0.05,0.04,0.03"],
    "perceptron-local-energy": ["--alpha", "0.5,0.8,1", "--sigma", "0.1"],
    "ld-local-entropy": ["--alpha", "0.5", "--d", "0.1,0.08,0.06"],
    "ld-threshold": ["--kappa", "0,0.05,0.1"],
    "committee-ld": ["--alpha", "0.5", "--d", "0.1,0.08,0.06", "--activation", "relu"],
    "committee-gardner": ["--alpha", "0.5,0.8,1", "--activation", "relu"],
    "committee-capacity": ["--activation", "sign,relu,erf"],
    "committee-franz-parisi": ["--alpha", "0.5", "--d", "0.1,0.08,0.06", "--activation", "sign"],
    "storage": ["--algorithm", "sa", "--n", "31", "--alpha", "0.3,0.5,0.7", "--instances", "1", "--budget", "20"],
    "train": ["--data", "perceptron", "--algorithm", "sgd", "--n-features", "50", "--seed", "0,1,2",
              "--epochs", "2", "--samples", "2", "--n-test", "100"],
}
PROBLEMS = sorted(SWEEPS)
NAN_TRAINING = ["train", "--data", "perceptron", "--algorithm", "sgd", "--n-features", "50", "--seed", "0",
                "--epochs", "2", "--samples", "2", "--n-test", "100", "--lr", "1e200", "--format", "json"]


def strict_json(text):
    """json.loads that refuses NaN/Infinity (RFC 8259 JSON)."""
    def refuse(constant):
        raise ValueError(f"non-JSON constant {constant}")
    return json.loads(text, parse_constant=refuse)


def one_error_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("replica.solve: error: ") and "Traceback" not in err
    return lines[0]


def leftovers(folder):
    return glob.glob(os.path.join(str(folder), ".*.part"))


def boom(*args, **kwargs):
    raise AssertionError("the solver was called although the command line should have been refused")


@pytest.fixture
def no_compute(monkeypatch):
    """Replace the subcommand's solver (``solve`` or ``run``) by ``boom``."""
    def patch(name):
        problem = solve.load_problems()[name]
        field = "run" if problem.run is not None else "solve"
        monkeypatch.setitem(solve.REGISTRY, name, dataclasses.replace(problem, **{field: boom}))
    return patch


def test_every_subcommand_is_covered():
    """The fault tests below iterate over SWEEPS: it must name every registered subcommand."""
    assert set(SWEEPS) == set(solve.load_problems())


# ---------------------------------------------------------------------------------------------
# defect 7: --out is checked before solving, one line, exit 2
BAD_OUT = ["missing-folder", "below-a-file", "onto-a-folder", "existing-file"]


def _bad_out(kind, tmp_path):
    (tmp_path / "a-file").write_text("keep me\n")
    (tmp_path / "a-folder").mkdir()
    return {"missing-folder": (tmp_path / "no-such-folder" / "out.csv", "does not exist"),
            "below-a-file": (tmp_path / "a-file" / "out.csv", "is a file, not a folder"),
            "onto-a-folder": (tmp_path / "a-folder", "is a folder"),
            "existing-file": (tmp_path / "a-file", "exists; pass --force")}[kind]


@pytest.mark.parametrize("kind", BAD_OUT)
@pytest.mark.parametrize("name", PROBLEMS)
def test_bad_out_path_is_refused_before_solving(name, kind, tmp_path, no_compute, capsys):
    path, needle = _bad_out(kind, tmp_path)
    no_compute(name)
    assert solve.main([name, *SWEEPS[name], "--out", str(path)]) == solve.EXIT_BAD_INPUT
    out, err = capsys.readouterr()
    line = one_error_line(err)
    assert "--out" in line and needle in line and out == ""
    assert (tmp_path / "a-file").read_text() == "keep me\n" and not leftovers(tmp_path)


def test_existing_sidecar_is_refused_without_force(tmp_path, no_compute, capsys):
    (tmp_path / "r.csv.json").write_text("{}")
    no_compute("gm-bayes")
    assert solve.main(["gm-bayes", *SWEEPS["gm-bayes"], "--out", str(tmp_path / "r.csv")]) == 2
    assert "JSON sidecar" in one_error_line(capsys.readouterr().err)


def test_bad_out_path_from_the_shell_is_one_line_and_fast(tmp_path):
    """The real command line: no traceback, nothing computed (a 3-point gm-local-entropy sweep would
    take seconds), and exit 2."""
    (tmp_path / "a-file").write_text("")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "replica.solve", "gm-local-entropy", *SWEEPS["gm-local-entropy"],
                           "--out", str(tmp_path / "a-file" / "x.csv")], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and "is a file, not a folder" in one_error_line(proc.stderr)
    assert "gm-local-entropy" not in proc.stdout and time.perf_counter() - t0 < 60


def test_force_overwrites_atomically_with_default_permissions(tmp_path, capsys):
    out = tmp_path / "r.csv"
    out.write_text("old\n")
    (tmp_path / "r.csv.json").write_text("{}")
    assert solve.main(["gm-bayes", "--alpha", "1,2", "--delta", "1", "--out", str(out), "--force"]) == 0
    rows = list(csv.DictReader(open(out)))
    assert [r["alpha"] for r in rows] == ["1.0", "2.0"]
    side = strict_json((tmp_path / "r.csv.json").read_text())
    assert side["rows"] == 2 and side["points"] == 2 and side["complete"] is True
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(out).st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
    assert not leftovers(tmp_path)


def test_a_crash_mid_sweep_leaves_the_old_file_intact(tmp_path, monkeypatch, capsys):
    """Atomic writing: an unexpected error after one row never truncates FILE; the row done is kept
    in the temporary file, which stderr names."""
    out = tmp_path / "r.csv"
    out.write_text("old\n")
    problem = solve.load_problems()["gm-bayes"]
    calls = []

    def crash_second(**kw):
        calls.append(kw)
        if len(calls) == 2:
            raise RuntimeError("a bug")
        return problem.solve(**kw)

    monkeypatch.setitem(solve.REGISTRY, "gm-bayes", dataclasses.replace(problem, solve=crash_second))
    with pytest.raises(RuntimeError, match="a bug"):
        solve.main(["gm-bayes", "--alpha", "1,2,3", "--delta", "1", "--out", str(out), "--force"])
    assert out.read_text() == "old\n"
    (part,) = leftovers(tmp_path)
    assert part in capsys.readouterr().err
    assert [r["alpha"] for r in csv.DictReader(open(part))] == ["1.0"]


def test_rows_reach_the_temporary_file_as_they_finish(tmp_path, monkeypatch, capsys):
    """Incremental --out: when the second point is solved, the first row is already on disk."""
    problem = solve.load_problems()["gm-bayes"]
    seen = []

    def spy(**kw):
        parts = leftovers(tmp_path)
        seen.append([r["alpha"] for r in csv.DictReader(open(parts[0]))] if parts else None)
        return problem.solve(**kw)

    monkeypatch.setitem(solve.REGISTRY, "gm-bayes", dataclasses.replace(problem, solve=spy))
    assert solve.main(["gm-bayes", "--alpha", "1,2,3", "--delta", "1", "--out", str(tmp_path / "r.csv")]) == 0
    assert seen == [[], ["1.0"], ["1.0", "2.0"]]
    assert len(list(csv.DictReader(open(tmp_path / "r.csv")))) == 3 and not leftovers(tmp_path)


# ---------------------------------------------------------------------------------------------
# defect 8: sweep-size limit, checked from the texts before any list is built
def test_count_values_reads_the_size_without_building():
    assert count_values("2") == 1 and count_values("1,2,4") == 3 and count_values("1:2:1000000000000") == 10**12
    assert parse_values("1:2:3", limit=3) == [1.0, 1.5, 2.0]
    with pytest.raises(ValueError, match="above the limit of 10"):
        parse_values("1:2:1000000000000", limit=10)


@pytest.mark.parametrize("name", PROBLEMS)
def test_oversize_sweep_is_refused_before_solving(name, no_compute, capsys):
    no_compute(name)
    assert solve.main([name, *SWEEPS[name], "--max-points", "2"]) == solve.EXIT_BAD_INPUT
    line = one_error_line(capsys.readouterr().err)
    assert "3 points, above the limit of 2" in line and "--max-points" in line


@pytest.mark.parametrize("argv,points", [
    (["gm-bayes", "--alpha", "1:2:1000000000", "--delta", "1"], 10**9),
    (["gm-bayes", "--alpha", "1:2:1000", "--delta", "1:2:1000", "--rho", "0.1:0.9:1000"], 10**9),
    (["gm-local-entropy", "--loss", "square", "--alpha", "1:2:100000", "--delta", "1", "--lam", "1",
      "--d", "0.1"], 10**5),
    (["train", "--data", "perceptron", "--algorithm", "sgd", "--seed", "0:1:1000000000000"], 10**12),
    (["train", "--data", "perceptron", "--seed", "0:1:1000000000000"], 3 * 10**12),  # 3 algorithms by default
])
def test_huge_sweeps_exit_2_at_once(argv, points, no_compute, capsys):
    """The issue's examples (MemoryError / hours of silence before): refused at once, one line,
    without building the values (10^12 of them would not fit in memory) or solving anything."""
    no_compute(argv[0])
    assert solve.main(argv) == solve.EXIT_BAD_INPUT
    line = one_error_line(capsys.readouterr().err)
    assert f"the sweep has {points} points, above the limit of {solve.DEFAULT_MAX_POINTS}" in line


def test_max_points_raises_the_limit(capsys):
    argv = ["gm-bayes", "--alpha", "1:2:3", "--delta", "1:2:4", "--format", "json"]
    assert solve.main(argv + ["--max-points", "11"]) == 2
    capsys.readouterr()
    assert solve.main(argv + ["--max-points", "12"]) == 0
    assert len(strict_json(capsys.readouterr().out)) == 12
    assert solve.main(argv + ["--max-points", "0"]) == 2
    assert "--max-points" in one_error_line(capsys.readouterr().err)


# ---------------------------------------------------------------------------------------------
# defect 12: Ctrl-C
def test_sigint_mid_sweep_keeps_the_rows_done(tmp_path):
    """A real SIGINT to a child process once a row is on disk: exit 130, no traceback, the rows done
    are printed and written (FILE and a sidecar saying the sweep is incomplete), and stderr says how
    many points were skipped."""
    n = 2000
    out = tmp_path / "f.csv"
    proc = subprocess.Popen([sys.executable, "-m", "replica.solve", "franz-parisi", "--alpha", "0.5",
                             "--d", f"0.3:0.01:{n}", "--max-points", str(n), "--format", "csv", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            parts = leftovers(tmp_path)
            if parts and len(open(parts[0]).read().splitlines()) >= 2:  # header + one row
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the sweep ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == solve.EXIT_INTERRUPTED and "Traceback" not in stderr
    m = re.search(r"interrupted: (\d+) of (\d+) points done, (\d+) skipped; the rows done are in ", stderr)
    assert m, stderr
    done, total, skipped = map(int, m.groups())
    assert total == n and done >= 1 and skipped >= 1 and done + skipped == n
    rows = list(csv.DictReader(open(out)))
    assert len(rows) == done and len(list(csv.DictReader(stdout.splitlines()))) == done
    assert [float(r["d"]) for r in rows] == pytest.approx(np.linspace(0.3, 0.01, n)[:done], rel=1e-15)
    side = strict_json(open(str(out) + ".json").read())
    assert side["complete"] is False and side["rows"] == done and side["points"] == n
    assert not leftovers(tmp_path)


@pytest.mark.parametrize("name", PROBLEMS)
def test_ctrl_c_keeps_rows_for_every_subcommand(name, tmp_path, monkeypatch, capsys):
    """KeyboardInterrupt while the second point is being solved (train: while it runs): exit 130,
    the first row printed (strict JSON) and written, two points skipped."""
    problem = solve.load_problems()[name]
    out = tmp_path / "r.csv"
    if problem.run is not None:  # train returns its rows at the end: none are done when interrupted
        def interrupted(args):
            raise KeyboardInterrupt
        monkeypatch.setitem(solve.REGISTRY, name, dataclasses.replace(problem, run=interrupted))
        done = 0
    else:
        calls = []

        def second_interrupted(**kw):
            calls.append(kw)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return problem.solve(**kw)
        monkeypatch.setitem(solve.REGISTRY, name, dataclasses.replace(problem, solve=second_interrupted))
        done = 1
    code = solve.main([name, *SWEEPS[name], "--format", "json", "--out", str(out)])
    stdout, stderr = capsys.readouterr()
    assert code == solve.EXIT_INTERRUPTED
    assert f"interrupted: {done} of 3 points done, {3 - done} skipped" in stderr
    assert len(strict_json(stdout)) == done
    if done:
        assert len(list(csv.DictReader(open(out)))) == done
        assert strict_json(open(str(out) + ".json").read())["complete"] is False
    else:
        assert not out.exists() and "nothing written" in stderr
    assert not leftovers(tmp_path)


def test_a_custom_problem_that_yields_rows_keeps_them_on_ctrl_c(monkeypatch, tmp_path, capsys):
    """A ``run`` that yields rows gets them written as they come; Ctrl-C keeps those done."""
    train = solve.load_problems()["train"]

    def rows(args):
        yield {"seed": 0, "value": 1.0}
        raise KeyboardInterrupt

    monkeypatch.setitem(solve.REGISTRY, "train", dataclasses.replace(train, run=rows))
    out = tmp_path / "r.csv"
    assert solve.main(["train", "--algorithm", "sgd", "--seed", "0,1", "--out", str(out), "--format", "csv"]) == 130
    assert "interrupted: 1 of 2 points done, 1 skipped" in capsys.readouterr().err
    assert list(csv.DictReader(open(out))) == [{"seed": "0", "value": "1.0"}]


# ---------------------------------------------------------------------------------------------
# defects 13 and 15, trust-contract columns: invalid points, union of keys, flags last, strict JSON
@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setitem(solve.REGISTRY, "fake", Problem("fake", "test", fake_solve, (Param("x", float, None, "x"),)))


EXPECTED_COLUMNS = ["x", "y", "converged", "iterations", "residual", *FLAG_FIELDS]


def test_invalid_point_keeps_the_sweep_and_exits_3(fake, capsys):
    assert solve.main(["fake", "--x", "1,2,3,4", "--format", "json"]) == solve.EXIT_NOT_CONVERGED
    out, err = capsys.readouterr()
    rows = strict_json(out)
    assert [r["x"] for r in rows] == [1.0, 2.0, 3.0, 4.0]  # the points after the invalid one are solved
    assert all(list(r) == EXPECTED_COLUMNS for r in rows)  # union of keys; record, then flags, last
    bad = rows[1]
    assert bad["converged"] is False and bad["status"] == INVALID
    assert bad["y"] is None and bad["iterations"] is None and bad["replicon"] is None
    assert rows[0]["y"] is None and rows[2]["y"] is None and rows[2]["residual"] is None  # NaN, inf -> null
    assert rows[2]["status"] == "diverged" and rows[3]["y"] == 0.5 and rows[3]["status"] == "ok"
    assert "x=2.0: x must be != 2 (the fake solver's range)" in err
    assert "2 of 4 points did not converge" in err and "invalid: 1" in err and "diverged: 1" in err


def test_invalid_point_in_csv_and_table(fake, tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert solve.main(["fake", "--x", "1,2,3", "--out", str(out)]) == 3
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == EXPECTED_COLUMNS
    assert table[2].endswith("<- NOT CONVERGED (invalid)") and table[3].endswith("<- NOT CONVERGED (diverged)")
    assert "NOT CONVERGED" not in table[1]
    rows = list(csv.DictReader(open(out)))
    assert list(rows[1]) == EXPECTED_COLUMNS
    assert rows[1]["y"] == "" and rows[1]["iterations"] == "" and rows[1]["status"] == "invalid"


def test_a_single_invalid_point_is_bad_input(fake, capsys):
    """Nothing to keep: the solver's refusal of the only point is one line and exit 2."""
    assert solve.main(["fake", "--x", "2"]) == solve.EXIT_BAD_INPUT
    assert "x must be != 2" in one_error_line(capsys.readouterr().err)


def test_parameter_checks_still_exit_2_before_solving(no_compute, capsys):
    no_compute("gardner")
    assert solve.main(["gardner", "--alpha", "1,-1"]) == 2
    assert "--alpha must be >= 0" in one_error_line(capsys.readouterr().err)


def test_sweep_with_an_invalid_point_from_the_shell():
    """The issue's example: spherical Gardner above capacity inside a sweep keeps the α = 1 row."""
    proc = subprocess.run([sys.executable, "-m", "replica.solve", "gardner", "--alpha", "1,3",
                           "--weights", "spherical", "--format", "json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr
    rows = strict_json(proc.stdout)
    assert rows[0]["alpha"] == 1.0 and rows[0]["converged"] is True and rows[0]["q"] > 0
    assert rows[1]["alpha"] == 3.0 and rows[1]["status"] == INVALID and rows[1]["q"] is None
    assert "capacity" in proc.stderr


def test_solver_rows_put_the_flags_last(capsys):
    assert solve.main(["gm-erm", "--loss", "logistic", "--alpha", "1", "--delta", "1", "--lam", "0.1",
                       "--format", "json"]) == 0
    (row,) = strict_json(capsys.readouterr().out)
    keys = list(row)
    assert keys[:6] == ["loss", "alpha", "delta", "lam", "rho", "bias"]
    assert keys[-8:] == ["converged", "iterations", "residual", *FLAG_FIELDS]


# ---------------------------------------------------------------------------------------------
# defect 15: strict JSON on stdout and in the sidecar, for every subcommand, and for NaN training
def test_json_writes_null_for_nan_and_inf(tmp_path, monkeypatch, capsys):
    from replica.cli.output import to_json
    text = to_json([{"a": math.nan, "b": -math.inf, "c": np.float64("nan"), "d": np.array([1.0, np.inf]),
                     "e": np.bool_(True), "f": 2}])
    assert strict_json(text) == [{"a": None, "b": None, "c": None, "d": [1.0, None], "e": True, "f": 2}]


def test_nan_training_output_is_strict_json(tmp_path, capsys):
    """lr = 1e200 makes the weights overflow: the NaN losses are written as null, stdout and sidecar
    parse strictly."""
    out = tmp_path / "t.csv"
    solve.main([*NAN_TRAINING, "--out", str(out)])
    (row,) = strict_json(capsys.readouterr().out)
    assert row["lr"] == 1e200 and row["train_loss"] is None
    assert strict_json(open(str(out) + ".json").read())["rows"] == 1


def test_nan_training_exit_status_is_not_ok(capsys):
    """Defect 9 (the training side flags divergence): a run whose weights blew up is not exit 0."""
    code = solve.main(NAN_TRAINING)
    strict_json(capsys.readouterr().out)
    assert code != 0


# ---------------------------------------------------------------------------------------------
# defect 14: warm starts along the last swept option
def _spy_starts(monkeypatch, name):
    problem = solve.load_problems()[name]
    calls = []

    def spy(start=None, **kw):
        result = problem.solve(start=start, **kw)
        calls.append((kw, start, result))
        return result

    monkeypatch.setitem(solve.REGISTRY, name, dataclasses.replace(problem, solve=spy))
    return calls


def _warm_from_previous(calls):
    """For each call after the first: was it started from the previous call's result?"""
    return [start is prev_result for (_, start, _), (_, _, prev_result) in zip(calls[1:], calls[:-1])]


@pytest.mark.parametrize("argv", [
    ["gm-erm", "--loss", "logistic", "--alpha", "0.5:4:8", "--delta", "0.5", "--lam", "0.1"],  # --bias is last
    ["ts-erm", "--loss", "logistic", "--alpha", "0.5:4:6", "--lam", "0.1"],  # --lam is last
])
def test_sweeps_over_alpha_are_warm_started(argv, monkeypatch, capsys):
    """Every point after the first is started from its neighbour's result, and the warm-started
    answer is the isolated (cold) solve's to rel 1e-8 (solver tol 1e-10, relative)."""
    problem = solve.load_problems()[argv[0]]
    calls = _spy_starts(monkeypatch, argv[0])
    assert solve.main(argv) == 0
    assert calls[0][1] is None and all(_warm_from_previous(calls))
    assert len(calls) == int(argv[argv.index("--alpha") + 1].split(":")[2])
    for kw, _, warm in calls[1:]:
        cold = problem.solve(start=None, **kw)
        assert (warm.m, warm.q, warm.V) == pytest.approx((cold.m, cold.q, cold.V), rel=1e-8)


def test_warm_start_restarts_when_another_option_changes(monkeypatch, capsys):
    """Product order (loss, α): α is the axis; a new loss starts cold."""
    calls = _spy_starts(monkeypatch, "gm-erm")
    assert solve.main(["gm-erm", "--loss", "logistic,square", "--alpha", "1,2,3", "--delta", "1",
                       "--lam", "0.1"]) == 0
    assert [start is None for _, start, _ in calls] == [True, False, False, True, False, False]
    assert _warm_from_previous(calls) == [True, True, False, True, True]


def test_no_warm_start_across_a_categorical_option(monkeypatch, capsys):
    """When the last swept option is categorical (here --weights), nothing is continued across it."""
    calls = _spy_starts(monkeypatch, "gardner")
    assert solve.main(["gardner", "--alpha", "0.5,0.8", "--weights", "spherical,binary"]) == 0
    assert [kw["weights"] for kw, _, _ in calls] == ["spherical", "binary"] * 2
    assert all(start is None for _, start, _ in calls)
