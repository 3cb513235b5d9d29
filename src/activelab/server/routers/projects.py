"""Projects: create, list, settings, archive, delete, members, import, pre-labels, export,
stats, item images, audit trail."""

from __future__ import annotations

from typing import Annotated, Any, BinaryIO

from anyio.from_thread import run as run_in_event_loop
from fastapi import APIRouter, Body, File, Query, Request, Response, UploadFile, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...exceptions import DataError
from ..db import write_transaction
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
from ..models import Item, Project, User
from ..schemas import (
    AuditEventOut,
    DeleteIn,
    ImportReport,
    LabelColumn,
    LabelOut,
    MemberOut,
    PrelabelPage,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    ReviewIn,
    RowId,
)
from ..services import prelabels
from ..services import projects as service
from ..services.annotated_import import ANNOTATED_FORMATS, import_annotated, json_format
from ..services.audit import export_events, list_events, record_event
from ..services.cluster_points import import_rows
from ..services.detection_export import coco_export, voc_export
from ..services.exporting import export_stream, media_type_of
from ..services.importing import StopCheck
from ..services.label_studio_config import label_studio_config
from ..services.stats import project_stats
from ..services.task_types import ranks_unlabelled, reviews_labels
from ..services.tasks import is_image_task

router = APIRouter(prefix="/api/projects", tags=["projects"])


def _current(session: Session, project: Project) -> Project:
    current = session.get(Project, project.id)
    if current is None:  # deleted since the request started
        raise NotFoundError(f"no project with id {project.id}")
    return current


@router.get("", response_model=list[ProjectOut])
def list_projects(user: CurrentUser, session: SessionDep,
                  archived: Annotated[bool | None, Query(
                      description="only archived (true) or only active (false) projects")]
                  = None) -> list[Project]:
    """Projects the caller may see (admins: all; annotators: their own), archived ones too."""
    return service.visible_projects(session, user, archived)


