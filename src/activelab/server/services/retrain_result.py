"""What one retrain of any task gives back, and the queue order a strategy gives.

Shared by the trainers of :mod:`.training` (classification, multi-label),
:mod:`.regression_training` and :mod:`.anomaly_training`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...strategies import ScoreStrategy
from ...tasks.contract import ServerHooks
from .features import Features, model_kind
from .task_types import server_hooks

__all__ = ["TrainResult", "TrainSplit", "queue_scores", "task_learner", "all_answered",
           "describe_cv", "QUERY_DEPTH", "SEED"]

#: The random state of every model the server fits.
SEED = 0

#: Items ranked by strategies without a per-item score (cluster, density, greedy
#: sampling, ...); the rest follow in random order until the next retrain.
QUERY_DEPTH = 300


@dataclass
class TrainResult:
    rows: np.ndarray         # rows of the feature matrix that were scored
    priority: np.ndarray
    score: np.ndarray
    guess: list[Any]
    proba: np.ndarray
    accuracy: float | None   # cross-validated on the training labels (biased)
    metric: str
    n_labeled: int
    eval_n: int = 0          # labelled evaluation items, and how many the model got right
    eval_correct: int = 0
    strategy_state: dict[str, Any] | None = None  # to save: the strategy was queried
    strategy_note: str | None = None
    #: A task's own metrics (regression: RMSE, MAE), stored with the snapshot.
    metrics: dict[str, Any] | None = None
    #: Labels per class for the dashboard; None: counted from the training labels.
    class_counts: dict[str, int] | None = None


@dataclass
class TrainSplit:
    """The labels to train on and the labelled evaluation items' rows and labels."""

    train: dict[int, Any]
    eval_rows: np.ndarray
    eval_truth: list[Any]


def queue_scores(strategy: Any, pool: Any, model: Any, rows: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """(priority, score) of ``rows``: higher priority is served first."""
    if isinstance(strategy, ScoreStrategy):
        scores = strategy.score(pool, model, rows)
        return scores, scores
    priority = np.full(len(rows), np.nan)
    score = np.full(len(rows), np.nan)
    # Only the open items: labelled evaluation items are unlabelled to the pool.
    chosen, chosen_scores = strategy.query(pool, model, min(QUERY_DEPTH, len(rows)),
                                           candidates=rows, return_scores=True)
    position = {int(row): i for i, row in enumerate(rows.tolist())}
    for rank, (row, value) in enumerate(zip(chosen.tolist(), chosen_scores.tolist(),
                                            strict=True)):
        priority[position[row]] = float(len(chosen) - rank)
        score[position[row]] = value
    return priority, score


def task_learner(project: Any, features: Features, labels: dict[int, Any]
                 ) -> tuple[ServerHooks, Any]:
    """The hooks of the project's task, and its learner taught ``labels`` (item id -> answer)."""
    rows = np.array([features.row_of[i] for i in labels if i in features.row_of], dtype=np.intp)
    hooks = server_hooks(project.task_type)
    learner = hooks.train(features.X, rows, [labels[int(features.item_ids[r])] for r in rows],
                          labels=project.labels, model=project.model_name,
                          kind=model_kind(project.task_type, project.featurizer),
                          strategy=project.strategy_name, random_state=SEED)
    return hooks, learner


def all_answered(metric: str, n_labeled: int, eval_n: int, metrics: dict[str, Any],
                 class_counts: dict[str, int] | None = None) -> TrainResult:
    """The result of a task with its own metrics when no item is open: only the curve moves."""
    nothing = np.empty(0)
    return TrainResult(np.empty(0, dtype=np.intp), nothing, nothing, [], nothing, None, metric,
                       n_labeled, eval_n, metrics=metrics, class_counts=class_counts)


def describe_cv(metrics: dict[str, Any], what: str, needs: str) -> str:
    """A retrain's note: how its headline ``what`` was cross-validated, or what it ``needs``."""
    if f"cv_{metrics['headline']}" not in metrics:
        return needs
    return (f"{metrics['cv_folds']}-fold CV {what} on {metrics['cv_n']} labels "
            f"(evaluation items: {metrics['n_eval']})")
