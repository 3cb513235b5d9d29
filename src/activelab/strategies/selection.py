"""The one shared selector: top-k by score, ties broken randomly but reproducibly."""

from __future__ import annotations

import numpy as np

from .._random import RandomLike, as_generator

__all__ = ["select_top_k"]


def select_top_k(scores: np.ndarray, k: int, random_state: RandomLike = None) -> np.ndarray:
    """Positions of the ``k`` highest scores, best first.

    Ties are broken by a random permutation drawn from ``random_state``, so
    items with equal scores (frequent with trees and kNN, whose probabilities
    are often 0 or 1) are never biased toward the lowest index.  Runs in
    O(n) plus O(k log k): a partition, not a full sort.

    Parameters
    ----------
    scores : ndarray of shape (n,)
        Higher is better; NaN counts as the lowest score.
    k : int
        How many to select; at most ``n``.
    random_state : int, Generator or None

    Returns
    -------
    positions : ndarray of int of shape (min(k, n),)

    Examples
    --------
    >>> select_top_k(np.array([0.1, 0.9, 0.5]), 2, random_state=0).tolist()
    [1, 2]
    """
    scores = np.asarray(scores, dtype=float)
    n = len(scores)
    k = min(int(k), n)
    if k <= 0:
        return np.empty(0, dtype=np.intp)
    rng = as_generator(random_state)
    scores = np.where(np.isnan(scores), -np.inf, scores)
    if k < n:
        kth = np.partition(scores, n - k)[n - k]  # the k-th largest value
        above = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)
        chosen = np.concatenate([above, rng.choice(tied, k - len(above), replace=False)])
    else:
        chosen = np.arange(n)
    # Order the chosen best-first; a random key breaks the remaining ties.
    tie_break = rng.random(len(chosen))
    order = np.lexsort((tie_break, -scores[chosen]))
    return chosen[order].astype(np.intp, copy=False)
