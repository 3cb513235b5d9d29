"""Learning from the unlabelled pool too: self-training and label spreading.

:class:`SemiSupervisedClassifier` wraps any classifier with ``predict_proba`` and
follows scikit-learn's convention for semi-supervised estimators: ``fit(X, y)``
takes every row, with ``y == -1`` marking the unlabelled ones.  Pseudo-labels live
only inside the fitted model; nothing is written back to ``y``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.pipeline import Pipeline

from .._random import RandomLike, as_generator, derive_seed
from ..exceptions import ConfigError, DataError, SingleClassError
from ._knn_graph import KnnGraph
from ._outputs import has_probabilities

__all__ = ["SemiSupervisedClassifier", "SEMI_SUPERVISED_METHODS", "UNLABELED"]

#: What ``method`` may be: the base model alone, or with one use of the unlabelled rows.
SEMI_SUPERVISED_METHODS = ("none", "self-training", "label-spreading")
#: The target value of an unlabelled row (scikit-learn's convention).
UNLABELED = -1


class GraphSpace:
    """The k-NN graph of every row given to ``fit``, in the features the classifier sees
    (after a Pipeline's transforms, fitted on all rows: they learn no labels)."""

    def __init__(self, estimator: Any, X: Any, n_neighbors: int, seed: int) -> None:
        self.transform: Any = None
        if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
            self.transform = clone(estimator[:-1]).fit(X)
        self.graph = KnnGraph(self.features(X), n_neighbors, seed)

    def features(self, X: Any) -> Any:
        Z = X if self.transform is None else self.transform.transform(X)
        if sp.issparse(Z):
            return Z.tocsr()
        Z = np.asarray(Z.to_numpy() if hasattr(Z, "to_numpy") else Z)
        if Z.ndim != 2 or Z.dtype.kind not in "biuf":
            raise ConfigError(
                "label spreading needs numeric features; these rows are raw items "
                f"(dtype {Z.dtype}). Use a Pipeline that turns them into numbers, e.g. "
                "make_pipeline(TfidfVectorizer(), LogisticRegression())")
        return Z.astype(float, copy=False)


class SemiSupervisedClassifier(ClassifierMixin, BaseEstimator):
    """A classifier that also learns from unlabelled rows.

    - ``"self-training"``: fit on the labels, give every unlabelled row the model
      is at least ``threshold`` sure of that class as a pseudo-label, refit on
      labels and pseudo-labels; repeat up to ``max_iter`` times.
    - ``"label-spreading"``: spread the labels over the symmetric k-NN graph of
      all rows (Zhou et al. 2004; exact neighbours, or an HNSW index above
      20,000 dense rows) and average its class distribution with the base
      model's probabilities.
    - ``"none"``: the base model on the labels alone.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``
        Fitted as ``clone(estimator)``; a Pipeline's transforms also give the
        graph's features (TF-IDF rows are compared by cosine).
    method : {"self-training", "label-spreading", "none"}, default="self-training"
    threshold : float, default=0.95
        Least probability of a pseudo-label.
    max_iter : int, default=3
        Rounds of self-training.
    n_neighbors : int, default=10
    alpha : float, default=0.9
        How much a node takes from its neighbours rather than its own label.
    n_iter : int, default=30
        Spreading iterations.
    random_state : int, Generator or None
        Seeds the HNSW index.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    base_model_ : fitted estimator
        The base model (for self-training: fitted on labels and pseudo-labels).
    n_pseudo_labels_ : int
        Unlabelled rows self-training used (0 for the other methods).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from activelab.models import SemiSupervisedClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> y_few = np.full(len(y), -1)
    >>> y_few[:50] = y[:50]
    >>> model = SemiSupervisedClassifier(LogisticRegression(max_iter=500),
    ...                                  method="label-spreading").fit(X, y_few)
    >>> model.predict_proba(X[:3]).shape
    (3, 10)
    """

    def __init__(self, estimator: Any, method: str = "self-training", *,
                 threshold: float = 0.95, max_iter: int = 3, n_neighbors: int = 10,
                 alpha: float = 0.9, n_iter: int = 30, random_state: RandomLike = None) -> None:
        self.estimator = estimator
        self.method = method
        self.threshold = threshold
        self.max_iter = max_iter
        self.n_neighbors = n_neighbors
        self.alpha = alpha
        self.n_iter = n_iter
        self.random_state = random_state

    def _check_params(self) -> None:
        if self.method not in SEMI_SUPERVISED_METHODS:
            raise ConfigError(f"method must be one of {SEMI_SUPERVISED_METHODS}, "
                              f"got {self.method!r}")
        if not 0 < self.threshold <= 1 or not 0 <= self.alpha < 1:
            raise ConfigError(f"threshold must be in (0, 1] and alpha in [0, 1), got "
                              f"{self.threshold!r} and {self.alpha!r}")
        for name in ("max_iter", "n_neighbors", "n_iter"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ConfigError(f"{name} must be an int of at least 1, got {value!r}")
        if self.method != "none" and not has_probabilities(self.estimator):
            raise ConfigError(
                f"{self.method} needs class probabilities; {type(self.estimator).__name__} "
                "has no predict_proba (use method='none', or e.g. LogisticRegression)")

    def fit(self, X: Any, y: Any, *, graph: GraphSpace | None = None
            ) -> SemiSupervisedClassifier:
        """Fit on every row of ``X``; ``y == -1`` marks the unlabelled ones.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels, ``-1`` for an unlabelled row.
        graph : GraphSpace, default=None
            A graph already built over these rows (cross-validation reuses one).

        Returns
        -------
        self
        """
        self._check_params()
        y = np.asarray(y)
        if X.shape[0] != len(y):
            raise DataError(f"X has {X.shape[0]} rows but y has {len(y)} labels")
        labeled = np.flatnonzero(y != UNLABELED)
        if labeled.size == 0:
            raise DataError("no labelled rows: every target is -1")
        self.classes_, codes = np.unique(y[labeled], return_inverse=True)
        if len(self.classes_) < 2:
            raise SingleClassError(f"every labelled row has the class {self.classes_[0]!r}; "
                                   "a classifier needs at least two")
        unlabeled = np.flatnonzero(y == UNLABELED)
        self._spread: tuple[GraphSpace, np.ndarray] | None = None
        if self.method == "label-spreading":  # first: a graph of raw items fails clearly
            seed = derive_seed(as_generator(self.random_state))
            graph = graph or GraphSpace(self.estimator, X, self.n_neighbors, seed)
            seeds = np.zeros((X.shape[0], len(self.classes_)))
            seeds[labeled, codes] = 1.0
            self._spread = (graph, graph.graph.spread(seeds, self.alpha, self.n_iter))
        self.base_model_ = clone(self.estimator).fit(take_rows(X, labeled), codes)
        self.n_pseudo_labels_ = 0
        if self.method == "self-training" and unlabeled.size:
            self._self_train(X, labeled, codes, unlabeled)
        return self

    def _self_train(self, X: Any, labeled: np.ndarray, codes: np.ndarray,
                    unlabeled: np.ndarray) -> None:
        chosen = np.empty(0, dtype=np.intp)
        for _ in range(self.max_iter):
            proba = self.base_model_.predict_proba(take_rows(X, unlabeled))
            sure = np.flatnonzero(proba.max(axis=1) >= self.threshold)
            if np.array_equal(sure, chosen):
                break
            chosen = sure
            pseudo = self.base_model_.classes_[proba[sure].argmax(axis=1)]
            rows = np.concatenate([labeled, unlabeled[sure]])
            self.base_model_ = clone(self.estimator).fit(
                take_rows(X, rows), np.concatenate([codes, pseudo]))
        self.n_pseudo_labels_ = int(chosen.size)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        proba = np.asarray(self.base_model_.predict_proba(X), dtype=float)
        if self._spread is not None:
            graph, distributions = self._spread
            spread = graph.graph.predict_proba(distributions, graph.features(X))
            proba = (proba + spread) / 2
        return proba

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels, shape (n_samples,).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return np.asarray(self.classes_[self.predict_proba(X).argmax(axis=1)])


def take_rows(X: Any, indices: np.ndarray) -> Any:
    """Rows ``indices`` of an array, sparse matrix or DataFrame."""
    return X.iloc[indices] if hasattr(X, "iloc") else X[indices]
