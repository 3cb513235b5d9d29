"""Reviewing pre-labels: labels read from an imported file (``source="import"``, no user).

A pre-label counts as a label, so a pre-labelled item is finished once it has
``overlap`` labels.  A reviewer (an admin or a member of the project) may
confirm it or change it: the pre-label is retired (``undone``) and the
reviewer's own label takes its place, so the item's label count stays.  An
admin may instead reopen the item: the pre-label is retired and the item goes
back to the queue for annotators.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..errors import ConflictError, NotFoundError
from ..models import Item, Label, LabelSource, Project, User, utcnow
from .audit import record_event
from .projects import require_active, require_admin
from .task_types import answer_space
from .tasks import validate_label_value

__all__ = ["list_prelabels", "label_sources", "review_prelabel", "reopen_prelabel"]

_ACTIVE_IMPORTS = (Label.source == LabelSource.imported.value, Label.undone.is_(False))


def list_prelabels(session: Session, project: Project, limit: int = 50,
                   offset: int = 0) -> dict[str, Any]:
    """The project's active pre-labels (oldest first) and how many there are."""
    where = (Label.project_id == project.id, *_ACTIVE_IMPORTS)
    total = session.scalar(select(func.count()).select_from(Label).where(*where))
    rows = session.execute(
        select(Label.id, Label.item_id, Item.external_id, Label.value, Label.created_at)
        .join(Item, Item.id == Label.item_id).where(*where)
        .order_by(Label.id).limit(limit).offset(offset))
    return {"total": int(total or 0),
            "items": [{"label_id": r.id, "item_id": r.item_id, "external_id": r.external_id,
                       "value": r.value, "created_at": r.created_at} for r in rows]}


def label_sources(session: Session, project: Project) -> dict[str, int]:
    """Active labels (not skips) per source: ``{"annotator": n, "import": m, "review": r}``."""
    counts = {source.value: 0 for source in LabelSource}
    rows = session.execute(
        select(Label.source, func.count()).where(
            Label.project_id == project.id, Label.undone.is_(False), Label.is_skip.is_(False))
        .group_by(Label.source))
    for source, count in rows:
        counts[source] = int(count)
    return counts


def _active_prelabel(session: Session, project: Project, label_id: int) -> Label:
    label = session.scalar(select(Label).where(
        Label.id == label_id, Label.project_id == project.id, *_ACTIVE_IMPORTS))
    if label is None:
        raise NotFoundError(f"no active pre-label with id {label_id} in project {project.id}")
    # PostgreSQL: one reviewer at a time per item (SQLite: the write transaction's lock).
    session.execute(select(Item.id).where(Item.id == label.item_id).with_for_update())
    session.refresh(label)
    if label.undone:
        raise ConflictError(f"pre-label {label_id} was reviewed meanwhile")
    return label


def review_prelabel(session: Session, project: Project, user: User, label_id: int,
                    value: Any = None) -> Label:
    """Confirm a pre-label (``value`` None) or change it; the reviewer's label replaces it.

    Raises
    ------
    NotFoundError
        No active pre-label ``label_id`` in the project.
    ConflictError
        The project is archived, or the reviewer has labelled the item already.
    UnknownLabelError
        ``value`` is not a valid label of the project.
    """
    require_active(project)
    new_value = (validate_label_value(project.task_type, project.labels, value,
                                      answer_space(project))
                 if value is not None else None)
    label = _active_prelabel(session, project, label_id)
    mine = session.scalar(select(Label.id).where(
        Label.item_id == label.item_id, Label.user_id == user.id, Label.undone.is_(False)))
    if mine is not None:
        raise ConflictError(f"you have answered item {label.item_id} already (label {mine})")
    now = utcnow()
    label.undone, label.undone_at = True, now
    reviewed = Label(project_id=project.id, item_id=label.item_id, user_id=user.id,
                     value=label.value if new_value is None else new_value, is_skip=False,
                     undone=False, source=LabelSource.annotator.value, created_at=now)
    session.add(reviewed)
    session.flush()
    return reviewed


def reopen_prelabel(session: Session, project: Project, user: User, label_id: int) -> int:
    """Retire a pre-label so that annotators label the item afresh; returns the item id."""
    require_admin(user)
    require_active(project)
    label = _active_prelabel(session, project, label_id)
    label.undone, label.undone_at = True, utcnow()
    session.execute(update(Item).where(Item.id == label.item_id)
                    .values(n_labels=Item.n_labels - 1))
    record_event(session, user, "reopen pre-label", project, label_id=label_id,
                 item_id=label.item_id)
    return label.item_id


