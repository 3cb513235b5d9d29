"""A learner's pool scored on a Dask cluster: row blocks read where they run."""

from __future__ import annotations

import mmap
from collections.abc import Callable
from typing import Any

import numpy as np

from ..pool import Pool
from ..strategies.uncertainty import resolve_measure
from ._dask import _client_scope, _import_dask
from ._reduce import exclusion_list, merge_top_k, partition_top_k

__all__ = ["DaskScorer"]


class _MemmapRows:
    """A ``.npy`` memory map reopened by file name, so only the name travels to a worker."""

    def __init__(self, array: np.memmap) -> None:
        self.filename = str(array.filename)
        self.offset = int(array.offset)
        self.dtype = array.dtype
        self.shape = array.shape

    def __getitem__(self, rows: slice) -> np.ndarray:
        mapped = np.memmap(self.filename, dtype=self.dtype, mode="r", offset=self.offset,
                           shape=self.shape)
        return np.array(mapped[rows])


def _read_rows(source: Any, start: int, stop: int) -> np.ndarray:
    return np.asarray(source[start:stop])


def _row_sources(X: Any, chunk_rows: int) -> tuple[Any, list[tuple[int, int]]]:
    """What a worker reads rows from, and the ``(start, stop)`` of every block."""
    if hasattr(X, "row_group_bounds"):  # Parquet: a block per row group, reopened there
        return X, X.row_group_bounds()
    if isinstance(X, np.memmap) and X.filename and isinstance(X.base, mmap.mmap):
        source: Any = _MemmapRows(X)
    else:
        source = np.asarray(X)
    n = X.shape[0]
    return source, [(s, min(s + chunk_rows, n)) for s in range(0, n, chunk_rows)]


def _score_block(source: Any, start: int, stop: int, model: Any, k: int, n_classes: int,
                 score_fn: Callable[[np.ndarray], np.ndarray],
                 excluded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return partition_top_k(_read_rows(source, start, stop), start, model, k, n_classes,
                           score_fn, excluded)


class DaskScorer:
    """Scores an :class:`~activelab.ActiveLearner`'s pool on a Dask cluster.

    Each worker reads its own row blocks (a Parquet row group, or a slice of a
    memory-mapped ``.npy`` reopened by name; the files must be readable from
    the workers), scores them and sends back its best ``k``; the driver merges
    those lists.  The result equals
    :class:`~activelab.large_pool.StreamingScorer` on the same pool.

    Parameters
    ----------
    client : dask.distributed.Client, default=None
    address : str, default=None
        Scheduler address (``"tcp://host:8786"``) when no client is given; a
        client opened from it is closed after each query.  With neither, the
        process's default client is used.
    chunk_rows : int, default=65536
        Rows per block of a memory-mapped or in-memory pool (an in-memory pool
        is sent to the cluster with the tasks).

    Examples
    --------
    >>> from activelab.distributed import DaskScorer
    >>> scorer = DaskScorer(address="tcp://scheduler:8786")  # doctest: +SKIP
    >>> learner = ActiveLearner(model, pool, "margin", scorer=scorer)  # doctest: +SKIP
    """

    def __init__(self, client: Any = None, address: str | None = None, *,
                 chunk_rows: int = 65_536) -> None:
        self.client = client
        self.address = address
        self.chunk_rows = chunk_rows

    def top_k(self, pool: Pool, model: Any, k: int,
              measure: str | Callable[[np.ndarray], np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray]:
        """``(indices, scores)`` of the ``k`` best unlabelled items, best first."""
        dask, _ = _import_dask()
        score_fn = resolve_measure(measure)
        excluded = exclusion_list(pool.labeled_indices, pool.ignored_indices)
        source, bounds = _row_sources(pool.X, int(self.chunk_rows))
        with _client_scope(self.client, self.address) as active:
            # Unhashed keys: the same pool scattered again next round must not collide
            # with the previous round's copy while the scheduler is releasing it.
            source_future = active.scatter(source, broadcast=True, hash=False)
            model_future = active.scatter(model, broadcast=True, hash=False)
            step = dask.delayed(_score_block, pure=True)
            tasks = [step(source_future, start, stop, model_future, int(k), pool.n_classes,
                          score_fn, excluded) for start, stop in bounds]
            parts = active.gather(active.compute(tasks))
        return merge_top_k(parts, int(k))

    def __repr__(self) -> str:
        where = self.address or ("client" if self.client is not None else "default client")
        return f"DaskScorer({where}, chunk_rows={self.chunk_rows})"


