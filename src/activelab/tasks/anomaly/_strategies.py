"""Which suspected anomaly to show the analyst next: pure scores plus the shared selector."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._random import RandomLike
from ...exceptions import ConfigError
from ...pool import Pool
from ...strategies import make_strategy, register_strategy, strategy_names
from ...strategies.base import QueryStrategy
from ...strategies.random import RandomSampling
from ...strategies.selection import select_top_k

__all__ = ["most_anomalous", "threshold_closeness", "MostAnomalous", "ThresholdUncertainty",
           "HybridAnomaly", "ANOMALY_STRATEGIES", "make_anomaly_strategy", "detector_scores"]



def most_anomalous(scores: np.ndarray) -> np.ndarray:
    """The anomaly score itself: the analyst's natural queue, most suspicious first.

    Parameters
    ----------
    scores : ndarray of shape (n_samples,)
        Anomaly scores, higher = more anomalous.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    return np.asarray(scores, dtype=float)


def threshold_closeness(scores: np.ndarray, threshold: float) -> np.ndarray:
    """``-|score - threshold|``: items the detector is least sure about score highest.

    Parameters
    ----------
    scores : ndarray of shape (n_samples,)
    threshold : float
        The detector's decision threshold on the same scale.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    return -np.abs(np.asarray(scores, dtype=float) - threshold)


def detector_scores(model: Any, pool: Pool, candidates: np.ndarray) -> np.ndarray:
    """Anomaly scores of ``candidates``: the detector's cached ``scores_`` when it was
    fitted on the pool's rows, else scored afresh."""
    cached = getattr(model, "scores_", None)
    if cached is not None and len(cached) == pool.n_samples:
        return np.asarray(cached, dtype=float)[candidates]
    return np.asarray(model.score_samples(pool.take(candidates)), dtype=float)


class MostAnomalous(QueryStrategy):
    """Ask about the highest anomaly scores not yet labelled.

    Parameters
    ----------
    random_state : int, Generator or None
        Breaks ties between equal scores.

    Examples
    --------
    >>> from activelab import Pool
    >>> from activelab.tasks.anomaly import SemiSupervisedDetector
    >>> X = np.vstack([np.zeros((50, 2)) + np.arange(50)[:, None] * 0.01, [[9.0, 9.0]]])
    >>> detector = SemiSupervisedDetector(random_state=0).fit(X)
    >>> MostAnomalous(random_state=0).query(Pool(X), detector, 1).tolist()
    [50]
    """

    def __init__(self, random_state: RandomLike = None) -> None:
        self.random_state = random_state

    def _select(self, pool, model, candidates, k, rng):
        scores = most_anomalous(detector_scores(model, pool, candidates))
        chosen = select_top_k(scores, k, rng)
        return candidates[chosen], scores[chosen]


class ThresholdUncertainty(QueryStrategy):
    """Ask about items whose score lies closest to the detector's ``threshold_``.

    Parameters
    ----------
    random_state : int, Generator or None
    """

    def __init__(self, random_state: RandomLike = None) -> None:
        self.random_state = random_state

    def _select(self, pool, model, candidates, k, rng):
        scores = threshold_closeness(detector_scores(model, pool, candidates), model.threshold_)
        chosen = select_top_k(scores, k, rng)
        return candidates[chosen], scores[chosen]


class HybridAnomaly(QueryStrategy):
    """Half of each batch most-anomalous (finds anomalies), the rest near the threshold
    (teaches the boundary); a batch of one is all most-anomalous.

    Parameters
    ----------
    explore : float in [0, 1], default=0.5
        Share of each batch chosen near the threshold (rounded down).
    random_state : int, Generator or None
    """

    def __init__(self, explore: float = 0.5, random_state: RandomLike = None) -> None:
        self.explore = explore
        self.random_state = random_state

    def _select(self, pool, model, candidates, k, rng):
        if not 0 <= self.explore <= 1:
            raise ConfigError(f"explore must be in [0, 1], got {self.explore}")
        scores = detector_scores(model, pool, candidates)
        n_near = int(k * self.explore)
        top = select_top_k(most_anomalous(scores), k - n_near, rng)
        closeness = threshold_closeness(scores, model.threshold_)
        closeness[top] = -np.inf  # never pick an item twice
        near = select_top_k(closeness, n_near, rng)
        chosen = np.concatenate([top, near])
        return candidates[chosen], np.concatenate([scores[top], closeness[near]])


for _name, _factory in {"most-anomalous": MostAnomalous,
                        "threshold-uncertainty": ThresholdUncertainty,
                        "hybrid": HybridAnomaly, "random": RandomSampling}.items():
    register_strategy(_name, _factory, tasks=("anomaly",))

#: Strategy names for :func:`make_anomaly_strategy`.
ANOMALY_STRATEGIES = strategy_names("anomaly")


def make_anomaly_strategy(name: str, random_state: RandomLike = None) -> QueryStrategy:
    """The strategy object behind a name of :data:`ANOMALY_STRATEGIES`."""
    strategy: QueryStrategy = make_strategy(name, task="anomaly", random_state=random_state)
    return strategy
