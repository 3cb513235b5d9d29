"""What the annotation server asks of classification: train on answers, describe guesses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...learner import ActiveLearner
from ...models import make_model
from ...pool import Pool

__all__ = ["train", "describe_guess"]


def train(X: Any, rows: np.ndarray, answers: Sequence[Any], *, labels: Sequence[str],
          model: str, kind: str, strategy: str, random_state: int = 0) -> ActiveLearner:
    """A learner over all of ``X`` taught ``answers`` of the items at ``rows``.

    Its ``model_`` is None while fewer than two classes are answered.
    """
    pool = Pool(X, classes=list(labels))
    estimator = make_model(model, kind, random_state=random_state)
    learner = ActiveLearner(estimator, pool, strategy, random_state=random_state)
    learner.teach(rows, list(answers))
    return learner


def describe_guess(proba: np.ndarray, labels: Sequence[Any]) -> tuple[list[Any], np.ndarray]:
    """The most probable class of each row of ``proba`` and its probability.

    Parameters
    ----------
    proba : ndarray of shape (n_items, n_classes)
        Class probabilities, columns in the order of ``labels``.
    labels : sequence of length n_classes
    """
    best = proba.argmax(axis=1)
    return [labels[i] for i in best.tolist()], proba[np.arange(len(best)), best]
