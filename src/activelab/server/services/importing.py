"""Streaming import of items from CSV, JSONL or images (a folder or a zip), with per-record errors.

Memory stays bounded: the file is read a record (or one image) at a time and
valid rows are inserted in batches.  With ``all_or_nothing`` the source is
validated in a first pass and only inserted (in one transaction) when every
record is valid; otherwise valid records are inserted batch by batch and bad
ones reported: CSV/JSONL rows by 1-based ``line``, images by ``file`` (their
path inside the folder or zip).

Hostile files: every field is bounded (``max_field_chars``), a CSV field
that runs past the parser's limit ends the reading (never re-synced inside
it), JSONL lines are strict JSON, and text that cannot be stored (a NUL, a
lone surrogate) is refused with its line.  A ``should_stop`` callback ends
a long import between batches (client gone, server stopping).
"""

from __future__ import annotations

import csv
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from sqlalchemy import insert, update
from sqlalchemy.orm import Session, sessionmaker

from ...exceptions import DataError
from ..db import write_transaction
from ..echo import echo
from ..errors import ImportRejectedError
from ..models import Item, Project
from ..strict_json import InvalidJSONError, find_bad_text, loads_strict
from .image_folder import folder_records, zip_records
from .import_columns import LabelColumnReader, repeated_ids
from .import_store import ON_DUPLICATE, BatchCounts, store_batch
from .task_types import clusters_points, data_kind
from .tasks import MAX_IMAGE_BYTES, ParsedItem

__all__ = ["import_items", "import_folder", "import_records", "insert_items", "read_rows",
           "FORMATS", "MAX_FIELD_CHARS", "StopCheck"]

FORMATS = ("csv", "jsonl", "zip")
#: Default longest field (setting ``import_max_field_chars``): Python's own CSV limit.
MAX_FIELD_CHARS = 131_072
#: Asked between records, at most this often: should the import stop?
StopCheck = Callable[[], bool]
_STOP_CHECK_SECONDS = 0.5
#: A batch is committed at ``batch_size`` rows or at this many bytes of images.
_BATCH_BYTES = 32 * 1024 * 1024
_log = logging.getLogger(__name__)

#: A fresh pass over a source: ``(where, parsed item or error message)`` records.
Records = Callable[[], Iterator[tuple[Any, ParsedItem | str]]]


class _FileError(Exception):
    """The file cannot be read at all (no or bad header): reported at ``line``."""

    def __init__(self, line: int | str, message: str) -> None:
        super().__init__(message)
        self.line = line


def _stopped_at(limit: int) -> str:
    return (f"a field is longer than {limit} characters (setting import_max_field_chars), "
            "or a quote is never closed; reading stopped here, because where that field "
            "ends cannot be told: rows from this line on were not read")


class _LineTooLong(Exception):
    """A physical line longer than any row of the file may be: reading stops there."""


def _csv_records(stream: BinaryIO, max_field_chars: int
                 ) -> Iterator[tuple[int, dict[str, Any] | str]]:
    bad_lines: set[int] = set()
    # Bytes of one physical line (4 per character at most); set per column once the
    # header is read, so a file with no line break is never read whole into memory.
    max_line = 4 * max_field_chars

    def lines() -> Iterator[str]:
        # Decoded line by line, so an encoding error is pinned to its line.
        number = 0
        while raw := stream.readline(max_line + 1):
            number += 1
            if len(raw) > max_line and not raw.endswith(b"\n"):
                raise _LineTooLong
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                bad_lines.add(number)
                yield raw.decode("utf-8", errors="replace")

    # Python's parser refuses (csv.Error) a field over its process-wide limit; it is
    # raised, never lowered, so this reader's own limit below is the one that counts.
    if csv.field_size_limit() < max_field_chars:
        csv.field_size_limit(max_field_chars)
    reader = csv.DictReader(lines())
    try:
        fields = reader.fieldnames
    except (csv.Error, _LineTooLong):
        raise _FileError(1, f"cannot read the CSV header: {_stopped_at(max_field_chars)}"
                         ) from None
    if not fields:
        raise _FileError(1, "the CSV file is empty (no header line)")
    if 1 in bad_lines:
        raise _FileError(1, "the CSV header is not valid UTF-8")
    if len(set(fields)) != len(fields):
        raise _FileError(1, "the CSV header repeats a column name")
    problem = next(filter(None, map(find_bad_text, fields)), None)
    if problem is not None:
        raise _FileError(1, f"a column name of the CSV header {problem}")
    max_line = 4 * max_field_chars * len(fields) + 1024
    end = reader.line_num
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except (csv.Error, _LineTooLong):
            # The parser would restart inside the field and read its lines as rows.
            yield start, _stopped_at(max_field_chars)
            return
        end = reader.line_num
        if any(start <= line <= end for line in bad_lines):
            yield start, "the row is not valid UTF-8"
        elif None in row:
            yield start, f"the row has more fields than the header's {len(fields)}"
        elif None in row.values():  # the reader's filler for a missing field
            yield start, f"the row has fewer fields than the header's {len(fields)}"
        else:
            yield start, _checked_row(row, max_field_chars)


