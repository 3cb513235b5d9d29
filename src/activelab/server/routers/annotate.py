"""The annotation loop: next item, heartbeat, label or skip, undo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from ..deps import (
    CurrentUser,
    FactoryDep,
    PathId,
    ProjectDep,
    SessionDep,
    SettingsDep,
    WorkerDep,
)
from ..errors import NotFoundError
from ..models import Item
from ..schemas import LabelIn, LabelOut, LeaseOut, NextOut
from ..services import queue
from ..services.projects import progress

router = APIRouter(prefix="/api/projects/{project_id}", tags=["annotate"])


def _serve(session: SessionDep, project: Any, item_id: int, expires: Any) -> dict[str, Any]:
    item = session.get(Item, item_id, populate_existing=True)
    if item is None:  # deleted since it was leased
        raise NotFoundError(f"item {item_id} no longer exists")
    return queue.served_item(item, project, expires)


@router.get("/next", response_model=NextOut)
def next_item(project: ProjectDep, user: CurrentUser, session: SessionDep, factory: FactoryDep,
              settings: SettingsDep) -> dict[str, Any]:
    """Lease the most informative open item to the caller (``item`` is null when none is left)."""
    leased = queue.lease_next(factory, project, user, settings.lease_seconds)
    item = _serve(session, project, *leased) if leased else None
    return {"item": item, "progress": progress(session, project, user)}


@router.post("/leases/{item_id}/heartbeat", response_model=LeaseOut)
def keep_alive(item_id: PathId, project: ProjectDep, user: CurrentUser, factory: FactoryDep,
               settings: SettingsDep) -> dict[str, Any]:
    expires = queue.heartbeat(factory, project, user, item_id, settings.lease_seconds)
    return {"item_id": item_id, "expires_at": expires}


@router.post("/labels", response_model=LabelOut, status_code=status.HTTP_201_CREATED)
def add_label(body: LabelIn, project: ProjectDep, user: CurrentUser, factory: FactoryDep,
              worker: WorkerDep) -> Any:
    """Record a label or a skip; it is committed before the response is sent."""
    label = queue.record_label(factory, project, user, body.item_id, body.value, body.skip)
    worker.notify(project.id)
    return LabelOut(id=label.id, item_id=label.item_id, value=label.value,
                    is_skip=label.is_skip, created_at=label.created_at)


@router.post("/undo", response_model=NextOut)
def undo(project: ProjectDep, user: CurrentUser, session: SessionDep, factory: FactoryDep,
         settings: SettingsDep, worker: WorkerDep) -> dict[str, Any]:
    """Undo the caller's latest label or skip and serve that item again."""
    label, expires = queue.undo_last(factory, project, user, settings.lease_seconds)
    worker.notify(project.id)
    item = _serve(session, project, label.item_id, expires)
    item["previous"] = {"value": label.value, "skipped": label.is_skip}
    return {"item": item, "progress": progress(session, project, user)}
