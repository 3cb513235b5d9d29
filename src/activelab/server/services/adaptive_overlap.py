"""Adaptive overlap: a second or third annotator only where the first label is in doubt.

Under ``overlap_policy="adaptive"`` every item is served once; after each of
its labels, :func:`activelab.teams.needs_another_label` decides whether it goes
back into the queue for one more annotator, up to the project's ``overlap``.
An item's doubt combines the model's guess stored on it (made while it was
unlabelled, so out of sample), its labels, and each labeller's estimated
accuracy.  So another label is asked where the first answer disagrees with a
confident model, where the model is unsure (a hard item), or where the
annotator is unreliable.

Each annotator's accuracy is estimated, at every retrain, from their answers
measured against the best reference each item has: a gold answer, else a
reviewer's decision, else the majority of the other annotators' labels, else
the model's stored guess.  It is smoothed towards :data:`PRIOR_ACCURACY`, so a
new annotator is neither trusted nor distrusted much.  The decision is stored
as ``items.labels_wanted``; :mod:`.queue` serves an item while it has fewer
labels (and leases) than that.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.orm import Session

from ...exceptions import ConfigError
from ...teams import needs_another_label
from ..models import Item, Label, LabelSource, Project, Role, TaskType, User
from .task_types import reviews_labels, takes_numbers

__all__ = ["OVERLAP_POLICIES", "TARGET", "PRIOR_ACCURACY", "check_overlap_policy",
           "guess_proba", "annotator_accuracy", "refresh_labels_wanted", "decide_item",
           "item_needs_another"]

#: ``fixed``: ``overlap`` labels for every item (the default); ``adaptive``: see above.
OVERLAP_POLICIES = ("fixed", "adaptive")
#: The posterior probability an item's label must reach before it needs no more labels.
TARGET = 0.95
#: An annotator's accuracy before any evidence, and how many answers that guess is worth.
PRIOR_ACCURACY, PRIOR_WEIGHT = 0.75, 2.0
#: The key of imported pre-labels (they have no user) in ``projects.annotator_accuracy``.
IMPORT_KEY = "import"


def adaptive_allowed(task_type: str) -> bool:
    """Single-label tasks with named classes (not numbers, label sets, boxes, reviews)."""
    return task_type not in (TaskType.multilabel_text, TaskType.image_regions) \
        and not takes_numbers(task_type) and not reviews_labels(task_type)


def check_overlap_policy(task_type: str, policy: str, overlap: int) -> None:
    """ConfigError (422) for an unknown policy, or adaptive overlap that cannot work."""
    if policy not in OVERLAP_POLICIES:
        raise ConfigError(f"unknown overlap_policy {policy!r}; choose one of "
                          f"{', '.join(OVERLAP_POLICIES)}")
    if policy != "adaptive":
        return
    if overlap < 2:
        raise ConfigError("overlap_policy 'adaptive' decides whether an item gets a second "
                          "label, so it needs overlap 2 or more (the most labels an item may "
                          "get); set overlap too, e.g. {\"overlap\": 3, "
                          "\"overlap_policy\": \"adaptive\"}")
    if not adaptive_allowed(task_type):
        raise ConfigError(f"overlap_policy 'adaptive' needs single-label answers from a set "
                          f"of classes; a {task_type} project takes fixed overlap only")


def guess_proba(guess: Any, probability: float | None, classes: list[str]) -> np.ndarray:
    """The model's stored guess as class probabilities: the guessed class gets its stored
    probability, the other classes share the rest (uniform without a guess)."""
    proba = np.full(len(classes), 1.0 / len(classes))
    if guess in classes and probability is not None and len(classes) > 1:
        proba[:] = (1 - probability) / (len(classes) - 1)
        proba[classes.index(guess)] = probability
    return proba


def _key(user_id: int | None) -> str:
    return IMPORT_KEY if user_id is None else str(user_id)


def _smoothed(right: float, seen: float) -> float:
    return (right + PRIOR_ACCURACY * PRIOR_WEIGHT) / (seen + PRIOR_WEIGHT)


def _item_labels(session: Session | Connection, project_id: int,
                 item_ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
    """Item id -> {labeller key: value} (a person's latest active label), and the reviews
    under the key ``review``.  Reviewers' own answers and skips are left out."""
    query = (select(Label.item_id, Label.user_id, Label.value, Label.source)
             .outerjoin(User, User.id == Label.user_id)
             .where(Label.project_id == project_id, Label.undone.is_(False),
                    Label.is_skip.is_(False),
                    (User.role.is_(None)) | (User.role != Role.reviewer.value)
                    | (Label.source == LabelSource.review.value))
             .order_by(Label.id))
    if item_ids is not None:
        query = query.where(Label.item_id.in_(item_ids))
    labels: dict[int, dict[str, Any]] = {}
    for item_id, user_id, value, source in session.execute(query):
        key = "review" if source == LabelSource.review.value else _key(user_id)
        labels.setdefault(item_id, {})[key] = value  # later rows win
    return labels


def annotator_accuracy(session: Session, project: Project) -> dict[str, float]:
    """Each labeller's estimated accuracy (see the module's docstring), by :func:`_key`."""
    labels = _item_labels(session, project.id)
    references = {item_id: (gold, guess) for item_id, gold, guess in session.execute(
        select(Item.id, Item.gold_answer, Item.predicted).where(
            Item.project_id == project.id, Item.n_labels > 0))}
    tally: dict[str, list[float]] = {}
    for item_id, by in labels.items():
        gold, guess = references.get(item_id, (None, None))
        for key, value in by.items():
            if key == "review":
                continue
            others = Counter(v for k, v in by.items() if k not in (key, "review"))
            top = others.most_common(2)
            if gold is not None:
                reference = gold
            elif "review" in by:
                reference = by["review"]
            elif top and (len(top) == 1 or top[0][1] > top[1][1]):
                reference = top[0][0]
            elif not top and guess is not None:
                reference = guess
            else:
                continue
            right_seen = tally.setdefault(key, [0.0, 0.0])
            right_seen[0] += value == reference
            right_seen[1] += 1
    return {key: round(_smoothed(right, seen), 6) for key, (right, seen) in tally.items()}


def item_needs_another(by: dict[str, Any], proba: np.ndarray, classes: list[str],
                   accuracy: dict[str, float], overlap: int) -> bool:
    """Whether an item with labels ``by`` (labeller key -> value, ``review`` for a
    reviewer's decision) needs one more label, given the model's ``proba`` (n_classes,)
    and the labellers' estimated ``accuracy`` (unknown ones: :data:`PRIOR_ACCURACY`)."""
    if "review" in by:  # a reviewer settled it
        return False
    keys = [key for key, value in by.items() if value in classes]
    if not keys:
        return False
    ratings = np.array([[classes.index(by[key]) for key in keys]], dtype=np.intp)
    known = np.array([accuracy.get(key, PRIOR_ACCURACY) for key in keys])
    return bool(needs_another_label(ratings, proba[None], known, TARGET, overlap)[0])


def refresh_labels_wanted(session: Session, project: Project) -> int:
    """Re-estimate the annotators' accuracies and re-decide every labelled item; returns
    how many items changed.  A no-op under fixed overlap (the queue ignores the column)."""
    if project.overlap_policy != "adaptive":
        return 0
    accuracy = annotator_accuracy(session, project)
    project.annotator_accuracy = accuracy
    classes = list(project.labels)
    labels = _item_labels(session, project.id)
    changes = []
    for item_id, n_labels, wanted, guess, probability in session.execute(
            select(Item.id, Item.n_labels, Item.labels_wanted, Item.predicted,
                   Item.predicted_proba).where(Item.project_id == project.id,
                                               Item.is_gold.is_(False), Item.n_labels > 0)):
        another = n_labels < project.overlap and item_needs_another(
            labels.get(item_id, {}), guess_proba(guess, probability, classes), classes,
            accuracy, project.overlap)
        target = min(n_labels + 1, project.overlap) if another else n_labels
        if target != wanted:
            changes.append({"id": item_id, "labels_wanted": target})
    if changes:
        session.execute(update(Item), changes)
    return len(changes)


_ITEM = select(Item.n_labels, Item.is_gold, Item.predicted, Item.predicted_proba).where(
    Item.id == bindparam("item_id"))
_ACCURACY = select(Project.annotator_accuracy).where(Project.id == bindparam("project_id"))
_SET_WANTED = update(Item).where(Item.id == bindparam("item_id")).values(
    labels_wanted=bindparam("wanted"))


def decide_item(conn: Connection, project: Any, item_id: int) -> None:
    """After a label of ``item_id``: does it go back into the queue for one more annotator?

    Runs inside the labelling transaction (``project`` needs ``id``, ``labels`` and
    ``overlap``); uses the accuracies stored at the last retrain.
    """
    item = conn.execute(_ITEM, {"item_id": item_id}).one()
    if item.is_gold:
        return
    classes = list(project.labels)
    accuracy = conn.scalar(_ACCURACY, {"project_id": project.id}) or {}
    by = _item_labels(conn, project.id, [item_id]).get(item_id, {})
    another = item.n_labels < project.overlap and item_needs_another(
        by, guess_proba(item.predicted, item.predicted_proba, classes), classes, accuracy,
        project.overlap)
    conn.execute(_SET_WANTED, {"item_id": item_id,
                               "wanted": item.n_labels + 1 if another else item.n_labels})