def _checked_row(row: dict[str, Any], max_field_chars: int) -> dict[str, Any] | str:
    """``row``, or why it cannot be stored: a field too long, a NUL character."""
    strings = [value for value in row.values() if isinstance(value, str)]
    if max(map(len, strings), default=0) <= max_field_chars \
            and find_bad_text("".join(strings)) is None:
        return row  # the common case, in one search instead of one per field
    for name, value in row.items():
        if isinstance(value, str):
            # An image column has its own limit, in bytes (MAX_IMAGE_BYTES).
            if len(value) > max_field_chars and name != "image":
                return (f"column {echo(name)} holds {len(value)} characters; at most "
                        f"{max_field_chars} are accepted (setting import_max_field_chars)")
            problem = find_bad_text(value)
            if problem is not None:
                return f"column {echo(name)} {problem}"
    return row


def _jsonl_records(stream: BinaryIO, max_field_chars: int
                   ) -> Iterator[tuple[int, dict[str, Any] | str]]:
    # A line may hold an image in base64 (up to MAX_IMAGE_BYTES) besides its fields.
    max_line = 2 * MAX_IMAGE_BYTES + 8 * max_field_chars
    number = 0
    while True:
        raw = stream.readline(max_line + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_line and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                raw = stream.readline(1024 * 1024)
            yield number, f"the line is longer than {max_line} bytes"
            continue
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            yield number, "the line is not valid UTF-8"
            continue
        if not line.strip():
            continue
        try:
            value = loads_strict(line, "the line")
        except InvalidJSONError as error:
            yield number, str(error)
            continue
        if not isinstance(value, dict):
            yield number, f"expected a JSON object, got {type(value).__name__}"
            continue
        yield number, _checked_row(value, max_field_chars)


def read_rows(stream: BinaryIO, fmt: str, max_field_chars: int = MAX_FIELD_CHARS
              ) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """``(line, row or why it is bad)`` of a CSV or JSONL stream, checked as an import is.

    Raises
    ------
    DataError
        An unknown format, or a CSV file whose header cannot be read.
    """
    if fmt not in ("csv", "jsonl"):
        raise DataError(f"unknown format {echo(fmt)}; use csv or jsonl")
    try:
        yield from (_csv_records if fmt == "csv" else _jsonl_records)(stream, max_field_chars)
    except _FileError as error:
        raise DataError(f"line {error.line}: {error}") from None


def _parsed_rows(stream: BinaryIO, fmt: str, reader: LabelColumnReader, max_field_chars: int
                 ) -> Iterator[tuple[int, ParsedItem | str]]:
    read = _csv_records if fmt == "csv" else _jsonl_records
    for line, record in read(stream, max_field_chars):
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
                 label_column: str | None = None, max_field_chars: int = MAX_FIELD_CHARS,
                 should_stop: StopCheck | None = None) -> dict[str, Any]:
    """Import items into ``project`` from a seekable binary stream (CSV, JSONL or zip of images).

    ``label_column`` (default: the project's, ``label`` unless changed) is read
    as a pre-label, never as a feature.  A row whose external id the project
    has already is skipped (``on_duplicate="skip"``) or updates that item
    (``"update"``).

    A CSV field or JSONL value longer than ``max_field_chars`` is an error for
    its row.  A CSV field that runs past the parser's limit (or a quote never
    closed) ends the reading: the rows before it are imported and the report
    says where it stopped; no fragment of the field is ever read as rows.
    JSONL lines must be strict JSON (no ``NaN``, no NUL or lone surrogate in a
    string, nesting at most 64 deep): such lines are refused, not repaired.

    ``should_stop`` is asked about twice a second; when it answers true the
    import ends between two batches: the batches committed stay (none with
    ``all_or_nothing``) and the report has ``cancelled: True``.

    Returns
    -------
    report : dict
        ``inserted``, ``duplicates``, ``updated``, ``prelabels``, ``n_errors``,
        ``errors`` (up to ``max_errors`` of ``{"line": int, "error": str}``,
        or ``{"file": str, "error": str}`` for a zip of images) and
        ``cancelled``, with ``feature_columns``, ``label_column`` (None when
        the file has none) and ``warnings``.

    Raises
    ------
    ImportRejectedError
        With ``all_or_nothing`` when any record is malformed (nothing is
        inserted), or when no record at all could be read or imported.
    """
    if fmt not in FORMATS:
        raise DataError(f"unknown import format {echo(fmt)}; use one of {', '.join(FORMATS)}")
    if data_kind(project.task_type) == "pair":
        raise DataError("a matching project's items are pairs of records: import its two "
                        f"tables with POST /api/projects/{project.id}/import-tables")
    if clusters_points(project.task_type):
        raise DataError("a clustering project's rows are points: import them with "
                        "cluster_points.import_points (POST /import does)")
    reader = LabelColumnReader(project, label_column or project.label_column)

    def records() -> Iterator[tuple[Any, ParsedItem | str]]:
        stream.seek(0)
        if fmt == "zip":
            try:
                yield from zip_records(stream, project.task_type)
            except DataError as error:
                raise _FileError("(archive)", str(error)) from None
        else:
            yield from _parsed_rows(stream, fmt, reader, max_field_chars)

    report = import_records(factory, project, records,
                            where="file" if fmt == "zip" else "line",
                            all_or_nothing=all_or_nothing, batch_size=batch_size,
                            max_errors=max_errors, on_duplicate=on_duplicate,
                            should_stop=should_stop)
    if fmt != "zip":
        report.update(reader.report())
    return report


