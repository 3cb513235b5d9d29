"""Class discovery for the cold start: find every class before refining the boundary.

On imbalanced data the strategy's first picks sit on the boundary between the
classes seen so far, and a rare class may take hundreds of labels to appear.
Until every declared class has :data:`DISCOVERY_K` training labels, a
single-label project's queue is ordered to find the under-represented ones:
by the model's probability of each class seen so far, weighted by the labels it
still lacks and divided by how common the model thinks it is (so a rare class is
searched for, and a common one, which comes anyway, is not), and, while some
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
        The model's class probabilities (0 for classes it has not seen) for the
        open items; their mean is each class's estimated share.
    counts : ndarray of shape (n_classes,)
        Training labels per class, in the same order.

    Returns
    -------
    ndarray of shape (n_items,) or None
        Higher first: ``sum_c p(c|x) * (K - count_c) / (K * share_c)`` over
        the classes seen so far (``K`` = :data:`DISCOVERY_K`, ``share_c`` the
        mean of ``p(c|x)``; a covered class weighs 0), scaled into [0, 1];
        when some class has no label yet, the least-confident score where that
        is larger.

    Examples
    --------
    >>> proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]])
    >>> discovery_priority(proba, np.array([1, 1])).round(2).tolist()
    [0.65, 0.71, 1.0]
    """
    counts = np.asarray(counts)
    if (counts >= DISCOVERY_K).all():
        return None
    lacking = np.where(counts > 0, np.clip(DISCOVERY_K - counts, 0, None) / DISCOVERY_K, 0.0)
    share = np.maximum(proba.mean(axis=0), 1e-6)
    priority = proba @ (lacking / share)
    priority = priority / max(float(priority.max()), 1e-12)
    if (counts == 0).any():
        priority = np.maximum(priority, least_confident(proba))
    return priority
