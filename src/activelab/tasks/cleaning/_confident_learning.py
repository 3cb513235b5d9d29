"""Confident learning: rank labelled items by how likely their label is wrong.

Northcutt, Jiang & Chuang (2021): per-class thresholds ``t_j`` = mean
self-confidence of the items labelled ``j``; an item is flagged when another class
``k`` reaches its threshold ``t_k`` and beats the given label.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from ..._random import RandomLike, as_generator, derive_seed
from ...exceptions import ConfigError, DataError, SingleClassError
from ...models import class_probabilities
from ...models.committee import seed_unset_random_states
from ...pool import Pool

__all__ = ["out_of_sample_probabilities", "confident_learning", "review_queue",
           "review_queue_for", "ReviewQueue", "precision_at_k", "RANKING_METHODS"]

RANKING_METHODS = ("self_confidence", "normalized_margin")


def out_of_sample_probabilities(X: Any, y: Sequence[Hashable] | np.ndarray, estimator: Any,
                                *, cv: int = 5, random_state: RandomLike = None
                                ) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities of every item from a model that never saw its label.

    Stratified, shuffled ``cv``-fold cross-validation (seeded); each fold fits a
    ``clone`` of ``estimator``.  Models without ``predict_proba`` use squashed
    decision values (see :func:`activelab.models.class_probabilities`).  ``cv`` is
    lowered to the size of the rarest class when that is smaller.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes)
    classes : ndarray of shape (n_classes,)
        Column order (sorted labels).

    Raises
    ------
    SingleClassError
        Fewer than two classes.
    DataError
        A class with a single item (it cannot be both trained on and held out).
    """
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != (X.shape[0] if hasattr(X, "shape") else len(X)):
        raise DataError("y must be 1-D with one label per row of X")
    classes, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    if len(classes) < 2:
        raise SingleClassError(f"every item has the label {classes[0]!r}; finding label "
                               "errors needs at least two classes")
    if counts.min() < 2:
        rare = classes[counts < 2][:5].tolist()
        raise DataError(f"classes {rare} have a single item; cross-validation needs at least "
                        "two per class (remove or relabel them)")
    if isinstance(cv, bool) or not isinstance(cv, int) or cv < 2:
        raise ConfigError(f"cv must be an int of at least 2, got {cv!r}")
    rng = as_generator(random_state)
    folds = StratifiedKFold(n_splits=min(cv, int(counts.min())), shuffle=True,
                            random_state=derive_seed(rng))
    seed = derive_seed(rng)
    proba = np.zeros((len(y), len(classes)))
    for train, test in folds.split(np.zeros(len(y)), codes):
        model = seed_unset_random_states(clone(estimator), seed)
        model.fit(_rows(X, train), codes[train])
        proba[test] = class_probabilities(model, _rows(X, test), len(classes))
    return proba, classes


def _rows(X: Any, idx: np.ndarray) -> Any:
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


@dataclass(frozen=True)
class ReviewQueue:
    """Labelled items ranked for review, most likely wrong first.

    Attributes
    ----------
    order : ndarray of int of shape (n_items,)
        Item positions (or pool indices, from :func:`review_queue_for`), best first:
        flagged items first, each group by ascending label quality.
    quality : ndarray of float of shape (n_items,)
        Label quality of each item in ``order`` (low = likely wrong).
    flagged : ndarray of bool of shape (n_items,)
        Whether each item in ``order`` is a confident-learning issue.
    suggested : ndarray of shape (n_items,)
        The class the model believes in, for each item in ``order``.
    thresholds : ndarray of float of shape (n_classes,)
        Per-class thresholds ``t_j``.
    """

    order: np.ndarray
    quality: np.ndarray
    flagged: np.ndarray
    suggested: np.ndarray
    thresholds: np.ndarray

    @property
    def n_flagged(self) -> int:
        return int(self.flagged.sum())