def import_folder(factory: sessionmaker[Session], project: Project,
                  folder: str | os.PathLike[str], *, all_or_nothing: bool = False,
                  batch_size: int = 500, max_errors: int = 100,
                  on_duplicate: str = "skip", should_stop: StopCheck | None = None
                  ) -> dict[str, Any]:
    """Import every image under ``folder`` (recursively) into an image project.

    Bad files (not images, corrupt, too large) are reported by their relative
    path as ``{"file": str, "error": str}``; see :func:`import_items`.
    """
    if not os.path.isdir(folder):
        raise DataError(f"{echo(os.fspath(folder))} is not a folder")
    return import_records(factory, project, lambda: folder_records(folder, project.task_type),
                          where="file", all_or_nothing=all_or_nothing, batch_size=batch_size,
                          max_errors=max_errors, on_duplicate=on_duplicate,
                          should_stop=should_stop)


class _Cancelled(Exception):
    """``should_stop`` answered true: end the import between two batches."""


def _until_stopped(records: Iterator[tuple[Any, ParsedItem | str]],
                   should_stop: StopCheck | None) -> Iterator[tuple[Any, ParsedItem | str]]:
    # Asked by time, not by record: one image may take long, a short row very little.
    next_check = time.monotonic() + _STOP_CHECK_SECONDS
    for record in records:
        if should_stop is not None and time.monotonic() >= next_check:
            if should_stop():
                raise _Cancelled
            next_check = time.monotonic() + _STOP_CHECK_SECONDS
        yield record


def import_records(factory: sessionmaker[Session], project: Project, records: Records, *,
                   where: str = "line", all_or_nothing: bool = False, batch_size: int = 500,
                   max_errors: int = 100, on_duplicate: str = "skip",
                   should_stop: StopCheck | None = None) -> dict[str, Any]:
    """Store the valid records of ``records()``; ``where`` names the error locations."""
    if on_duplicate not in ON_DUPLICATE:
        raise DataError(f"on_duplicate must be one of {', '.join(ON_DUPLICATE)}, "
                        f"not {echo(on_duplicate)}")

    def checked() -> Iterator[tuple[Any, ParsedItem | str]]:
        return _until_stopped(repeated_ids(records(), where), should_stop)

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
            batch = _Batch()
            for location, parsed in checked():
                if isinstance(parsed, str):
                    note(location, parsed)
                    continue
                batch.add(parsed)
                if batch.full(batch_size):
                    counts.add(_commit_batch(factory, project, batch.take(), rng, on_duplicate))
            if batch.items:
                counts.add(_commit_batch(factory, project, batch.take(), rng, on_duplicate))
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
    except _Cancelled:
        _log.warning("import into project %s cancelled (the server is stopping or the client "
                     "went away): %s item(s) stored before it stopped", project.id,
                     counts.stored)
        return {**_counted(counts), "n_errors": n_errors, "errors": errors, "cancelled": True}
    if where == "file" and counts.stored + counts.duplicates == 0 and n_errors == 0:
        raise ImportRejectedError("the folder or zip holds no files", errors, n_errors)
    return {**_counted(counts), "n_errors": n_errors, "errors": errors, "cancelled": False}


def _counted(counts: BatchCounts) -> dict[str, int]:
    return {"inserted": counts.inserted, "duplicates": counts.duplicates,
            "updated": counts.updated, "prelabels": counts.prelabels}


class _Batch:
    """Rows waiting to be stored, full at ``batch_size`` rows or ``_BATCH_BYTES`` of images."""

    def __init__(self) -> None:
        self.items: list[ParsedItem] = []
        self.image_bytes = 0

    def add(self, parsed: ParsedItem) -> None:
        self.items.append(parsed)
        self.image_bytes += len(parsed.image or b"")

    def full(self, batch_size: int) -> bool:
        return len(self.items) >= batch_size or self.image_bytes >= _BATCH_BYTES

    def take(self) -> list[ParsedItem]:
        items, self.items, self.image_bytes = self.items, [], 0
        return items


def _store_all(session: Session, project: Project,
               records: Iterator[tuple[Any, ParsedItem | str]], rng: random.Random,
               batch_size: int, on_duplicate: str) -> BatchCounts:
    counts = BatchCounts()
    batch = _Batch()
    for _where, parsed in records:
        if isinstance(parsed, str):  # the source changed between passes
            raise DataError("the source changed while it was being imported")
        batch.add(parsed)
        if batch.full(batch_size):
            counts.add(store_batch(session, project.id, batch.take(), on_duplicate, rng))
    counts.add(store_batch(session, project.id, batch.take(), on_duplicate, rng))
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
