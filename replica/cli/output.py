"""Rows out: a table on a terminal, CSV or JSON; ``--out FILE`` writes CSV plus a JSON sidecar."""

import csv
import io
import json
import math
import platform
import sys
from importlib import metadata

DEPENDENCIES = ("numpy", "scipy", "numba", "mpmath", "scikit-learn", "matplotlib", "tqdm")


def format_rows(rows, fmt):
    if fmt == "json":
        return json.dumps(rows, indent=1, default=_jsonable)
    if fmt == "csv":
        return to_csv(rows)
    return to_table(rows)


def _jsonable(x):
    return x.item() if hasattr(x, "item") else str(x)


def to_csv(rows):
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _cell(v, csv_mode=True) for k, v in r.items()})
    return buf.getvalue().rstrip("\n")


def _cell(v, csv_mode=False):
    if isinstance(v, float):
        if csv_mode:
            return repr(v)
        return "nan" if math.isnan(v) else f"{v:.6g}"
    return str(v)


def to_table(rows):
    keys = list(rows[0])
    cells = [[_cell(r[k]) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.rjust(w) for k, w in zip(keys, widths))]
    for r, c in zip(rows, cells):
        line = "  ".join(x.rjust(w) for x, w in zip(c, widths))
        if r.get("converged") is False:
            line += "  <- NOT CONVERGED"
        lines.append(line)
    return "\n".join(lines)


def write_out(path, rows, argv, seed=None):
    """Write ``path`` (CSV) and ``path + '.json'`` (command line, versions, seed)."""
    with open(path, "w", newline="") as fh:
        fh.write(to_csv(rows) + "\n")
    sidecar = {"command": argv, "python": platform.python_version(), "seed": seed,
               "versions": {name: _version(name) for name in ("replica",) + DEPENDENCIES},
               "rows": len(rows)}
    with open(str(path) + ".json", "w") as fh:
        json.dump(sidecar, fh, indent=1)


def _version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def warn(message):
    print(message, file=sys.stderr)
