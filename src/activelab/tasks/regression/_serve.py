"""What the annotation server asks of regression: train on answers, a guess with an interval."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...exceptions import ConfigError
from ._learner import RegressionLearner, make_regressor
from ._pool import RegressionPool
from ._strategies import fit_regression_committee, predictive_std

__all__ = ["train", "describe_guess", "INTERVAL_Z"]

#: Half-width of the shown interval in predictive standard deviations (95%, normal).
INTERVAL_Z = 1.959963984540054
#: Bagged members that give the spread of a model without its own uncertainty (ridge, knn).
COMMITTEE_MEMBERS = 5


def train(X: Any, rows: np.ndarray, answers: Sequence[Any], *, labels: Sequence[str] = (),
          model: str, kind: str = "tabular", strategy: str,
          random_state: int = 0) -> RegressionLearner:
    """A learner over all of ``X`` taught the numbers ``answers`` of the items at ``rows``.

    ``labels`` is part of the server's call and unused: a number has no classes.
    ``kind`` is ``"tabular"`` (numeric columns) or ``"sparse"`` (TF-IDF of texts: see
    :func:`make_regressor`). Its ``model_`` is None while fewer than two items are
    answered.
    """
    del labels
    learner = RegressionLearner(make_regressor(model, random_state=random_state, kind=kind),
                                RegressionPool(X), strategy, random_state=random_state)
    learner.teach(rows, [float(answer) for answer in answers])
    return learner


def _spread(learner: RegressionLearner, X: Any, random_state: int) -> np.ndarray:
    """Predictive std at ``X``: the model's own, or a bagged committee's."""
    try:
        return predictive_std(learner.model_, X)
    except ConfigError:  # no uncertainty of its own (ridge, knn): bag it
        X_labeled, y = learner.pool.training_data()
        members = fit_regression_committee(X_labeled, y, estimator=learner.estimator,
                                           n_members=COMMITTEE_MEMBERS,
                                           random_state=random_state)
        return np.stack([np.asarray(m.predict(X), dtype=float).ravel()
                         for m in members]).std(axis=0)


def describe_guess(learner: RegressionLearner, X: Any, random_state: int = 0
                   ) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The model's value for each row of ``X`` with a 95% interval, and the predictive std.

    Returns
    -------
    guesses : list of dict
        ``{"guess": value, "interval": [low, high], "std": std}`` per row: the
        interval is ``value ± 1.96 std`` (normal approximation).
    std : ndarray of shape (n_rows,)
    """
    values = learner.predict(X)
    std = _spread(learner, X, random_state)
    guesses = [{"guess": value, "interval": [value - INTERVAL_Z * s, value + INTERVAL_Z * s],
                "std": s} for value, s in zip(values.tolist(), std.tolist(), strict=True)]
    return guesses, std
