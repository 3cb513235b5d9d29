"""Storing one batch of imported items: new ids inserted, known ids skipped or updated.

Idempotent on the external id: a row whose id the project has already is
either skipped (counted as a duplicate) or updates that item, as the import
asks.  Rows without an id are always new items.  Each batch looks its ids up
once (``ix_items_external``) after locking the project's row, so two imports
into one project take turns and cannot both insert the same id (PostgreSQL;
SQLite writers hold the database's write lock already).

On PostgreSQL new items arrive by ``COPY`` (psycopg's copy support), their ids
drawn from the table's sequence in one statement first, so pre-labels can
point at them; on SQLite by one multi-row ``INSERT`` per batch.  Either way a
batch is one transaction: after a crash the database holds whole batches, and
importing the file again (ids matched) adds only the rest.

A row's pre-label becomes a label with ``source="import"`` and no user.  It
counts in ``items.n_labels`` like any label, so a pre-labelled item leaves the
queue once it has ``overlap`` labels.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from ..db import is_postgres
from ..models import Item, Label, LabelSource, Project, utcnow
from .tasks import ParsedItem

__all__ = ["BatchCounts", "store_batch", "ON_DUPLICATE"]

ON_DUPLICATE = ("skip", "update")
#: Ids looked up per statement (well below every database's bound-parameter limit).
_LOOKUP_CHUNK = 500


@dataclass
class BatchCounts:
    """What a batch did: new items, known ids skipped or updated, pre-labels stored."""

    inserted: int = 0
    duplicates: int = 0
    updated: int = 0
    prelabels: int = 0

    def add(self, other: BatchCounts) -> None:
        self.inserted += other.inserted
        self.duplicates += other.duplicates
        self.updated += other.updated
        self.prelabels += other.prelabels

    @property
    def stored(self) -> int:
        """Rows that reached the database one way or another (inserted or updated)."""
        return self.inserted + self.updated


def _known_ids(session: Session, project_id: int, ids: list[str]) -> dict[str, list[int]]:
    known: dict[str, list[int]] = {}
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[start:start + _LOOKUP_CHUNK]
        for external_id, item_id in session.execute(select(Item.external_id, Item.id).where(
                Item.project_id == project_id, Item.external_id.in_(chunk))):
            if external_id is not None:  # the query asked for ids in ``chunk``
                known.setdefault(external_id, []).append(item_id)
    return known


def _prelabel_row(project_id: int, item_id: int, value: Any, now: Any) -> dict[str, Any]:
    return {"project_id": project_id, "item_id": item_id, "user_id": None, "value": value,
            "is_skip": False, "undone": False, "source": LabelSource.imported.value,
            "created_at": now}


def store_batch(session: Session, project_id: int, batch: list[ParsedItem],
                on_duplicate: str, rng: random.Random) -> BatchCounts:
    """Store ``batch`` (valid rows, ids unique within the file) in the caller's transaction."""
    counts = BatchCounts()
    if not batch:
        return counts
    session.execute(select(Project.id).where(Project.id == project_id).with_for_update())
    ids = sorted({p.external_id for p in batch if p.external_id is not None})
    known = _known_ids(session, project_id, ids) if ids else {}
    fresh = [p for p in batch if p.external_id not in known]
    seen = [p for p in batch if p.external_id in known]
    now = utcnow()
    if on_duplicate == "update":
        counts.add(_update_items(session, project_id, seen, known, now))
    else:
        counts.duplicates = len(seen)
    counts.add(_insert_items(session, project_id, fresh, rng, now))
    return counts


def _insert_items(session: Session, project_id: int, fresh: list[ParsedItem],
                  rng: random.Random, now: Any) -> BatchCounts:
    if not fresh:
        return BatchCounts()
    rows = [{"project_id": project_id, "external_id": p.external_id, "data": p.data,
             "image": p.image, "image_mime": p.image_mime, "random_key": rng.random(),
             "is_gold": p.gold is not None, "gold_answer": p.gold,
             "n_labels": 0 if p.prelabel is None else 1, "created_at": now} for p in fresh]
    if is_postgres(session):
        item_ids = _copy_items(session, rows)
    else:
        item_ids = list(session.scalars(
            insert(Item).returning(Item.id, sort_by_parameter_order=True), rows))
    labels = [_prelabel_row(project_id, item_id, p.prelabel, now)
              for item_id, p in zip(item_ids, fresh, strict=True) if p.prelabel is not None]
    if labels:
        session.execute(insert(Label), labels)
    session.execute(update(Project).where(Project.id == project_id)
                    .values(n_items=Project.n_items + len(rows)))
    return BatchCounts(inserted=len(rows), prelabels=len(labels))


_COPY_COLUMNS = ("id", "project_id", "external_id", "data", "image", "image_mime",
                 "random_key", "n_labels", "created_at", "is_gold", "gold_answer")
_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence('items', 'id')) "
                 "FROM generate_series(1, :n)")


def _copy_items(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """PostgreSQL: ``COPY`` ``rows`` into ``items`` with ids drawn first; returns the ids."""
    ids = [int(i) for i in session.scalars(_NEXT_IDS, {"n": len(rows)})]
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY items ({', '.join(_COPY_COLUMNS)}) FROM STDIN") as copy:
        for item_id, row in zip(ids, rows, strict=True):
            copy.write_row((item_id, row["project_id"], row["external_id"],
                            json.dumps(row["data"]), row["image"], row["image_mime"],
                            row["random_key"], row["n_labels"],
                            row["created_at"].astimezone(UTC).replace(tzinfo=None),
                            row["is_gold"], None if row["gold_answer"] is None
                            else json.dumps(row["gold_answer"])))
    return ids


def _update_items(session: Session, project_id: int, seen: list[ParsedItem],
                  known: dict[str, list[int]], now: Any) -> BatchCounts:
    """Known ids take the row's data, and its pre-label replaces their active one."""
    if not seen:
        return BatchCounts()
    rows = [{"id": item_id, "data": p.data, "image": p.image, "image_mime": p.image_mime,
             "is_gold": p.gold is not None, "gold_answer": p.gold}
            for p in seen for item_id in known[p.external_id]]  # type: ignore[index]
    session.execute(update(Item), rows)
    wanted = {item_id: p.prelabel for p in seen if p.prelabel is not None
              for item_id in known[p.external_id]}  # type: ignore[index]
    prelabels = _replace_prelabels(session, project_id, wanted, now) if wanted else 0
    return BatchCounts(updated=len(seen), prelabels=prelabels)


def _replace_prelabels(session: Session, project_id: int, wanted: dict[int, Any],
                       now: Any) -> int:
    """Give each item its new pre-label (an unchanged one stays); returns the labels stored."""
    current = {row.item_id: row for row in session.execute(
        select(Label.id, Label.item_id, Label.value).where(
            Label.item_id.in_(list(wanted)), Label.source == LabelSource.imported.value,
            Label.undone.is_(False)))}
    retired = [row.id for item_id, row in current.items() if row.value != wanted[item_id]]
    added = [item_id for item_id, value in wanted.items()
             if item_id not in current or current[item_id].value != value]
    if retired:
        session.execute(update(Label).where(Label.id.in_(retired))
                        .values(undone=True, undone_at=now))
    fresh = [item_id for item_id in added if item_id not in current]
    if fresh:  # replaced pre-labels keep their count; new ones add one
        session.execute(update(Item).where(Item.id.in_(fresh))
                        .values(n_labels=Item.n_labels + 1))
    if added:
        session.execute(insert(Label), [_prelabel_row(project_id, item_id, wanted[item_id], now)
                                        for item_id in added])
    return len(added)
