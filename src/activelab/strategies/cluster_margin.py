"""Cluster-margin: margin-ranked candidates taken round-robin over clusters (Citovsky 2021)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from .._random import RandomLike, derive_seed
from ..exceptions import ConfigError
from ..pool import Pool
from ._clustering import fit_kmeans, nearest_centroid
from ._diversity import check_max_candidates, float32_features, score_candidates
from ._features import uses_model_features
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy
from .selection import select_top_k
from .uncertainty import resolve_measure

__all__ = ["ClusterMargin", "round_robin"]


def round_robin(clusters: np.ndarray, k: int) -> np.ndarray:
    """Positions of ``k`` items taken one per cluster in turn, smallest cluster first.

    ``clusters[i]`` is the cluster of the i-th candidate, candidates being in
    rank order (best first).  Each round visits clusters in increasing order
    of their number of candidates and takes each one's best remaining item.

    Returns
    -------
    positions : ndarray of int of shape (min(k, len(clusters)),)
    """
    labels, inverse, counts = np.unique(clusters, return_inverse=True, return_counts=True)
    # Rank of each item inside its cluster (0 = best); a stable sort keeps rank order.
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(clusters), dtype=np.intp)
    rank[order] = np.arange(len(clusters)) - np.repeat(starts, counts)
    cluster_order = np.empty(len(labels), dtype=np.intp)
    cluster_order[np.argsort(counts, kind="stable")] = np.arange(len(labels))
    # Round first, then cluster size, then rank: one lexsort gives the whole schedule.
    schedule = np.lexsort((cluster_order[inverse], rank))
    return schedule[:k].astype(np.intp)


class ClusterMargin(QueryStrategy):
    """Margin sampling made diverse by clustering the pool once (Citovsky et al. 2021).

    1. Once per pool: k-means into ``n_clusters`` clusters on a seeded sample
       of at most ``max_cluster_rows`` pool items (the paper uses average-link
       HAC on the whole pool; k-means on a sample keeps this O(N) and bounded).
    2. Each query: the ``candidate_factor * batch_size`` items with the
       smallest margin, each assigned to its nearest centroid.
    3. Round-robin over those clusters, smallest first, taking each
       cluster's most uncertain remaining item, until the batch is full.

    Parameters
    ----------
    measure : {"margin", "least_confident", "entropy"} or callable, default="margin"
    n_clusters : int, default=200
        Clusters of step 1 (at most the sample size).
    candidate_factor : int, default=10
        Candidates of step 2 as a multiple of the batch size (the paper's k_m / k).
    max_cluster_rows : int or None, default=50000
        Sample size for step 1; None clusters the whole pool.
    chunk_size : int, default=16384
    random_state : int, Generator or None

    Notes
    -----
    The centroids are cached for the last pool seen (a weak reference keyed on
    the pool and the parameters), since the pool's ``X`` never changes; when
    features come from a ``Pipeline`` model (raw-text pools) they are refitted
    each query.  The batch is returned sorted by uncertainty (the score), most
    uncertain first; round-robin decides which items are in it.

    Examples
    --------
    >>> from activelab.examples import iris_start
    >>> from activelab.strategies import ClusterMargin
    >>> pool, model = iris_start()
    >>> ClusterMargin(n_clusters=10, random_state=0).query(pool, model, 5).shape
    (5,)
    """

    def __init__(self, measure: str | Callable[[np.ndarray], np.ndarray] = "margin", *,
                 n_clusters: int = 200, candidate_factor: int = 10,
                 max_cluster_rows: int | None = 50_000, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 random_state: RandomLike = None) -> None:
        self.measure = measure
        self.n_clusters = n_clusters
        self.candidate_factor = candidate_factor
        self.max_cluster_rows = max_cluster_rows
        self.chunk_size = chunk_size
        self.random_state = random_state

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_centroid_cache", None)  # a weak reference cannot be pickled
        return state

    def _check_params(self) -> None:
        for name in ("n_clusters", "candidate_factor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ConfigError(f"{name} must be an int of at least 1, got {value!r}")
        check_max_candidates(self.max_cluster_rows)

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        self._check_params()
        values = score_candidates(pool, model, candidates, resolve_measure(self.measure),
                                  self.chunk_size)
        top = select_top_k(values, min(len(candidates), int(self.candidate_factor) * k), rng)
        seed = derive_seed(rng)
        if len(top) <= k:
            return candidates[top], values[top]
        top_values = values[top]
        del values  # one float per pool item, not needed while clustering
        centroids = self._centroids(pool, model, seed)
        F = float32_features(pool, model, candidates[top], purpose=type(self).__name__,
                             chunk_size=self.chunk_size)
        chosen = round_robin(nearest_centroid(F, centroids), k)
        picked, picked_values = top[chosen], top_values[chosen]
        order = np.argsort(-picked_values, kind="stable")
        return candidates[picked[order]], picked_values[order]

    def _centroids(self, pool: Pool, model: Any, seed: int) -> np.ndarray:
        cacheable = not uses_model_features(pool)
        key = (pool.n_samples, self.n_clusters, self.max_cluster_rows)
        cached = getattr(self, "_centroid_cache", None)
        if cacheable and cached is not None and cached[0]() is pool and cached[1] == key:
            return cached[2]
        sample_rng = np.random.default_rng(seed)
        limit = self.max_cluster_rows
        if limit is None or pool.n_samples <= limit:
            rows = np.arange(pool.n_samples)
        else:
            rows = np.sort(sample_rng.choice(pool.n_samples, limit, replace=False))
        F = float32_features(pool, model, rows, purpose=type(self).__name__,
                             chunk_size=self.chunk_size)
        centroids, _ = fit_kmeans(F, self.n_clusters, seed, overwrite=True)  # F not reused
        if cacheable:
            self._centroid_cache = (weakref.ref(pool), key, centroids)
        return centroids
