"""Projects: create, list, settings, members, import, export, stats, item images."""

from __future__ import annotations

from typing import Annotated, Any

from anyio.from_thread import run as run_in_event_loop
from fastapi import APIRouter, File, Query, Request, Response, UploadFile, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from ...exceptions import DataError
from ..deps import (
    AdminUser,
    CurrentUser,
    FactoryDep,
    PathId,
    ProjectDep,
    SessionDep,
    SettingsDep,
    WorkerDep,
    WriteSessionDep,
)
from ..errors import NotFoundError
from ..models import Item, Project
from ..schemas import ImportReport, ProjectIn, ProjectOut, ProjectPatch
from ..services import projects as service
from ..services.exporting import export_stream, media_type_of
from ..services.importing import StopCheck, import_items
from ..services.stats import project_stats
from ..services.tasks import is_image_task

router = APIRouter(prefix="/api/projects", tags=["projects"])


@router.get("", response_model=list[ProjectOut])
def list_projects(user: CurrentUser, session: SessionDep) -> list[Project]:
    return service.visible_projects(session, user)


@router.post("", response_model=ProjectOut, status_code=status.HTTP_201_CREATED)
def create_project(body: ProjectIn, _: AdminUser, session: WriteSessionDep) -> Project:
    project = service.create_project(session, **body.model_dump())
    session.commit()
    return project


@router.get("/{project_id}", response_model=ProjectOut)
def read_project(project: ProjectDep) -> Project:
    return project


@router.patch("/{project_id}", response_model=ProjectOut)
def patch_project(body: ProjectPatch, project: ProjectDep, _: AdminUser,
                  session: WriteSessionDep) -> Project:
    current = session.get(Project, project.id)
    if current is None:  # deleted since the request started
        raise NotFoundError(f"no project with id {project.id}")
    service.update_project(session, current, body.model_dump(exclude_unset=True))
    session.commit()
    return current


@router.put("/{project_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def add_member(user_id: PathId, project: ProjectDep, _: AdminUser,
               session: WriteSessionDep) -> None:
    service.set_member(session, project, user_id, True)
    session.commit()


@router.delete("/{project_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(user_id: PathId, project: ProjectDep, _: AdminUser,
                  session: WriteSessionDep) -> None:
    service.set_member(session, project, user_id, False)
    session.commit()


def _import_format(given: str | None, filename: str | None) -> str:
    if given:
        return given.lower()
    suffix = (filename or "").rsplit(".", 1)[-1].lower()
    if suffix in ("csv", "jsonl", "zip"):
        return suffix
    if suffix == "ndjson":
        return "jsonl"
    raise DataError("cannot tell the file format from its name; pass format=csv, "
                    "format=jsonl or format=zip")


def _stop_check(request: Request) -> StopCheck:
    """True once the server is stopping or the client has gone (asked from a worker thread)."""
    stopping = request.app.state.stopping

    def should_stop() -> bool:
        return stopping.is_set() or run_in_event_loop(request.is_disconnected)

    return should_stop


@router.post("/{project_id}/import", response_model=ImportReport)
def import_file(project: ProjectDep, _: AdminUser, factory: FactoryDep, settings: SettingsDep,
                worker: WorkerDep, request: Request, file: Annotated[UploadFile, File()],
                format: Annotated[str | None, Query(pattern="^(csv|jsonl|zip)$")] = None,
                all_or_nothing: bool = False) -> dict[str, Any]:
    """Import items from CSV, JSONL, or a zip of images (image projects: a folder, zipped).

    Bad rows are reported with 1-based ``line`` numbers, bad images by their
    ``file`` path inside the zip.  The upload is limited by ``max_upload_bytes``,
    each field by ``import_max_field_chars``.  The import stops between batches
    when the client disconnects or the server shuts down (``cancelled`` in the
    report; committed batches stay).
    """
    fmt = _import_format(format, file.filename)
    report = import_items(factory, project, file.file, fmt, all_or_nothing=all_or_nothing,
                          batch_size=settings.import_batch_size,
                          max_errors=settings.import_max_reported_errors,
                          max_field_chars=settings.import_max_field_chars,
                          should_stop=_stop_check(request))
    worker.notify(project.id)
    return report


@router.get("/{project_id}/export")
def export_labels(project: ProjectDep, _: AdminUser, factory: FactoryDep,
                  format: Annotated[str, Query(pattern="^(jsonl|csv|label-studio)$")] = "jsonl",
                  ) -> StreamingResponse:
    chunks = export_stream(factory, project, format)
    extension = {"jsonl": "jsonl", "csv": "csv", "label-studio": "json"}[format]
    filename = f"project-{project.id}-labels.{extension}"
    return StreamingResponse(chunks, media_type=media_type_of(format),
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/{project_id}/stats")
def stats(project: ProjectDep, _: AdminUser, session: SessionDep,
          settings: SettingsDep) -> dict[str, Any]:
    """Dashboard numbers, the last retrain error and the retraining worker's state."""
    return project_stats(session, project, settings)


@router.post("/{project_id}/retrain", status_code=status.HTTP_202_ACCEPTED)
def retrain(project: ProjectDep, _: AdminUser, worker: WorkerDep) -> dict[str, str]:
    worker.notify(project.id, force=True)
    return {"detail": "retraining scheduled"}


@router.get("/{project_id}/items/{item_id}/image")
def item_image(item_id: PathId, project: ProjectDep, session: SessionDep) -> Response:
    row = session.execute(select(Item.image, Item.image_mime).where(
        Item.id == item_id, Item.project_id == project.id)).one_or_none()
    if row is None or row.image is None or not is_image_task(project.task_type):
        raise NotFoundError(f"item {item_id} has no image in project {project.id}")
    return Response(row.image, media_type=row.image_mime or "application/octet-stream",
                    headers={"Cache-Control": "private, max-age=3600"})
