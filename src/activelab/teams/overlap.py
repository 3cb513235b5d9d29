"""Adaptive overlap: ask for another label only where it pays.

Instead of ``k`` labels for every item, an item gets one label, and another
only while its label is in doubt.  The doubt is the posterior of the item's
class given the model's probabilities (the prior) and its labels, each weighed
by its annotator's estimated accuracy (errors spread evenly over the other
classes).  It is low exactly where a second opinion pays: the first answer
disagrees with a confident model, the model is unsure (a hard item), or the
annotator is unreliable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exceptions import DataError
from .agreement import MISSING

__all__ = ["label_posterior", "needs_another_label"]


def label_posterior(ratings: Any, proba: Any, accuracy: Any) -> np.ndarray:
    """Posterior class probabilities of each item given the model and its labels.

    Parameters
    ----------
    ratings : array-like of shape (n_items, n_annotators)
        Class codes, ``-1`` where the annotator did not label the item.
    proba : array-like of shape (n_items, n_classes)
        The model's class probabilities (the prior).
    accuracy : array-like of shape (n_annotators,)
        Each annotator's estimated accuracy, in (0, 1).

    Returns
    -------
    ndarray of shape (n_items, n_classes)

    Examples
    --------
    >>> ratings = np.array([[0, -1], [1, 1]])
    >>> proba = np.array([[0.9, 0.1], [0.5, 0.5]])
    >>> label_posterior(ratings, proba, [0.8, 0.8]).round(3)
    array([[0.973, 0.027],
           [0.059, 0.941]])
    """
    ratings = np.asarray(ratings)
    proba = np.asarray(proba, dtype=float)
    accuracy = np.clip(np.asarray(accuracy, dtype=float), 1e-3, 1 - 1e-3)
    if ratings.ndim != 2 or proba.shape != (ratings.shape[0], proba.shape[-1]) \
            or accuracy.shape != (ratings.shape[1],):
        raise DataError("ratings (n_items, n_annotators), proba (n_items, n_classes) and "
                        "accuracy (n_annotators,) must agree")
    n_classes = proba.shape[1]
    log_post = np.log(np.clip(proba, 1e-6, None))
    right, wrong = np.log(accuracy), np.log((1 - accuracy) / (n_classes - 1))
    for j in range(ratings.shape[1]):
        rated = ratings[:, j] != MISSING
        hit = np.zeros((int(rated.sum()), n_classes), dtype=bool)
        hit[np.arange(hit.shape[0]), ratings[rated, j]] = True
        log_post[rated] += np.where(hit, right[j], wrong[j])
    log_post -= log_post.max(axis=1, keepdims=True)
    post = np.exp(log_post)
    return post / post.sum(axis=1, keepdims=True)


def needs_another_label(ratings: Any, proba: Any, accuracy: Any, target: float = 0.95,
                        max_labels: int = 3) -> np.ndarray:
    """Items whose label is still in doubt: posterior below ``target``, fewer than
    ``max_labels`` labels.

    Parameters
    ----------
    ratings : array-like of shape (n_items, n_annotators)
        Class codes, ``-1`` where the annotator did not label the item.
    proba : array-like of shape (n_items, n_classes)
        The model's class probabilities.
    accuracy : array-like of shape (n_annotators,)
        Each annotator's estimated accuracy.
    target : float, default=0.95
        The posterior probability of its most likely class an item's label must reach.
    max_labels : int, default=3
        No item is asked for more labels than this.

    Returns
    -------
    ndarray of shape (n_items,) of bool

    Examples
    --------
    >>> ratings = np.array([[0, -1], [1, -1]])
    >>> proba = np.array([[0.9, 0.1], [0.9, 0.1]])
    >>> needs_another_label(ratings, proba, [0.8, 0.8]).tolist()
    [False, True]
    """
    ratings = np.asarray(ratings)
    posterior = label_posterior(ratings, proba, accuracy)
    n_labels = (ratings != MISSING).sum(axis=1)
    return (posterior.max(axis=1) < target) & (n_labels < max_labels)
