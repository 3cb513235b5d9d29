"""Stream-based selective sampling: one arriving item in, "ask" or "skip" out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from ..deps import AdminUser, FactoryDep, ProjectDep, WorkerDep
from ..schemas import RequestModel
from ..services.stream import stream_item

router = APIRouter(prefix="/api/projects/{project_id}", tags=["stream"])


class StreamIn(RequestModel):
    item: dict[str, Any] = Field(description="one item, as a row of an import: 'text' (text "
                                 "projects) or every feature column (tabular), and an "
                                 "optional 'id'")


@router.post("/stream", summary="Ask or skip one arriving item")
def stream(body: StreamIn, project: ProjectDep, _: AdminUser, factory: FactoryDep,
           worker: WorkerDep, request: Request) -> dict[str, Any]:
    """Decide whether a person should label one item of a stream (selective sampling).

    Answers ``{"decision": "ask" | "skip", "reason", "item_id", "confidence", "guess",
    "model_version", "state"}``: an asked item enters the queue (``item_id``); a
    skipped one is counted, not stored. The project's ``stream_rate`` bounds the share
    of items asked and ``stream_budget`` their number; ``state`` (items seen and
    asked, the threshold, the budget left) is stored, so it survives a restart.
    409 when the project takes no stream (no ``stream_rate``); 422 for an item that
    is not a valid row of the project (a missing text or feature column).
    """
    decision = stream_item(factory, project, request.app.state.model_cache, body.item)
    if decision["item_id"] is not None:
        worker.notify(project.id)
    return decision
