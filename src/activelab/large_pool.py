"""Pools larger than memory: Parquet-backed features and streamed scoring with a running top-k.

A pool's ``X`` can be a memory-mapped ``.npy`` (``np.load(path, mmap_mode="r")``,
validated and read chunk by chunk) or a :class:`ParquetFeatures`, which reads
row groups on demand.  :func:`score_pool_streaming` scores every unlabelled
row in contiguous chunks and keeps only a running top-k, so its peak memory
is one chunk plus O(k), whatever the pool size.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .exceptions import ConfigError, DataError, MissingDependencyError
from .models import class_probabilities
from .pool import Pool
from .strategies.uncertainty import resolve_measure

__all__ = ["ParquetFeatures", "write_parquet_features", "RunningTopK", "iter_row_blocks",
           "score_pool_streaming", "PoolScorer", "StreamingScorer"]


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError("pyarrow", "scale", "Parquet-backed pools") from None
    return pq


class ParquetFeatures:
    """Numeric columns of a Parquet file as a read-only 2-D array, read row group by row group.

    Supports what a :class:`~activelab.Pool` needs: ``shape``, ``dtype``,
    ``ndim``, ``len``, row indexing (``X[indices]``, ``X[start:stop]``) and
    :meth:`iter_row_chunks`.  Only the row groups holding the requested rows
    are read; the last ``cache_row_groups`` decoded groups are kept.

    Parameters
    ----------
    path : str or PathLike
    columns : sequence of str, default=None
        Feature columns (default: every column).
    dtype : dtype, default=float32
    cache_row_groups : int, default=2

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from activelab import Pool
    >>> from activelab.large_pool import ParquetFeatures, write_parquet_features
    >>> path = os.path.join(tempfile.mkdtemp(), "pool.parquet")
    >>> write_parquet_features(np.arange(12.0).reshape(6, 2), path, row_group_size=4)
    >>> pool = Pool(ParquetFeatures(path))
    >>> pool.take([5, 0]).tolist()
    [[10.0, 11.0], [0.0, 1.0]]
    """

    def __init__(self, path: str | os.PathLike[str], columns: Sequence[str] | None = None, *,
                 dtype: Any = np.float32, cache_row_groups: int = 2) -> None:
        pq = _pyarrow_parquet()
        self.path = os.fspath(path)
        self._file = pq.ParquetFile(self.path)
        schema = self._file.schema_arrow
        self.columns = list(columns) if columns is not None else list(schema.names)
        missing = [c for c in self.columns if c not in schema.names]
        if missing:
            raise DataError(f"columns {missing[:5]} are not in {self.path}")
        self.dtype = np.dtype(dtype)
        meta = self._file.metadata
        sizes = np.array([meta.row_group(i).num_rows for i in range(meta.num_row_groups)],
                         dtype=np.int64)
        self._starts = np.concatenate([[0], np.cumsum(sizes)])
        self.shape = (int(self._starts[-1]), len(self.columns))
        self.cache_row_groups = max(1, int(cache_row_groups))
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()

    ndim = 2

    def __len__(self) -> int:
        return self.shape[0]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_file")  # reopened on unpickling, e.g. on a Dask worker
        state["_cache"] = OrderedDict()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._file = _pyarrow_parquet().ParquetFile(self.path)

    @property
    def n_row_groups(self) -> int:
        return len(self._starts) - 1

    def row_group(self, i: int) -> np.ndarray:
        """Rows of row group ``i`` as an ndarray of shape (rows_in_group, n_columns)."""
        if i in self._cache:
            self._cache.move_to_end(i)
            return self._cache[i]
        table = self._file.read_row_group(i, columns=self.columns)
        block = np.empty((table.num_rows, len(self.columns)), dtype=self.dtype)
        for j, column in enumerate(table.columns):
            block[:, j] = column.to_numpy()
        self._cache[i] = block
        while len(self._cache) > self.cache_row_groups:
            self._cache.popitem(last=False)
        return block

    def row_group_bounds(self) -> list[tuple[int, int]]:
        """``(first_row, stop_row)`` of every row group, in order."""
        return [(int(a), int(b)) for a, b in zip(self._starts[:-1], self._starts[1:],
                                                 strict=True)]

    def iter_row_chunks(self) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(first_row, block)`` for every row group in order."""
        for i in range(self.n_row_groups):
            yield int(self._starts[i]), self.row_group(i)

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, tuple):
            raise DataError("ParquetFeatures supports row indexing only")
        if isinstance(key, slice):
            key = np.arange(*key.indices(len(self)))
        scalar = np.ndim(key) == 0
        idx = np.atleast_1d(np.asarray(key, dtype=np.int64))
        if idx.size and (idx.min() < -len(self) or idx.max() >= len(self)):
            raise IndexError(f"row index out of range for {len(self)} rows")
        idx = np.where(idx < 0, idx + len(self), idx)
        out = np.empty((len(idx), self.shape[1]), dtype=self.dtype)
        groups = np.searchsorted(self._starts, idx, side="right") - 1
        for group in np.unique(groups):
            where = np.flatnonzero(groups == group)
            out[where] = self.row_group(int(group))[idx[where] - self._starts[group]]
        return out[0] if scalar else out

    def __repr__(self) -> str:
        return (f"ParquetFeatures({self.path!r}, shape={self.shape}, "
                f"row_groups={self.n_row_groups})")


