"""The one label of each item: its labels combined by the project's aggregation method.

``majority``: the most frequent label, ties to the latest (confidence: its share
of the votes).  ``dawid-skene`` and ``model-consensus``: the methods of
:mod:`activelab.teams.aggregation`; every person is one annotator, and the
pre-labels of imported files count as one more.  ``model-consensus`` reads the
model's guess stored on each item (made while the item was still unlabelled,
so out of sample) as the model's probabilities: the guessed class gets the
stored probability, the other classes share the rest.

A reviewer's decision (a label of source ``review``) settles its item: it is
the item's label with confidence 1, the original labels stay (``raw``), and
Dawid–Skene and the model consensus measure the annotators against it.

Multi-label answers, boxes and reviews of given labels are not combined: the latest
label counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...teams import MISSING, Consensus, DawidSkene, model_consensus
from ..models import Item, Label, LabelSource, Project, TaskType, User
from .task_types import reviews_labels, takes_numbers

__all__ = ["ItemConsensus", "consensus_labels"]


@dataclass
class ItemConsensus:
    """An item's combined label, how sure the combination is, and the labels it came from."""

    value: Any
    confidence: float
    raw: list[dict[str, Any]] = field(default_factory=list)
    #: The reviewer's decision, when there is one (it is then ``value``).
    review: dict[str, Any] | None = None


def _raw_labels(session: Session, project_id: int) -> dict[int, list[dict[str, Any]]]:
    rows = session.execute(
        select(Label.item_id, Label.user_id, User.username, Label.value, Label.source)
        .outerjoin(User, User.id == Label.user_id)
        .where(Label.project_id == project_id, Label.undone.is_(False),
               Label.is_skip.is_(False))
        .order_by(Label.id))
    raw: dict[int, list[dict[str, Any]]] = {}
    for item_id, user_id, username, value, source in rows:
        raw.setdefault(item_id, []).append(
            {"annotator": username, "user_id": user_id, "value": value, "source": source})
    return raw


def _majority(values: list[Any]) -> tuple[Any, float]:
    counts = Counter(values)
    best = max(counts.values())
    return next(v for v in reversed(values) if counts[v] == best), best / len(values)


def _ratings(raw: dict[int, list[dict[str, Any]]], item_ids: list[int],
             classes: list[str]) -> np.ndarray:
    code = {name: i for i, name in enumerate(classes)}
    people = sorted({label["user_id"] or 0 for labels in raw.values() for label in labels}
                    ) or [0]
    column = {user_id: j for j, user_id in enumerate(people)}  # 0: the imported pre-labels
    ratings = np.full((len(item_ids), len(people)), MISSING, dtype=np.intp)
    for i, item_id in enumerate(item_ids):
        for label in raw[item_id]:  # oldest first: a person's latest label wins
            if label["value"] in code:
                ratings[i, column[label["user_id"] or 0]] = code[label["value"]]
    return ratings


def _model_proba(session: Session, item_ids: list[int], classes: list[str]) -> np.ndarray:
    proba = np.full((len(item_ids), len(classes)), 1.0 / len(classes))
    row = {item_id: i for i, item_id in enumerate(item_ids)}
    code = {name: k for k, name in enumerate(classes)}
    for start in range(0, len(item_ids), 500):
        for item_id, guess, p in session.execute(
                select(Item.id, Item.predicted, Item.predicted_proba)
                .where(Item.id.in_(item_ids[start:start + 500]))):
            if guess in code and p is not None and len(classes) > 1:
                proba[row[item_id]] = (1 - p) / (len(classes) - 1)
                proba[row[item_id], code[guess]] = p
    return proba


def _split_reviews(raw: dict[int, list[dict[str, Any]]]
                   ) -> tuple[dict[int, list[dict[str, Any]]], dict[int, dict[str, Any]]]:
    """(the labels of people and imports, the latest review of each reviewed item)."""
    labels: dict[int, list[dict[str, Any]]] = {}
    reviews: dict[int, dict[str, Any]] = {}
    for item_id, rows in raw.items():
        for row in rows:
            if row["source"] == LabelSource.review.value:
                reviews[item_id] = row
            else:
                labels.setdefault(item_id, []).append(row)
    return labels, reviews


def consensus_labels(session: Session, project: Project) -> dict[int, ItemConsensus]:
    """Item id -> the item's combined label, for every item with a label (skips aside)."""
    raw, reviews = _split_reviews(_raw_labels(session, project.id))
    # Reviews of given labels (cleaning) are not combined either: the latest counts.
    single = project.task_type not in (TaskType.multilabel_text, TaskType.image_regions) \
        and not reviews_labels(project.task_type)
    method = project.aggregation if single else "latest"
    chosen: dict[int, ItemConsensus] = {}
    if takes_numbers(project.task_type):  # several people's numbers: their mean
        for item_id, labels in raw.items():
            values = [float(label["value"]) for label in labels]
            chosen[item_id] = ItemConsensus(float(np.mean(values)), 1.0, labels)
    elif method in ("dawid-skene", "model-consensus"):
        chosen = _modelled(session, project, method, raw, reviews)
    else:
        for item_id, labels in raw.items():
            values = [label["value"] for label in labels]
            value, share = _majority(values) if single else (values[-1], 1.0)
            chosen[item_id] = ItemConsensus(value, share, labels)
    for item_id, review in reviews.items():
        chosen[item_id] = ItemConsensus(review["value"], 1.0, raw.get(item_id, []), review)
    return chosen


def _modelled(session: Session, project: Project, method: str,
              raw: dict[int, list[dict[str, Any]]], reviews: dict[int, dict[str, Any]]
              ) -> dict[int, ItemConsensus]:
    classes = list(project.labels)
    code = {name: k for k, name in enumerate(classes)}
    item_ids = sorted(set(raw) | set(reviews))
    ratings = _ratings({i: raw.get(i, []) for i in item_ids}, item_ids, classes)
    known = np.array([code.get(reviews[i]["value"], MISSING) if i in reviews else MISSING
                      for i in item_ids], dtype=np.intp)
    consensus: Consensus
    if method == "dawid-skene":
        consensus = DawidSkene(n_classes=len(classes)).fit(ratings, known).consensus()
    else:
        consensus = model_consensus(ratings, _model_proba(session, item_ids, classes),
                                    len(classes), known=known)
    return {item_id: ItemConsensus(classes[int(k)], float(confidence), raw.get(item_id, []))
            for item_id, k, confidence in zip(item_ids, consensus.labels,
                                              consensus.confidence, strict=True)
            if k != MISSING}