def confident_learning(proba: np.ndarray, labels: np.ndarray, *,
                       method: str = "normalized_margin") -> ReviewQueue:
    """Rank items by how likely their given label is wrong (confident learning).

    Parameters
    ----------
    proba : ndarray of shape (n_items, n_classes)
        Out-of-sample class probabilities.
    labels : ndarray of int of shape (n_items,)
        Given labels as column indices of ``proba``.
    method : {"self_confidence", "normalized_margin"}, default="normalized_margin"
        Label quality: ``p[given]``, or ``p[given] - max_{k != given} p[k]``.

    Returns
    -------
    ReviewQueue
        With positions into ``proba`` and ``suggested`` as column indices.
    """
    if method not in RANKING_METHODS:
        raise ConfigError(f"method must be one of {RANKING_METHODS}, got {method!r}")
    proba = np.asarray(proba, dtype=float)
    labels = np.asarray(labels, dtype=np.intp)
    n, n_classes = proba.shape
    if labels.shape != (n,) or (labels.size and (labels.min() < 0 or labels.max() >= n_classes)):
        raise DataError("labels must be one column index of proba per item")
    rows = np.arange(n)
    self_conf = proba[rows, labels]
    thresholds = np.array([self_conf[labels == j].mean() if np.any(labels == j) else 1.0
                           for j in range(n_classes)])
    # Confident joint: the likeliest class among those at or above their own threshold.
    above = np.where(proba >= thresholds[None, :] - 1e-12, proba, -np.inf)
    confident = np.argmax(above, axis=1)
    has_confident = np.isfinite(above.max(axis=1))
    flagged = has_confident & (confident != labels)
    others = proba.copy()
    others[rows, labels] = -np.inf
    if method == "self_confidence":
        quality = self_conf
    else:
        quality = self_conf - others.max(axis=1)
    order = np.lexsort((rows, quality, ~flagged))
    suggested = np.where(flagged, confident, np.argmax(proba, axis=1))
    return ReviewQueue(order, quality[order], flagged[order], suggested[order], thresholds)


def review_queue(X: Any, y: Sequence[Hashable] | np.ndarray, estimator: Any, *,
                 method: str = "normalized_margin", cv: int = 5,
                 random_state: RandomLike = None) -> ReviewQueue:
    """Confident-learning review queue of a labelled dataset (positions into ``y``).

    ``suggested`` holds labels (not column indices).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from activelab.tasks.cleaning import inject_label_noise, precision_at_k, review_queue
    >>> X, y = load_iris(return_X_y=True)
    >>> y_noisy, flipped = inject_label_noise(y, 0.1, random_state=0)
    >>> queue = review_queue(X, y_noisy, LogisticRegression(max_iter=1000), random_state=0)
    >>> precision_at_k(queue.order, flipped, int(flipped.sum())) > 0.6
    True
    """
    proba, classes = out_of_sample_probabilities(X, y, estimator, cv=cv,
                                                 random_state=random_state)
    codes = np.searchsorted(classes, np.asarray(y))
    queue = confident_learning(proba, codes, method=method)
    return ReviewQueue(queue.order, queue.quality, queue.flagged, classes[queue.suggested],
                       queue.thresholds)


def review_queue_for(pool: Pool, estimator: Any, *, method: str = "normalized_margin",
                     cv: int = 5, random_state: RandomLike = None) -> ReviewQueue:
    """The review queue of a pool's labelled items; ``order`` holds pool indices.

    Use it with :meth:`activelab.ActiveLearner.relabel` to fix what a reviewer confirms.
    """
    labeled = pool.labeled_indices
    X, codes = pool.training_data()
    queue = review_queue(X, codes, estimator, method=method, cv=cv, random_state=random_state)
    return ReviewQueue(labeled[queue.order], queue.quality, queue.flagged,
                       pool.decode(queue.suggested), queue.thresholds)


def precision_at_k(order: np.ndarray, is_error: np.ndarray, k: int) -> float:
    """Fraction of the first ``k`` reviewed items that really were wrong.

    Examples
    --------
    >>> precision_at_k(np.array([3, 0, 1]), np.array([True, False, False, True]), 2)
    1.0
    """
    if k < 1:
        raise ConfigError(f"k must be at least 1, got {k}")
    top = np.asarray(order)[:k]
    return float(np.asarray(is_error, dtype=bool)[top].mean()) if len(top) else float("nan")
