"""The figure scripts run end to end in their reduced (``--quick``) form, into a temporary folder."""

import csv
import importlib.util
import math
from pathlib import Path

import pytest

FIGURES = Path(__file__).resolve().parents[1] / "figures"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, FIGURES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_perceptron_dense_regions_quick(tmp_path, monkeypatch):
    # the --quick run (reduced grids, one tiny replicated-SA instance; ~5 s) writes both CSVs and both pictures;
    # the data it draws are solver answers: every entropy point converged, S_I(y = ∞) ≤ H₂(d) (docs/large_deviation.md
    # §5 bound) and the local-energy curves are fractions in [0, 1]
    monkeypatch.syspath_prepend(str(FIGURES))
    _load("perceptron_dense_regions").main(["--quick", "--out-dir", str(tmp_path)])
    for ext in ("png", "pdf"):
        assert (tmp_path / f"perceptron_dense_regions.{ext}").stat().st_size > 10_000
    with open(tmp_path / "data" / "perceptron_dense_regions_entropy.csv") as fh:
        ent = list(csv.DictReader(fh))
    assert ent and all(r["converged"] == "True" for r in ent)
    for r in ent:
        if r["curve"] == "ld_y_inf":
            d = float(r["d"])
            assert float(r["phi"]) <= -d * math.log(d) - (1 - d) * math.log(1 - d) + 1e-9
    with open(tmp_path / "data" / "perceptron_dense_regions_local_energy.csv") as fh:
        en = list(csv.DictReader(fh))
    assert {"rsa_centre", "rsa_replica", "typical", "ld_centre_inf", "ld_replica_y"} <= {r["source"] for r in en}
    assert all(-1e-12 <= float(r["delta"]) <= 1.0 for r in en if r["source"] not in ("rsa_centre",))


def test_mnist1d_table_quick(tmp_path, monkeypatch):
    # issue 12 part 4 (tiny networks, 100 training sequences, 2 seeds; ~10 s): every run of every method spends the
    # same number of gradient evaluations, the tuning rows carry no test error (selection on validation only), each
    # method's evaluation runs sit at the grid point with its lowest validation error, and every non-SGD summary
    # row has a paired t-interval around its mean difference
    pytest.importorskip("torch")
    pytest.importorskip("mnist1d")
    monkeypatch.syspath_prepend(str(FIGURES))
    _load("mnist1d_table").main(["--quick", "--out-dir", str(tmp_path)])
    for ext in ("png", "pdf"):
        assert (tmp_path / f"mnist1d_table.{ext}").stat().st_size > 5_000
    runs, table = _rows(tmp_path / "data" / "mnist1d_runs.csv"), _rows(tmp_path / "data" / "mnist1d_table.csv")
    assert len({r["grad_evals"] for r in runs}) == 1 and len(table) == 12
    tune = [r for r in runs if r["phase"] == "tune"]
    assert tune and all(r["test_error"] == "" for r in tune)
    for s in table:
        mine = [r for r in tune if (r["model"], r["variant"], r["algorithm"]) == (s["model"], s["variant"], s["algorithm"])]
        ok = [r for r in mine if r["diverged"] == "False"]
        best = min(float(r["val_error"]) for r in ok)
        assert float(next(r for r in ok if r["point"] == s["chosen"])["val_error"]) == best
        if s["algorithm"] != "sgd":
            assert float(s["test_error_minus_ref_lo"]) <= float(s["test_error_minus_ref"]) <= float(s["test_error_minus_ref_hi"])


# The other figure scripts (issue 13, part 8): each takes --quick and --out-dir, and writes NAME.png, NAME.pdf
# and OUT_DIR/data/*.csv (figures/_output.py).  Run in this process (figures/ put on the path for _output),
# into a temporary folder so the committed pictures and data are not touched: ~35 s in all.
QUICK_FIGURES = ("gm_generalization", "gm_local_energy", "gm_local_entropy", "perceptron_franz_parisi",
                 "perceptron_minimizers", "entropic_local_energy", "entropic_digits_table", "committee_relu_vs_sign",
                 "committee_methods")


def _rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def _h2(d):
    return -d * math.log(d) - (1 - d) * math.log(1 - d)


def test_every_figure_script_is_covered():
    scripts = {p.stem for p in FIGURES.glob("*.py") if not p.stem.startswith("_")}
    assert scripts == set(QUICK_FIGURES) | {"perceptron_dense_regions", "mnist1d_table", "storage_binary"}


