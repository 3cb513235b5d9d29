"""The audit trail: who did what, and when.

Two sources, read as one, newest first:

- ``audit_events`` rows, written in the same transaction as the change they
  record: archive, unarchive, delete, membership, role and account changes,
  reviewers' decisions (accept or override), gold marks, pre-label reopening,
  exports.
- the labels table itself, which is append-only: every label, skip and
  pre-label is an event when it is created, and an ``undo`` when it is taken
  back (by its author's undo or reopen; a pre-label or a reviewer's decision is
  ``replaced``).  Nothing is written twice on the annotation hot path, and no
  correction destroys a record.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..._spreadsheet import neutralise_cell
from ..models import AuditEvent, Label, LabelSource, Project, User

__all__ = ["record_event", "list_events", "export_events", "AUDIT_FIELDS"]

#: The fields of one audit record, in the CSV export's column order.
AUDIT_FIELDS = ("created_at", "username", "action", "project_id", "project_name", "detail")


def record_event(session: Session, user: User, action: str, project: Project | None,
                 **detail: Any) -> AuditEvent:
    """Add an audit record to the caller's transaction (it commits with the change itself)."""
    event = AuditEvent(user_id=user.id, username=user.username, action=action,
                       project_id=project.id if project is not None else None,
                       project_name=project.name if project is not None else "",
                       detail=detail)
    session.add(event)
    return event


def _stored(session: Session, project_id: int | None, limit: int) -> list[dict[str, Any]]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if project_id is not None:
        query = query.where(AuditEvent.project_id == project_id)
    return [{"id": e.id, "user_id": e.user_id, "username": e.username, "action": e.action,
             "project_id": e.project_id, "project_name": e.project_name, "detail": e.detail,
             "created_at": e.created_at} for e in session.scalars(query)]


def _label_action(source: str, is_skip: bool) -> str:
    if source == LabelSource.imported.value:
        return "pre-label"
    if source == LabelSource.review.value:
        return "review decision"
    return "skip" if is_skip else "label"


def _from_labels(session: Session, project_id: int | None, limit: int,
                 undone: bool) -> list[dict[str, Any]]:
    """Label events: creations, or (``undone``) take-backs, newest first."""
    author = aliased(User)
    when = Label.undone_at if undone else Label.created_at
    query = (select(Label, author.username, Project.name)
             .join(Project, Project.id == Label.project_id)
             .outerjoin(author, author.id == Label.user_id)
             .order_by(when.desc(), Label.id.desc()).limit(limit))
    if undone:
        query = query.where(Label.undone.is_(True), Label.undone_at.is_not(None))
    if project_id is not None:
        query = query.where(Label.project_id == project_id)
    events = []
    for label, username, project_name in session.execute(query):
        action = _label_action(label.source, label.is_skip)
        if undone:
            action = "undo" if label.source == LabelSource.annotator.value else "replaced"
        events.append({"id": None, "user_id": label.user_id,
                       "username": username or "(import)", "action": action,
                       "project_id": label.project_id, "project_name": project_name,
                       "detail": {"label_id": label.id, "item_id": label.item_id,
                                  "value": label.value, "source": label.source},
                       "created_at": _when(label, undone)})
    return events


def _when(label: Label, undone: bool) -> datetime:
    """When the label was made, or taken back."""
    return label.undone_at if undone and label.undone_at is not None else label.created_at


def list_events(session: Session, project_id: int | None = None,
                limit: int = 100) -> list[dict[str, Any]]:
    """The latest ``limit`` audit records, newest first; only those of ``project_id`` when given."""
    merged = (_stored(session, project_id, limit) + _from_labels(session, project_id, limit, False)
              + _from_labels(session, project_id, limit, True))
    merged.sort(key=lambda event: event["created_at"], reverse=True)
    return merged[:limit]


def export_events(session: Session, project_id: int | None, fmt: str,
                  limit: int) -> Iterator[str]:
    """The audit records as JSONL or CSV (cells a spreadsheet would run are neutralised)."""
    events = list_events(session, project_id, limit)
    if fmt == "jsonl":
        for event in events:
            yield json.dumps({**event, "created_at": event["created_at"].isoformat()},
                             ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_FIELDS)
    for event in events:
        row = {**event, "created_at": event["created_at"].isoformat(),
               "detail": json.dumps(event["detail"], ensure_ascii=False)}
        writer.writerow([neutralise_cell(str(row[name] if row[name] is not None else ""))
                         for name in AUDIT_FIELDS])
    yield buffer.getvalue()
