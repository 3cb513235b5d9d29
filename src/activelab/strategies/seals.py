"""SEALS: score only the nearest neighbours of the labelled set (Coleman et al. 2022)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.neighbors import NearestNeighbors

from .._random import RandomLike, derive_seed
from ..exceptions import ConfigError, MissingDependencyError
from ..pool import Pool
from ._diversity import float32_features
from ._features import uses_model_features
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy, iter_chunks
from .uncertainty import UncertaintySampling

__all__ = ["SEALS", "NeighborIndex"]

INDEXES = ("auto", "hnsw", "exact")


class NeighborIndex:
    """k-nearest-neighbour search over every row of a pool, built once.

    ``"hnsw"`` is an approximate hnswlib graph (dense numeric pools; rows are
    added chunk by chunk, so a memory-mapped pool is never read whole);
    ``"exact"`` is scikit-learn's brute-force search (any features, sparse too).

    Parameters
    ----------
    pool : Pool
    model : fitted model or None
        Only used when the pool holds raw items and features come from a Pipeline.
    kind : {"hnsw", "exact"}
    chunk_size : int
    seed : int
        hnswlib's graph seed.
    n_jobs : int
        Threads adding items to the hnsw graph; 1 keeps the graph reproducible.
    """

    def __init__(self, pool: Pool, model: Any, kind: str, *, chunk_size: int, seed: int,
                 n_jobs: int = 1, ef: int = 200, M: int = 16) -> None:
        self.kind = kind
        everything = np.arange(pool.n_samples)
        if kind == "hnsw":
            try:
                import hnswlib
            except ImportError:
                raise MissingDependencyError("hnswlib", "scale",
                                             "SEALS with index='hnsw'") from None
            dim = pool.X.shape[1]
            self._index = hnswlib.Index(space="l2", dim=dim)
            self._index.init_index(max_elements=pool.n_samples, ef_construction=ef, M=M,
                                   random_seed=seed)
            for _, chunk in iter_chunks(everything, chunk_size):
                rows = np.asarray(pool.take(chunk), dtype=np.float32)
                self._index.add_items(rows, chunk, num_threads=n_jobs)
            self._index.set_ef(ef)
        else:
            F = float32_features(pool, model, everything, purpose="SEALS",
                                 chunk_size=chunk_size)
            self._index = NearestNeighbors(algorithm="brute").fit(F)
        self.n_samples = pool.n_samples

    def neighbors(self, rows: Any, n_neighbors: int) -> np.ndarray:
        """Pool indices of the ``n_neighbors`` nearest items of each row; shape (n, K)."""
        n_neighbors = min(n_neighbors, self.n_samples)
        if self.kind == "hnsw":
            labels, _ = self._index.knn_query(np.asarray(rows, dtype=np.float32),
                                              k=n_neighbors, num_threads=1)
            return labels.astype(np.intp)
        return self._index.kneighbors(rows, n_neighbors, return_distance=False)


class SEALS(QueryStrategy):
    """Similarity search for efficient active learning (Coleman et al. 2022).

    Instead of scoring the whole pool, score only the ``n_neighbors`` nearest
    neighbours of every labelled item, found in a nearest-neighbour index
    built once over the pool.  The candidate set grows with the labelled set
    and stays much smaller than the pool, so each query costs
    O(n_labeled * n_neighbors) model evaluations instead of O(N).

    Parameters
    ----------
    base : str or QueryStrategy, default="margin"
        Strategy run on the restricted candidates; a string is an uncertainty
        measure of :class:`UncertaintySampling`.
    n_neighbors : int, default=100
        Neighbours per labelled item (the paper's k).
    index : {"auto", "hnsw", "exact"}, default="auto"
        ``"auto"`` uses hnswlib when it is installed and the pool holds dense
        numeric features, else exact search.
    n_jobs : int, default=1
        Threads for building the hnsw graph (more is faster but the graph, and
        hence the queries, are then not reproducible).
    chunk_size : int, default=16384
    random_state : int, Generator or None

    Notes
    -----
    When the neighbourhood holds fewer unlabelled candidates than the batch
    (a cold start, or a nearly exhausted neighbourhood), the base strategy
    runs on every candidate instead.  The index is cached for the last pool
    seen (weak reference); for raw-text pools, whose features come from the
    model, it is rebuilt each query with exact search.

    Examples
    --------
    >>> from activelab.examples import iris_start
    >>> from activelab.strategies import SEALS
    >>> pool, model = iris_start()
    >>> SEALS(n_neighbors=10, index="exact", random_state=0).query(pool, model, 5).shape
    (5,)
    """

    def __init__(self, base: str | Callable[[np.ndarray], np.ndarray] | QueryStrategy = "margin",
                 *, n_neighbors: int = 100, index: str = "auto", n_jobs: int = 1,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, random_state: RandomLike = None) -> None:
        self.base = base
        self.n_neighbors = n_neighbors
        self.index = index
        self.n_jobs = n_jobs
        self.chunk_size = chunk_size
        self.random_state = random_state

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_index_cache", None)  # a weak reference cannot be pickled
        return state

    def _base_strategy(self, seed: int) -> QueryStrategy:
        if isinstance(self.base, QueryStrategy):
            return clone(self.base).set_params(random_state=seed)
        return UncertaintySampling(self.base, chunk_size=self.chunk_size, random_state=seed)

    def _check_params(self) -> None:
        if self.index not in INDEXES:
            raise ConfigError(f"index must be one of {INDEXES}, got {self.index!r}")
        value = self.n_neighbors
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ConfigError(f"n_neighbors must be an int of at least 1, got {value!r}")

    def restricted_candidates(self, pool: Pool, model: Any, candidates: np.ndarray,
                              seed: int) -> np.ndarray:
        """The candidates among the neighbours of the labelled set (sorted pool indices)."""
        labeled = pool.labeled_indices
        if len(labeled) == 0:
            return candidates
        index = self._neighbor_index(pool, model, seed)
        found = []
        for _, chunk in iter_chunks(labeled, self.chunk_size):
            rows = float32_features(pool, model, chunk, purpose="SEALS",
                                    chunk_size=self.chunk_size)
            found.append(index.neighbors(rows, int(self.n_neighbors)).ravel())
        neighbours = np.unique(np.concatenate(found))
        return candidates[np.isin(candidates, neighbours, assume_unique=False)]

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        self._check_params()
        seed = derive_seed(rng)
        restricted = self.restricted_candidates(pool, model, candidates, seed)
        if len(restricted) < k:
            restricted = candidates
        return self._base_strategy(seed).query(pool, model, k, candidates=restricted,
                                               return_scores=True)

    def _neighbor_index(self, pool: Pool, model: Any, seed: int) -> NeighborIndex:
        own_features = not uses_model_features(pool)
        kind = self.index
        if kind == "auto":
            kind = "hnsw" if own_features and not sp.issparse(pool.X) \
                and not hasattr(pool.X, "iloc") and _has_hnswlib() else "exact"
        key = (pool.n_samples, kind, self.n_jobs)
        cached = getattr(self, "_index_cache", None)
        if own_features and cached is not None and cached[0]() is pool and cached[1] == key:
            return cached[2]
        index = NeighborIndex(pool, model, kind, chunk_size=self.chunk_size, seed=seed,
                              n_jobs=int(self.n_jobs))
        if own_features:
            self._index_cache = (weakref.ref(pool), key, index)
        return index


def _has_hnswlib() -> bool:
    try:
        import hnswlib  # noqa: F401
    except ImportError:
        return False
    return True