@pytest.mark.parametrize("name", QUICK_FIGURES)
def test_quick_figure(name, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(FIGURES))
    _load(name).main(["--quick", "--out-dir", str(tmp_path)])
    for ext in ("png", "pdf"):
        assert (tmp_path / f"{name}.{ext}").stat().st_size > 5_000
    tables = {p.stem: _rows(p) for p in (tmp_path / "data").glob("*.csv")}
    assert tables and all(tables.values())
    # what the data must satisfy (identities and bounds of the theory, not snapshots)
    if name == "gm_generalization":  # no ERM beats the Bayes-optimal error (docs/theory.md §1)
        for r in tables[name]:
            if r["kind"] == "theory":
                assert float(r["gen_error"]) >= float(r["bayes_error"]) - 1e-12
    if name == "gm_local_entropy":  # Φ(d) is a log-fraction
        assert all(r["converged"] == "True" and float(r["phi"]) <= 1e-12 for r in tables[name])
    if name == "perceptron_franz_parisi":  # binary φ_FP ≤ log-size of the shell H₂(d)
        for r in tables[name]:
            if r["converged"] == "True":
                assert float(r["phi"]) <= _h2(float(r["d"])) + 1e-9
    if name == "perceptron_minimizers":  # spherical φ_FP ≤ the shell's log-volume ½log(1 - S²)
        for r in tables[name]:
            if r["converged"] == "True":
                assert float(r["phi"]) <= float(r["shell"]) + 1e-9
    if name == "committee_relu_vs_sign":  # docs/committee.md §2–§3
        caps = {r["activation"]: r for r in tables["committee_capacity"]}
        # closed form α_c = 2k′(1) = 2π/(π − 1) (ReLU), ∞ (sign); binary ≤ 1 (annealed bound for ±1 weights)
        assert float(caps["relu"]["spherical"]) == pytest.approx(2 * math.pi / (math.pi - 1), rel=1e-12)
        assert float(caps["sign"]["spherical"]) == math.inf
        assert all(0.5 < float(r["binary"]) < 1.0 for r in caps.values())
        assert float(caps["relu"]["spherical_at"]) < float(caps["relu"]["spherical"])
        for r in tables["committee_ld"]:  # S_I(d) ≤ H₂(d), the log-size of the shell
            if r["converged"] == "True":
                assert float(r["S_I"]) <= _h2(float(r["d"])) + 1e-9
    if name == "committee_methods":  # replica/committee/simulate.py: equal budgets, fractions of patterns
        runs = tables["committee_simulation_quick"]
        assert {r["method"] for r in runs} == {"gd", "rsgd", "esgd"}
        assert all(int(r["grad_evals"]) <= 150 and 0 <= int(r["train_errors"]) <= int(r["P"]) for r in runs)
        for r in tables["committee_alpha_alg"]:  # K = ∞ RS spherical capacity 2π/(π − 1) (ReLU), ∞ (sign)
            ref = 2 * math.pi / (math.pi - 1) if r["activation"] == "relu" else math.inf
            assert float(r["alpha_c_rs_kinf"]) == pytest.approx(ref, rel=1e-12)


def test_storage_binary_quick(tmp_path, monkeypatch):
    # the --quick run (N = 31, 51, 4 instances, budget 60; ~20 s) runs the storage experiments through the CLI with
    # --resume, the overlap runs and the theory curves, and draws the figure; a second run computes nothing new
    monkeypatch.syspath_prepend(str(FIGURES))
    module = _load("storage_binary")
    module.main(["--quick", "--out-dir", str(tmp_path)])
    for ext in ("png", "pdf"):
        assert (tmp_path / f"storage_binary.{ext}").stat().st_size > 10_000
    with open(tmp_path / "data" / "storage_binary_runs_n51.csv") as fh:
        runs = list(csv.DictReader(fh))
    assert len(runs) == 5 * 4 * 4 and all(0 <= float(r["used"]) <= float(r["budget"]) for r in runs)
    with open(tmp_path / "data" / "storage_binary_thresholds.csv") as fh:
        assert {r["algorithm"] for r in csv.DictReader(fh)} == {"sa", "rsa", "sgd", "rsgd", "esgd"}
    before = (tmp_path / "data" / "storage_binary_runs_n51.csv").read_text()
    module.main(["--quick", "--out-dir", str(tmp_path), "--replot"])
    assert (tmp_path / "data" / "storage_binary_runs_n51.csv").read_text() == before
