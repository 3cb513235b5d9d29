"""What the reviews of a cleaning project changed: its dashboard counts and its export.

Each item keeps its given label (``data["given"]``); its latest review keeps or
corrects it (:func:`.cleaning_training.corrected_label`). The export lists every
item with both labels and a ``change`` column: ``corrected``, ``kept`` or
``not reviewed``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..._spreadsheet import neutralise_cell
from ..models import Item, Project
from .cleaning_training import corrected_label
from .consensus import consensus_labels

__all__ = ["cleaning_summary", "review_distribution", "cleaned_csv", "CLEANED_COLUMNS"]

CLEANED_COLUMNS = ("item_id", "external_id", "given_label", "label", "change", "reviewed_by")
_CHUNK = 500


def _outcomes(session: Session, project: Project) -> dict[int, tuple[Any, str | None]]:
    """Item id -> (its latest review answer, who gave it), for every reviewed item."""
    return {item_id: (chosen.value, chosen.raw[-1]["annotator"] if chosen.raw else None)
            for item_id, chosen in consensus_labels(session, project).items()}


def _given(session: Session, item_ids: list[int]) -> dict[int, Any]:
    given: dict[int, Any] = {}
    for start in range(0, len(item_ids), _CHUNK):
        given.update((item_id, data.get("given")) for item_id, data in session.execute(
            select(Item.id, Item.data).where(Item.id.in_(item_ids[start:start + _CHUNK]))))
    return given


def cleaning_summary(session: Session, project: Project,
                     curve: list[dict[str, Any]]) -> dict[str, Any]:
    """Labels reviewed, kept and corrected, and the errors the last retrain still flags."""
    outcomes = _outcomes(session, project)
    given = _given(session, sorted(outcomes))
    corrected = sum(corrected_label(given.get(i), answer) != given.get(i)
                    for i, (answer, _) in outcomes.items())
    latest = curve[-1] if curve else {}
    return {"reviewed": len(outcomes), "kept": len(outcomes) - corrected,
            "corrected": corrected, "errors_left": latest.get("errors_left")}


def review_distribution(session: Session, project: Project) -> dict[str, Any]:
    """Reviewed items per resulting label, in the shape of the label distribution."""
    outcomes = _outcomes(session, project)
    given = _given(session, sorted(outcomes))
    counts = Counter({name: 0 for name in project.labels})
    counts.update(str(corrected_label(given.get(i), answer))
                  for i, (answer, _) in outcomes.items())
    return {"counts": dict(counts), "total": len(outcomes), "warnings": []}


def cleaned_csv(session: Session, project: Project) -> Iterator[str]:
    """Every item with its given label, its label after review and what changed."""
    outcomes = _outcomes(session, project)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CLEANED_COLUMNS)
    query = (select(Item.id, Item.external_id, Item.data).where(Item.project_id == project.id)
             .order_by(Item.id).execution_options(yield_per=_CHUNK))
    for n, (item_id, external_id, data) in enumerate(session.execute(query), start=1):
        given = data.get("given")
        answer, reviewer = outcomes.get(item_id, (None, None))
        label = corrected_label(given, answer)
        change = "not reviewed" if item_id not in outcomes else \
            "corrected" if label != given else "kept"
        writer.writerow([neutralise_cell(str(value)) if value is not None else ""
                         for value in (item_id, external_id, given, label, change, reviewer)])
        if n % _CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
