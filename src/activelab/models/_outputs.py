"""Class scores from any scikit-learn classifier, aligned to the pool's classes."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit, softmax

from ..exceptions import ConfigError

__all__ = ["class_probabilities", "class_scores", "has_probabilities"]


def has_probabilities(estimator: Any) -> bool:
    """Whether ``estimator`` offers ``predict_proba`` (``SVC(probability=False)`` does not)."""
    return hasattr(estimator, "predict_proba")


def class_scores(estimator: Any, X: Any) -> np.ndarray:
    """Probability-like scores over ``estimator.classes_`` (whatever the classes are).

    ``predict_proba`` when the estimator has it; otherwise the
    ``decision_function`` squashed by a sigmoid (binary) or softmax
    (multi-class), as :func:`class_probabilities` does.

    Parameters
    ----------
    estimator : fitted classifier (or a Pipeline ending in one)
    X : {array-like, sparse matrix} of shape (n_samples, ...)

    Returns
    -------
    scores : ndarray of shape (n_samples, len(estimator.classes_))
    """
    if has_probabilities(estimator):
        return np.asarray(estimator.predict_proba(X), dtype=float)
    if hasattr(estimator, "decision_function"):
        decision = np.asarray(estimator.decision_function(X), dtype=float)
        if decision.ndim == 1:
            positive = expit(decision)
            return np.column_stack([1.0 - positive, positive])
        return np.asarray(softmax(decision, axis=1))
    raise ConfigError(
        f"{type(estimator).__name__} has neither predict_proba nor decision_function; "
        "uncertainty-based strategies need one of them"
    )


def class_probabilities(estimator: Any, X: Any, n_classes: int) -> np.ndarray:
    """Probability-like class scores of a fitted classifier.

    Uses ``predict_proba`` when the estimator has it.  Otherwise (LinearSVC,
    SVC without ``probability=True``, Perceptron, ...) the ``decision_function``
    is squashed by a sigmoid (binary) or softmax (multi-class): this keeps the
    ranking of every uncertainty measure equal to the ranking by decision
    margin, which is what margin sampling on an SVM means.

    Columns follow the pool's class codes: a class the model has not seen yet
    gets probability 0.

    Parameters
    ----------
    estimator : fitted classifier trained on integer class codes
    X : {array-like, sparse matrix} of shape (n_samples, ...)
    n_classes : int
        Number of classes of the pool.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes)
    """
    seen = np.asarray(estimator.classes_, dtype=np.intp)
    scores = class_scores(estimator, X)
    if len(seen) == n_classes and np.array_equal(seen, np.arange(n_classes)):
        return scores
    proba = np.zeros((scores.shape[0], n_classes))
    proba[:, seen] = scores
    return proba
