"""Tiny deterministic classifiers whose outputs the strategy tests can compute by hand."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


def n_rows(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


class ConstantProba(ClassifierMixin, BaseEstimator):
    """The same class probabilities for every item (one per class seen in fit)."""

    def __init__(self, proba=(0.5, 0.5)):
        self.proba = proba

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.tile(np.asarray(self.proba, dtype=float), (n_rows(X), 1))

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class ThresholdRule(ClassifierMixin, BaseEstimator):
    """Binary: class 1 where feature 0 exceeds ``threshold`` (hard 0/1 probabilities)."""

    def __init__(self, threshold=0.0):
        self.threshold = threshold

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X):
        return (np.asarray(X)[:, 0] > self.threshold).astype(int)

    def predict_proba(self, X):
        p = self.predict(X).astype(float)
        return np.column_stack([1 - p, p])


class ColumnProba(ClassifierMixin, BaseEstimator):
    """Binary: P(class 1) is read from feature ``column``."""

    def __init__(self, column=-1):
        self.column = column

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        p = np.asarray(X)[:, self.column].astype(float)
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return self.predict_proba(X).argmax(axis=1)
