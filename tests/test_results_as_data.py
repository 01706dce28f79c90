"""Results as data: curves and grids as pandas data frames and xarray datasets; Parquet from the CLI.

References: the result dataclasses themselves (each cell is the field of the result at that point),
direct calls of the solvers, and the CSV/JSON rows of the same command (Parquet must hold the same
numbers, bitwise).
"""

import csv
import dataclasses
import json
import math

import numpy as np
import pytest

import replica
from replica import solve
from replica.cli.problems import Param, Problem
from replica.gaussian_mixture import erm, erm_curve
from replica.perceptron import franz_parisi
from .fake_problem import fake_solve
from replica.saddle_point.frames import to_frame

pd = pytest.importorskip("pandas")
xr = pytest.importorskip("xarray")
pq = pytest.importorskip("pyarrow.parquet")


# --------------------------------------------------------------------------------- curves
def test_a_curve_to_frame_holds_every_field_of_every_result():
    curve = erm_curve("logistic", alpha=[0.5, 1.0, 2.0], delta=1.0, lam=0.1)
    frame = curve.to_frame()
    assert len(frame) == 3 and list(frame["alpha"]) == [0.5, 1.0, 2.0]
    for i, result in enumerate(curve.results):
        for name, value in dataclasses.asdict(result).items():
            assert frame[name].iloc[i] == value, name
    # the record and then the trust-contract flags are the last columns, as in CLI rows
    assert list(frame.columns[-8:]) == ["converged", "iterations", "residual", "status", "replicon", "rs_stable",
                                        "entropy_negative", "frozen"]
    # reference: a direct solve, to the solver tolerance (the curve is warm-started)
    assert frame["q"].iloc[2] == pytest.approx(erm("logistic", 2.0, 1.0, 0.1).q, rel=1e-8)


def test_a_curve_in_both_directions_stacks_the_branches():
    curve = erm_curve("square", alpha=[0.5, 1.0, 2.0], delta=1.0, lam=1.0, direction="both")
    frame = curve.to_frame()
    assert list(frame["direction"]) == ["forward"] * 3 + ["backward"] * 3
    assert list(frame["gen_error"]) == [r.gen_error for r in curve.forward + curve.backward]
    ds = curve.to_xarray()
    assert ds["m"].dims == ("direction", "alpha") and list(ds["alpha"].values) == [0.5, 1.0, 2.0]
    assert ds["m"].sel(direction="backward", alpha=1.0).item() == curve.backward[1].m


def test_a_tuple_of_results_converts_too():
    """Curves that return a tuple of results (e.g. ``ld_local_entropy_curve``) convert with
    ``frames.to_frame``: one row per result, its fields as columns."""
    results = (erm("square", 1.0, 1.0, 1.0), erm("square", 2.0, 1.0, 1.0))
    frame = to_frame(results)
    assert list(frame["alpha"]) == [1.0, 2.0] and list(frame["m"]) == [r.m for r in results]
    assert list(frame.columns) == list(to_frame([dataclasses.asdict(r) for r in results]).columns)


# ---------------------------------------------------------------------------------- grids
def fp(alpha, d, start=None):
    return franz_parisi(alpha, d, "binary", start=start, strict=False)


def test_a_grid_to_xarray_has_the_parameters_as_coordinates():
    grid = {"alpha": [0.3, 0.5], "weights": ["binary"], "d": [0.3, 0.2, 0.1]}
    out = replica.sweep(lambda alpha, weights, d, start=None: franz_parisi(alpha, d, weights, start=start,
                                                                           strict=False), grid)
    ds = out.to_xarray()
    assert ds["phi"].dims == ("alpha", "d") and ds["phi"].shape == (2, 3)
    assert list(ds["alpha"].values) == [0.3, 0.5] and list(ds["d"].values) == [0.3, 0.2, 0.1]
    assert ds["weights"].item() == "binary"  # one value: a scalar coordinate
    assert ds.attrs["continuation_axis"] == "d"
    for i, alpha in enumerate(grid["alpha"]):
        for j, d in enumerate(grid["d"]):
            result = out.results[3 * i + j]
            assert ds["phi"].sel(alpha=alpha, d=d).item() == result.phi
            assert ds["status"].values[i, j] == result.status and ds["converged"].dtype == bool
            # reference: a cold solve of the same point, to the solver tolerance
            assert result.phi == pytest.approx(fp(alpha, d).phi, rel=1e-7, abs=1e-9)
    frame = out.to_frame()
    assert list(frame.columns[:3]) == ["alpha", "weights", "d"] and len(frame) == 6
    # pandas' own conversion (which sorts the coordinates) agrees
    assert frame.set_index(["alpha", "d"])["phi"].to_xarray().equals(ds["phi"].drop_vars("weights").sortby("d"))


