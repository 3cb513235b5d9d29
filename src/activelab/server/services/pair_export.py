"""The results of a matching project: its matched pairs, and an entity id for every record.

A candidate pair is matched when its answer is "same" (the project's combined label,
see :mod:`.consensus`) or, with ``guesses``, when nobody answered it and the latest
model guesses "same". Entities are the connected groups of records that matched
pairs join (a record in no matched pair is an entity of its own), so two records
matched to a third are one entity. Records are named by table (``left`` or
``right``; a deduplicated table is ``left``) and id.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..._spreadsheet import neutralise_cell
from ...exceptions import DataError
from ..models import Item, Project, TaskType
from .consensus import consensus_labels

__all__ = ["matched_pairs", "entities", "rows_as", "RESULTS"]

#: What ``GET /api/projects/{id}/matches`` gives: the matched pairs, or each record's entity.
RESULTS = ("pairs", "entities")
_CHUNK = 1000


def _pairs(session: Session, project: Project) -> Iterator[tuple[int, dict[str, Any], Any]]:
    query = select(Item.id, Item.data, Item.predicted).where(
        Item.project_id == project.id).order_by(Item.id).execution_options(yield_per=_CHUNK)
    for row in session.execute(query):
        yield row.id, row.data, row.predicted


def _require_matching(project: Project) -> None:
    # Clustering projects have pair items too, but of points, with no records to match.
    if project.task_type != TaskType.matching:
        raise DataError(f"project {project.name!r} is not a matching project: it has no "
                        "matched pairs or entities")


def _record(data: dict[str, Any], side: str) -> tuple[str, str]:
    table = "left" if side == "left" or data.get("one_table") else "right"
    return table, str(data[side]["id"])


def matched_pairs(session: Session, project: Project, guesses: bool = False
                  ) -> list[dict[str, Any]]:
    """One row per matched pair: ``left_id``, ``right_id``, ``source`` (``answer`` or
    ``model``) and the model's ``match_probability`` (None before the first model).

    Raises
    ------
    DataError
        ``project`` is not a matching project.
    """
    _require_matching(project)
    answers = {item_id: chosen.value for item_id, chosen in
               consensus_labels(session, project).items()}
    rows = []
    for item_id, data, predicted in _pairs(session, project):
        guess = predicted if isinstance(predicted, dict) else {}
        answer = answers.get(item_id)
        if answer == "same" or (answer is None and guesses and guess.get("guess") == "same"):
            rows.append({"left_id": data["left"]["id"], "right_id": data["right"]["id"],
                         "source": "answer" if answer is not None else "model",
                         "match_probability": guess.get("match_probability"),
                         "one_table": bool(data.get("one_table"))})
    return rows


def entities(session: Session, project: Project, guesses: bool = False
             ) -> list[dict[str, Any]]:
    """Every record of the project's pairs with its entity id (``E1``, ``E2``, ... in
    order of first appearance): ``table``, ``record_id``, ``entity``."""
    _require_matching(project)
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def root(record: tuple[str, str]) -> tuple[str, str]:
        while parent[record] != record:
            parent[record] = parent[parent[record]]
            record = parent[record]
        return record

    for _, data, _ in _pairs(session, project):
        for side in ("left", "right"):
            parent.setdefault(_record(data, side), _record(data, side))
    for row in matched_pairs(session, project, guesses):
        one = {"one_table": row["one_table"]}
        a = root(_record({**one, "left": {"id": row["left_id"]}}, "left"))
        b = root(_record({**one, "right": {"id": row["right_id"]}}, "right"))
        if a != b:
            parent[b] = a
    names: dict[tuple[str, str], str] = {}
    return [{"table": table, "record_id": record_id,
             "entity": names.setdefault(root((table, record_id)), f"E{len(names) + 1}")}
            for table, record_id in parent]


def rows_as(rows: list[dict[str, Any]], fmt: str) -> str:
    """``rows`` as CSV (cells neutralised against formula injection) or JSONL."""
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: neutralise_cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()
