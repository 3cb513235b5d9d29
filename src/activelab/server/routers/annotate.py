"""The annotation loop: next item, heartbeat, label or skip, undo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from starlette.concurrency import run_in_threadpool

from ..deps import PathId, caller_and_project
from ..schemas import LabelIn, LabelOut, LeaseOut, NextOut
from ..services import queue
from ..services.projects import progress

router = APIRouter(prefix="/api/projects/{project_id}", tags=["annotate"])


@router.get("/next", response_model=NextOut)
async def next_item(request: Request, project_id: PathId) -> dict[str, Any]:
    """Lease the most informative open item to the caller (``item`` is null when none is left)."""
    return await run_in_threadpool(_next_item, request, project_id)


def _next_item(request: Request, project_id: int) -> dict[str, Any]:
    state = request.app.state
    with state.engine.connect() as conn:  # one checkout for the whole request
        user, project = caller_and_project(request, conn, project_id)
        # Read before leasing (leasing changes no count): on PostgreSQL the lease
        # transaction then carries on from these reads, with no round trip to end them.
        counts = progress(conn, project, user)
        leased = queue.lease_next(conn, project, user.id, state.settings.lease_seconds)
        item = queue.served_item(leased[0], project, leased[1]) if leased else None
        return {"item": item, "progress": counts}


@router.post("/leases/{item_id}/heartbeat", response_model=LeaseOut)
async def keep_alive(request: Request, project_id: PathId, item_id: PathId) -> dict[str, Any]:
    return await run_in_threadpool(_keep_alive, request, project_id, item_id)


def _keep_alive(request: Request, project_id: int, item_id: int) -> dict[str, Any]:
    state = request.app.state
    with state.engine.connect() as conn:
        user, project = caller_and_project(request, conn, project_id)
        expires = queue.heartbeat(conn, project.id, user.id, item_id,
                                  state.settings.lease_seconds)
    return {"item_id": item_id, "expires_at": expires}


@router.post("/labels", response_model=LabelOut, status_code=status.HTTP_201_CREATED)
async def add_label(body: LabelIn, request: Request, project_id: PathId) -> Any:
    """Record a label or a skip; it is committed before the response is sent."""
    return await run_in_threadpool(_add_label, body, request, project_id)


def _add_label(body: LabelIn, request: Request, project_id: int) -> LabelOut:
    state = request.app.state
    with state.engine.connect() as conn:
        user, project = caller_and_project(request, conn, project_id)
        label = queue.record_label(conn, project, user.id, body.item_id, body.value, body.skip)
    state.worker.notify(project.id)
    return LabelOut(id=label.id, item_id=label.item_id, value=label.value,
                    is_skip=label.is_skip, created_at=label.created_at)


@router.post("/undo", response_model=NextOut)
async def undo(request: Request, project_id: PathId) -> dict[str, Any]:
    """Undo the caller's latest label or skip and serve that item again."""
    return await run_in_threadpool(_undo, request, project_id)


def _undo(request: Request, project_id: int) -> dict[str, Any]:
    state = request.app.state
    with state.engine.connect() as conn:
        user, project = caller_and_project(request, conn, project_id)
        label, row, expires = queue.undo_last(conn, project, user.id,
                                              state.settings.lease_seconds)
        counts = progress(conn, project, user)  # after the undo, which changes them
    state.worker.notify(project.id)
    item = queue.served_item(row, project, expires)
    item["previous"] = {"value": label.value, "skipped": label.is_skip}
    return {"item": item, "progress": counts}
