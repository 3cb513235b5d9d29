"""Retraining a cleaning project: confident learning over the given labels, corrections applied.

Every item of a cleaning project arrives with a given label (``data["given"]``).
A reviewer's answer keeps it or corrects it; the original is never overwritten.
Each retrain reviews the current labels (given, or corrected) through the cleaning
task's hooks and orders the unreviewed items by how likely their label is wrong.
The snapshot's metrics are counted, not estimated on held-out items: labels
reviewed, corrections made, and the errors confident learning still flags.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ..models import Project
from .features import Features, model_kind
from .retrain_result import SEED, TrainResult, TrainSplit
from .task_types import server_hooks

__all__ = ["train_cleaning", "corrected_label"]


def corrected_label(given: Any, answer: Any) -> Any:
    """The label an item holds after a review ``answer`` (None: not reviewed yet)."""
    if isinstance(answer, dict) and answer.get("action") == "relabel":
        return answer["label"]
    return given


def train_cleaning(project: Project, features: Features, split: TrainSplit,
                   discovery: bool = True, state: dict[str, Any] | None = None
                   ) -> TrainResult | None:
    """Review the current labels; score, suggest and flag every unreviewed item.

    Evaluation items are reviewed like the others (a review tests no model). None
    when no item has a given label.
    """
    del discovery, state  # confident learning keeps no state between retrains
    given = features.given or []
    reviews = {features.row_of[i]: v for i, v in split.train.items() if i in features.row_of}
    reviews.update(zip(split.eval_rows.tolist(), split.eval_truth, strict=True))
    rows = np.array([r for r, label in enumerate(given) if label is not None], dtype=np.intp)
    if rows.size == 0:
        return None
    current = [corrected_label(given[r], reviews.get(r)) for r in rows.tolist()]
    hooks = server_hooks(project.task_type)
    review = hooks.train(features.X, rows, current, labels=project.labels,
                         model=project.model_name,
                         kind=model_kind(project.task_type, project.featurizer),
                         strategy=project.strategy_name, random_state=SEED)
    open_positions = np.array([p for p, r in enumerate(rows.tolist()) if r not in reviews],
                              dtype=np.intp)
    corrections = sum(corrected_label(given[r], answer) != given[r]
                      for r, answer in reviews.items())
    left = int(review.flagged[open_positions].sum())
    metrics = {"headline": "errors_found", "measured": True, "reviewed": len(reviews),
               "corrections": int(corrections), "errors_left": left,
               "flagged": review.n_flagged, "open": int(open_positions.size),
               "errors_found": corrections / (corrections + left)
               if corrections + left else None}
    metric = f"{left} of {open_positions.size} unreviewed labels flagged"  # at most 80 chars
    counts = dict(Counter(str(label) for label in current))
    guess, confidence = hooks.describe_guess(review, open_positions)
    return TrainResult(review.rows[open_positions], review.priority[open_positions],
                       review.quality[open_positions], guess, confidence, None, metric,
                       len(reviews), metrics=metrics, class_counts=counts)
