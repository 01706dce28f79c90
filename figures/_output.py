"""What every figure script shares: its options (``--quick``, ``--out-dir``), the picture saved as PNG
and PDF, and its data written as CSV.

    python figures/NAME.py                          # the full figure, into figures/ (and figures/data/)
    python figures/NAME.py --quick --out-dir /tmp/f # a reduced version (what the test suite runs)

A script imports it as ``from _output import ...`` (Python puts the script's folder first on the path).
"""

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent


def parser(doc, quick="a reduced version: fewer points (and seeds), for a smoke test"):
    """An ArgumentParser with ``--quick`` and ``--out-dir`` (default: the figures folder)."""
    ap = argparse.ArgumentParser(description=doc.strip().split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help=quick)
    ap.add_argument("--out-dir", type=Path, default=HERE,
                    help="folder for NAME.png and NAME.pdf; the CSV files go to OUT_DIR/data (default: figures/)")
    return ap


def save_figure(fig, out_dir, name, dpi=130):
    """``OUT_DIR/NAME.png`` (raster, for the README) and ``OUT_DIR/NAME.pdf`` (vector); returns both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = out_dir / f"{name}.png", out_dir / f"{name}.pdf"
    fig.savefig(paths[0], dpi=dpi)
    fig.savefig(paths[1], metadata={"CreationDate": None})  # no timestamp: rerunning gives the same file
    import matplotlib.pyplot as plt

    plt.close(fig)
    return paths


def write_csv(rows, out_dir, name, fieldnames=None, **options):
    """``OUT_DIR/data/NAME.csv`` with a header (``fieldnames``: the union of the rows' keys by default);
    ``options`` go to ``csv.DictWriter`` (e.g. ``extrasaction="ignore"``).  Returns the path."""
    folder = Path(out_dir) / "data"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    with open(path, "w", newline="") as fh:
        keys = fieldnames or list(dict.fromkeys(k for r in rows for k in r))
        writer = csv.DictWriter(fh, fieldnames=keys, **options)
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_csv(path):
    """Rows of a CSV written by :func:`write_csv`, with numbers (as float) and booleans restored."""
    def value(v):
        if v in ("True", "False"):
            return v == "True"
        try:
            return float(v)
        except ValueError:
            return v
    with open(path) as fh:
        return [{k: value(v) for k, v in row.items()} for row in csv.DictReader(fh)]