def _one_seed(loss, alpha, delta, lam, n_features, seed):
    from replica.gaussian_mixture.simulate import simulate_erm

    return simulate_erm(loss, alpha, delta, lam, n_features=n_features, seeds=(seed,))


def test_a_simulation_ensemble_split_by_seed_gives_the_ensemble_mean():
    """Reference: ``simulate_erm`` over the same seeds at once (mean and standard error over seeds)."""
    from replica.gaussian_mixture.simulate import simulate_erm

    grid = {"loss": ["square"], "alpha": [2.0], "delta": [1.0], "lam": [1.0], "n_features": [40, 80],
            "seed": [0, 1, 2, 3]}
    runs = replica.sweep(replica.sweep.per_seed(simulate_erm), grid)
    ds = runs.to_xarray()
    assert ds["gen_error"].dims == ("n_features", "seed") and "per_seed" not in ds  # a dict: not a variable
    for n in (40, 80):
        whole = simulate_erm("square", 2.0, 1.0, 1.0, n_features=n, seeds=range(4))
        runs_n = ds["gen_error"].sel(n_features=n)
        assert runs_n.mean("seed").item() == pytest.approx(whole.gen_error, rel=1e-12)
        assert (runs_n.std("seed", ddof=1) / 2).item() == pytest.approx(whole.gen_error_err, rel=1e-9)
    assert runs.chains == 8 and runs.axis is None


def test_rows_with_missing_cells_become_typed_columns():
    rows = [{"x": 1.0, "ok": True, "s": "a", "converged": True},
            {"x": None, "ok": None, "s": None, "converged": False, "status": "invalid"}]
    frame = to_frame(rows)
    assert list(frame.columns) == ["x", "ok", "s", "converged", "status"]
    assert frame["x"].dtype == float and math.isnan(frame["x"].iloc[1])
    assert frame["ok"].iloc[1] is None and frame["converged"].dtype == bool


# ------------------------------------------------------------------------------- CLI Parquet
def test_format_parquet_needs_out(capsys):
    assert solve.main(["gm-bayes", "--alpha", "1,2", "--delta", "1", "--format", "parquet"]) == solve.EXIT_BAD_INPUT
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "--format parquet" in err and "--out FILE" in err


def test_parquet_holds_the_csv_numbers_bitwise(tmp_path, capsys):
    argv = ["gm-erm", "--loss", "logistic,hinge", "--alpha", "0.5:2:4", "--delta", "1", "--lam", "0.1"]
    assert solve.main(argv + ["--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    path = tmp_path / "r.parquet"
    assert solve.main(argv + ["--format", "parquet", "--out", str(path)]) == 0
    assert capsys.readouterr().out == ""  # binary: nothing on stdout
    frame = pd.read_parquet(path)
    assert list(frame.columns) == list(rows[0]) and len(frame) == 8
    for i, row in enumerate(rows):
        for k, v in row.items():
            assert frame[k].iloc[i] == v, k
    side = json.load(open(str(path) + ".json"))
    assert side["format"] == "parquet" and side["rows"] == 8 and side["complete"] is True
    assert pq.read_schema(path).field("converged").type == "bool"


def test_parquet_keeps_nan_inf_and_empty_cells_of_invalid_rows(tmp_path, monkeypatch, capsys):
    """A refused point (status=invalid) has null result cells; NaN and inf stay NaN and inf; a
    ``.parquet`` name writes Parquet whatever --format prints."""
    monkeypatch.setitem(solve.REGISTRY, "fake", Problem("fake", "test", fake_solve, (Param("x", float, None, "x"),)))
    path = tmp_path / "f.parquet"
    assert solve.main(["fake", "--x", "0,1,2,3", "--format", "csv", "--out", str(path)]) == solve.EXIT_NOT_CONVERGED
    printed = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    frame = pd.read_parquet(path)
    assert len(printed) == len(frame) == 4
    assert list(frame["status"]) == ["ok", "ok", "invalid", "diverged"]
    y = frame["y"].to_numpy(dtype=float, na_value=np.nan)
    assert y[0] == 0.5 and math.isnan(y[1]) and math.isnan(y[2]) and y[3] == math.inf
    table = pq.read_table(path)
    assert table.column("y").null_count == 1 and table.column("iterations").null_count == 1  # the invalid row
    assert math.isnan(table.column("residual")[3].as_py())
