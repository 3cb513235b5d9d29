"""Choosing between the base model and its semi-supervised variants by the labels at hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._random import RandomLike, as_generator, derive_seed
from ..exceptions import ConfigError
from ._outputs import has_probabilities
from .semi_supervised import (
    SEMI_SUPERVISED_METHODS,
    UNLABELED,
    GraphSpace,
    SemiSupervisedClassifier,
    take_rows,
)

__all__ = ["ModelChoice", "choose_semi_supervised"]


@dataclass(frozen=True)
class ModelChoice:
    """Which method won and the evidence: mean cross-validated accuracy of each.

    Attributes
    ----------
    method : str
    scores : dict
        Candidate name to mean accuracy (empty when there was too little to test).
    reason : str
        One sentence saying why.
    """

    method: str
    scores: dict[str, float]
    reason: str


def choose_semi_supervised(estimator: Any, X: Any, y: Any, *,
                           candidates: tuple[str, ...] = SEMI_SUPERVISED_METHODS,
                           n_folds: int = 3, random_state: RandomLike = None,
                           **params: Any) -> ModelChoice:
    """Pick the method of :class:`SemiSupervisedClassifier` with the best cross-validated
    accuracy on the labelled rows of ``y`` (``-1``: unlabelled).

    Each fold's held-out labels are hidden (they join the unlabelled rows, as a new
    item would), so the semi-supervised candidates are tested the way they are used.
    A class with a single label always stays in training.  Ties go to the candidate
    listed first: put the simplest first.

    Parameters
    ----------
    estimator : classifier
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Labels, ``-1`` for unlabelled rows.
    candidates : tuple of str, default=("none", "self-training", "label-spreading")
    n_folds : int, default=3
    random_state : int, Generator or None
        Seeds the folds.
    **params
        Passed to every :class:`SemiSupervisedClassifier`.

    Returns
    -------
    ModelChoice

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from activelab.models import choose_semi_supervised
    >>> X, y = load_iris(return_X_y=True)
    >>> y_few = np.full(len(y), -1)
    >>> y_few[::10] = y[::10]
    >>> choice = choose_semi_supervised(LogisticRegression(), X, y_few, random_state=0)
    >>> choice.method in ("none", "self-training", "label-spreading")
    True
    """
    unknown = [c for c in candidates if c not in SEMI_SUPERVISED_METHODS]
    if unknown or not candidates:
        raise ConfigError(f"candidates must be among {SEMI_SUPERVISED_METHODS}, got "
                          f"{candidates!r}")
    if n_folds < 2:
        raise ConfigError(f"n_folds must be at least 2, got {n_folds!r}")
    if not has_probabilities(estimator):
        return ModelChoice("none", {}, f"{type(estimator).__name__} gives no probabilities "
                                       "to self-train or average with label spreading")
    y = np.asarray(y)
    rng = as_generator(random_state)
    folds = _folds(y, n_folds, rng)
    if folds is None:
        return ModelChoice(candidates[0], {}, "too few labels of a repeated class to "
                                              "cross-validate; kept the first candidate")
    graph = (GraphSpace(estimator, X, params.get("n_neighbors", 10), derive_seed(rng))
             if "label-spreading" in candidates else None)
    scores = {}
    for method in candidates:
        hits = total = 0
        for test in folds:
            y_fold = y.copy()
            y_fold[test] = UNLABELED
            model = SemiSupervisedClassifier(estimator, method, **params).fit(
                X, y_fold, graph=graph)
            hits += int(np.sum(model.predict(take_rows(X, test)) == y[test]))
            total += len(test)
        scores[method] = hits / total
    best = max(candidates, key=lambda c: (scores[c], -candidates.index(c)))
    shown = ", ".join(f"{c} {scores[c]:.3f}" for c in candidates)
    n_labeled = int(np.sum(y != UNLABELED))
    return ModelChoice(best, scores, f"{len(folds)}-fold cross-validated accuracy on "
                                     f"{n_labeled} labels: {shown}")


def _folds(y: np.ndarray, n_folds: int, rng: np.random.Generator) -> list[np.ndarray] | None:
    """Held-out positions of each fold: every class of 2+ labels dealt round-robin from a
    shuffled order (a class always keeps one label in training); None if no fold can be
    filled."""
    assigned: list[list[int]] = [[] for _ in range(n_folds)]
    labeled = np.flatnonzero(y != UNLABELED)
    classes, counts = np.unique(y[labeled], return_counts=True)
    start = 0
    for label, count in zip(classes.tolist(), counts.tolist(), strict=True):
        if count < 2:
            continue
        members = rng.permutation(labeled[y[labeled] == label])
        # Fewer labels than folds: the last one never leaves training.
        for offset, index in enumerate(members[:min(count - 1, n_folds)] if count <= n_folds
                                       else members):
            assigned[(start + offset) % n_folds].append(int(index))
        start += count
    folds = [np.sort(np.asarray(f, dtype=np.intp)) for f in assigned if f]
    return folds if len(folds) >= 2 else None

