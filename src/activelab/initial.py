"""Choosing the seed set: the items to label before any model exists."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans

from ._random import RandomLike, as_generator, derive_seed
from .exceptions import ConfigError, PoolExhaustedError
from .pool import Pool
from .strategies.typiclust import TypiClust

__all__ = ["initial_indices", "INITIAL_METHODS"]

INITIAL_METHODS = ("random", "kmeans", "typiclust")
#: TypiClust's cold start needs this many unlabelled items per cluster (typicality is
#: measured against an item's neighbours in its cluster).
MIN_ITEMS_PER_CLUSTER = 2

# k-means on more rows than this buys little diversity and costs a lot of time.
_KMEANS_SAMPLE = 20_000


def initial_indices(pool: Pool, n: int, method: str = "random",
                    random_state: RandomLike = None) -> np.ndarray:
    """Indices of ``n`` unlabelled items to label first.

    Parameters
    ----------
    pool : Pool
    n : int
    method : {"random", "kmeans", "typiclust"}
        ``"kmeans"`` clusters the (numeric) features into ``n`` groups and
        takes the item nearest each centroid, which spreads the seed set over
        the data and usually covers more classes than random draws.
        ``"typiclust"`` clusters into ``n`` groups too and takes the most
        typical item of each (densest neighbourhood, Hacohen et al. 2022); it
        needs at least two unlabelled items per cluster.
    random_state : int, Generator or None

    Returns
    -------
    indices : ndarray of int of shape (min(n, n_unlabeled),)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from activelab import Pool, initial_indices
    >>> X, y = load_iris(return_X_y=True)
    >>> seed = initial_indices(Pool(X), 6, method="kmeans", random_state=0)
    >>> len(seed), len(set(y[seed]))  # six items spread over all three species
    (6, 3)
    """
    if method not in INITIAL_METHODS:
        raise ConfigError(f"unknown initial method {method!r}; choose one of {INITIAL_METHODS}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ConfigError(f"the seed set size must be a positive int, got {n!r}")
    candidates = pool.unlabeled_indices
    if candidates.size == 0:
        raise PoolExhaustedError("no unlabelled items left for a seed set")
    rng = as_generator(random_state)
    if method == "typiclust":
        return _typiclust_seed(pool, int(n), len(candidates), rng)
    n = min(int(n), len(candidates))
    if method == "random" or n == len(candidates):
        return rng.choice(candidates, size=n, replace=False).astype(np.intp)
    return _kmeans_seed(pool, candidates, n, rng)


def _typiclust_seed(pool: Pool, n: int, n_candidates: int,
                    rng: np.random.Generator) -> np.ndarray:
    if n_candidates < MIN_ITEMS_PER_CLUSTER * n:
        raise ConfigError(
            f"the pool has {n_candidates} unlabelled item(s), too few for a typiclust cold "
            f"start of {n} clusters (it needs {MIN_ITEMS_PER_CLUSTER} per cluster, "
            f"{MIN_ITEMS_PER_CLUSTER * n}); ask for a seed set of at most "
            f"{n_candidates // MIN_ITEMS_PER_CLUSTER}, or use method='random'")
    return TypiClust(random_state=derive_seed(rng)).query(pool, None, n)


def _kmeans_seed(pool: Pool, candidates: np.ndarray, n: int,
                 rng: np.random.Generator) -> np.ndarray:
    raw_items = getattr(getattr(pool.X, "dtype", None), "kind", "") == "O"
    if raw_items or getattr(pool.X, "ndim", 2) != 2:
        raise ConfigError(
            "kmeans seed selection needs numeric features; this pool holds raw items. "
            "Use method='random', or build the pool from vectorised features."
        )
    if len(candidates) > _KMEANS_SAMPLE:
        candidates = np.sort(rng.choice(candidates, size=_KMEANS_SAMPLE, replace=False))
    X = pool.take(candidates)
    X = X.to_numpy(dtype=float) if hasattr(X, "iloc") else X
    seed = derive_seed(rng)
    if len(candidates) > 5_000:
        km = MiniBatchKMeans(n_clusters=n, random_state=seed, n_init=3)
    else:
        km = KMeans(n_clusters=n, random_state=seed, n_init=3)
    distances = km.fit_transform(X)  # (n_candidates, n): no N x N matrix
    chosen: list[int] = []
    taken = np.zeros(len(candidates), dtype=bool)
    for cluster in range(n):
        column = np.where(taken, np.inf, distances[:, cluster])
        best = int(np.argmin(column))
        taken[best] = True
        chosen.append(best)
    return candidates[np.asarray(chosen)].astype(np.intp)
