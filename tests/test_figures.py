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


# The other figure scripts (issue 13, part 8): each takes --quick and --out-dir, and writes NAME.png, NAME.pdf
# and OUT_DIR/data/*.csv (figures/_output.py).  Run in this process (figures/ put on the path for _output),
# into a temporary folder so the committed pictures and data are not touched: ~35 s in all.
QUICK_FIGURES = ("gm_generalization", "gm_local_energy", "gm_local_entropy", "perceptron_franz_parisi",
                 "perceptron_minimizers", "entropic_local_energy", "entropic_digits_table")


def _rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def _h2(d):
    return -d * math.log(d) - (1 - d) * math.log(1 - d)


def test_every_figure_script_is_covered():
    scripts = {p.stem for p in FIGURES.glob("*.py") if not p.stem.startswith("_")}
    assert scripts == set(QUICK_FIGURES) | {"perceptron_dense_regions"}


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
