"""A multi-label project's model as one scikit-learn estimator: binary relevance.

The retraining worker fits one binary classifier per label (multi-label text:
is the label given; image regions: does the image hold a box of that class).
:class:`~sklearn.multiclass.OneVsRestClassifier` over an indicator matrix fits
exactly those classifiers, one clone of the project's model per label on the same
rows, and keeps them in one object that skops stores. A label given to every
labelled item, or to none, becomes a constant predictor, as the worker treats it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.multiclass import OneVsRestClassifier

from ...models import class_scores

__all__ = ["fit_binary_relevance", "label_probabilities", "label_sets"]


def fit_binary_relevance(estimator: Any, X: Any, present: Sequence[set[str]],
                         names: Sequence[str]) -> OneVsRestClassifier:
    """One clone of ``estimator`` per label of ``names``, fitted on the rows of ``X``.

    ``present[i]`` is the set of labels of row ``i``. The fitted model's ``classes_``
    are ``names``: the columns of its ``predict`` (an indicator matrix) and
    ``predict_proba``.
    """
    indicator = np.array([[name in labels for name in names] for labels in present],
                         dtype=np.int64).reshape(len(present), len(names))
    model = OneVsRestClassifier(estimator)
    with warnings.catch_warnings():  # a constant label is expected, not a fault
        warnings.filterwarnings("ignore", message="Label .* is present in all training",
                                category=UserWarning)
        model.fit(X, indicator)
    model.classes_ = np.array([str(name) for name in names])
    return model


def label_probabilities(model: OneVsRestClassifier, X: Any) -> np.ndarray:
    """Each label's probability, shape (n_items, n_labels) (``class_scores`` per label)."""
    return np.column_stack([class_scores(binary, X)[:, 1] for binary in model.estimators_])


def label_sets(model: OneVsRestClassifier, X: Any) -> list[list[str]]:
    """The labels ``model.predict`` gives each item, in the order of ``classes_``."""
    indicator = np.asarray(model.predict(X))
    names = [str(name) for name in model.classes_]
    return [[names[j] for j in np.flatnonzero(row)] for row in indicator]
