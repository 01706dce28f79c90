"""Rows out: a table on a terminal, CSV or JSON; ``--out FILE`` writes CSV plus a JSON sidecar.

Rows may have different key sets (a point the solver refused keeps only its parameters and its
status): every format uses the union of the keys, in first-seen order, with the convergence record
(``converged, iterations, residual``) and then the trust-contract flags (``status, replicon,
rs_stable, entropy_negative, frozen``) last.  A missing cell is empty in CSV and in the table and
``null`` in JSON; JSON writes ``null`` for NaN and ±inf, so it parses with a strict parser.

``--out FILE`` (:class:`OutFile`) checks the path before anything is computed, writes each finished
row to a temporary file ``.FILE.<random>.part`` in the same folder as it arrives, and at the end
(or on Ctrl-C) rewrites it as the complete CSV and renames it onto ``FILE`` (``os.replace``,
atomic); the sidecar ``FILE.json`` is written the same way.  ``FILE`` is therefore either absent,
the previous file, or complete -- never truncated.
"""

import csv
import io
import json
import math
import os
import platform
import sys
import tempfile
from importlib import metadata

import numpy as np

from ..saddle_point.contract import FLAG_FIELDS

DEPENDENCIES = ("numpy", "scipy", "numba", "mpmath", "scikit-learn", "matplotlib", "tqdm", "pandas", "xarray",
                "pyarrow", "dask", "distributed")
RECORD_FIELDS = ("converged", "iterations", "residual")
TAIL_FIELDS = RECORD_FIELDS + FLAG_FIELDS  # written after every other column, in this order


class OutPathError(ValueError):
    """``--out`` names a path that cannot be written (one line, for exit status 2)."""


def columns(rows):
    """Union of the rows' keys in first-seen order, ``TAIL_FIELDS`` (those present) last."""
    seen = dict.fromkeys(k for r in rows for k in r)
    return [k for k in seen if k not in TAIL_FIELDS] + [k for k in TAIL_FIELDS if k in seen]


def ordered(row):
    """``row`` with the convergence record and then the trust-contract flags moved to the end."""
    return {k: row[k] for k in columns([row])}


def format_rows(rows, fmt):
    if fmt == "json":
        return to_json(rows)
    if not rows:
        return ""
    if fmt == "csv":
        return to_csv(rows)
    return to_table(rows)


