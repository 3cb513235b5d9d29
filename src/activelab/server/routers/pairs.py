"""Matching projects: import the two tables whose records are matched (or one, deduplicated)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile

from ...exceptions import DataError
from ..deps import AdminUser, FactoryDep, ProjectDep, SettingsDep, WorkerDep
from ..services import projects as service
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
