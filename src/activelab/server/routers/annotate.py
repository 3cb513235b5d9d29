"""The annotation loop: next item, heartbeat, label or skip, undo, history and reopen."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from ..deps import PathId, caller_and_project
from ..schemas import LabelIn, LabelOut, LeaseOut, NextOut
from ..services import queue
from ..services.history import recent_labels
from ..services.projects import progress

router = APIRouter(prefix="/api/projects/{project_id}", tags=["annotate"])
#: The most history entries one request returns.
MAX_HISTORY = 200


class HistoryEntry(BaseModel):
    """One of the caller's answers, as the history panel lists it."""

    label_id: int
    item_id: int
    external_id: str | None
    summary: str
    image_url: str | None
    value: Any
    is_skip: bool
    created_at: datetime


@router.get("/next", response_model=NextOut, summary="Lease the next item")
async def next_item(request: Request, project_id: PathId) -> dict[str, Any]:
    """Lease the most informative open item to the caller, with why it was chosen.

    ``item`` is null when nothing is left for the caller; ``progress.total``
    is 0 when the project has no items at all.  Asking again while the lease
    is alive returns the same item.
    """
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


@router.post("/leases/{item_id}/heartbeat", response_model=LeaseOut,
             summary="Keep a lease alive")
async def keep_alive(request: Request, project_id: PathId, item_id: PathId) -> dict[str, Any]:
    """Extend the caller's lease on an item while they are still looking at it.

    409 when the item is not leased to the caller (the lease expired and was
    given to someone else): ask ``/next`` for an item.
    """
    return await run_in_threadpool(_keep_alive, request, project_id, item_id)


def _keep_alive(request: Request, project_id: int, item_id: int) -> dict[str, Any]:
    state = request.app.state
    with state.engine.connect() as conn:
        user, project = caller_and_project(request, conn, project_id)
        expires = queue.heartbeat(conn, project.id, user.id, item_id,
                                  state.settings.lease_seconds)
    return {"item_id": item_id, "expires_at": expires}


@router.post("/labels", response_model=LabelOut, status_code=status.HTTP_201_CREATED,
             summary="Label or skip an item")
async def add_label(body: LabelIn, request: Request, project_id: PathId) -> Any:
    """Record a label or a skip for the item leased to the caller.

    The label is committed before the response is sent.  422 when the value
    does not fit the project's classes, 409 when the item is not leased to
    the caller.
    """
    return await run_in_threadpool(_add_label, body, request, project_id)


def _add_label(body: LabelIn, request: Request, project_id: int) -> LabelOut:
    state = request.app.state
    with state.engine.connect() as conn:
        user, project = caller_and_project(request, conn, project_id)
        label = queue.record_label(conn, project, user.id, body.item_id, body.value, body.skip,
                                   body.box_actions)
    state.worker.notify(project.id)
    return LabelOut(id=label.id, item_id=label.item_id, value=label.value,
                    is_skip=label.is_skip, created_at=label.created_at)


@router.post("/undo", response_model=NextOut, summary="Undo the latest answer")
async def undo(request: Request, project_id: PathId) -> dict[str, Any]:
    """Undo the caller's latest label or skip and serve that item again.

    ``item.previous`` holds the undone answer.  404 when the caller has no
    label left to undo.
    """
    return await run_in_threadpool(_undo, request, project_id)


def _undo(request: Request, project_id: int) -> dict[str, Any]:
    state = request.app.state
    with state.engine.connect() as conn:
        user, project = caller_and_project(request, conn, project_id)
        label, row, expires = queue.undo_last(conn, project, user.id,
                                              state.settings.lease_seconds)
        counts = progress(conn, project, user)  # after the undo, which changes them
    state.worker.notify(project.id)
    return _served_again(project, label, row, expires, counts)


def _served_again(project: Any, label: Any, row: Any, expires: Any,
                  counts: dict[str, Any]) -> dict[str, Any]:
    """The answer of /undo and /reopen: the item again, with the answer taken back."""
    item = queue.served_item(row, project, expires)
    item["previous"] = {"value": label.value, "skipped": label.is_skip}
    return {"item": item, "progress": counts}


@router.get("/history", response_model=list[HistoryEntry], summary="Your recent answers")
async def history(request: Request, project_id: PathId,
                  limit: Annotated[int, Query(ge=1, le=MAX_HISTORY)] = 20) -> Any:
    """The caller's latest labels and skips in the project, newest first.

    Undone answers are left out.  Each entry names its item with a short
    ``summary`` and carries the ``label_id`` that ``/labels/{label_id}/reopen``
    takes.
    """
    return await run_in_threadpool(_history, request, project_id, limit)


def _history(request: Request, project_id: int, limit: int) -> list[dict[str, Any]]:
    with request.app.state.engine.connect() as conn:
        user, project = caller_and_project(request, conn, project_id)
        return recent_labels(conn, project, user.id, limit)


@router.post("/labels/{label_id}/reopen", response_model=NextOut,
             summary="Reopen one of your answers")
async def reopen(request: Request, project_id: PathId, label_id: PathId) -> dict[str, Any]:
    """Take back one of the caller's answers (any, not only the latest) to change it.

    The answer is marked undone and its item leased to the caller again, as
    ``/undo`` does; the item the caller held before goes back to the queue.
    404 when the label is not the caller's, not in this project, or undone.
    """
    return await run_in_threadpool(_reopen, request, project_id, label_id)


def _reopen(request: Request, project_id: int, label_id: int) -> dict[str, Any]:
    state = request.app.state
    with state.engine.connect() as conn:
        user, project = caller_and_project(request, conn, project_id)
        label, row, expires = queue.reopen_label(conn, project, user.id, label_id,
                                                 state.settings.lease_seconds)
        counts = progress(conn, project, user)
    state.worker.notify(project.id)
    return _served_again(project, label, row, expires, counts)