def write_parquet_features(X: np.ndarray, path: str | os.PathLike[str], *,
                           row_group_size: int = 65_536, chunk_size: int = 262_144) -> None:
    """Write a 2-D array (a memmap too, read chunk by chunk) as Parquet columns ``f0..f{d-1}``."""
    pq = _pyarrow_parquet()
    import pyarrow as pa

    X = np.asarray(X) if not isinstance(X, np.ndarray) else X
    if X.ndim != 2:
        raise DataError(f"features must be 2-D, got shape {X.shape}")
    names = [f"f{j}" for j in range(X.shape[1])]
    schema = pa.schema([(name, pa.from_numpy_dtype(X.dtype)) for name in names])
    with pq.ParquetWriter(os.fspath(path), schema) as writer:
        for start in range(0, len(X), chunk_size):
            block = np.asarray(X[start:start + chunk_size])
            table = pa.Table.from_arrays([pa.array(block[:, j]) for j in range(X.shape[1])],
                                         schema=schema)
            writer.write_table(table, row_group_size=row_group_size)


class RunningTopK:
    """The ``k`` best (score, index) pairs of a stream, in O(k + chunk) memory.

    Order is by score, highest first; equal scores prefer the lower index, so
    the result equals ``np.lexsort((indices, -scores))[:k]`` over the whole
    stream.  NaN scores count as ``-inf``.

    Examples
    --------
    >>> top = RunningTopK(2)
    >>> top.push(np.array([0, 1, 2]), np.array([0.1, 0.9, 0.5]))
    >>> top.push(np.array([3]), np.array([0.7]))
    >>> top.result()[0].tolist()
    [1, 3]
    """

    def __init__(self, k: int) -> None:
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ConfigError(f"k must be a positive int, got {k!r}")
        self.k = int(k)
        self._indices = np.empty(0, dtype=np.int64)
        self._scores = np.empty(0)

    def push(self, indices: np.ndarray, scores: np.ndarray) -> None:
        scores = np.asarray(scores, dtype=float)
        scores = np.where(np.isnan(scores), -np.inf, scores)
        indices = np.concatenate([self._indices, np.asarray(indices, dtype=np.int64)])
        scores = np.concatenate([self._scores, scores])
        n = len(scores)
        if n > self.k:
            kth = np.partition(scores, n - self.k)[n - self.k]
            above = np.flatnonzero(scores > kth)
            tied = np.flatnonzero(scores == kth)
            tied = tied[np.argsort(indices[tied], kind="stable")[:self.k - len(above)]]
            keep = np.concatenate([above, tied])
            indices, scores = indices[keep], scores[keep]
        self._indices, self._scores = indices, scores

    def merge(self, other: RunningTopK) -> None:
        """Fold in another running top-k (the reduce step of a distributed top-k)."""
        self.push(other._indices, other._scores)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """``(indices, scores)`` of the best items so far, best first."""
        order = np.lexsort((self._indices, -self._scores))
        return self._indices[order].astype(np.intp), self._scores[order]


