"""The audit trail: who archived, unarchived or deleted a project, or changed its members."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditEvent, Project, User

__all__ = ["record_event", "list_events"]


def record_event(session: Session, user: User, action: str, project: Project,
                 **detail: Any) -> AuditEvent:
    """Add an audit record to the caller's transaction (it commits with the change itself)."""
    event = AuditEvent(user_id=user.id, username=user.username, action=action,
                       project_id=project.id, project_name=project.name, detail=detail)
    session.add(event)
    return event


def list_events(session: Session, project_id: int | None = None,
                limit: int = 100) -> list[AuditEvent]:
    """The latest audit records, newest first; only those of ``project_id`` when given."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if project_id is not None:
        query = query.where(AuditEvent.project_id == project_id)
    return list(session.scalars(query))
