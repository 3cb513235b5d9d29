"""Active learning as a scikit-learn classifier: ``fit(X, y)`` runs the loop, ``predict`` uses
the model it ends with.

:class:`ActiveLearner` works with a person (or an oracle) in the loop and keeps a
:class:`Pool`; it has no ``fit(X, y)``. :class:`ActiveLearningClassifier` wraps it
for the places that expect an estimator (pipelines, ``cross_val_score``, grid
search, scikit-learn's ``check_estimator``): ``fit`` labels items of ``X`` with
their ``y`` one batch at a time, as the strategy queries them, until ``budget``
labels, so that cross-validation measures what a labelling budget buys.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils import Tags, get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._random import RandomLike
from .exceptions import ActivelabWarning, ConfigError
from .learner import ActiveLearner
from .learner_base import Round
from .models import class_probabilities
from .pool import Pool
from .strategies import QueryStrategy

__all__ = ["ActiveLearningClassifier"]


class ActiveLearningClassifier(ClassifierMixin, BaseEstimator):
    """A classifier trained by pool-based active learning on the items it is fitted on.

    ``fit(X, y)`` treats ``X`` as the pool and ``y`` as the oracle's answers: it
    labels ``n_initial`` items at random, then batches of ``batch_size`` that
    ``strategy`` picks, retraining ``clone(estimator)`` after each batch, until
    ``budget`` items are labelled. The labels of the other items are never read.

    Parameters
    ----------
    estimator : scikit-learn classifier, default=None
        The model; None is ``LogisticRegression()``.
    strategy : str or QueryStrategy, default="margin"
        As for :class:`ActiveLearner`.
    n_initial : int, default=10
        Items labelled at random before the first query.
    batch_size : int, default=10
        Items labelled per query.
    budget : int or float, default=0.5
        Labels to spend: a number of items, or a fraction of ``X`` (a float in (0, 1]).
    random_state : int, Generator or None, default=None
        The seed of the seed set, the strategy and the estimator.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    estimator_ : fitted estimator
        The model after the last round (trained on class indices into ``classes_``).
    labeled_indices_ : ndarray of shape (n_labeled,)
        The rows of ``X`` whose label ``fit`` used.
    history_ : list of Round
        One record per round of the loop.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        When ``X`` is a DataFrame with string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from activelab import ActiveLearningClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> model = ActiveLearningClassifier(budget=30, random_state=0).fit(X, y)
    >>> len(model.labeled_indices_), round(model.score(X, y), 2) > 0.9
    (30, True)
    """

    def __init__(self, estimator: Any = None, strategy: str | QueryStrategy = "margin", *,
                 n_initial: int = 10, batch_size: int = 10, budget: float = 0.5,
                 random_state: RandomLike = None) -> None:
        self.estimator = estimator
        self.strategy = strategy
        self.n_initial = n_initial
        self.batch_size = batch_size
        self.budget = budget
        self.random_state = random_state

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        model = LogisticRegression() if self.estimator is None else self.estimator
        tags.input_tags.sparse = get_tags(model).input_tags.sparse  # as the model takes X
        return tags

    def _n_labels(self, n_samples: int) -> int:
        budget = self.budget
        if isinstance(budget, numbers.Integral) and not isinstance(budget, bool) and budget >= 1:
            return min(int(budget), n_samples)
        if isinstance(budget, numbers.Real) and not isinstance(budget, bool | numbers.Integral) \
                and 0.0 < float(budget) <= 1.0:
            return max(1, int(round(float(budget) * n_samples)))
        raise ConfigError(f"budget must be a positive int or a float in (0, 1], got {budget!r}")

    def _check_sizes(self) -> None:
        for name in ("n_initial", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ConfigError(f"{name} must be a positive int, got {value!r}")

    def fit(self, X: Any, y: Any) -> ActiveLearningClassifier:
        """Run the active-learning loop on ``X``, answering each query from ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Bad ``X`` or ``y`` (scikit-learn's checks), ``y`` of one class, a bad
            parameter (:class:`~activelab.exceptions.ConfigError`), or a budget
            spent before two classes were labelled.
        """
        X, y = validate_data(self, X, y, accept_sparse=("csr", "csc"))
        check_classification_targets(y)
        self._check_sizes()
        n_labels = self._n_labels(X.shape[0])
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y holds one class ({self.classes_[0]!r}); a classifier needs "
                             "samples of at least 2 classes")
        estimator = LogisticRegression() if self.estimator is None else clone(self.estimator)
        pool = Pool(X, classes=list(range(len(self.classes_))))
        learner = ActiveLearner(estimator, pool, self.strategy, random_state=self.random_state)
        with warnings.catch_warnings():
            # The loop itself answers these: it queries at random until two classes
            # are labelled, and a class without a label is the budget's to find.
            warnings.simplefilter("ignore", ActivelabWarning)
            seed = learner.initial_query(min(self.n_initial, n_labels))
            learner.teach(seed, codes[seed].tolist())
            while pool.n_labeled < n_labels:
                batch = learner.query(min(self.batch_size, n_labels - pool.n_labeled))
                learner.teach(batch, codes[batch].tolist())
        if learner.model_ is None:
            raise ValueError(f"the {n_labels} labelled items hold one class only; a "
                             "classifier needs at least 2 classes: raise the budget")
        self.estimator_ = learner.model_
        self.labeled_indices_ = pool.labeled_indices.copy()
        self.history_: list[Round] = list(learner.history_)
        return self

    def _features(self, X: Any) -> Any:
        check_is_fitted(self)
        return validate_data(self, X, accept_sparse=("csr", "csc"), reset=False)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order.

        For models without ``predict_proba`` these are squashed decision values.
        """
        X = self._features(X)
        return class_probabilities(self.estimator_, X, len(self.classes_))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row, shape (n_samples,)."""
        X = self._features(X)
        codes = np.asarray(self.estimator_.predict(X), dtype=np.intp)
        return np.asarray(self.classes_[codes])