def iter_row_blocks(X: Any, chunk_size: int) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first_row, rows)`` contiguous blocks of ``X`` (ndarray, memmap or Parquet)."""
    if hasattr(X, "iter_row_chunks"):
        yield from X.iter_row_chunks()
        return
    for start in range(0, X.shape[0], chunk_size):
        yield start, np.asarray(X[start:start + chunk_size])


def score_pool_streaming(
    pool: Pool,
    model: Any,
    k: int,
    *,
    measure: str | Callable[[np.ndarray], np.ndarray] = "margin",
    chunk_size: int = 65_536,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` unlabelled items by an uncertainty score, in one streamed pass.

    Reads ``pool.X`` in contiguous blocks (sequential I/O on a memmap or row
    groups of a Parquet file), scores each block and keeps a
    :class:`RunningTopK`: peak memory is one block plus O(k) besides the
    pool's label state, whatever the pool size.

    Parameters
    ----------
    pool : Pool
        With numeric features (ndarray, memmap or :class:`ParquetFeatures`).
    model : fitted classifier on the pool's class codes
    k : int
    measure : {"margin", "least_confident", "entropy"} or callable, default="margin"
    chunk_size : int, default=65536
        Rows per block (Parquet pools use their row groups).

    Returns
    -------
    indices : ndarray of int of shape (min(k, n_unlabeled),), best first
    scores : ndarray of shape (min(k, n_unlabeled),)
        Ties prefer the lower index (deterministic, unlike the random
        tie-break of :func:`~activelab.strategies.select_top_k`).
    """
    score_fn = resolve_measure(measure)
    top = RunningTopK(k)
    queryable = pool.unlabeled_mask
    for start, rows in iter_row_blocks(pool.X, chunk_size):
        keep = queryable[start:start + len(rows)]
        if not keep.any():
            continue
        rows = rows if keep.all() else rows[keep]
        values = score_fn(class_probabilities(model, rows, pool.n_classes))
        top.push(start + np.flatnonzero(keep), values)
    return top.result()


@runtime_checkable
class PoolScorer(Protocol):
    """Where a learner scores its pool: the top-``k`` unlabelled items by an uncertainty measure.

    :class:`StreamingScorer` streams the pool on this machine;
    :class:`activelab.distributed.DaskScorer` scores it on a Dask cluster.
    Both return the same items; ties prefer the lower index.
    """

    def top_k(self, pool: Pool, model: Any, k: int,
              measure: str | Callable[[np.ndarray], np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray]:
        """``(indices, scores)`` of the ``k`` best unlabelled items, best first."""
        ...


class StreamingScorer:
    """Scores the pool in contiguous blocks on this machine (:func:`score_pool_streaming`).

    Parameters
    ----------
    chunk_size : int, default=65536
        Rows per block (a Parquet pool uses its row groups).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from activelab import ActiveLearner, Pool
    >>> X, y = load_iris(return_X_y=True)
    >>> learner = ActiveLearner(LogisticRegression(), Pool(X), "margin", random_state=0,
    ...                         scorer=StreamingScorer(chunk_size=50))
    >>> learner.teach([0, 50, 100], y[[0, 50, 100]])
    >>> learner.query(5).shape
    (5,)
    """

    def __init__(self, chunk_size: int = 65_536) -> None:
        self.chunk_size = chunk_size

    def top_k(self, pool: Pool, model: Any, k: int,
              measure: str | Callable[[np.ndarray], np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray]:
        return score_pool_streaming(pool, model, k, measure=measure, chunk_size=self.chunk_size)

    def __repr__(self) -> str:
        return f"StreamingScorer(chunk_size={self.chunk_size})"
