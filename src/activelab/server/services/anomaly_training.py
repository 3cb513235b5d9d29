"""Retraining an anomaly project: its task's detector, precision@k, the features that stand out.

The learner comes from the anomaly task's server hooks (through the registry,
:mod:`.task_types`): an isolation forest over every item, re-weighted by a classifier
on the answers. It ranks the items before any answer. The project's strategy (default
``most-anomalous``) orders the queue, and each open item gets the detector's verdict,
its suspicion and the features that deviate most from their column's median.

The snapshot's metrics: anomalies found per answer, and precision@k (k = the confirmed
anomalies) and average precision of the detector's ranking of the answered items, on
the labelled evaluation items when they hold both kinds (unbiased) and cross-validated
over the training answers (biased: the items the strategy picked).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedKFold

from ...tasks.anomaly import answer_codes, precision_at_k
from ..models import Project
from .features import Features
from .retrain_result import SEED, TrainResult, TrainSplit, all_answered, queue_scores, task_learner

__all__ = ["train_anomaly", "anomaly_snapshot_metrics", "MIN_CV_EACH"]

#: Fewest training answers of each kind (anomaly, normal) for a cross-validated ranking.
MIN_CV_EACH = 2


def _ranking(y: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    return {"precision_at_k": precision_at_k(y, scores),
            "average_precision": float(average_precision_score(y, scores))}


def _cross_validated(learner: Any) -> dict[str, Any]:
    """Each training answer scored by a detector whose classifier never saw it."""
    pool = learner.pool
    rows = pool.labeled_indices
    y = pool.labels_of(rows).astype(np.int64)
    rarer = min(int(y.sum()), int(len(y) - y.sum()))
    if rarer < MIN_CV_EACH:
        return {}
    folds = min(5, rarer)
    detector = copy.deepcopy(learner.model_)  # update() refits in place
    X = np.asarray(pool.X, dtype=float)
    held_out = np.empty(len(rows))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(rows, y):
        targets = np.full(pool.n_samples, -1, dtype=np.int64)
        targets[rows[train]] = y[train]
        held_out[test] = detector.update(X, targets).scores_[rows[test]]
    ranking = _ranking(y, held_out)
    return {"cv_precision_at_k": ranking["precision_at_k"],
            "cv_average_precision": ranking["average_precision"], "cv_n": len(rows),
            "cv_folds": folds}


def anomaly_snapshot_metrics(learner: Any, split: TrainSplit) -> dict[str, Any]:
    """Anomalies found per answer, and how well the detector ranks the answered items.

    Keys: ``headline`` (``"precision_at_k"``), ``anomalies_found``, ``n_answers``,
    ``found_per_label``, ``n_eval``; ``precision_at_k`` and ``average_precision`` on the
    labelled evaluation items when they hold both kinds; ``cv_precision_at_k``,
    ``cv_average_precision``, ``cv_n``, ``cv_folds`` with :data:`MIN_CV_EACH` training
    answers of each kind.
    """
    answers = [*split.train.values(), *split.eval_truth]
    found = sum(answer == "anomaly" for answer in answers)
    metrics: dict[str, Any] = {
        "headline": "precision_at_k", "anomalies_found": found, "n_answers": len(answers),
        "found_per_label": found / len(answers) if answers else None,
        "n_eval": int(split.eval_rows.size)}
    truth = np.array(answer_codes(split.eval_truth), dtype=np.int64)
    if 0 < truth.sum() < len(truth):
        metrics.update(_ranking(truth, learner.model_.scores_[split.eval_rows]))
    metrics.update(_cross_validated(learner))
    return metrics


def _describe(metrics: dict[str, Any]) -> str:
    """What the snapshot's figure is, in the 80 characters its column holds."""
    if "cv_precision_at_k" not in metrics:
        return f"needs {MIN_CV_EACH} answers of each kind for a CV precision@k"
    return (f"{metrics['cv_folds']}-fold CV precision@k on {metrics['cv_n']} answers "
            f"(evaluation items: {metrics['n_eval']})")


def train_anomaly(project: Project, features: Features, split: TrainSplit,
                  discovery: bool = True, state: dict[str, Any] | None = None
                  ) -> TrainResult | None:
    """Fit the detector on every item and the answers, score and describe the open items."""
    del discovery, state  # two fixed answers to look for; the strategies keep no state
    hooks, learner = task_learner(project, features, split.train)
    metrics = anomaly_snapshot_metrics(learner, split)
    pool = learner.pool
    unlabeled = np.setdiff1d(pool.unlabeled_indices, split.eval_rows)
    if unlabeled.size == 0:
        return all_answered(_describe(metrics), pool.n_labeled, int(split.eval_rows.size),
                            metrics)
    priority, score = queue_scores(learner.strategy_, pool, learner.model_, unlabeled)
    guess, suspicion = hooks.describe_guess(learner, unlabeled, features.columns)
    return TrainResult(unlabeled, priority, score, guess, suspicion, None, _describe(metrics),
                       pool.n_labeled, int(split.eval_rows.size), metrics=metrics)
