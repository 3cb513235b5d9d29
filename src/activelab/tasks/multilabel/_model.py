"""Binary relevance, multi-label scores and query strategies."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import f1_score, hamming_loss

from ..._random import RandomLike, as_generator
from ...exceptions import ConfigError, DataError, NotFittedError
from ...models import class_probabilities
from ...models.committee import seed_unset_random_states
from ...strategies.base import DEFAULT_CHUNK_SIZE, QueryStrategy, iter_chunks
from ...strategies.selection import select_top_k

__all__ = ["BinaryRelevance", "label_probabilities", "mean_margin_uncertainty",
           "max_margin_uncertainty", "cardinality_inconsistency", "MultiLabelUncertainty",
           "CardinalityInconsistency", "AdaptiveMultiLabel", "multilabel_metrics"]


class BinaryRelevance(ClassifierMixin, BaseEstimator):
    """One binary classifier per label (binary relevance), trained on a 0/1 indicator matrix.

    A label that is constant in the training data (never or always present,
    common early in active learning) gets a constant predictor instead of a
    classifier that would refuse one class.

    Parameters
    ----------
    estimator : scikit-learn binary classifier
        Cloned once per label; ``predict_proba`` or ``decision_function`` is used.
    random_state : int, Generator or None
        Seeds every unset ``random_state`` of the clones.

    Attributes
    ----------
    estimators_ : list of fitted classifiers or floats (a constant probability)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> Y = np.array([[0, 1], [0, 1], [1, 1], [1, 1]])
    >>> BinaryRelevance(LogisticRegression()).fit(X, Y).predict(X).tolist()
    [[0, 1], [0, 1], [1, 1], [1, 1]]
    """

    def __init__(self, estimator: Any = None, *, random_state: RandomLike = None) -> None:
        self.estimator = estimator
        self.random_state = random_state

    def fit(self, X: Any, Y: Any) -> BinaryRelevance:
        Y = np.asarray(Y)
        if Y.ndim != 2:
            raise DataError(f"Y must be a 2-D indicator matrix, got shape {Y.shape}")
        if self.estimator is None:
            raise ConfigError("BinaryRelevance needs a base estimator")
        rng = as_generator(self.random_state)
        self.estimators_: list[Any] = []
        for column in Y.T:
            if column.min() == column.max():
                self.estimators_.append(float(column[0]))
            else:
                model = seed_unset_random_states(clone(self.estimator), rng)
                self.estimators_.append(model.fit(X, column.astype(np.intp)))
        self.n_labels_ = Y.shape[1]
        self.classes_ = np.arange(Y.shape[1])
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each label, shape (n_samples, n_labels)."""
        if not hasattr(self, "estimators_"):
            raise NotFittedError("BinaryRelevance is not fitted")
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        out = np.empty((n, self.n_labels_))
        for j, model in enumerate(self.estimators_):
            out[:, j] = model if isinstance(model, float) else \
                class_probabilities(model, X, 2)[:, 1]
        return out

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(np.int8)


def label_probabilities(model: Any, X: Any, n_labels: int) -> np.ndarray:
    """Per-label positive probabilities of a fitted multi-label model, (n_samples, n_labels).

    Accepts :class:`BinaryRelevance`, ``OneVsRestClassifier`` fitted on an
    indicator matrix, or a multi-output model whose ``predict_proba`` returns
    one (n, 2) array per label.
    """
    proba = model.predict_proba(X)
    if isinstance(proba, list):
        proba = np.column_stack([p[:, -1] if p.shape[1] > 1 else np.zeros(len(p))
                                 for p in proba])
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape[1] != n_labels:
        raise ConfigError(f"the model gives probabilities of shape {proba.shape}; a multi-label "
                          f"model must give (n_samples, {n_labels})")
    return proba


def mean_margin_uncertainty(proba: np.ndarray) -> np.ndarray:
    """``1 - mean_l |2 p_l - 1|``: uncertain across labels on average (higher = ask)."""
    return 1.0 - np.abs(2.0 * proba - 1.0).mean(axis=1)


def max_margin_uncertainty(proba: np.ndarray) -> np.ndarray:
    """``1 - min_l |2 p_l - 1|``: the most uncertain single label (higher = ask)."""
    return 1.0 - np.abs(2.0 * proba - 1.0).min(axis=1)


