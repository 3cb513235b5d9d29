"""First pair questions before any clustering: each point's nearest neighbours plus random pairs."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ..._random import RandomLike, as_generator
from ...exceptions import ConfigError

__all__ = ["candidate_pairs"]


def candidate_pairs(X: Any, *, neighbours: int = 2, n_random: int | None = None,
                    random_state: RandomLike = None) -> np.ndarray:
    """Pairs worth a first question: nearest neighbours (likely "same") and random pairs.

    Never all n² pairs: each point is paired with its ``neighbours`` nearest points,
    and ``n_random`` (default: one per point) uniformly random pairs are added, which
    mostly cross clusters and so give the cannot-links.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    neighbours : int, default=2
    n_random : int or None
    random_state : int, Generator or None

    Returns
    -------
    pairs : ndarray of shape (n_pairs, 2)
        Distinct unordered pairs ``(i, j)`` with ``i < j``, sorted.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> candidate_pairs(X, neighbours=1, n_random=0).tolist()
    [[0, 1], [2, 3]]
    """
    if neighbours < 0 or (n_random is not None and n_random < 0):
        raise ConfigError("neighbours and n_random must not be negative")
    n = X.shape[0]
    if n < 2:
        return np.empty((0, 2), dtype=np.intp)
    found = [np.empty((0, 2), dtype=np.intp)]
    k = min(neighbours, n - 1)
    if k:
        _, nearest = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)
        rows = np.repeat(np.arange(n), k + 1)
        found.append(np.column_stack([rows, nearest.ravel()]))
    rng = as_generator(random_state)
    found.append(rng.integers(n, size=(n if n_random is None else n_random, 2)))
    pairs = np.sort(np.concatenate(found).astype(np.intp), axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0)
