"""Diverse mini-batches: uncertainty pre-filter, then one item per k-means cluster."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning

from .._random import RandomLike, derive_seed
from ..exceptions import ConfigError
from ..pool import Pool
from ._features import feature_rows
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy, iter_chunks
from .selection import select_top_k
from .uncertainty import UncertaintySampling

__all__ = ["ClusterDiversity"]

#: Above this many pre-filtered items, MiniBatchKMeans replaces KMeans.
_MINIBATCH_ABOVE = 10_000
_N_INIT = 3


class ClusterDiversity(QueryStrategy):
    """Uncertain *and* diverse batches (Zhdanov 2019, "Diverse mini-batch active learning").

    1. Score every candidate by uncertainty (as :class:`UncertaintySampling`).
    2. Keep the ``candidate_factor * batch_size`` most uncertain.
    3. Cluster them into ``batch_size`` clusters with k-means.
    4. Return the most uncertain item of each cluster.

    A batch of one is plain uncertainty sampling.  The batch comes most
    uncertain first; if k-means finds fewer distinct clusters than asked
    (duplicate rows), the batch is filled with the most uncertain items left.

    Clustering uses the pool's ``X`` as given (dense or sparse); scale the
    features first if their units differ.  For a pool of raw items (texts)
    the model must be a ``Pipeline``: clustering then uses the output of its
    transforming steps (e.g. TF-IDF vectors).

    Parameters
    ----------
    measure : {"least_confident", "margin", "entropy"} or callable, default="margin"
    candidate_factor : int, default=10
        Size of the pre-filtered set, as a multiple of the batch size (Zhdanov's beta).
    chunk_size : int, default=16384
        Items scored at once.
    random_state : int, Generator or None
        Seeds k-means and tie breaking.

    Notes
    -----
    Zhdanov clusters with informativeness as k-means sample weights and picks
    the item nearest each centre; this variant clusters unweighted and picks
    each cluster's most uncertain item, which never returns a confident item
    just because it sits in the middle of a cluster.

    Examples
    --------
    >>> from activelab.examples import iris_start
    >>> from activelab.strategies import ClusterDiversity
    >>> pool, model = iris_start()
    >>> ClusterDiversity("margin", random_state=0).query(pool, model, 5).shape
    (5,)
    """

    def __init__(self, measure: str | Callable[[np.ndarray], np.ndarray] = "margin", *,
                 candidate_factor: int = 10, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 random_state: RandomLike = None) -> None:
        self.measure = measure
        self.candidate_factor = candidate_factor
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _check_params(self) -> None:
        factor = self.candidate_factor
        if isinstance(factor, bool) or not isinstance(factor, int | np.integer) or factor < 1:
            raise ConfigError(f"candidate_factor must be an int of at least 1, got {factor!r}")

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        self._check_params()
        uncertainty = UncertaintySampling(self.measure, chunk_size=self.chunk_size)
        values = uncertainty.score(pool, model, candidates)
        # Best first, ties in random order: the first item of a cluster in this order is
        # that cluster's most uncertain one.
        top = select_top_k(values, min(len(candidates), int(self.candidate_factor) * k), rng)
        seed = derive_seed(rng)
        if k == 1 or len(top) <= k:
            top = top[:k]
            return candidates[top], values[top]
        features = self._features(pool, model, candidates[top])
        labels = self._cluster(features, k, seed)
        _, firsts = np.unique(labels, return_index=True)
        chosen = np.sort(firsts)
        if len(chosen) < k:  # fewer distinct clusters than k (duplicate rows)
            rest = np.setdiff1d(np.arange(len(top)), chosen)
            chosen = np.sort(np.concatenate([chosen, rest[:k - len(chosen)]]))
        picked = top[chosen]
        return candidates[picked], values[picked]

    def _features(self, pool: Pool, model: Any, indices: np.ndarray) -> Any:
        blocks = [feature_rows(pool, model, chunk, purpose=type(self).__name__)
                  for _, chunk in iter_chunks(indices, self.chunk_size)]
        if len(blocks) == 1:
            return blocks[0]
        if sp.issparse(blocks[0]):
            return sp.vstack(blocks, format="csr")
        return np.vstack(blocks)

    @staticmethod
    def _cluster(features: Any, k: int, seed: int) -> np.ndarray:
        if features.shape[0] > _MINIBATCH_ABOVE:
            kmeans = MiniBatchKMeans(n_clusters=k, n_init=_N_INIT, random_state=seed)
        else:
            kmeans = KMeans(n_clusters=k, n_init=_N_INIT, random_state=seed)
        with warnings.catch_warnings():
            # Duplicate rows give fewer distinct clusters than k; _select fills the gap.
            warnings.simplefilter("ignore", ConvergenceWarning)
            return kmeans.fit_predict(features)
