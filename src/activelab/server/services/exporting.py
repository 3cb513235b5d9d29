"""Streaming export of labels: JSONL, CSV and Label Studio JSON; the combined label of
each item (``consensus``: JSONL, one line per item with its raw labels); a cleaning
project's items with their given and reviewed labels (``cleaned``: CSV); a clustering
project's items with their cluster (``clusters``: CSV).

Every generator opens its own session and reads rows in chunks, so an export
of any size is produced with bounded memory.

CSV formula injection: a spreadsheet opening the CSV export would run a cell
such as ``=HYPERLINK("http://evil.example","x")`` as a formula.  As OWASP
recommends, every CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return gets a leading single quote (``'=HYPERLINK(...)``), so it
is shown as text.  A cell that is only a number (``-1``, ``+0.5``) cannot hold
a formula and is written unchanged.  The JSONL and Label Studio exports are
not spreadsheets and keep every value as it is.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..._spreadsheet import neutralise_cell
from ...exceptions import DataError
from ..echo import echo
from ..models import Item, Label, LabelSource, Project, TaskType, User
from .cleaning_reviews import cleaned_csv
from .cleaning_training import corrected_label
from .cluster_points import check_clustered, clusters_csv
from .consensus import consensus_labels
from .label_studio_config import control_name, object_name
from .task_types import data_kind, reviews_labels, takes_numbers

__all__ = ["EXPORT_FORMATS", "export_stream", "media_type_of", "neutralise_cell"]

EXPORT_FORMATS = ("jsonl", "csv", "label-studio", "consensus", "cleaned", "clusters")
_CHUNK = 500
#: ``source``: ``annotator``, or ``import`` for a pre-label read from an imported file
#: (which has no annotator).
CSV_COLUMNS = ("label_id", "item_id", "external_id", "label", "skipped", "annotator",
               "source", "created_at")

def media_type_of(fmt: str) -> str:
    return {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8",
            "label-studio": "application/json", "consensus": "application/x-ndjson",
            "cleaned": "text/csv; charset=utf-8", "clusters": "text/csv; charset=utf-8"}[fmt]


def _label_rows(session: Session, project_id: int
                ) -> Iterator[tuple[Label, Item, str | None]]:
    query = (select(Label, Item, User.username)
             .join(Item, Item.id == Label.item_id).outerjoin(User, User.id == Label.user_id)
             .where(Label.project_id == project_id, Label.undone.is_(False))
             .order_by(Label.item_id, Label.id)
             .execution_options(yield_per=_CHUNK))
    # Image bytes stay deferred until a writer reads them.
    yield from session.execute(query)


def _value(project: Project, label: Label) -> Any:
    # SQLite gives a JSON column numeric affinity: 155.0 comes back as the integer 155.
    if label.value is not None and takes_numbers(project.task_type):
        return float(label.value)
    return label.value


def _record(project: Project, label: Label, item: Item, username: str | None
            ) -> dict[str, Any]:
    return {"label_id": label.id, "item_id": item.id, "external_id": item.external_id,
            "label": _value(project, label), "skipped": label.is_skip, "annotator": username,
            "source": label.source, "created_at": label.created_at.isoformat()}


def _jsonl(session: Session, project: Project) -> Iterator[str]:
    for label, item, username in _label_rows(session, project.id):
        yield json.dumps(_record(project, label, item, username), ensure_ascii=False) + "\n"


def _csv(session: Session, project: Project) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for n, (label, item, username) in enumerate(_label_rows(session, project.id), start=1):
        record = _record(project, label, item, username)
        if not isinstance(record["label"], str) and record["label"] is not None:
            record["label"] = json.dumps(record["label"], ensure_ascii=False)
        writer.writerow({key: neutralise_cell(value) for key, value in record.items()})
        if n % _CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _ls_result(task_type: str, value: Any, data: dict[str, Any]) -> list[dict[str, Any]]:
    from_name, to_name = control_name(task_type), object_name(task_type)
    if task_type == TaskType.image_regions:
        return [{"id": f"box{k}", "from_name": from_name, "to_name": to_name,
                 "type": "rectanglelabels",
                 "original_width": data.get("width"), "original_height": data.get("height"),
                 "image_rotation": 0,
                 "value": {"x": 100 * box["x"], "y": 100 * box["y"], "width": 100 * box["w"],
                           "height": 100 * box["h"], "rotation": 0,
                           "rectanglelabels": [box["label"]]}}
                for k, box in enumerate(value, start=1)]
    if reviews_labels(task_type):  # a review: the label it leaves the item with
        value = corrected_label(data.get("given"), value)
    if takes_numbers(task_type):
        return [{"from_name": from_name, "to_name": to_name, "type": "number",
                 "value": {"number": value}}]
    choices = value if isinstance(value, list) else [value]
    return [{"from_name": from_name, "to_name": to_name, "type": "choices",
             "value": {"choices": choices}}]


def _ls_data(project: Project, item: Item) -> dict[str, Any]:
    if project.task_type in (TaskType.image_classification, TaskType.image_regions):
        encoded = base64.b64encode(item.image or b"").decode("ascii")
        return {"image": f"data:{item.image_mime};base64,{encoded}"}
    kind = data_kind(project.task_type)
    if kind == "tabular":
        return {"table": dict(item.data.get("columns", {}))}
    if kind == "pair":
        return {side: dict(item.data.get(side, {}).get("fields", {}))
                for side in ("left", "right")}
    return {"text": item.data.get("text", "")}


def _ls_task(project: Project, item: Item,
             annotations: list[tuple[Label, str | None]]) -> str:
    # Pre-labels from an imported file are Label Studio's "predictions" (pre-annotations).
    task = {
        "id": item.id,
        "data": _ls_data(project, item),
        "meta": {"external_id": item.external_id},
        "annotations": [{
            "id": label.id,
            "completed_by": {"username": username},
            "created_at": label.created_at.isoformat(),
            "was_cancelled": label.is_skip,
            "result": [] if label.is_skip else _ls_result(project.task_type,
                                                          _value(project, label),
                                                          item.data),
        } for label, username in annotations if label.source != LabelSource.imported],
        "predictions": [{
            "id": label.id,
            "model_version": LabelSource.imported.value,
            "created_at": label.created_at.isoformat(),
            "result": _ls_result(project.task_type, _value(project, label), item.data),
        } for label, _ in annotations if label.source == LabelSource.imported],
    }
    return json.dumps(task, ensure_ascii=False)


def _label_studio(session: Session, project: Project) -> Iterator[str]:
    yield "["
    first = True
    current: Item | None = None
    annotations: list[tuple[Label, str | None]] = []
    for label, item, username in _label_rows(session, project.id):
        if current is not None and item.id != current.id:
            yield ("" if first else ",\n") + _ls_task(project, current, annotations)
            first, annotations = False, []
        current = item
        annotations.append((label, username))
    if current is not None:
        yield ("" if first else ",\n") + _ls_task(project, current, annotations)
    yield "]\n"


def _consensus(session: Session, project: Project) -> Iterator[str]:
    """One line per labelled item: the combined label, its confidence, the raw labels."""
    chosen = consensus_labels(session, project)
    ids = sorted(chosen)
    for start in range(0, len(ids), _CHUNK):
        batch = ids[start:start + _CHUNK]
        external = dict(session.execute(select(Item.id, Item.external_id)
                                        .where(Item.id.in_(batch))).all())
        for item_id in batch:
            item = chosen[item_id]
            yield json.dumps({
                "item_id": item_id, "external_id": external.get(item_id),
                "label": item.value, "confidence": round(item.confidence, 6),
                "aggregation": project.aggregation,
                "labels": [{"annotator": raw["annotator"], "value": raw["value"],
                            "source": raw["source"]} for raw in item.raw],
                "reviewed_by": item.review["annotator"] if item.review else None,
            }, ensure_ascii=False) + "\n"


def export_stream(factory: sessionmaker[Session], project: Project, fmt: str) -> Iterator[str]:
    """Chunks of the export of ``project``'s active labels in ``fmt``.

    Raises
    ------
    DataError
        For an unknown format (before any chunk is produced).
    """
    if fmt not in EXPORT_FORMATS:
        raise DataError(f"unknown export format {echo(fmt)}; use one of "
                        f"{', '.join(EXPORT_FORMATS)}")
    if fmt == "cleaned" and not reviews_labels(project.task_type):
        raise DataError("the 'cleaned' export is for cleaning projects: it lists each item's "
                        "given and reviewed label")
    if fmt == "clusters":
        with factory() as session:
            check_clustered(session, project)
    writer = {"jsonl": _jsonl, "csv": _csv, "label-studio": _label_studio,
              "consensus": _consensus, "cleaned": cleaned_csv, "clusters": clusters_csv}[fmt]

    def chunks() -> Iterator[str]:
        with factory() as session:
            yield from writer(session, project)

    return chunks()