@router.get("/audit-events", response_model=list[AuditEventOut])
def audit_events(_: AdminUser, session: SessionDep,
                 project_id: Annotated[RowId | None, Query()] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """The audit trail, newest first (admins only): who did what, and when.

    Every label, skip, pre-label, undo, reviewer's decision (accept or override),
    role, account and membership change, archive, deletion, gold mark and export.
    Records of deleted projects stay (they name the project).
    """
    return list_events(session, project_id, limit)


@router.get("/audit-events/export")
def export_audit_events(_: AdminUser, session: SessionDep,
                        project_id: Annotated[RowId | None, Query()] = None,
                        format: Annotated[str, Query(pattern="^(jsonl|csv)$")] = "csv",
                        limit: Annotated[int, Query(ge=1, le=1_000_000)] = 100_000,
                        ) -> Response:
    """Download the audit trail as CSV or JSONL, newest first (admins only)."""
    body = "".join(export_events(session, project_id, format, limit))
    name = f"audit-{project_id}" if project_id is not None else "audit"
    return Response(body, media_type=media_type_of(format), headers={
        "Content-Disposition": f'attachment; filename="{name}.{format}"'})


@router.post("", response_model=ProjectOut, status_code=status.HTTP_201_CREATED)
def create_project(body: ProjectIn, _: AdminUser, session: WriteSessionDep) -> Project:
    """Create a project: task type, labels, model, strategy (admins only)."""
    project = service.create_project(session, **body.model_dump())
    session.commit()
    return project


@router.get("/{project_id}", response_model=ProjectOut)
def read_project(project: ProjectDep) -> Project:
    """One project's settings, if the caller is an admin or a member."""
    return project


@router.patch("/{project_id}", response_model=ProjectOut)
def patch_project(body: ProjectPatch, project: ProjectDep, _: AdminUser,
                  session: WriteSessionDep, worker: WorkerDep) -> Project:
    """Change a project's name, description, model, strategy, overlap, aggregation or features.

    ``overlap`` may not exceed the number of members once the project has any;
    ``overlap_policy`` is ``fixed`` (every item gets ``overlap`` labels) or ``adaptive``
    (another label, up to ``overlap``, only while an item's label is in doubt);
    ``aggregation`` is ``majority``, ``dawid-skene`` or ``model-consensus``;
    ``region_queue`` (image regions) is ``images`` or ``regions``.
    """
    current = _current(session, project)
    changes = body.model_dump(exclude_unset=True)
    service.update_project(session, current, changes)
    # Other labels to train on, or another kind of question to rank: retrain.
    if changes.get("aggregation") is not None or changes.get("region_queue") is not None:
        current.retrain_requested = True
    session.commit()
    worker.notify(project.id)
    return current


@router.post("/{project_id}/archive", response_model=ProjectOut)
def archive_project(project: ProjectDep, admin: AdminUser, session: WriteSessionDep) -> Project:
    """Archive the project: it serves no items and takes no labels; exports still work."""
    current = service.archive_project(session, _current(session, project), admin, True)
    session.commit()
    return current


@router.post("/{project_id}/unarchive", response_model=ProjectOut)
def unarchive_project(project: ProjectDep, admin: AdminUser,
                      session: WriteSessionDep) -> Project:
    """Unarchive the project: it serves items and takes labels again."""
    current = service.archive_project(session, _current(session, project), admin, False)
    session.commit()
    return current


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(project: ProjectDep, admin: AdminUser, session: WriteSessionDep,
                   confirm: Annotated[str | None, Query(
                       description="the project's exact name")] = None,
                   body: Annotated[DeleteIn | None, Body()] = None) -> None:
    """Delete the project with all its items, labels and model snapshots (no undo).

    Confirm by repeating the project's name: ``?confirm=<name>`` or a JSON body
    ``{"confirm": "<name>"}``.  The deletion is kept in the audit trail.
    """
    given = confirm if confirm is not None else body.confirm if body is not None else None
    service.delete_project(session, _current(session, project), admin, given)
    session.commit()


@router.get("/{project_id}/members", response_model=list[MemberOut])
def list_members(project: ProjectDep, _: AdminUser, session: SessionDep) -> list[User]:
    """The project's members, by name."""
    return service.list_members(session, project)


@router.put("/{project_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def add_member(user_id: PathId, project: ProjectDep, admin: AdminUser,
               session: WriteSessionDep) -> None:
    """Add the user with this id to the project (see also ``members/by-name``)."""
    service.set_member(session, project, user_id, True, by=admin)
    session.commit()


@router.delete("/{project_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(user_id: PathId, project: ProjectDep, admin: AdminUser,
                  session: WriteSessionDep) -> None:
    """Remove the user with this id from the project."""
    service.set_member(session, project, user_id, False, by=admin)
    session.commit()


@router.put("/{project_id}/members/by-name/{username}", status_code=status.HTTP_204_NO_CONTENT)
def add_member_by_name(username: str, project: ProjectDep, admin: AdminUser,
                       session: WriteSessionDep) -> None:
    """Add the user named ``username`` to the project."""
    user = service.user_by_name(session, username)
    service.set_member(session, project, user.id, True, by=admin)
    session.commit()


@router.delete("/{project_id}/members/by-name/{username}",
               status_code=status.HTTP_204_NO_CONTENT)
def remove_member_by_name(username: str, project: ProjectDep, admin: AdminUser,
                          session: WriteSessionDep) -> None:
    """Remove the user named ``username`` from the project."""
    user = service.user_by_name(session, username)
    service.set_member(session, project, user.id, False, by=admin)
    session.commit()


def _import_format(given: str | None, filename: str | None, file: BinaryIO | None = None,
                   task_type: str | None = None) -> str:
    if given:
        return given.lower()
    suffix = (filename or "").rsplit(".", 1)[-1].lower()
    if suffix in ("csv", "jsonl", "zip"):
        return suffix
    if suffix == "ndjson":
        return "jsonl"
    if suffix == "xml":
        return "voc"
    if suffix == "json":  # a list of tasks (Label Studio) or one COCO document (boxes)
        return "label-studio" if file is None or task_type is None \
            else json_format(file, task_type)
    raise DataError("cannot tell the file format from its name; pass format=csv, "
                    "format=jsonl, format=zip, format=label-studio, format=coco or format=voc")


def _stop_check(request: Request) -> StopCheck:
    """True once the server is stopping or the client has gone (asked from a worker thread)."""
    stopping = request.app.state.stopping

    def should_stop() -> bool:
        return stopping.is_set() or run_in_event_loop(request.is_disconnected)

    return should_stop


@router.post("/{project_id}/import", response_model=ImportReport)
def import_file(project: ProjectDep, admin: AdminUser, factory: FactoryDep,
                settings: SettingsDep, worker: WorkerDep, request: Request,
                file: Annotated[UploadFile, File()],
                format: Annotated[str | None, Query(
                    pattern="^(csv|jsonl|zip|label-studio|coco|voc)$")] = None,
                all_or_nothing: bool = False,
                on_duplicate: Annotated[str, Query(
                    pattern="^(skip|update)$", description="a row whose id the project has "
                    "already: skip it (counted in duplicates) or update that item")] = "skip",
                label_column: Annotated[LabelColumn | None, Query(
                    description="the column read as pre-labels (default: the project's "
                    "label column, 'label' unless changed)")] = None) -> dict[str, Any]:
    """Import items from CSV, JSONL, or a zip of images (image projects: a folder, zipped);
    or items with their answers from a Label Studio JSON export, COCO or Pascal VOC.

    Bad rows are reported with 1-based ``line`` numbers, bad images by their
    ``file`` path inside the zip.  The upload is limited by ``max_upload_bytes``.
    The label column becomes pre-labels (labels from the ``import`` source),
    never a feature; a value outside the project's labels is a row error.
    Items are identified by their ``id`` column: importing a file again adds
    no item twice.
    Each field is limited by ``import_max_field_chars``.  The import stops between batches
    when the client disconnects or the server shuts down (``cancelled`` in the
    report; committed batches stay).

    ``label-studio`` (a ``.json`` list of tasks), ``coco`` (a ``.json`` document, or a
    zip of it with its images) and ``voc`` (an ``.xml`` file, or a zip of them with or
    without the images): each answer becomes a label by the caller, each Label Studio
    prediction a pre-label; items are matched by external id (a COCO or VOC image's
    file name).  Such a file is checked whole and imported in one transaction: a bad
    one (another Label Studio template, a box outside its image, an unknown
    category, an image that is missing or corrupt) is a 422 and imports nothing.
    """
    service.require_active(project)
    fmt = _import_format(format, file.filename, file.file, project.task_type)
    if fmt in ANNOTATED_FORMATS:
        report = import_annotated(factory, project, admin, file.file, fmt)
        worker.notify(project.id, force=True)  # new labels: retrain
        return report
    report = import_rows(factory, project, file.file, fmt, all_or_nothing=all_or_nothing,
                         batch_size=settings.import_batch_size,
                         max_errors=settings.import_max_reported_errors,
                         on_duplicate=on_duplicate, label_column=label_column,
                         max_field_chars=settings.import_max_field_chars,
                         should_stop=_stop_check(request))
    # A detector ranks the new items at once, and so does a cleaning project (the imported
    # labels are what its queue ranks); other models wait for answers.
    worker.notify(project.id, force=ranks_unlabelled(project.task_type)
                  or (reviews_labels(project.task_type)
                      and bool(report["inserted"] or report["updated"])))
    return report


@router.get("/{project_id}/prelabels", response_model=PrelabelPage)
def list_prelabels(project: ProjectDep, session: SessionDep,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                   offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> dict[str, Any]:
    """Active pre-labels (labels from an imported file) waiting for review, oldest first."""
    return prelabels.list_prelabels(session, project, limit, offset)


@router.post("/{project_id}/prelabels/{label_id}/review", response_model=LabelOut)
def review_prelabel(label_id: PathId, project: ProjectDep, user: CurrentUser,
                    session: WriteSessionDep, body: ReviewIn | None = None) -> LabelOut:
    """Confirm a pre-label (no ``value``) or correct it: the caller's label replaces it."""
    label = prelabels.review_prelabel(session, project, user, label_id,
                                      body.value if body is not None else None)
    session.commit()
    return LabelOut(id=label.id, item_id=label.item_id, value=label.value,
                    is_skip=label.is_skip, created_at=label.created_at)


@router.post("/{project_id}/prelabels/{label_id}/reopen")
def reopen_prelabel(label_id: PathId, project: ProjectDep, admin: AdminUser,
                    session: WriteSessionDep, worker: WorkerDep) -> dict[str, int]:
    """Retire a pre-label: the item goes back to the queue for annotators."""
    item_id = prelabels.reopen_prelabel(session, project, admin, label_id)
    session.commit()
    worker.notify(project.id)
    return {"item_id": item_id}


#: Export formats written whole (not streamed): extension and media type.
_WHOLE_EXPORTS = {"coco": ("json", "application/json"), "voc": ("zip", "application/zip"),
                  "label-studio-config": ("xml", "application/xml")}


def _whole_export(project: Project, admin: User, factory: Any, fmt: str) -> Response:
    if fmt == "label-studio-config":  # the project's settings, not its labels
        body: str | bytes = label_studio_config(project)
        name = "label-studio-config"
    else:
        with write_transaction(factory) as session:
            body = (coco_export if fmt == "coco" else voc_export)(session, project)
            record_event(session, admin, "export", project, format=fmt)
        name = "labels"
    extension, media_type = _WHOLE_EXPORTS[fmt]
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="project-{project.id}-{name}.{extension}"'})


@router.get("/{project_id}/export")
def export_labels(project: ProjectDep, admin: AdminUser, factory: FactoryDep,
                  format: Annotated[str, Query(
                      pattern="^(jsonl|csv|label-studio|consensus|cleaned|clusters|coco|voc|"
                              "label-studio-config)$")] = "jsonl",
                  ) -> Response:
    """Download the project's labels as JSONL, CSV or Label Studio JSON (streamed).

    ``consensus``: one JSON line per labelled item with its combined label (the
    project's ``aggregation``), the ``confidence`` of the combination and the raw labels.
    ``cleaned`` (cleaning projects, CSV): every item with its given label, its label
    after review and a ``change`` column (corrected, kept, not reviewed).
    ``clusters`` (clustering projects, CSV): every point (``point_id``, ``external_id``)
    with its ``cluster`` in the latest clustering (409 before the first one).
    ``coco`` (image-regions projects): one COCO JSON document of the labelled images'
    boxes; ``voc``: a zip of Pascal VOC XML files, one per labelled image.
    ``label-studio-config``: the labelling config XML of a Label Studio project that
    takes the ``label-studio`` export (and whose export imports here).

    CSV cells that a spreadsheet would read as a formula are neutralised.
    """
    if format in _WHOLE_EXPORTS:
        return _whole_export(project, admin, factory, format)
    with write_transaction(factory) as session:
        record_event(session, admin, "export", project, format=format)
    chunks = export_stream(factory, project, format)
    extension = {"jsonl": "jsonl", "csv": "csv", "label-studio": "json",
                 "consensus": "jsonl", "cleaned": "csv", "clusters": "csv"}[format]
    filename = f"project-{project.id}-{'clusters' if format == 'clusters' else 'labels'}" \
        f".{extension}"
    return StreamingResponse(chunks, media_type=media_type_of(format),
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/{project_id}/stats")
def stats(project: ProjectDep, _: AdminUser, session: SessionDep,
          settings: SettingsDep) -> dict[str, Any]:
    """Dashboard numbers, the last retrain error and the retraining worker's state.

    ``label_sources`` counts active labels by source (``annotator``, ``import``, ``review``).
    """
    return {**project_stats(session, project, settings),
            "label_sources": prelabels.label_sources(session, project)}


@router.post("/{project_id}/retrain", status_code=status.HTTP_202_ACCEPTED)
def retrain(project: ProjectDep, _: AdminUser, worker: WorkerDep) -> dict[str, str]:
    """Ask the retraining worker to retrain the project now (admins only)."""
    worker.notify(project.id, force=True)
    return {"detail": "retraining scheduled"}


@router.get("/{project_id}/items/{item_id}/image")
def item_image(item_id: PathId, project: ProjectDep, session: SessionDep) -> Response:
    """The image of one item of an image project (members and admins)."""
    row = session.execute(select(Item.image, Item.image_mime).where(
        Item.id == item_id, Item.project_id == project.id)).one_or_none()
    if row is None or row.image is None or not is_image_task(project.task_type):
        raise NotFoundError(f"item {item_id} has no image in project {project.id}")
    return Response(row.image, media_type=row.image_mime or "application/octet-stream",
                    headers={"Cache-Control": "private, max-age=3600"})
