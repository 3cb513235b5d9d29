"""Retraining a regression project: its task's hooks, RMSE and MAE, a guess with an interval.

The learner comes from the regression task's server hooks (through the registry,
:mod:`.task_types`); the project's strategy (default ``igs``) orders the queue and
each open item gets the model's value with a 95% interval. The snapshot's metrics are
RMSE and MAE on the labelled evaluation items (unbiased, when the project has some)
and cross-validated over the training labels (biased: the items the strategy picked).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold, cross_val_predict

from ...tasks.regression import regression_metrics
from ..models import Project
from .features import Features
from .retrain_result import (
    SEED,
    TrainResult,
    TrainSplit,
    all_answered,
    describe_cv,
    queue_scores,
    task_learner,
)

__all__ = ["train_regression", "regression_snapshot_metrics", "MIN_CV_LABELS"]

#: Fewest training labels for a cross-validated RMSE (three folds of one item).
MIN_CV_LABELS = 3


def regression_snapshot_metrics(learner: Any, split: TrainSplit) -> dict[str, Any]:
    """RMSE and MAE on the labelled evaluation items and cross-validated on the training labels.

    Keys: ``rmse``, ``mae``, ``n_eval`` (evaluation items, when some are labelled) and
    ``cv_rmse``, ``cv_mae``, ``cv_n``, ``cv_folds`` (at least :data:`MIN_CV_LABELS`
    training labels).
    """
    metrics: dict[str, Any] = {"headline": "rmse", "n_eval": int(split.eval_rows.size)}
    if split.eval_rows.size:
        truth = np.asarray(split.eval_truth, dtype=float)
        measured = regression_metrics(truth, learner.predict(learner.pool.take(split.eval_rows)))
        metrics.update(rmse=measured["rmse"], mae=measured["mae"])
    X_labeled, y = learner.pool.training_data()
    if len(y) >= MIN_CV_LABELS:
        folds = min(5, len(y))
        predicted = cross_val_predict(clone(learner.estimator), X_labeled, y,
                                      cv=KFold(folds, shuffle=True, random_state=SEED))
        measured = regression_metrics(y, predicted)
        metrics.update(cv_rmse=measured["rmse"], cv_mae=measured["mae"], cv_n=len(y),
                       cv_folds=folds)
    return metrics


def _describe(metrics: dict[str, Any]) -> str:
    return describe_cv(metrics, "RMSE",
                       f"needs {MIN_CV_LABELS} training labels for a cross-validated RMSE")


def train_regression(project: Project, features: Features, split: TrainSplit,
                     discovery: bool = True, state: dict[str, Any] | None = None
                     ) -> TrainResult | None:
    """Train on the numbers answered, score the open items, guess their values.

    None while fewer than two items are answered (the queue keeps its order).
    """
    del discovery, state  # no classes to look for; the regression strategies keep no state
    hooks, learner = task_learner(project, features, split.train)
    if learner.model_ is None:
        return None
    metrics = regression_snapshot_metrics(learner, split)
    pool = learner.pool
    unlabeled = np.setdiff1d(pool.unlabeled_indices, split.eval_rows)
    if unlabeled.size == 0:
        return all_answered(_describe(metrics), pool.n_labeled, int(split.eval_rows.size),
                            metrics, class_counts={})
    priority, score = queue_scores(learner.strategy_, pool, learner.model_, unlabeled)
    guess, _ = hooks.describe_guess(learner, pool.take(unlabeled), SEED)
    return TrainResult(unlabeled, priority, score, guess, np.full(len(unlabeled), np.nan),
                       None, _describe(metrics), pool.n_labeled, int(split.eval_rows.size),
                       metrics=metrics, class_counts={})
