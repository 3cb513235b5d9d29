"""Importing annotated files: Label Studio JSON, COCO and Pascal VOC.

A reader (``label_studio_import``, ``detection_import``) turns the file into
:class:`AnnotatedRecord` s: one item each, with the answer the file gives it
(``answer``) and, for Label Studio, a model's pre-annotation (``prelabel``).
Everything is read and checked before anything is written, then stored in one
transaction: a bad file imports nothing.

An item is matched by its external id (the Label Studio task's
``meta.external_id``, the COCO or VOC image's file name): a known item is
labelled where it is, an unknown one is added from the file's data.  An answer
becomes a label by the importing admin (source ``annotator``), so it is in the
audit trail as a label of theirs, and a pre-annotation a pre-label (source
``import``).  Importing the same file again changes nothing: an admin's label
or a pre-label that holds the same answer is kept, a different one replaced.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, BinaryIO

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from ...exceptions import ConfigError, DataError
from ..db import write_transaction
from ..echo import echo
from ..models import Item, Label, LabelSource, Project, Role, TaskType, User, utcnow
from .annotated_records import NO_ANSWER, AnnotatedRecord
from .audit import record_event
from .detection_import import read_coco, read_voc
from .label_studio_import import read_label_studio
from .task_types import data_kind, reviews_labels

__all__ = ["ANNOTATED_FORMATS", "import_annotated", "importing_admin", "json_format",
           "MAX_ANNOTATED_BYTES"]

#: The import formats that carry answers, read whole (not streamed) into one transaction.
ANNOTATED_FORMATS = ("label-studio", "coco", "voc")
#: The largest annotated file (or zip of images with its annotations) read.
MAX_ANNOTATED_BYTES = 2 * 1024 * 1024 * 1024
Reader = Callable[[Project, bytes], list[AnnotatedRecord]]


_READERS: dict[str, Reader] = {"label-studio": read_label_studio, "coco": read_coco,
                               "voc": read_voc}


def json_format(stream: BinaryIO, task_type: str) -> str:
    """The format of a ``.json`` file: ``coco`` for one JSON object into an image-regions
    project, ``label-studio`` (a list of tasks) otherwise."""
    if task_type != TaskType.image_regions:
        return "label-studio"
    head = stream.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    stream.seek(0)
    return "coco" if head.startswith(b"{") else "label-studio"


def importing_admin(factory: sessionmaker[Session], username: str | None) -> User:
    """The admin whose labels a file's answers become when it is imported from the CLI.

    ``username``, or else the database's only active admin.

    Raises
    ------
    ConfigError
        No such admin, or several admins and none named.
    """
    with factory() as session:
        query = select(User).where(User.role == Role.admin.value, User.is_active.is_(True))
        if username is not None:
            query = query.where(User.username == username)
        admins = list(session.scalars(query.limit(2)))
        for admin in admins:
            session.expunge(admin)
    if username is not None and not admins:
        raise ConfigError(f"no active admin named {echo(username)}: the file's answers become "
                          "labels of an admin")
    if len(admins) != 1:
        raise ConfigError("the file's answers become labels of an admin: name one with --as "
                          f"({'there is none yet' if not admins else 'there are several'})")
    return admins[0]


def _read_all(stream: BinaryIO) -> bytes:
    stream.seek(0)
    raw = stream.read(MAX_ANNOTATED_BYTES + 1)
    if len(raw) > MAX_ANNOTATED_BYTES:
        raise DataError(f"the file is larger than {MAX_ANNOTATED_BYTES // 2**20} MiB; split "
                        "it into several imports")
    return raw


def import_annotated(factory: sessionmaker[Session], project: Project, admin: User,
                     stream: BinaryIO, fmt: str) -> dict[str, Any]:
    """Import a Label Studio, COCO or VOC file into ``project``: items, labels, pre-labels.

    Returns
    -------
    report : dict
        ``inserted`` (new items), ``matched`` (items the project had), ``labels``
        (labels stored for ``admin``), ``prelabels``, ``unchanged`` (answers the
        project had already), and the empty ``errors`` of an import report.

    Raises
    ------
    DataError
        The file does not fit the project (another Label Studio template, an image
        that is neither uploaded nor in the project, a corrupt image, ...);
        InvalidAnswerError (one of them) for a bad answer: a box outside its image
        or of no size, an unknown label or category.  Nothing is imported then.
    """
    if fmt not in ANNOTATED_FORMATS:
        raise DataError(f"unknown annotated format {echo(fmt)}; use one of "
                        f"{', '.join(ANNOTATED_FORMATS)}")
    if reviews_labels(project.task_type) or data_kind(project.task_type) == "pair":
        raise DataError(f"a {project.task_type.replace('_', ' ')} project does not import "
                        f"{fmt} files: import its items with CSV or JSONL"
                        + (" tables" if data_kind(project.task_type) == "pair" else ""))
    records = _READERS[fmt](project, _read_all(stream))
    seen: dict[str, str] = {}
    for record in records:
        if record.external_id is not None:
            if record.external_id in seen:
                raise DataError(f"{record.where} and {seen[record.external_id]} are the same "
                                f"item {echo(record.external_id)}")
            seen[record.external_id] = record.where
    with write_transaction(factory) as session:
        report = _store(session, project, admin, records)
        record_event(session, admin, "import", project, format=fmt,
                     **{key: report[key] for key in ("inserted", "matched", "labels",
                                                     "prelabels")})
    return {**report, "n_errors": 0, "errors": [], "duplicates": 0, "updated": 0,
            "cancelled": False}


def _known_items(session: Session, project: Project, ids: list[str]
                 ) -> dict[str, tuple[int, dict[str, Any]]]:
    known: dict[str, tuple[int, dict[str, Any]]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(select(Item.external_id, Item.id, Item.data).where(
            Item.project_id == project.id, Item.external_id.in_(ids[start:start + 500]))
            .order_by(Item.id))
        for external_id, item_id, data in rows:
            known.setdefault(external_id, (item_id, data))
    return known


def _check_size(record: AnnotatedRecord, data: dict[str, Any]) -> None:
    if record.size is None or "width" not in data:
        return
    have = (int(data["width"]), int(data["height"]))
    if have != record.size:
        raise DataError(f"{record.where}: the project's image {echo(record.external_id)} is "
                        f"{have[0]}x{have[1]} pixels, but the file's boxes are drawn on "
                        f"{record.size[0]}x{record.size[1]}")


def _store(session: Session, project: Project, admin: User,
           records: list[AnnotatedRecord]) -> dict[str, int]:
    session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    known = _known_items(session, project,
                         sorted({r.external_id for r in records if r.external_id is not None}))
    targets: list[tuple[int, AnnotatedRecord]] = []
    fresh: list[AnnotatedRecord] = []
    for record in records:
        if record.external_id in known:
            item_id, data = known[record.external_id]
            _check_size(record, data)
            targets.append((item_id, record))
        elif record.item is None:
            raise DataError(f"{record.where}: image {echo(record.external_id)} is neither in "
                            "the upload nor in the project; upload it with the annotations "
                            "(a zip) or import the images first")
        else:
            fresh.append(record)
    now = utcnow()
    rng = random.Random()
    if fresh:
        parsed = [r.item for r in fresh if r.item is not None]  # every fresh one has its item
        rows = [{"project_id": project.id, "external_id": p.external_id, "data": p.data,
                 "image": p.image, "image_mime": p.image_mime, "random_key": rng.random(),
                 "n_labels": 0, "created_at": now} for p in parsed]
        ids = list(session.scalars(
            insert(Item).returning(Item.id, sort_by_parameter_order=True), rows))
        session.execute(update(Project).where(Project.id == project.id)
                        .values(n_items=Project.n_items + len(rows)))
        targets.extend(zip(ids, fresh, strict=True))
    counts = {"inserted": len(fresh), "matched": len(targets) - len(fresh), "labels": 0,
              "prelabels": 0, "unchanged": 0}
    for source, user_id, field, counted in (
            (LabelSource.annotator, admin.id, "answer", "labels"),
            (LabelSource.imported, None, "prelabel", "prelabels")):
        wanted = {item_id: getattr(r, field) for item_id, r in targets
                  if getattr(r, field) is not NO_ANSWER}
        stored, unchanged = _put_labels(session, project.id, wanted, source, user_id, now)
        counts[counted] += stored
        counts["unchanged"] += unchanged
    return counts


def _put_labels(session: Session, project_id: int, wanted: dict[int, Any],
                source: LabelSource, user_id: int | None, now: Any) -> tuple[int, int]:
    """Give each item its label from ``user_id`` (or its pre-label); (stored, unchanged)."""
    if not wanted:
        return 0, 0
    current: dict[int, Any] = {}
    for start in range(0, len(wanted), 500):
        chunk = list(wanted)[start:start + 500]
        query = select(Label.id, Label.item_id, Label.value).where(
            Label.item_id.in_(chunk), Label.source == source.value, Label.undone.is_(False),
            Label.is_skip.is_(False))
        query = query.where(Label.user_id.is_(None) if user_id is None
                            else Label.user_id == user_id)
        current.update({row.item_id: row for row in session.execute(query)})
    retired = [row.id for item_id, row in current.items() if row.value != wanted[item_id]]
    added = [item_id for item_id, value in wanted.items()
             if item_id not in current or current[item_id].value != value]
    if retired:
        session.execute(update(Label).where(Label.id.in_(retired))
                        .values(undone=True, undone_at=now))
    new = [item_id for item_id in added if item_id not in current]
    for start in range(0, len(new), 500):  # a replaced label keeps its count
        session.execute(update(Item).where(Item.id.in_(new[start:start + 500]))
                        .values(n_labels=Item.n_labels + 1))
    if added:
        session.execute(insert(Label), [
            {"project_id": project_id, "item_id": item_id, "user_id": user_id,
             "value": wanted[item_id], "is_skip": False, "undone": False,
             "source": source.value, "created_at": now} for item_id in added])
    return len(added), len(wanted) - len(added)
