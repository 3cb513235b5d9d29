"""The analyst's loop: show suspected anomalies, record confirm/reject, re-weight the detector."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import average_precision_score, roc_auc_score

from ..._random import RandomLike, derive_seed
from ...exceptions import ConfigError
from ...learner_base import BaseLearner
from ...pool import Pool
from ...strategies.base import QueryStrategy
from ._detector import (
    SemiSupervisedDetector,
    check_anomaly_features,
    check_anomaly_targets,
)
from ._strategies import make_anomaly_strategy

__all__ = ["AnomalyLearner", "precision_at_k", "anomaly_metrics", "ANOMALY_METRICS"]

#: Metrics of each round: the first three on the held-out set, the last two on the labels.
ANOMALY_METRICS = ("precision_at_k", "average_precision", "roc_auc", "anomalies_found",
                   "found_per_label")


def precision_at_k(y_true: Any, scores: Any, k: int | None = None) -> float:
    """Share of true anomalies among the ``k`` highest scores (ties: earlier rows first).

    ``k`` defaults to the number of true anomalies (R-precision), so a perfect
    ranking scores 1 whatever the contamination.

    Examples
    --------
    >>> precision_at_k([0, 1, 0, 1], [0.1, 0.9, 0.8, 0.2])
    0.5
    """
    y = np.asarray(y_true)
    scores = np.asarray(scores, dtype=float)
    k = int(y.sum()) if k is None else int(k)
    if k < 1:
        raise ConfigError(f"k must be at least 1 (and y_true must hold an anomaly), got {k}")
    top = np.argsort(-scores, kind="stable")[:k]
    return float(y[top].mean())


def anomaly_metrics(y_true: Any, scores: Any) -> dict[str, float]:
    """Precision@k (k = number of anomalies), average precision and ROC-AUC of a ranking."""
    y = check_anomaly_targets(y_true)
    scores = np.asarray(scores, dtype=float)
    return {"precision_at_k": precision_at_k(y, scores),
            "average_precision": float(average_precision_score(y, scores)),
            "roc_auc": float(roc_auc_score(y, scores))}


class AnomalyLearner(BaseLearner):
    """Semi-supervised anomaly detection with an analyst who confirms or rejects.

    The pool's items are the data to screen; a label is 1 (confirmed anomaly)
    or 0 (rejected: normal). After every :meth:`teach`, the detector's label
    model is refitted (its isolation forest is grown once, on the whole pool).
    :attr:`history_` records, per round, how many anomalies the labels found and,
    with ``eval_set``, precision@k, average precision and ROC-AUC there.

    Parameters
    ----------
    detector : SemiSupervisedDetector, default=None
        Unfitted; a clone is fitted. None means ``SemiSupervisedDetector()``.
    pool : Pool or array-like of shape (n_samples, n_features)
        A :class:`~activelab.Pool` declared with classes ``[0, 1]``, or features.
    strategy : str or QueryStrategy, default="most-anomalous"
        One of :data:`ANOMALY_STRATEGIES` or a strategy object that accepts the
        fitted detector as its model.
    eval_set : tuple (X, y), default=None
        Held-out features and 0/1 targets (both kinds present).
    random_state : int, Generator or None

    Attributes
    ----------
    model_ : fitted SemiSupervisedDetector or None
    history_ : list of Round
    stop_reason_ : str or None

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(size=(300, 3)), rng.normal(5, 1, size=(10, 3))])
    >>> y = np.r_[np.zeros(300, int), np.ones(10, int)]
    >>> learner = AnomalyLearner(None, X, "most-anomalous", random_state=0)
    >>> batch = learner.query(10)
    >>> learner.teach(batch, y[batch])
    >>> learner.history_[-1].metrics["anomalies_found"] >= 8
    True
    """

    _strategy_factory = staticmethod(make_anomaly_strategy)

    def __init__(self, detector: SemiSupervisedDetector | None, pool: Any,
                 strategy: str | QueryStrategy = "most-anomalous", *,
                 eval_set: tuple[Any, Any] | None = None,
                 random_state: RandomLike = None) -> None:
        if not isinstance(pool, Pool):
            pool = Pool(check_anomaly_features(pool), classes=[0, 1])
        elif not pool.classes_declared or sorted(pool.classes_.tolist()) != [0, 1]:
            raise ConfigError("an anomaly pool must be declared with classes=[0, 1] "
                              "(1 = anomaly)")
        if eval_set is not None:
            X_eval, y_eval = eval_set
            eval_set = (check_anomaly_features(X_eval), check_anomaly_targets(y_eval))
        super().__init__(detector, pool, strategy, eval_set=eval_set,
                         random_state=random_state)
        self.detector = detector
        self._eval_unsupervised: np.ndarray | None = None
        self._X: np.ndarray | None = None

    def _query_strategy(self) -> tuple[Any, str]:
        # Needs no labels: before the first one the detector ranks by its forest alone.
        if self.model_ is None:
            self._refit()
        return super()._query_strategy()

    def score_samples(self, X: Any) -> np.ndarray:
        """The current detector's anomaly scores of ``X``, shape (n_samples,)."""
        if self.model_ is None:
            self._refit()
        assert self.model_ is not None  # _refit sets it
        return self.model_.score_samples(X)

    def _features(self) -> np.ndarray:
        if self._X is None:
            self._X = check_anomaly_features(self.pool.X)  # no copy of a float matrix
        return self._X

    def _labels(self) -> np.ndarray:
        y = np.full(self.pool.n_samples, -1, dtype=np.int64)
        labelled = self.pool.labeled_indices
        y[labelled] = self.pool.labels_of(labelled).astype(np.int64)
        return y

    def _refit(self) -> float:
        start = time.perf_counter()
        X, y = self._features(), self._labels()
        if self.model_ is None:
            detector = SemiSupervisedDetector() if self.detector is None else self.detector
            detector = clone(detector)
            if detector.random_state is None:
                detector.set_params(random_state=derive_seed(self.rng))
            self.model_ = detector.fit(X, y)
        else:
            self.model_.update(X, y)
        return time.perf_counter() - start

    def _evaluate(self) -> dict[str, float]:
        labelled = self.pool.labeled_indices
        found = int(np.count_nonzero(self.pool.labels_of(labelled).astype(np.int64) == 1))
        metrics = {"anomalies_found": float(found),
                   "found_per_label": found / len(labelled) if len(labelled) else float("nan")}
        if self.eval_set is not None and self.model_ is not None:
            X_eval, y_eval = self.eval_set
            if self._eval_unsupervised is None:  # the forest never changes: score it once
                self._eval_unsupervised = self.model_.unsupervised_score(X_eval)
            scores = self.model_.score_samples(X_eval, unsupervised=self._eval_unsupervised)
            metrics.update(anomaly_metrics(y_eval, scores))
        return metrics
