"""Class discovery for the cold start: find every class before refining the boundary.

On imbalanced data the strategy's first picks sit on the boundary between the
classes seen so far, and a rare class may take hundreds of labels to appear.
Until every declared class has :data:`DISCOVERY_K` training labels, a
single-label project's queue is ordered to find the under-represented ones:
by the model's probability of the rare classes seen so far, and, while some
class has no label at all, by the library's least-confident score
(:func:`activelab.strategies.scores.least_confident`), which stands for the
chance that an item is none of the classes the model knows.  This is the
search the library's class-discovery simulation
(:mod:`activelab.tasks.imbalance`) measures; ``benchmarks/service_cold_start.py``
measures it in the server against a random queue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ...strategies.scores import least_confident

__all__ = ["DISCOVERY_K", "under_covered", "discovery_priority"]

#: Training labels each class needs before the project's own strategy takes over.
DISCOVERY_K = 5


def under_covered(counts: Mapping[str, int], classes: Sequence[str]) -> list[str]:
    """The declared classes with fewer than :data:`DISCOVERY_K` labels.

    Examples
    --------
    >>> under_covered({"ham": 20, "spam": 2}, ["ham", "spam"])
    ['spam']
    """
    return [name for name in classes if counts.get(name, 0) < DISCOVERY_K]


def discovery_priority(proba: np.ndarray, counts: np.ndarray) -> np.ndarray | None:
    """Priorities that search for under-represented classes; None when all are covered.

    Parameters
    ----------
    proba : ndarray of shape (n_items, n_classes)
        The model's class probabilities (0 for classes it has not seen).
    counts : ndarray of shape (n_classes,)
        Training labels per class, in the same order.

    Returns
    -------
    ndarray of shape (n_items,) or None
        Higher first: the largest probability of a rare class (``0 < count <
        DISCOVERY_K``), or the least-confident score when that is larger and a
        class has no label yet.

    Examples
    --------
    >>> proba = np.array([[0.9, 0.1], [0.4, 0.6]])
    >>> discovery_priority(proba, np.array([30, 2])).tolist()
    [0.1, 0.6]
    """
    counts = np.asarray(counts)
    rare = (counts > 0) & (counts < DISCOVERY_K)
    missing = counts == 0
    if not rare.any() and not missing.any():
        return None
    priority = proba[:, rare].max(axis=1) if rare.any() else np.zeros(len(proba))
    if missing.any():
        priority = np.maximum(priority, least_confident(proba))
    return priority
