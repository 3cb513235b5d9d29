"""Pool scoring, top-k and k-center selection on a Dask cluster (two-stage reduce)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..exceptions import ConfigError, DataError, MissingDependencyError
from ..strategies.uncertainty import resolve_measure
from ._reduce import (
    exclusion_list,
    global_k_center,
    merge_top_k,
    partition_k_center,
    partition_top_k,
)

__all__ = ["dask_top_k", "dask_k_center", "connect"]


def _import_dask() -> tuple[Any, Any]:
    try:
        import dask
        import distributed
    except ImportError:
        raise MissingDependencyError("dask[distributed]", "distributed",
                                     "Distributed pool scoring") from None
    return dask, distributed


def connect(client: Any = None, address: str | None = None) -> Any:
    """A ``dask.distributed.Client``: the one given, a new one to ``address``, or the default.

    Raises
    ------
    ConfigError
        If neither is given and no client is running in this process.
    """
    _, distributed = _import_dask()
    if client is not None and address is not None:
        raise ConfigError("give either client or address, not both")
    if client is not None:
        return client
    if address is not None:
        return distributed.Client(address)
    try:
        return distributed.default_client()
    except ValueError:
        raise ConfigError(
            "no Dask client: pass client=Client(...) or address='tcp://scheduler:8786'"
        ) from None


@contextmanager
def _client_scope(client: Any, address: str | None) -> Iterator[Any]:
    resolved = connect(client, address)
    try:
        yield resolved
    finally:
        if client is None and address is not None:  # we opened it, so we close it
            resolved.close()


def _row_blocks(data: Any) -> tuple[Any, list[Any], np.ndarray]:
    """(dask array, one delayed block per row chunk, row offsets) of a dask array or frame."""
    if hasattr(data, "to_dask_array") and hasattr(data, "npartitions"):
        data = data.to_dask_array(lengths=True)
    if not hasattr(data, "to_delayed") or getattr(data, "ndim", None) != 2:
        raise DataError("give a 2-D dask.array or a dask.dataframe of numeric columns")
    if any(np.isnan(c) for c in data.chunks[0]):
        raise DataError("row chunk sizes are unknown; call compute_chunk_sizes() first")
    if data.numblocks[1] != 1:
        data = data.rechunk({1: -1})
    blocks = list(data.to_delayed()[:, 0])
    offsets = np.concatenate([[0], np.cumsum(data.chunks[0])]).astype(np.int64)
    return data, blocks, offsets


def dask_top_k(data: Any, model: Any, k: int, *,
               labeled_indices: np.ndarray | None = None,
               skipped_indices: np.ndarray | None = None,
               measure: str | Callable[[np.ndarray], np.ndarray] = "margin",
               n_classes: int | None = None, client: Any = None,
               address: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` pool items by uncertainty, scored where the data lives.

    Stage 1 runs on the workers: each partition is scored and only its own
    top-``k`` (indices and scores) is sent back.  Stage 2 merges those lists
    in the driver.  The result equals a one-machine pass
    (:func:`activelab.large_pool.score_pool_streaming`) over the same rows:
    ties prefer the lower index.

    Parameters
    ----------
    data : dask.array of shape (n_samples, n_features) or dask.dataframe
        The pool's features; row ``i`` is pool item ``i``.
    model : fitted classifier on integer class codes ``0..n_classes-1``
        Sent to every worker once.
    k : int
    labeled_indices, skipped_indices : ndarray of int, default=None
        Items that may not be chosen.
    measure : {"margin", "least_confident", "entropy"} or callable, default="margin"
    n_classes : int, default=None
        Defaults to ``len(model.classes_)``.
    client : dask.distributed.Client, default=None
    address : str, default=None
        Scheduler address (``"tcp://host:8786"``) when no client is given.

    Returns
    -------
    indices : ndarray of int of shape (<= k,), best first
    scores : ndarray of shape (<= k,)
    """
    dask, _ = _import_dask()
    score_fn = resolve_measure(measure)
    excluded = exclusion_list(np.empty(0, dtype=np.intp) if labeled_indices is None
                              else labeled_indices, skipped_indices)
    n_classes = len(model.classes_) if n_classes is None else int(n_classes)
    with _client_scope(client, address) as active:
        _, blocks, offsets = _row_blocks(data)
        model_future = active.scatter(model, broadcast=True)
        step = dask.delayed(partition_top_k, pure=True)
        tasks = [step(block, int(offsets[i]), model_future, int(k), n_classes, score_fn,
                      excluded) for i, block in enumerate(blocks)]
        parts = active.gather(active.compute(tasks))
    return merge_top_k(parts, int(k))


def dask_k_center(data: Any, k: int, *, labeled_indices: np.ndarray,
                  skipped_indices: np.ndarray | None = None,
                  per_partition: int | None = None, seed: int = 0, client: Any = None,
                  address: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-center (core-set) batch over a partitioned pool, as a two-stage reduce.

    Stage 1 (workers): greedy k-center inside each partition, starting from
    the labelled set, keeps ``per_partition`` centers (default ``k``).
    Stage 2 (driver): greedy k-center over the union of those centers.
    Only ``n_partitions * per_partition`` rows travel; the result equals
    :func:`activelab.distributed.two_stage_k_center` on the same row blocks.

    Parameters
    ----------
    data : dask.array of shape (n_samples, n_features) or dask.dataframe
    k : int
    labeled_indices : ndarray of int
        Labelled items: distances start from them.
    skipped_indices : ndarray of int, default=None
    per_partition : int, default=None
    seed : int, default=0
        Used only for a cold start (no labelled item).
    client, address : see :func:`dask_top_k`

    Returns
    -------
    indices : ndarray of int of shape (<= k,), in selection order
    distances : ndarray of shape (<= k,)
    """
    dask, _ = _import_dask()
    labeled = np.sort(np.asarray(labeled_indices, dtype=np.intp))
    excluded = exclusion_list(labeled, skipped_indices)
    per = int(k) if per_partition is None else int(per_partition)
    with _client_scope(client, address) as active:
        array, blocks, offsets = _row_blocks(data)
        labeled_rows = np.asarray(active.compute(array[labeled]).result(), dtype=np.float32) \
            if len(labeled) else np.empty((0, array.shape[1]), dtype=np.float32)
        rows_future = active.scatter(labeled_rows, broadcast=True)
        step = dask.delayed(partition_k_center, pure=True)
        tasks = [step(block, int(offsets[i]), rows_future, per, excluded, seed + i)
                 for i, block in enumerate(blocks)]
        parts = active.gather(active.compute(tasks))
    indices = np.concatenate([p[0] for p in parts])
    rows = np.concatenate([p[1] for p in parts])
    return global_k_center(indices, rows, labeled_rows, int(k), seed)
