"""Core-set batches: greedy k-center over the pool's features (Sener & Savarese 2018)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._random import RandomLike
from ..exceptions import ConfigError
from ..pool import Pool
from ._diversity import (
    PREFILTERS,
    check_max_candidates,
    float32_features,
    k_center_greedy,
    min_sq_distances,
    prefilter_candidates,
    row_sq_norms,
)
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy

__all__ = ["CoreSet"]


class CoreSet(QueryStrategy):
    """Cover the pool: each pick is the candidate farthest from every labelled or picked item.

    Greedy k-center keeps one vector of squared distances from each candidate
    to its nearest center and updates it with one BLAS matrix-vector pass per
    pick, in float32: O(m k d) time and O(m d) memory for ``m`` candidates,
    never an m x m matrix.

    **Exact mode** (``max_candidates=None``, or a pool with at most
    ``max_candidates`` unlabelled items) runs greedy k-center over every
    candidate.  **Fast mode** (more candidates than ``max_candidates``) first
    keeps ``max_candidates`` of them, chosen by ``prefilter``: ``"random"``
    (a uniform sample, i.e. the core-set of a sample of the pool) or an
    uncertainty measure (the most uncertain items, a hybrid of core-set and
    uncertainty sampling).  Distances to the labelled set always use every
    labelled item.

    Parameters
    ----------
    max_candidates : int or None, default=50000
        Candidate budget of fast mode; None always runs exact mode.
    prefilter : {"random", "margin", "entropy", "least_confident"}, default="random"
    chunk_size : int, default=16384
        Pool rows read at once.
    random_state : int, Generator or None
        Seeds the sample of fast mode and the first pick of a cold start.

    Notes
    -----
    Returned scores are each pick's Euclidean distance to the nearest item
    chosen before it (labelled items first), which never increases along the
    batch.  Distances use the pool's ``X`` as given: scale features whose
    units differ.  A pool without labels starts from a random item.

    Examples
    --------
    >>> from activelab.examples import iris_start
    >>> from activelab.strategies import CoreSet
    >>> pool, _ = iris_start()
    >>> CoreSet(random_state=0).query(pool, batch_size=5).shape
    (5,)
    """

    def __init__(self, *, max_candidates: int | None = 50_000, prefilter: str = "random",
                 chunk_size: int = DEFAULT_CHUNK_SIZE, random_state: RandomLike = None) -> None:
        self.max_candidates = max_candidates
        self.prefilter = prefilter
        self.chunk_size = chunk_size
        self.random_state = random_state

    @property
    def requires_model(self) -> bool:  # type: ignore[override]
        """Only an uncertainty pre-filter needs a model; plain core-set does not."""
        return self.prefilter != "random"

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        if self.prefilter not in PREFILTERS:
            raise ConfigError(f"prefilter must be one of {PREFILTERS}, got {self.prefilter!r}")
        limit = check_max_candidates(self.max_candidates)
        kept = prefilter_candidates(pool, model, candidates, None if limit is None
                                    else max(limit, k), self.prefilter, self.chunk_size, rng)
        positions, distances = self._greedy(pool, model, kept, k, rng)
        return kept[positions], distances

    def _greedy(self, pool: Pool, model: Any, kept: np.ndarray, k: int, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
        purpose = type(self).__name__
        F = float32_features(pool, model, kept, purpose=purpose, chunk_size=self.chunk_size)
        norms = row_sq_norms(F)
        labeled = pool.labeled_indices
        if len(labeled):
            L = float32_features(pool, model, labeled, purpose=purpose,
                                 chunk_size=self.chunk_size)
            min_dist = min_sq_distances(F, norms, L, row_sq_norms(L))
        else:
            min_dist = np.full(len(kept), np.inf)
        return k_center_greedy(F, norms, min_dist, k, rng)