def jsonable(x):
    """``x`` with NaN/±inf as None, numpy scalars and arrays as Python values (strict JSON)."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, np.generic):
        return jsonable(x.item())
    if isinstance(x, float):
        return float(x) if math.isfinite(x) else None
    if x is None or isinstance(x, (bool, int, str)):
        return x
    return str(x)


def to_json(rows):
    keys = columns(rows)
    return json.dumps([{k: jsonable(r.get(k)) for k in keys} for r in rows], indent=1, allow_nan=False)


def to_csv(rows):
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns(rows), lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _cell(v, csv_mode=True) for k, v in r.items()})
    return buf.getvalue().rstrip("\n")


def _cell(v, csv_mode=False):
    if isinstance(v, np.generic):
        v = v.item()
    if v is None:
        return ""
    if isinstance(v, float):
        if csv_mode:
            return repr(v)
        return "nan" if math.isnan(v) else f"{v:.6g}"
    return str(v)


def to_table(rows):
    keys = columns(rows)
    cells = [[_cell(r.get(k)) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.rjust(w) for k, w in zip(keys, widths))]
    for r, c in zip(rows, cells):
        line = "  ".join(x.rjust(w) for x, w in zip(c, widths))
        if not_converged(r):
            status = r.get("status")
            line += "  <- NOT CONVERGED" + (f" ({status})" if status not in (None, "ok") else "")
        lines.append(line)
    return "\n".join(lines)


def not_converged(row):
    """True when the row says ``converged=False`` (a row without the field is not judged)."""
    v = row.get("converged")
    return v is not None and not bool(v)


def check_out_path(path, force=False):
    """Raise :class:`OutPathError` (one line) unless ``path`` and ``path + '.json'`` can be written.

    The folder must exist; ``path`` must not be a folder or anything but a regular file; an
    existing file (CSV or sidecar) is refused unless ``force``.
    """
    path = os.fspath(path)
    if not path:
        raise OutPathError("--out: empty file name")
    if path.endswith(("/", os.sep)):
        raise OutPathError(f"--out: {path!r} names a folder; give a file name")
    folder = os.path.dirname(os.path.abspath(path))
    existing = folder
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise OutPathError(f"--out: {existing!r} is a file, not a folder")
    if existing != folder:
        raise OutPathError(f"--out: folder {folder!r} does not exist")
    for target, what in ((path, ""), (path + ".json", " (the JSON sidecar)")):
        if os.path.isdir(target):
            raise OutPathError(f"--out: {target!r}{what} is a folder; give a file name")
        if os.path.lexists(target):
            if os.path.exists(target) and not os.path.isfile(target):
                raise OutPathError(f"--out: {target!r}{what} exists and is not a regular file")
            if not force:
                raise OutPathError(f"--out: {target!r}{what} exists; pass --force to overwrite it")
    return folder


class OutFile:
    """``--out FILE``: checked on creation, rows appended to a temporary file as they finish,
    renamed onto ``FILE`` (with the sidecar ``FILE.json``) by :meth:`finish`.

    ``FILE`` is CSV, or Parquet when ``parquet`` is true or its name ends in ``.parquet``/``.pq``
    (the rows are still appended as CSV to the temporary file as they finish, so that a crash
    keeps them; :meth:`finish` writes the Parquet file, with pyarrow)."""

    def __init__(self, path, force=False, parquet=False):
        self.path = os.fspath(path)
        self.sidecar = self.path + ".json"
        self.parquet = bool(parquet) or self.path.lower().endswith((".parquet", ".pq"))
        self.folder = check_out_path(self.path, force)
        if self.parquet:
            try:
                import pyarrow  # noqa: F401  (checked before anything is computed)
            except ImportError:
                raise OutPathError("--out: writing Parquet needs pyarrow: "
                                   "pip install 'replica-learning[parquet]'") from None
        self._fh, self.part = self._temporary(self.path)
        self._writer = None
        self.written = 0  # rows appended so far

    def _temporary(self, target):
        try:
            fd, name = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".part",
                                        dir=self.folder)
        except OSError as err:
            raise OutPathError(f"--out: cannot write in folder {self.folder!r}: {err.strerror}") from None
        return os.fdopen(fd, "w", newline=""), name

    def add(self, row):
        """Append one finished row to the temporary file (columns of the first row; the final
        file has the union of all rows' columns)."""
        if self._writer is None:
            self._writer = csv.DictWriter(self._fh, fieldnames=list(row), extrasaction="ignore",
                                          lineterminator="\n")
            self._writer.writeheader()
        self._writer.writerow({k: _cell(v, csv_mode=True) for k, v in row.items()})
        self._fh.flush()
        self.written += 1

    def finish(self, rows, meta):
        """Write the complete CSV (or Parquet) of ``rows`` and the sidecar ``meta``; rename both into
        place."""
        self._fh.seek(0)
        self._fh.truncate()
        if not self.parquet:
            self._fh.write(to_csv(rows) + "\n" if rows else "")
        sidecar_fh, sidecar_part = self._temporary(self.sidecar)
        meta = dict(meta, format="parquet" if self.parquet else "csv")
        try:
            if self.parquet:
                from ..saddle_point.frames import to_parquet

                self._fh.close()
                to_parquet(rows, self.part)  # replaces the rows appended as CSV
                with open(self.part, "rb") as fh:
                    os.fsync(fh.fileno())
            with sidecar_fh:
                json.dump(jsonable(meta), sidecar_fh, indent=1, allow_nan=False)
                sidecar_fh.write("\n")
                _sync(sidecar_fh)
            if not self._fh.closed:
                _sync(self._fh)
            self._fh.close()
            mode = _default_mode()
            for part, target in ((self.part, self.path), (sidecar_part, self.sidecar)):
                os.chmod(part, mode)
                os.replace(part, target)
        except BaseException:
            _remove(sidecar_part)
            self.discard()
            raise

    def discard(self):
        """Remove the temporary file (nothing is written to ``FILE``)."""
        if not self._fh.closed:
            self._fh.close()
        _remove(self.part)


def _sync(fh):
    fh.flush()
    os.fsync(fh.fileno())


def _remove(name):
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


def _default_mode():
    """Permissions of a new file under the current umask (mkstemp creates 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def previous_rows(path):
    """``(rows, stale)`` for ``--resume``: the rows of ``path`` (CSV; absent: none) followed by those of the
    temporary files ``.NAME.*.part`` a killed run left in its folder (``stale``: their paths, removed once the
    resumed run has written FILE).  Values are the CSV's strings; an empty cell is omitted."""
    import glob

    path = os.fspath(path)
    if path.lower().endswith((".parquet", ".pq")):
        raise OutPathError("--resume reads a CSV --out FILE; Parquet output cannot be resumed")
    folder = os.path.dirname(os.path.abspath(path))
    stale = sorted(glob.glob(os.path.join(folder, "." + glob.escape(os.path.basename(path)) + ".*.part")))
    rows = []
    for name in ([path] if os.path.isfile(path) else []) + stale:
        try:
            with open(name, newline="") as fh:
                rows += [{k: v for k, v in r.items() if k is not None and v not in ("", None)}
                         for r in csv.DictReader(fh)]
        except (OSError, UnicodeDecodeError, csv.Error) as err:
            raise OutPathError(f"--resume: cannot read {name!r}: {err}") from None
    return rows, stale


def sidecar_meta(argv, rows, seed=None, **extra):
    """The sidecar: command line, Python and dependency versions, seed, number of rows, extras."""
    return {"command": argv, "python": platform.python_version(), "seed": seed,
            "versions": {name: _version(name) for name in ("replica",) + DEPENDENCIES},
            "rows": len(rows), **extra}


def write_out(path, rows, argv, seed=None, force=True, **extra):
    """Write ``path`` (CSV) and ``path + '.json'`` (command line, versions, seed) atomically."""
    out = OutFile(path, force=force)
    for row in rows:
        out.add(row)
    out.finish(rows, sidecar_meta(argv, rows, seed=seed, **extra))


def _version(name):
    if name == "replica":  # the import package; its distribution is named replica-learning
        from .. import __version__

        return __version__
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def warn(message):
    print(message, file=sys.stderr)
