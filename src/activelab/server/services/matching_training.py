"""Retraining a matching project: a pair classifier on the answers, pair F1, match probabilities.

The learner comes from the matching task's server hooks (through the registry,
:mod:`.task_types`); the project's strategy (default ``margin``) orders the candidate
pairs and each open pair gets the model's guess with its match probability. The
snapshot's metrics are pair F1, precision and recall of "same" on the labelled
evaluation pairs (unbiased, when the project has some) and cross-validated over the
training answers (biased: the pairs the strategy picked), and the matches the model
expects among the pairs not answered yet.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from ...models import class_probabilities
from ...tasks.matching import MATCH, NON_MATCH, match_metrics
from ..models import Project
from .features import Features, model_kind
from .retrain_result import SEED, TrainResult, TrainSplit, describe_cv, queue_scores
from .task_types import fixed_labels, server_hooks

__all__ = ["train_matching", "MIN_CV_ANSWERS"]

#: Fewest answers of each kind ("same", "different") for a cross-validated F1.
MIN_CV_ANSWERS = 2


def _as_match(values: Any, same: str) -> np.ndarray:
    return np.where(np.asarray(values, dtype=object) == same, MATCH, NON_MATCH)


def _scored(truth: Any, guessed: Any, same: str, prefix: str = "") -> dict[str, float]:
    measured = match_metrics(_as_match(truth, same), _as_match(guessed, same))
    return {prefix + name: measured[name] for name in ("f1", "precision", "recall")}


def _metrics(learner: Any, split: TrainSplit, same: str) -> dict[str, Any]:
    pool = learner.pool
    metrics: dict[str, Any] = {"headline": "f1", "n_eval": int(split.eval_rows.size)}
    if split.eval_rows.size:
        proba = class_probabilities(learner.model_, pool.take(split.eval_rows), pool.n_classes)
        metrics.update(_scored(split.eval_truth, pool.decode(proba.argmax(axis=1)), same))
    X_labeled, y = pool.training_data()
    folds = min(5, int(np.bincount(y, minlength=pool.n_classes).min()))
    if folds >= MIN_CV_ANSWERS:  # stratified: every fold holds both answers
        cv = StratifiedKFold(folds, shuffle=True, random_state=SEED)
        guessed = cross_val_predict(clone(learner.estimator), X_labeled, y, cv=cv)
        metrics.update(_scored(pool.decode(y), pool.decode(guessed), same, "cv_"),
                       cv_n=len(y), cv_folds=folds)
    return metrics


def _describe(metrics: dict[str, Any]) -> str:
    return describe_cv(metrics, "pair F1", f"needs {MIN_CV_ANSWERS} answers of each kind "
                       "for a cross-validated pair F1")


def train_matching(project: Project, features: Features, split: TrainSplit,
                   discovery: bool = True, state: dict[str, Any] | None = None
                   ) -> TrainResult | None:
    """Train on the pairs answered, score the open pairs, guess whether they match.

    None until both "same" and "different" have been answered (the queue keeps its order).
    """
    del discovery, state  # two answers, both asked from the start; margin keeps no state
    labels = list(fixed_labels(project.task_type) or project.labels)
    same = labels[0]
    answers = split.train
    rows = np.array([features.row_of[i] for i in answers if i in features.row_of],
                    dtype=np.intp)
    hooks = server_hooks(project.task_type)
    learner = hooks.train(features.X, rows, [answers[int(features.item_ids[r])] for r in rows],
                          labels=labels, model=project.model_name,
                          kind=model_kind(project.task_type, project.featurizer),
                          strategy=project.strategy_name, random_state=SEED)
    if learner.model_ is None:
        return None
    metrics = _metrics(learner, split, same)
    pool = learner.pool
    unlabeled = np.setdiff1d(pool.unlabeled_indices, split.eval_rows)
    counts = {name: int(n) for name, n in zip(labels, np.bincount(
        pool.training_data()[1], minlength=len(labels)).tolist(), strict=True)}
    if unlabeled.size == 0:  # every pair is answered: only the learning curve moves
        nothing = np.empty(0)
        metrics["estimated_matches_left"] = 0.0
        return TrainResult(unlabeled, nothing, nothing, [], nothing, None, _describe(metrics),
                           pool.n_labeled, int(split.eval_rows.size), metrics=metrics,
                           class_counts=counts)
    proba = class_probabilities(learner.model_, pool.take(unlabeled), pool.n_classes)
    # The model's expected number of matches among the pairs nobody answered yet.
    metrics["estimated_matches_left"] = float(proba[:, pool.classes_.tolist().index(same)].sum())
    priority, score = queue_scores(learner.strategy_, pool, learner.model_, unlabeled)
    guess, confidence = hooks.describe_guess(proba, pool.classes_.tolist())
    return TrainResult(unlabeled, priority, score, guess, confidence, None, _describe(metrics),
                       pool.n_labeled, int(split.eval_rows.size), metrics=metrics,
                       class_counts=counts)
