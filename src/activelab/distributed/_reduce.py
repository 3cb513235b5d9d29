"""The per-partition and global steps of a two-stage reduce, in plain NumPy.

These functions run on Dask workers (one call per partition) and in the
driver (the global step); :func:`two_stage_k_center` chains them on one
machine, which is the reference a distributed run must reproduce.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..large_pool import RunningTopK
from ..models import class_probabilities
from ..strategies import k_center_greedy, min_sq_distances, row_sq_norms

__all__ = ["partition_top_k", "merge_top_k", "partition_k_center", "global_k_center",
           "two_stage_k_center", "exclusion_list"]


def _as_rows(block: Any) -> np.ndarray:
    rows = block.to_numpy() if hasattr(block, "to_numpy") else np.asarray(block)
    return np.ascontiguousarray(rows, dtype=np.float32)


def _queryable(n_rows: int, offset: int, excluded: np.ndarray) -> np.ndarray:
    keep = np.ones(n_rows, dtype=bool)
    inside = excluded[(excluded >= offset) & (excluded < offset + n_rows)]
    keep[inside - offset] = False
    return keep


def partition_top_k(block: Any, offset: int, model: Any, k: int, n_classes: int,
                    score_fn: Callable[[np.ndarray], np.ndarray],
                    excluded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` rows of one partition by ``score_fn(proba)``, as global indices.

    Parameters
    ----------
    block : array-like of shape (n_rows, n_features)
        The partition's rows; row ``i`` is pool item ``offset + i``.
    excluded : ndarray of int
        Sorted pool indices that may not be chosen (labelled or skipped items).

    Returns
    -------
    indices, scores : ndarrays of shape (min(k, n_queryable),), best first
    """
    rows = _as_rows(block)
    keep = _queryable(len(rows), offset, excluded)
    top = RunningTopK(k)
    if keep.any():
        values = score_fn(class_probabilities(model, rows[keep], n_classes))
        top.push(offset + np.flatnonzero(keep), values)
    return top.result()


def merge_top_k(parts: Sequence[tuple[np.ndarray, np.ndarray]], k: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Global top-``k`` from per-partition top-``k`` lists (ties prefer the lower index)."""
    top = RunningTopK(k)
    for indices, scores in parts:
        top.push(indices, scores)
    return top.result()


def partition_k_center(block: Any, offset: int, labeled_rows: np.ndarray, k: int,
                       excluded: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-center inside one partition, starting from the labelled set.

    Returns
    -------
    indices : ndarray of int of shape (min(k, n_queryable),)
        Global pool indices of the partition's centers.
    rows : ndarray of float32 of shape (len(indices), n_features)
        Their features, shipped to the global step.
    """
    rows = _as_rows(block)
    keep = np.flatnonzero(_queryable(len(rows), offset, excluded))
    F = rows[keep]
    if len(F) == 0:
        return np.empty(0, dtype=np.intp), F
    norms = row_sq_norms(F)
    labeled = np.ascontiguousarray(labeled_rows, dtype=np.float32)
    min_dist = min_sq_distances(F, norms, labeled, row_sq_norms(labeled))
    positions, _ = k_center_greedy(F, norms, min_dist, min(k, len(F)),
                                   np.random.default_rng(seed))
    return (offset + keep[positions]).astype(np.intp), F[positions]


def global_k_center(indices: np.ndarray, rows: np.ndarray, labeled_rows: np.ndarray, k: int,
                    seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-center over the union of partition centers.

    Candidates are sorted by pool index first, so the result does not depend
    on the order in which partitions arrive.

    Returns
    -------
    indices : ndarray of int of shape (min(k, len(indices)),), in selection order
    distances : ndarray of shape (same,), each pick's distance to earlier centers
    """
    order = np.argsort(indices, kind="stable")
    indices, F = indices[order], np.ascontiguousarray(rows[order], dtype=np.float32)
    norms = row_sq_norms(F)
    labeled = np.ascontiguousarray(labeled_rows, dtype=np.float32)
    min_dist = min_sq_distances(F, norms, labeled, row_sq_norms(labeled))
    positions, distances = k_center_greedy(F, norms, min_dist, min(k, len(F)),
                                           np.random.default_rng(seed))
    return indices[positions], distances


def two_stage_k_center(blocks: Sequence[Any], labeled_indices: np.ndarray, k: int, *,
                       skipped_indices: np.ndarray | None = None,
                       per_partition: int | None = None, seed: int = 0
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Single-machine run of the distributed k-center reduce over row blocks.

    Each block keeps its ``per_partition`` (default ``k``) greedy centers,
    then greedy k-center runs over their union.  The union of per-partition
    greedy solutions is a composable core-set: the result covers the pool
    within a constant factor of the one-machine greedy solution (Malkomes et
    al. 2015), not the same items.

    Parameters
    ----------
    blocks : sequence of arrays of shape (n_rows_b, n_features)
        Consecutive row blocks of the pool.
    labeled_indices : ndarray of int
        Pool indices of labelled items: distances start from them.
    skipped_indices : ndarray of int, default=None
        Further items that may not be chosen.
    per_partition : int, default=None (= k)
    seed : int
        Only used for a cold start (no labelled item); partition ``i`` uses ``seed + i``.

    Returns
    -------
    indices : ndarray of int of shape (<= k,), in selection order
    distances : ndarray of shape (same,)
    """
    labeled = np.sort(np.asarray(labeled_indices, dtype=np.intp))
    excluded = exclusion_list(labeled, skipped_indices)
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in blocks])])
    labeled_rows = _gather_rows(blocks, offsets, labeled)
    per = k if per_partition is None else per_partition
    parts = [partition_k_center(b, int(offsets[i]), labeled_rows, per, excluded, seed + i)
             for i, b in enumerate(blocks)]
    indices = np.concatenate([p[0] for p in parts])
    rows = np.concatenate([p[1] for p in parts])
    return global_k_center(indices, rows, labeled_rows, k, seed)


def exclusion_list(labeled: np.ndarray, skipped: np.ndarray | None) -> np.ndarray:
    """Sorted unique pool indices that may not be chosen."""
    parts = [np.asarray(labeled, dtype=np.intp)]
    if skipped is not None:
        parts.append(np.asarray(skipped, dtype=np.intp))
    return np.unique(np.concatenate(parts))


def _gather_rows(blocks: Sequence[Any], offsets: np.ndarray, indices: np.ndarray) -> np.ndarray:
    out = []
    for i, block in enumerate(blocks):
        inside = indices[(indices >= offsets[i]) & (indices < offsets[i + 1])]
        if len(inside):
            out.append(_as_rows(block)[inside - offsets[i]])
    width = _as_rows(blocks[0]).shape[1] if len(blocks) else 0
    return np.concatenate(out) if out else np.empty((0, width), dtype=np.float32)
