"""Results as data: rows of solver results as a ``pandas.DataFrame``, grids as an ``xarray.Dataset``.

A row is a dict: the parameters of a point, then the fields of its result
(``dataclasses.asdict``), with the convergence record ``converged, iterations, residual`` and then
the trust-contract flags ``status, replicon, rs_stable, entropy_negative, frozen`` last -- the same
columns, in the same order, as the rows of ``python -m replica.solve``.

Cells keep their Python values in a data frame (a result field that holds a tuple or a dict, such
as a simulation's ``per_seed``, stays one object cell).  An ``xarray.Dataset`` holds only the
fields whose values are scalars (numbers, booleans, strings, None); Parquet writes the others as
JSON text.  pandas, xarray and pyarrow are imported only when a conversion is asked for.
"""

import json
import math
from dataclasses import asdict, is_dataclass

import numpy as np

from .contract import FLAG_FIELDS

RECORD_FIELDS = ("converged", "iterations", "residual")
TAIL_FIELDS = RECORD_FIELDS + FLAG_FIELDS


def result_row(result, point=None):
    """One row: ``point`` (parameters, kept first and never overwritten), then the result's fields.

    ``result`` may be a dataclass (its ``asdict``), a dict, None (a point without a result: only
    its parameters), or any other value (one column ``result``).
    """
    row = dict(point or {})
    if is_dataclass(result) and not isinstance(result, type):
        fields = asdict(result)
    elif isinstance(result, dict):
        fields = result
    elif result is None:
        fields = {}
    else:
        fields = {"result": result}
    row.update({k: v for k, v in fields.items() if k not in row})
    return row


def columns(rows):
    """Union of the rows' keys in first-seen order, the record and flags (those present) last."""
    seen = dict.fromkeys(k for r in rows for k in r)
    return [k for k in seen if k not in TAIL_FIELDS] + [k for k in TAIL_FIELDS if k in seen]


def to_frame(rows, index=None):
    """``pandas.DataFrame`` of ``rows`` with the union of their columns (missing = NaN/None).

    ``rows``: dicts, or solver results (dataclasses, e.g. the tuple a ``*_curve`` function returns),
    one row each.  ``index``: optional list of column names to set as the (multi-)index.
    """
    import pandas as pd

    rows = [r if isinstance(r, dict) else result_row(r) for r in rows]
    keys = columns(rows)
    frame = pd.DataFrame({k: _series_values([r.get(k) for r in rows]) for k in keys}, columns=keys)
    if index:
        frame = frame.set_index(list(index))
    return frame


def to_dataset(grid, rows, attrs=None):
    """``xarray.Dataset`` of the rows of a Cartesian grid, in product order (the last name fastest).

    ``grid`` maps each parameter to its values.  Parameters with more than one value are the
    dimensions (their values the coordinates, in grid order); the others are scalar coordinates.
    Every other column whose cells are scalars is a data variable of the grid's shape.
    """
    import xarray as xr

    names = list(grid)
    values = {k: list(v) for k, v in grid.items()}
    shape = tuple(len(values[k]) for k in names)
    if math.prod(shape) != len(rows):
        raise ValueError(f"the grid has {math.prod(shape)} points but there are {len(rows)} rows")
    dims = [k for k in names if len(values[k]) > 1]
    dim_shape = tuple(len(values[k]) for k in dims)
    coords = {k: (k, _array(values[k])) for k in dims}
    coords.update({k: _array(values[k])[0] for k in names if k not in dims})
    data = {}
    for key in columns(rows):
        if key in grid:
            continue
        cells = [r.get(key) for r in rows]
        if not all(_is_scalar(c) for c in cells):
            continue
        data[key] = (dims, _array(cells).reshape(dim_shape))
    return xr.Dataset(data, coords=coords, attrs=dict(attrs or {}))


def to_parquet(rows, path):
    """Write ``rows`` to ``path`` as Parquet (pyarrow): typed columns, null for a missing cell (NaN
    stays NaN); tuples, lists and dicts as JSON text, a column of mixed types as text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    keys = columns(rows)
    arrays = []
    for k in keys:
        cells = [r.get(k) for r in rows]
        if not all(_is_scalar(c) for c in cells):
            cells = [None if c is None else json.dumps(_jsonable(c), allow_nan=False) for c in cells]
        elif len({_kind(c) for c in cells if c is not None}) > 1:
            cells = [None if c is None else str(c) for c in cells]
        cells = [c.item() if isinstance(c, np.generic) else c for c in cells]
        arrays.append(pa.array(cells) if any(c is not None for c in cells) else pa.nulls(len(cells)))
    pq.write_table(pa.table(arrays, names=keys), path)


# --------------------------------------------------------------------------------------- helpers
def _is_scalar(x):
    return x is None or isinstance(x, (bool, int, float, str, np.generic))


def _kind(x):
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, (int, float, np.integer, np.floating)):
        return "number"
    return type(x).__name__


def _array(cells):
    """A numpy array of scalar cells: numbers (None -> NaN), booleans, or objects (strings, None)."""
    kinds = {_kind(c) for c in cells if c is not None}
    if kinds == {"number"}:
        if any(c is None for c in cells):
            return np.array([math.nan if c is None else c for c in cells], dtype=float)
        return np.array(cells)
    if kinds == {"bool"} and all(c is not None for c in cells):
        return np.array(cells, dtype=bool)
    out = np.empty(len(cells), dtype=object)
    out[:] = cells
    return out


def _series_values(cells):
    """Cells for a pandas column: numbers with None become float NaN; anything else is kept."""
    kinds = {_kind(c) for c in cells if c is not None}
    if kinds == {"number"} and any(c is None for c in cells):
        return np.array([math.nan if c is None else c for c in cells], dtype=float)
    if all(_is_scalar(c) for c in cells):
        return _array(cells) if kinds else np.array(cells, dtype=object)
    out = np.empty(len(cells), dtype=object)
    out[:] = cells
    return out


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if is_dataclass(x) and not isinstance(x, type):
        return _jsonable(asdict(x))
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, np.generic):
        return _jsonable(x.item())
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if x is None or isinstance(x, (bool, int, str)):
        return x
    return str(x)
