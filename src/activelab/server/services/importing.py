"""Streaming import of items from CSV, JSONL or images (a folder or a zip), with per-record errors.

Memory stays bounded: the file is read a record (or one image) at a time and
valid rows are inserted in batches.  With ``all_or_nothing`` the source is
validated in a first pass and only inserted (in one transaction) when every
record is valid; otherwise valid records are inserted batch by batch and bad
ones reported: CSV/JSONL rows by 1-based ``line``, images by ``file`` (their
path inside the folder or zip).
"""

from __future__ import annotations

import csv
import json
import os
import random
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from sqlalchemy import insert, update
from sqlalchemy.orm import Session, sessionmaker

from ...exceptions import DataError
from ..db import write_transaction
from ..errors import ImportRejectedError
from ..models import Item, Project
from .image_folder import folder_records, zip_records
from .import_columns import LabelColumnReader, repeated_ids
from .import_store import ON_DUPLICATE, BatchCounts, store_batch
from .tasks import ParsedItem

__all__ = ["import_items", "import_folder", "import_records", "insert_items", "FORMATS"]

FORMATS = ("csv", "jsonl", "zip")

#: A fresh pass over a source: ``(where, parsed item or error message)`` records.
Records = Callable[[], Iterator[tuple[Any, ParsedItem | str]]]


class _FileError(Exception):
    """The file cannot be read at all (no or bad header): reported at ``line``."""

    def __init__(self, line: int | str, message: str) -> None:
        super().__init__(message)
        self.line = line


def _csv_records(stream: BinaryIO) -> Iterator[tuple[int, dict[str, Any] | str]]:
    bad_lines: set[int] = set()

    def lines() -> Iterator[str]:
        # Decoded line by line, so an encoding error is pinned to its line.
        for number, raw in enumerate(stream, start=1):
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                bad_lines.add(number)
                yield raw.decode("utf-8", errors="replace")

    reader = csv.DictReader(lines())
    try:
        fields = reader.fieldnames
    except csv.Error as error:
        raise _FileError(1, f"cannot read the CSV header: {error}") from None
    if not fields:
        raise _FileError(1, "the CSV file is empty (no header line)")
    if 1 in bad_lines:
        raise _FileError(1, "the CSV header is not valid UTF-8")
    if len(set(fields)) != len(fields):
        raise _FileError(1, "the CSV header repeats a column name")
    end = reader.line_num
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            end = reader.line_num
            yield start, f"malformed CSV: {error}"
            continue
        end = reader.line_num
        if any(start <= line <= end for line in bad_lines):
            yield start, "the row is not valid UTF-8"
        elif None in row:
            yield start, f"the row has more fields than the header's {len(fields)}"
        elif any(value is None for value in row.values()):
            yield start, f"the row has fewer fields than the header's {len(fields)}"
        else:
            yield start, row


def _jsonl_records(stream: BinaryIO) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            yield number, "the line is not valid UTF-8"
            continue
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, f"invalid JSON: {error.msg} (column {error.colno})"
            continue
        yield number, value if isinstance(value, dict) else \
            f"expected a JSON object, got {type(value).__name__}"


def _parsed_rows(stream: BinaryIO, fmt: str, reader: LabelColumnReader
                 ) -> Iterator[tuple[int, ParsedItem | str]]:
    records = _csv_records(stream) if fmt == "csv" else _jsonl_records(stream)
    for line, record in records:
        if isinstance(record, str):
            yield line, record
            continue
        try:
            yield line, reader.parse(record)
        except DataError as error:
            yield line, str(error)


def import_items(factory: sessionmaker[Session], project: Project, stream: BinaryIO, fmt: str,
                 *, all_or_nothing: bool = False, batch_size: int = 500,
                 max_errors: int = 100, on_duplicate: str = "skip",
                 label_column: str | None = None) -> dict[str, Any]:
    """Import items into ``project`` from a seekable binary stream (CSV, JSONL or zip of images).

    ``label_column`` (default: the project's, ``label`` unless changed) is read
    as a pre-label, never as a feature.  A row whose external id the project
    has already is skipped (``on_duplicate="skip"``) or updates that item
    (``"update"``).

    Returns
    -------
    report : dict
        ``inserted``, ``duplicates``, ``updated``, ``prelabels``, ``n_errors``
        and ``errors`` (up to ``max_errors`` of ``{"line": int, "error": str}``,
        or ``{"file": str, "error": str}`` for a zip of images), with
        ``feature_columns``, ``label_column`` (None when the file has none)
        and ``warnings``.

    Raises
    ------
    ImportRejectedError
        With ``all_or_nothing`` when any record is malformed (nothing is
        inserted), or when no record at all could be read or imported.
    """
    if fmt not in FORMATS:
        raise DataError(f"unknown import format {fmt!r}; use one of {', '.join(FORMATS)}")
    reader = LabelColumnReader(project, label_column or project.label_column)

    def records() -> Iterator[tuple[Any, ParsedItem | str]]:
        stream.seek(0)
        if fmt == "zip":
            try:
                yield from zip_records(stream, project.task_type)
            except DataError as error:
                raise _FileError("(archive)", str(error)) from None
        else:
            yield from _parsed_rows(stream, fmt, reader)

    report = import_records(factory, project, records,
                            where="file" if fmt == "zip" else "line",
                            all_or_nothing=all_or_nothing, batch_size=batch_size,
                            max_errors=max_errors, on_duplicate=on_duplicate)
    if fmt != "zip":
        report.update(reader.report())
    return report