def cardinality_inconsistency(proba: np.ndarray, mean_cardinality: float) -> np.ndarray:
    """``|#{l : p_l >= 0.5} - mean_cardinality|`` (Li & Guo 2013).

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_labels)
    mean_cardinality : float
        Mean number of labels per labelled item.
    """
    return np.abs((proba >= 0.5).sum(axis=1) - float(mean_cardinality))


class _MultiLabelScoreStrategy(QueryStrategy):
    chunk_size: int

    def _scores(self, proba: np.ndarray, mean_cardinality: float) -> np.ndarray:
        raise NotImplementedError

    def _select(self, pool, model, candidates, k, rng):
        _, Y = pool.training_data()
        mean_cardinality = float(Y.sum(axis=1).mean()) if len(Y) else 0.0
        scores = np.empty(len(candidates))
        for block, chunk in iter_chunks(candidates, self.chunk_size):
            proba = label_probabilities(model, pool.take(chunk), pool.n_labels)
            scores[block] = self._scores(proba, mean_cardinality)
        chosen = select_top_k(scores, k, rng)
        return candidates[chosen], scores[chosen]


class MultiLabelUncertainty(_MultiLabelScoreStrategy):
    """Binary-relevance uncertainty: the mean or the max of per-label margin uncertainty.

    Parameters
    ----------
    aggregate : {"mean", "max"}, default="mean"
    chunk_size : int, default=16384
    random_state : int, Generator or None
    """

    def __init__(self, aggregate: str = "mean", *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 random_state: RandomLike = None) -> None:
        self.aggregate = aggregate
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _scores(self, proba, mean_cardinality):
        if self.aggregate == "mean":
            return mean_margin_uncertainty(proba)
        if self.aggregate == "max":
            return max_margin_uncertainty(proba)
        raise ConfigError(f"aggregate must be 'mean' or 'max', got {self.aggregate!r}")


class CardinalityInconsistency(_MultiLabelScoreStrategy):
    """Query items whose predicted label count is farthest from the labelled mean."""

    def __init__(self, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 random_state: RandomLike = None) -> None:
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _scores(self, proba, mean_cardinality):
        return cardinality_inconsistency(proba, mean_cardinality)


class AdaptiveMultiLabel(_MultiLabelScoreStrategy):
    """``u^beta * c^(1 - beta)``: max-margin uncertainty ``u`` mixed with cardinality
    inconsistency ``c`` (the combined criterion of Li & Guo 2013, with a fixed ``beta``).

    ``c`` is shifted by ``epsilon`` so that items whose predicted cardinality
    equals the labelled mean are still ranked by uncertainty.

    Parameters
    ----------
    beta : float in [0, 1], default=0.5
        1 is pure max-margin uncertainty, 0 pure cardinality inconsistency.
    epsilon : float, default=0.1
    chunk_size : int, default=16384
    random_state : int, Generator or None
    """

    def __init__(self, beta: float = 0.5, *, epsilon: float = 0.1,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, random_state: RandomLike = None) -> None:
        self.beta = beta
        self.epsilon = epsilon
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _scores(self, proba, mean_cardinality):
        if not 0.0 <= float(self.beta) <= 1.0:
            raise ConfigError(f"beta must be in [0, 1], got {self.beta!r}")
        u = max_margin_uncertainty(proba)
        c = cardinality_inconsistency(proba, mean_cardinality) + float(self.epsilon)
        return u ** self.beta * c ** (1.0 - self.beta)


def multilabel_metrics(Y_true: Any, Y_pred: Any) -> dict[str, float]:
    """Micro-F1, macro-F1, Hamming loss and subset accuracy of indicator matrices.

    Examples
    --------
    >>> m = multilabel_metrics([[1, 0], [0, 1]], [[1, 0], [1, 1]])
    >>> m["hamming_loss"], m["subset_accuracy"]
    (0.25, 0.5)
    """
    Y_true, Y_pred = np.asarray(Y_true), np.asarray(Y_pred)
    if Y_true.shape != Y_pred.shape or Y_true.ndim != 2:
        raise DataError(f"Y_true {Y_true.shape} and Y_pred {Y_pred.shape} must be indicator "
                        "matrices of the same shape")
    return {
        "micro_f1": float(f1_score(Y_true, Y_pred, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(Y_true, Y_pred, average="macro", zero_division=0)),
        "hamming_loss": float(hamming_loss(Y_true, Y_pred)),
        "subset_accuracy": float(np.mean((Y_true == Y_pred).all(axis=1))),
    }
