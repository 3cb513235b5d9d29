"""Information density: uncertainty weighted by how representative an item is."""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.preprocessing import normalize

from .._random import RandomLike, as_generator, derive_seed
from ..exceptions import ConfigError
from ..pool import Pool
from ._features import feature_rows, uses_model_features
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy, iter_chunks
from .selection import select_top_k
from .uncertainty import UncertaintySampling

__all__ = ["InformationDensity", "SIMILARITIES"]

SIMILARITIES = ("cosine", "rbf")
#: At most this many pool rows are used to fit the centroids of the rbf approximation.
_MAX_FIT_ROWS = 20_000
#: At most this many rows are used to estimate the median squared distance (gamma).
_MAX_GAMMA_ROWS = 1_000


class InformationDensity(QueryStrategy):
    """Uncertain items from dense regions of the pool (Settles & Craven 2008).

    ``score(x) = uncertainty(x) * density(x) ** beta``, where density is the
    mean similarity of ``x`` to every item of the pool (labelled ones too),
    so outliers that are uncertain only because they are odd are not queried.

    Parameters
    ----------
    measure : {"least_confident", "margin", "entropy"} or callable, default="entropy"
    beta : float, default=1.0
        Weight of density; 0 gives plain uncertainty sampling.
    similarity : {"cosine", "rbf"}, default="cosine"
        ``"cosine"``: exact mean cosine similarity in O(N d), since
        ``mean_j cos(x, x_j) = x_hat . mean_j(x_hat_j)`` with ``x_hat = x / |x|``.
        It assumes non-negative features (TF-IDF, counts, pixels); a negative
        mean (possible with centred features) is clipped to 0 in the score,
        so prefer ``"rbf"`` for centred data.
        ``"rbf"``: mean of ``exp(-gamma |x - x_j|^2)`` **approximated** with
        k-means centroids ``mu_c`` of the pool holding ``n_c`` items each:
        ``sum_c (n_c / N) exp(-gamma |x - mu_c|^2)``, with ``gamma`` one over
        the median squared distance between pool items (estimated on at most
        1000 of them).  Centroids are fitted by MiniBatchKMeans on a seeded
        sample of at most 20000 rows; pools of at most ``n_centroids`` items
        use every item as a centroid, which makes the density exact.
    n_centroids : int, default=100
        Number of centroids of the ``"rbf"`` approximation.
    chunk_size : int, default=16384
        Items read at once.
    random_state : int, Generator or None
        Seeds the rbf centroids and tie breaking.

    Notes
    -----
    Features are the pool's ``X``, or for raw items (texts) the output of the
    transforming steps of a ``Pipeline`` model.  The pool summary behind the
    density (mean direction, or centroids) takes a pass over the whole pool.
    It is cached for the last pool seen, because a pool's ``X`` never changes:
    the cache is keyed on that pool object (a weak reference, so it never keeps
    a pool alive), its size and the parameters, and is not used when the
    features come from the model, which is refitted between queries.

    Examples
    --------
    >>> from activelab.examples import iris_start
    >>> from activelab.strategies import InformationDensity
    >>> pool, model = iris_start()
    >>> InformationDensity("entropy", beta=1.0, random_state=0).query(pool, model, 5).shape
    (5,)
    """

    def __init__(self, measure: str | Callable[[np.ndarray], np.ndarray] = "entropy", *,
                 beta: float = 1.0, similarity: str = "cosine", n_centroids: int = 100,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, random_state: RandomLike = None) -> None:
        self.measure = measure
        self.beta = beta
        self.similarity = similarity
        self.n_centroids = n_centroids
        self.chunk_size = chunk_size
        self.random_state = random_state

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_summary_cache", None)  # a weak reference cannot be pickled
        return state

    def _check_params(self) -> None:
        if self.similarity not in SIMILARITIES:
            raise ConfigError(
                f"unknown similarity {self.similarity!r}; choose one of {SIMILARITIES}")
        beta = self.beta
        if isinstance(beta, bool) or not isinstance(beta, int | float | np.number) \
                or not np.isfinite(beta) or beta < 0:
            raise ConfigError(f"beta must be a finite number >= 0, got {beta!r}")
        n = self.n_centroids
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ConfigError(f"n_centroids must be an int of at least 1, got {n!r}")

    # ------------------------------------------------------------------ density
    def density(self, pool: Pool, model: Any, indices: np.ndarray | None = None) -> np.ndarray:
        """Density of ``indices`` (default: all unlabelled items) within the whole pool.

        Returns
        -------
        density : ndarray of shape (len(indices),)
            Mean cosine similarity (in [-1, 1]) or the rbf approximation (in (0, 1]).
        """
        self._check_params()
        if indices is None:
            indices = pool.unlabeled_indices
        rng = as_generator(self.random_state)
        seed = derive_seed(rng) if self.similarity == "rbf" else None
        return self._density(pool, model, np.asarray(indices, dtype=np.intp), seed)

    def _density(self, pool: Pool, model: Any, indices: np.ndarray,
                 seed: int | None) -> np.ndarray:
        summary = self._pool_summary(pool, model, seed)
        out = np.empty(len(indices))
        for block, chunk in iter_chunks(indices, self.chunk_size):
            features = self._rows(pool, model, chunk)
            if self.similarity == "cosine":
                out[block] = np.asarray(normalize(features) @ summary).ravel()
            else:
                centroids, weights, gamma = summary
                sq = euclidean_distances(features, centroids, squared=True)
                out[block] = np.exp(-gamma * sq) @ weights
        return out

    def _rows(self, pool: Pool, model: Any, indices: np.ndarray) -> Any:
        return feature_rows(pool, model, indices, purpose=type(self).__name__)

    def _pool_summary(self, pool: Pool, model: Any, seed: int | None) -> Any:
        cacheable = not uses_model_features(pool)
        key = (self.similarity, int(self.n_centroids), seed, pool.n_samples)
        cached = getattr(self, "_summary_cache", None)
        if cacheable and cached is not None and cached[0]() is pool and cached[1] == key:
            return cached[2]
        if self.similarity == "cosine":
            summary = self._mean_direction(pool, model)
        else:
            summary = self._centroids(pool, model, np.random.default_rng(seed), seed)
        if cacheable:
            self._summary_cache = (weakref.ref(pool), key, summary)
        return summary

    def _mean_direction(self, pool: Pool, model: Any) -> np.ndarray:
        """Mean of the row-normalised feature vectors of the whole pool, shape (n_features,)."""
        total: Any = None
        for _, chunk in iter_chunks(np.arange(pool.n_samples), self.chunk_size):
            part = np.asarray(normalize(self._rows(pool, model, chunk)).sum(axis=0)).ravel()
            total = part if total is None else total + part
        return total / pool.n_samples

    def _stack(self, pool: Pool, model: Any, indices: np.ndarray) -> Any:
        blocks = [self._rows(pool, model, chunk)
                  for _, chunk in iter_chunks(indices, self.chunk_size)]
        if sp.issparse(blocks[0]):
            return sp.vstack(blocks, format="csr")
        return np.vstack(blocks)

    def _centroids(self, pool: Pool, model: Any, rng: np.random.Generator,
                   seed: int | None) -> Any:
        """``(centroids, weights, gamma)`` of the rbf approximation."""
        n = pool.n_samples
        rows = np.arange(n) if n <= _MAX_FIT_ROWS else np.sort(
            rng.choice(n, _MAX_FIT_ROWS, replace=False))
        features = self._stack(pool, model, rows)
        gamma = _inverse_median_sq_distance(features, rng)
        if n <= self.n_centroids:
            centroids = features.toarray() if sp.issparse(features) else features
            return centroids, np.full(n, 1.0 / n), gamma
        kmeans = MiniBatchKMeans(n_clusters=int(self.n_centroids), n_init=3, random_state=seed)
        with warnings.catch_warnings():
            # Duplicate rows can leave centroids empty; they just get weight 0.
            warnings.simplefilter("ignore", ConvergenceWarning)
            kmeans.fit(features)
        if len(rows) == n:
            labels = kmeans.labels_
        else:  # weights from the whole pool, not the fitting sample
            labels = np.concatenate([kmeans.predict(self._rows(pool, model, chunk))
                                     for _, chunk in iter_chunks(np.arange(n), self.chunk_size)])
        weights = np.bincount(labels, minlength=kmeans.n_clusters) / n
        return kmeans.cluster_centers_, weights, gamma

    # ------------------------------------------------------------------ query
    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        self._check_params()
        seed = derive_seed(rng) if self.similarity == "rbf" else None
        uncertainty = UncertaintySampling(self.measure, chunk_size=self.chunk_size)
        values = uncertainty.score(pool, model, candidates)
        if self.beta != 0:
            density = np.maximum(self._density(pool, model, candidates, seed), 0.0)
            values = values * density ** float(self.beta)
        chosen = select_top_k(values, k, rng)
        return candidates[chosen], values[chosen]


def _inverse_median_sq_distance(features: Any, rng: np.random.Generator) -> float:
    """``1 / median |x_i - x_j|^2`` over distinct pairs of a sample of rows (1.0 if all equal)."""
    n = features.shape[0]
    rows = np.arange(n) if n <= _MAX_GAMMA_ROWS else np.sort(
        rng.choice(n, _MAX_GAMMA_ROWS, replace=False))
    sample = features[rows]
    sq = euclidean_distances(sample, squared=True)[np.triu_indices(len(rows), 1)]
    sq = sq[sq > 0]
    return 1.0 / float(np.median(sq)) if sq.size else 1.0
