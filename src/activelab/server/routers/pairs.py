"""Matching projects: import the two tables whose records are matched (or one, deduplicated);
read back the matched pairs and each record's entity."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile

from ...exceptions import DataError
from ..deps import AdminUser, FactoryDep, ProjectDep, SessionDep, SettingsDep, WorkerDep
from ..services import projects as service
from ..services.pair_export import entities, matched_pairs, rows_as
from ..services.pair_import import DEFAULT_NEIGHBOURS, import_tables
from .projects import _import_format, _stop_check

router = APIRouter(prefix="/api/projects", tags=["projects"])


def _table_format(upload: UploadFile, given: str | None) -> str:
    fmt = _import_format(given, upload.filename)
    if fmt not in ("csv", "jsonl"):
        raise DataError(f"a table is CSV or JSONL, not {fmt}")
    return fmt


@router.post("/{project_id}/import-tables")
def import_matching_tables(
        project: ProjectDep, _: AdminUser, factory: FactoryDep, settings: SettingsDep,
        worker: WorkerDep, request: Request, left: Annotated[UploadFile, File()],
        right: Annotated[UploadFile | None, File()] = None,
        fields: Annotated[str | None, Query(
            max_length=2000, description="the compared columns, comma-separated (default: "
            "every column both tables have, 'id' aside)")] = None,
        neighbours: Annotated[int, Query(ge=1, le=50, description="left records kept per "
                                         "right record by blocking")] = DEFAULT_NEIGHBOURS,
        format: Annotated[str | None, Query(pattern="^(csv|jsonl)$")] = None,
) -> dict[str, Any]:
    """Import the records of a matching project: ``left`` and ``right`` tables (CSV or JSONL).

    Each row needs an ``id``. Blocking keeps, for each right record, its
    ``neighbours`` most similar left records; each such candidate pair becomes an
    item. Without ``right`` the left table is deduplicated against itself. Any bad
    row, or a compared field missing from a table, rejects the whole import (422)
    with the problems listed by ``table`` and ``line``.
    """
    service.require_active(project)
    wanted = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    report = import_tables(
        factory, project, (left.file, _table_format(left, format)),
        (right.file, _table_format(right, format)) if right is not None else None,
        fields=wanted, neighbours=neighbours, batch_size=settings.import_batch_size,
        max_errors=settings.import_max_reported_errors,
        max_field_chars=settings.import_max_field_chars, should_stop=_stop_check(request))
    worker.notify(project.id)
    return report


@router.get("/{project_id}/matches")
def matches(project: ProjectDep, _: AdminUser, session: SessionDep,
            result: Annotated[str, Query(pattern="^(pairs|entities)$")] = "pairs",
            format: Annotated[str, Query(pattern="^(csv|jsonl)$")] = "csv",
            guesses: Annotated[bool, Query(description="also the pairs nobody answered that "
                                           "the model guesses are the same")] = False
            ) -> Response:
    """A matching project's matched pairs, or the entity id of every record (CSV or JSONL).

    A pair is matched when its answer is "same" (with ``guesses``: or, unanswered, when
    the model guesses so); an entity is a group of records that matched pairs join.
    """
    rows = matched_pairs(session, project, guesses) if result == "pairs" \
        else entities(session, project, guesses)
    if result == "pairs":
        rows = [{k: v for k, v in row.items() if k != "one_table"} for row in rows]
    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    filename = f"project-{project.id}-{result}.{format}"
    return Response(rows_as(rows, format), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
