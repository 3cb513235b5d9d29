"""An annotator's history: their recent answers in a project, each naming its item."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, select

from ..models import Item, Label
from .tasks import is_image_task

__all__ = ["recent_labels"]

_RECENT = (select(Label.id, Label.item_id, Label.value, Label.is_skip, Label.created_at,
                  Item.external_id, Item.data)
           .join(Item, Item.id == Label.item_id)
           .where(Label.project_id == bindparam("project_id"),
                  Label.user_id == bindparam("user_id"), Label.undone.is_(False))
           .order_by(Label.id.desc()).limit(bindparam("limit")))
#: How much of an item's text or columns a history entry shows.
_SUMMARY_CHARS = 60


def _clip(text: str) -> str:
    return text if len(text) <= _SUMMARY_CHARS else text[:_SUMMARY_CHARS - 1] + "…"


def _summary(item_id: int, external_id: str | None, data: dict[str, Any]) -> str:
    """A short line naming an item: its text's start, its pair's records, first columns, or
    its id."""
    if isinstance(data.get("text"), str):
        return _clip(" ".join(data["text"].split()))
    if isinstance(data.get("left"), dict) and isinstance(data.get("right"), dict):  # a pair
        return _clip(f"{data['left'].get('id')} vs {data['right'].get('id')}")
    if isinstance(data.get("columns"), dict) and data["columns"]:
        return _clip(", ".join(f"{k}={v}" for k, v in list(data["columns"].items())[:3]))
    return f"item {external_id}" if external_id else f"item {item_id}"


def recent_labels(conn: Connection, project: Any, user_id: int,
                  limit: int) -> list[dict[str, Any]]:
    """The caller's latest labels and skips in ``project`` (not undone), newest first.

    Each entry has ``label_id``, ``item_id``, ``external_id``, ``summary`` (a
    short line naming the item), ``image_url`` (image tasks, else None),
    ``value``, ``is_skip`` and ``created_at``.  ``project`` needs ``id`` and
    ``task_type``.
    """
    rows = conn.execute(_RECENT, {"project_id": project.id, "user_id": user_id,
                                  "limit": limit}).all()
    images = is_image_task(project.task_type)
    return [{"label_id": r.id, "item_id": r.item_id, "external_id": r.external_id,
             "summary": _summary(r.item_id, r.external_id, r.data or {}),
             "image_url": (f"/api/projects/{project.id}/items/{r.item_id}/image"
                           if images else None),
             "value": r.value, "is_skip": r.is_skip, "created_at": r.created_at}
            for r in rows]