def import_folder(factory: sessionmaker[Session], project: Project,
                  folder: str | os.PathLike[str], *, all_or_nothing: bool = False,
                  batch_size: int = 500, max_errors: int = 100,
                  on_duplicate: str = "skip") -> dict[str, Any]:
    """Import every image under ``folder`` (recursively) into an image project.

    Bad files (not images, corrupt, too large) are reported by their relative
    path as ``{"file": str, "error": str}``; see :func:`import_items`.
    """
    if not os.path.isdir(folder):
        raise DataError(f"{os.fspath(folder)!r} is not a folder")
    return import_records(factory, project, lambda: folder_records(folder, project.task_type),
                          where="file", all_or_nothing=all_or_nothing, batch_size=batch_size,
                          max_errors=max_errors, on_duplicate=on_duplicate)


def import_records(factory: sessionmaker[Session], project: Project, records: Records, *,
                   where: str = "line", all_or_nothing: bool = False, batch_size: int = 500,
                   max_errors: int = 100, on_duplicate: str = "skip") -> dict[str, Any]:
    """Store the valid records of ``records()``; ``where`` names the error locations."""
    if on_duplicate not in ON_DUPLICATE:
        raise DataError(f"on_duplicate must be one of {', '.join(ON_DUPLICATE)}, "
                        f"not {on_duplicate!r}")

    def checked() -> Iterator[tuple[Any, ParsedItem | str]]:
        return repeated_ids(records(), where)

    errors: list[dict[str, Any]] = []
    n_errors = 0

    def note(location: Any, message: str) -> None:
        nonlocal n_errors
        n_errors += 1
        if len(errors) < max_errors:
            errors.append({where: location, "error": message})

    rng = random.Random()
    counts = BatchCounts()
    try:
        if all_or_nothing:
            for location, parsed in checked():
                if isinstance(parsed, str):
                    note(location, parsed)
        if n_errors:
            raise ImportRejectedError(
                f"the source has {n_errors} malformed record(s); nothing was imported",
                errors, n_errors)
        if all_or_nothing:
            with write_transaction(factory) as session:
                counts = _store_all(session, project, checked(), rng, batch_size,
                                    on_duplicate)
        else:
            batch: list[ParsedItem] = []
            for location, parsed in checked():
                if isinstance(parsed, str):
                    note(location, parsed)
                    continue
                batch.append(parsed)
                if len(batch) >= batch_size:
                    counts.add(_commit_batch(factory, project, batch, rng, on_duplicate))
                    batch = []
            if batch:
                counts.add(_commit_batch(factory, project, batch, rng, on_duplicate))
            if counts.stored + counts.duplicates == 0 and n_errors:
                unit = "row" if where == "line" else "file"
                raise ImportRejectedError(
                    f"no {unit} of the source could be imported ({n_errors} malformed)",
                    errors, n_errors)
    except _FileError as error:
        note(error.line, str(error))
        if all_or_nothing or counts.stored + counts.duplicates == 0:
            raise ImportRejectedError(f"the file cannot be read: {error}", errors,
                                      n_errors) from None
    if where == "file" and counts.stored + counts.duplicates == 0 and n_errors == 0:
        raise ImportRejectedError("the folder or zip holds no files", errors, n_errors)
    return {"inserted": counts.inserted, "duplicates": counts.duplicates,
            "updated": counts.updated, "prelabels": counts.prelabels, "n_errors": n_errors,
            "errors": errors}


def _store_all(session: Session, project: Project,
               records: Iterator[tuple[Any, ParsedItem | str]], rng: random.Random,
               batch_size: int, on_duplicate: str) -> BatchCounts:
    counts = BatchCounts()
    batch: list[ParsedItem] = []
    for _where, parsed in records:
        if isinstance(parsed, str):  # the source changed between passes
            raise DataError("the source changed while it was being imported")
        batch.append(parsed)
        if len(batch) >= batch_size:
            counts.add(store_batch(session, project.id, batch, on_duplicate, rng))
            batch = []
    counts.add(store_batch(session, project.id, batch, on_duplicate, rng))
    return counts


def _commit_batch(factory: sessionmaker[Session], project: Project, batch: list[ParsedItem],
                  rng: random.Random, on_duplicate: str) -> BatchCounts:
    with write_transaction(factory) as session:
        return store_batch(session, project.id, batch, on_duplicate, rng)


def insert_items(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert item rows of one project and count them in ``projects.n_items`` (same transaction)."""
    if not rows:
        return
    session.execute(insert(Item), rows)
    session.execute(update(Project).where(Project.id == rows[0]["project_id"])
                    .values(n_items=Project.n_items + len(rows)))
