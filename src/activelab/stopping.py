"""Stopping criteria: when is the model good enough to stop asking?

Each criterion has ``check(learner) -> str | None``: a sentence saying why to
stop, or ``None`` to go on.  :meth:`ActiveLearner.run` stores the sentence in
``stop_reason_``.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import cohen_kappa_score

from ._random import RandomLike, as_generator
from .exceptions import ConfigError
from .strategies.uncertainty import UncertaintySampling

if TYPE_CHECKING:
    from .learner import ActiveLearner

__all__ = ["LabelBudget", "StabilizingPredictions", "MaxUncertainty"]


class LabelBudget(BaseEstimator):
    """Stop once ``max_labels`` items are labelled.

    Parameters
    ----------
    max_labels : int
        Labelled items (the seed set included) at which the loop stops; at least 1.

    Examples
    --------
    >>> LabelBudget(300).max_labels
    300
    >>> LabelBudget(0)
    Traceback (most recent call last):
    ...
    activelab.exceptions.ConfigError: max_labels must be at least 1, got 0
    """

    def __init__(self, max_labels: int) -> None:
        if max_labels < 1:
            raise ConfigError(f"max_labels must be at least 1, got {max_labels}")
        self.max_labels = max_labels

    def check(self, learner: ActiveLearner) -> str | None:
        if learner.pool.n_labeled >= self.max_labels:
            return f"label budget of {self.max_labels} reached"
        return None


class StabilizingPredictions(BaseEstimator):
    """Stop when successive models agree on a stop set (Bloodgood & Vijay-Shanker 2009).

    A stop set of unlabelled items is drawn once.  After each retrain, the new
    model's predictions on it are compared with the previous model's by
    Cohen's kappa; the loop stops when the mean of the last ``window`` kappas
    reaches ``threshold``.

    Parameters
    ----------
    threshold : float, default=0.99
    window : int, default=3
    stop_set_size : int, default=1000
    random_state : int, Generator or None

    Attributes
    ----------
    kappas_ : list of float
        Agreement between each pair of successive models.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from activelab import (ActiveLearner, LabelBudget, Pool, SimulatedOracle,
    ...                        StabilizingPredictions)
    >>> X, y = load_iris(return_X_y=True)
    >>> learner = ActiveLearner(LogisticRegression(), Pool(X), "margin", random_state=0)
    >>> _ = learner.run(SimulatedOracle(y), initial=6, batch_size=3,
    ...                 stopping=[StabilizingPredictions(random_state=0), LabelBudget(150)])
    >>> learner.stop_reason_.startswith("predictions stabilised")
    True
    """

    def __init__(self, threshold: float = 0.99, window: int = 3, stop_set_size: int = 1000,
                 random_state: RandomLike = None) -> None:
        if not 0 < threshold <= 1:
            raise ConfigError(f"threshold must be in (0, 1], got {threshold}")
        if window < 1 or stop_set_size < 1:
            raise ConfigError("window and stop_set_size must be at least 1")
        self.threshold = threshold
        self.window = window
        self.stop_set_size = stop_set_size
        self.random_state = random_state
        self.kappas_: list[float] = []
        self._stop_set: np.ndarray | None = None
        self._previous: np.ndarray | None = None
        self._last_model: object | None = None

    def check(self, learner: ActiveLearner) -> str | None:
        model = learner.model_
        if model is None or model is self._last_model:
            return None
        self._last_model = model
        if self._stop_set is None:
            candidates = learner.pool.unlabeled_indices
            size = min(self.stop_set_size, len(candidates))
            self._stop_set = np.sort(as_generator(self.random_state).choice(
                candidates, size=size, replace=False))
        if len(self._stop_set) == 0:
            return None
        predictions = np.asarray(model.predict(learner.pool.take(self._stop_set)))
        if self._previous is not None:
            if np.array_equal(predictions, self._previous):
                kappa = 1.0  # kappa is undefined when both agree on a single class
            else:
                kappa = float(cohen_kappa_score(self._previous, predictions))
            self.kappas_.append(kappa)
        self._previous = predictions
        recent = deque(self.kappas_, maxlen=self.window)
        if len(recent) == self.window and np.mean(recent) >= self.threshold:
            return (f"predictions stabilised: mean kappa {np.mean(recent):.3f} over the last "
                    f"{self.window} retrains >= {self.threshold}")
        return None


class MaxUncertainty(BaseEstimator):
    """Stop when even the most uncertain unlabelled item is below ``threshold``.

    Parameters
    ----------
    threshold : float, default=0.1
        On the scale of ``measure`` (least confident: ``1 - max p``).
    measure : {"least_confident", "margin", "entropy"}, default="least_confident"
    max_items : int, default=10000
        Score at most this many unlabelled items (a seeded sample) per check.
    random_state : int, Generator or None

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from activelab import (ActiveLearner, LabelBudget, MaxUncertainty, Pool,
    ...                        SimulatedOracle)
    >>> X, y = load_iris(return_X_y=True)
    >>> learner = ActiveLearner(LogisticRegression(), Pool(X), "margin", random_state=0)
    >>> _ = learner.run(SimulatedOracle(y), initial=6, batch_size=3,
    ...                 stopping=[MaxUncertainty(0.3, random_state=0), LabelBudget(150)])
    >>> learner.stop_reason_
    'max uncertainty 0.2960 fell below 0.3 (least_confident)'
    >>> learner.pool.n_labeled
    39
    """

    def __init__(self, threshold: float = 0.1, measure: str = "least_confident",
                 max_items: int = 10_000, random_state: RandomLike = None) -> None:
        self.threshold = threshold
        self.measure = measure
        self.max_items = max_items
        self.random_state = random_state
        self.max_uncertainty_: float | None = None

    def check(self, learner: ActiveLearner) -> str | None:
        if learner.model_ is None or learner.pool.n_unlabeled == 0:
            return None
        candidates = learner.pool.unlabeled_indices
        if len(candidates) > self.max_items:
            candidates = as_generator(self.random_state).choice(
                candidates, size=self.max_items, replace=False)
        scores = UncertaintySampling(self.measure).score(learner.pool, learner.model_, candidates)
        self.max_uncertainty_ = float(scores.max())
        if self.max_uncertainty_ < self.threshold:
            return (f"max uncertainty {self.max_uncertainty_:.4f} fell below "
                    f"{self.threshold} ({self.measure})")
        return None
