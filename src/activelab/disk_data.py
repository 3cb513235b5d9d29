"""Labelled Parquet files whose features stay on disk, and row subsets of such features.

:func:`load_parquet_on_disk` reads only the target column; the features are a
:class:`~activelab.large_pool.ParquetFeatures`, read row group by row group.
:class:`RowSubset` is a train or test split of them that reads the same way,
so a simulation never holds the feature matrix in memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .data import Dataset
from .exceptions import DataError
from .large_pool import ParquetFeatures

__all__ = ["RowSubset", "load_parquet_on_disk", "is_on_disk"]


def is_on_disk(X: Any) -> bool:
    """Whether ``X`` is a chunked source read from disk (not an in-memory matrix)."""
    return hasattr(X, "iter_row_chunks") and hasattr(X, "row_group_bounds")


class RowSubset:
    """Rows ``rows`` (sorted) of a chunked source, as a read-only 2-D array read in blocks.

    Row ``i`` of the subset is row ``rows[i]`` of ``base``.  Blocks follow the
    base's row groups, so reading the subset in order reads each group once.

    Parameters
    ----------
    base : ParquetFeatures (or another source with ``row_group_bounds`` and row indexing)
    rows : array-like of int, sorted

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from activelab.large_pool import ParquetFeatures, write_parquet_features
    >>> path = os.path.join(tempfile.mkdtemp(), "pool.parquet")
    >>> write_parquet_features(np.arange(12.0).reshape(6, 2), path, row_group_size=4)
    >>> RowSubset(ParquetFeatures(path), [1, 4, 5])[[2, 0]].tolist()
    [[10.0, 11.0], [2.0, 3.0]]
    """

    ndim = 2

    def __init__(self, base: Any, rows: Any) -> None:
        self.base = base
        self.rows = np.asarray(rows, dtype=np.int64)
        if self.rows.ndim != 1 or (self.rows.size > 1 and np.any(np.diff(self.rows) <= 0)):
            raise DataError("a row subset needs strictly increasing row numbers")
        self.shape = (len(self.rows), int(base.shape[1]))
        self.dtype = base.dtype

    def __len__(self) -> int:
        return self.shape[0]

    def row_group_bounds(self) -> list[tuple[int, int]]:
        """``(first, stop)`` subset positions of each non-empty base row group, in order."""
        stops = [stop for _, stop in self.base.row_group_bounds()]
        edges = np.searchsorted(self.rows, stops, side="left")
        bounds, first = [], 0
        for edge in edges.tolist():
            if edge > first:
                bounds.append((first, int(edge)))
            first = max(first, int(edge))
        return bounds

    def iter_row_chunks(self) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(first_position, block)`` for every non-empty base row group."""
        for first, stop in self.row_group_bounds():
            yield first, self[first:stop]

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, tuple):
            raise DataError("a row subset supports row indexing only")
        return np.asarray(self.base[self.rows[key]])

    def __repr__(self) -> str:
        return f"RowSubset({self.base!r}, n_rows={len(self)})"


def load_parquet_on_disk(path: str | os.PathLike[str], target: str) -> Dataset:
    """A classification dataset whose features are read from ``path`` on demand.

    Only ``target`` is read into memory; every other column is a feature and
    must be numeric.

    Raises
    ------
    DataError
        If the file is not Parquet, lacks ``target``, has a non-numeric feature
        column, or its target has fewer than two classes.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = Path(path)
    try:
        schema = pq.read_schema(file)
    except (OSError, pa.ArrowInvalid) as err:
        raise DataError(f"'{file.name}' is not a readable Parquet file ({err})") from None
    if target not in schema.names:
        raise DataError(f"target column '{target}' is not in '{file.name}'; available "
                        f"columns: {', '.join(schema.names[:30])}")
    columns = [name for name in schema.names if name != target]
    bad = [name for name in columns if not (pa.types.is_integer(schema.field(name).type)
                                           or pa.types.is_floating(schema.field(name).type)
                                           or pa.types.is_boolean(schema.field(name).type))]
    if not columns or bad:
        raise DataError(f"an on-disk pool needs numeric feature columns; '{file.name}' has "
                        f"{'none' if not columns else 'non-numeric ' + ', '.join(bad[:5])}")
    column = pq.read_table(file, columns=[target]).column(0)
    if column.null_count:
        raise DataError(f"target column '{target}' of '{file.name}' has {column.null_count} "
                        "empty value(s); drop those rows or fill in their labels")
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        # Fixed-width strings from the distinct labels: no Python object per row.
        coded = column.dictionary_encode().combine_chunks()
        names = np.asarray(coded.dictionary.to_pylist(), dtype=str)
        y = names[coded.indices.to_numpy(zero_copy_only=False)]
    else:
        y = column.to_numpy(zero_copy_only=False)
    if np.unique(y).size < 2:
        raise DataError(f"target column '{target}' has a single class; active learning for "
                        "classification needs at least two")
    features = ParquetFeatures(file, columns)
    return Dataset(name=file.name, X=features, y=y, kind="tabular", task="classification",
                   feature_names=columns,
                   description=f"Loaded from {file}; target '{target}'; {len(columns)} feature "
                               f"columns read from disk ({features.n_row_groups} row groups).")
