"""Reviewing combined labels: a queue of the doubtful items, accept or override.

The queue ranks the labelled items no reviewer has decided yet by
``disagreement + (1 - confidence) + model_doubt``: the share of the item's
labels that differ from its most frequent one, how unsure the project's
aggregation is of its combined label, and the model's probability for a
class other than the combined label (its stored guess; 0 when it agrees or
has not guessed).  A decision is a label of source ``review``: the item's
label from then on (:mod:`.consensus`), the original labels kept.  Reviewers
(role ``reviewer``, members of the project) and admins review.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import NotFoundError, PermissionDeniedError
from ..models import Item, Label, LabelSource, Project, Role, User, utcnow
from .audit import record_event
from .consensus import ItemConsensus, consensus_labels
from .projects import require_active
from .tasks import validate_label_value

__all__ = ["require_reviewer", "review_queue", "review_item"]

_BATCH = 500


def require_reviewer(user: User) -> None:
    """PermissionDeniedError (403) unless ``user`` is an admin or a reviewer."""
    if user.role not in (Role.admin.value, Role.reviewer.value):
        raise PermissionDeniedError("only reviewers and admins review labels")


def _disagreement(chosen: ItemConsensus) -> float:
    values = [repr(label["value"]) for label in chosen.raw]
    if len(values) < 2:
        return 0.0
    return 1 - max(Counter(values).values()) / len(values)


def review_queue(session: Session, project: Project, limit: int = 50) -> dict[str, Any]:
    """The labelled, unreviewed items, most doubtful first, and how many there are."""
    chosen = {item_id: c for item_id, c in consensus_labels(session, project).items()
              if c.review is None}
    ids = sorted(chosen)
    items: dict[int, Any] = {}
    for start in range(0, len(ids), _BATCH):
        for row in session.execute(
                select(Item.id, Item.external_id, Item.data, Item.predicted,
                       Item.predicted_proba).where(Item.id.in_(ids[start:start + _BATCH]))):
            items[row.id] = row
    ranked = []
    for item_id in ids:
        entry, row = chosen[item_id], items[item_id]
        doubt = float(row.predicted_proba or 0.0) \
            if row.predicted is not None and row.predicted != entry.value else 0.0
        disagreement = _disagreement(entry)
        priority = disagreement + (1 - entry.confidence) + doubt
        ranked.append((-priority, item_id, {
            "item_id": item_id, "external_id": row.external_id, "data": row.data,
            "label": entry.value, "confidence": round(entry.confidence, 6),
            "disagreement": round(disagreement, 6), "model_guess": row.predicted,
            "model_probability": row.predicted_proba, "priority": round(priority, 6),
            "labels": [{"annotator": raw["annotator"], "value": raw["value"],
                        "source": raw["source"]} for raw in entry.raw]}))
    ranked.sort(key=lambda entry: entry[:2])
    return {"total": len(ranked), "aggregation": project.aggregation,
            "items": [entry for _, _, entry in ranked[:limit]]}


def review_item(session: Session, project: Project, user: User, item_id: int,
                value: Any = None) -> dict[str, Any]:
    """Accept the item's combined label (``value`` None) or override it with ``value``.

    A later decision on the same item replaces the earlier one (retired, kept).

    Raises
    ------
    PermissionDeniedError
        The caller is neither a reviewer nor an admin.
    NotFoundError
        The project has no labelled item ``item_id``.
    ConflictError
        The project is archived.
    UnknownLabelError
        ``value`` is not a valid label of the project.
    """
    require_reviewer(user)
    require_active(project)
    new_value = (validate_label_value(project.task_type, project.labels, value)
                 if value is not None else None)
    # PostgreSQL: one decision at a time per item (SQLite: the write transaction's lock).
    if session.scalar(select(Item.id).where(Item.id == item_id, Item.project_id == project.id)
                      .with_for_update()) is None:
        raise NotFoundError(f"no item {item_id} in project {project.id}")
    current = consensus_labels(session, project).get(item_id)
    if current is None:
        raise NotFoundError(f"item {item_id} has no label to review yet")
    now = utcnow()
    session.execute(update(Label).where(
        Label.item_id == item_id, Label.source == LabelSource.review.value,
        Label.undone.is_(False)).values(undone=True, undone_at=now))
    decided = current.value if new_value is None else new_value
    label = Label(project_id=project.id, item_id=item_id, user_id=user.id, value=decided,
                  is_skip=False, undone=False, source=LabelSource.review.value,
                  created_at=now)
    session.add(label)
    session.flush()
    record_event(session, user, "review override" if decided != current.value
                 else "review accept", project, item_id=item_id, label_id=label.id,
                 value=decided, previous=current.value)
    return {"item_id": item_id, "label_id": label.id, "value": decided,
            "previous": current.value, "overridden": decided != current.value}
