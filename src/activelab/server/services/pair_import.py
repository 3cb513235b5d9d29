"""Importing the two tables of a matching project: records, compared fields, candidate pairs.

Blocking needs every record of both tables at once, so both files are read whole
(bounded by the upload limit) and checked before anything is stored: a bad row, a
record without an id, an id given twice, a compared field one table lacks, or two
tables with no column in common reject the import with every problem listed, and
nothing is stored. Blocking (:func:`activelab.tasks.matching.block_pairs`) keeps each
right record's ``neighbours`` most similar left records; each candidate pair becomes
one item holding both records, so serving a pair reads one row. One table alone is
deduplicated against itself. Pairs are identified by their two record ids, so
importing the same tables again adds no pair twice.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from ...exceptions import DataError
from ...tasks.matching import block_pairs
from ..echo import echo
from ..errors import ImportRejectedError
from ..models import Project
from .importing import MAX_FIELD_CHARS, StopCheck, import_records, read_rows
from .task_types import data_kind
from .tasks import ParsedItem

__all__ = ["import_tables", "Table", "DEFAULT_NEIGHBOURS", "MAX_RECORD_ID"]

#: Left records kept per right record by blocking (per record when deduplicating).
DEFAULT_NEIGHBOURS = 5
#: Longest record id: a pair's id holds both.
MAX_RECORD_ID = 90
_ID_COLUMNS = ("id", "external_id")


class Table:
    """One imported table: record ids in file order, and each record's fields."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ids: list[str] = []
        self.records: list[dict[str, Any]] = []
        self.columns: dict[str, None] = {}  # in order of first appearance

    def frame(self, kinds: dict[str, str]) -> pd.DataFrame:
        """The compared fields as columns: numbers (NaN when missing) or text (None)."""
        columns: dict[str, pd.Series] = {}
        for field, kind in kinds.items():
            values = [_present(record.get(field)) for record in self.records]
            columns[field] = pd.Series(
                [math.nan if v is None else float(v) for v in values], dtype=float) \
                if kind == "numeric" else pd.Series(values, dtype=object)
        return pd.DataFrame(columns)


def _present(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def _field_value(name: str, value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    raise DataError(f"field {echo(name)} holds {type(value).__name__}; a record's fields are "
                    "text or numbers")


def _read_table(stream: BinaryIO, fmt: str, name: str, max_field_chars: int,
                errors: list[dict[str, Any]]) -> Table:
    table = Table(name)
    first_line: dict[str, int] = {}
    try:
        rows = list(read_rows(stream, fmt, max_field_chars))
    except DataError as error:
        errors.append({"table": name, "line": 1, "error": str(error)})
        return table
    for line, row in rows:
        try:
            if isinstance(row, str):
                raise DataError(row)
            record_id = next((row[c] for c in _ID_COLUMNS if _present(row.get(c)) is not None),
                             None)
            if record_id is None:
                raise DataError("the record has no id: each row needs an 'id' column")
            record_id = str(record_id).strip()
            if len(record_id) > MAX_RECORD_ID:
                raise DataError(f"the id is longer than {MAX_RECORD_ID} characters")
            if record_id in first_line:
                raise DataError(f"id {echo(record_id)} appears twice in the {name} table "
                                f"(first at line {first_line[record_id]})")
            fields = {str(k): _field_value(str(k), v) for k, v in row.items()
                      if k not in _ID_COLUMNS}
        except DataError as error:
            errors.append({"table": name, "line": line, "error": str(error)})
            continue
        first_line[record_id] = line
        table.ids.append(record_id)
        table.records.append(fields)
        table.columns.update(dict.fromkeys(fields))
    if not rows:
        errors.append({"table": name, "line": 1, "error": f"the {name} table has no rows"})
    return table


def _compared_fields(left: Table, right: Table | None, fields: Sequence[str] | None
                     ) -> list[str]:
    tables = [left] if right is None else [left, right]
    if fields:
        for field in fields:
            for table in tables:
                if field not in table.columns:
                    raise DataError(f"field {echo(field)} is not a column of the {table.name} "
                                    f"table; its columns are {echo(list(table.columns), 400)}")
        return list(dict.fromkeys(fields))
    shared = [c for c in left.columns if right is None or c in right.columns]
    if not shared:
        raise DataError("the two tables share no column to match on: the left table has "
                        f"{echo(list(left.columns), 300)}, the right table "
                        f"{echo(list(right.columns if right else ()), 300)}; rename the "
                        "columns that hold the same thing so that their names match")
    return shared


def _is_number(value: Any) -> bool:
    if isinstance(value, int | float):
        return math.isfinite(value)
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _kinds(tables: list[Table], fields: list[str]) -> dict[str, str]:
    """``numeric`` for a field whose every present value is a number, else ``string``."""
    kinds = {}
    for field in fields:
        present = [v for t in tables for r in t.records
                   if (v := _present(r.get(field))) is not None]
        if not present:
            raise DataError(f"field {echo(field)} is empty in every record; leave it out of "
                            "the compared fields")
        numeric = all(_is_number(v) for v in present)
        kinds[field] = "numeric" if numeric else "string"
        if not numeric:  # text compares as text: a number in a text field is its digits
            for table in tables:
                for record in table.records:
                    if isinstance(record.get(field), int | float):
                        record[field] = str(record[field])
    return kinds


def import_tables(factory: sessionmaker[Session], project: Project,
                  left: tuple[BinaryIO, str], right: tuple[BinaryIO, str] | None = None, *,
                  fields: Sequence[str] | None = None, neighbours: int = DEFAULT_NEIGHBOURS,
                  batch_size: int = 500, max_errors: int = 100,
                  max_field_chars: int = MAX_FIELD_CHARS,
                  should_stop: StopCheck | None = None) -> dict[str, Any]:
    """Read two tables (``(stream, "csv" | "jsonl")``), block them and store the candidate pairs.

    ``right=None`` deduplicates ``left``. ``fields`` are the compared columns
    (default: every column the tables share, ``id`` aside).

    Returns
    -------
    report : dict
        The import report (``inserted`` pairs, ``duplicates``, ...), with
        ``left_records``, ``right_records``, ``fields`` (name -> kind),
        ``candidate_pairs`` and ``possible_pairs``.

    Raises
    ------
    ImportRejectedError
        A bad row in either table (``errors`` lists them by ``table`` and ``line``).
    DataError
        Not a matching project, a compared field missing from a table, or no shared column.
    """
    if data_kind(project.task_type) != "pair":
        raise DataError(f"only a matching project imports two tables; project "
                        f"{project.name!r} is {project.task_type.replace('_', ' ')}")
    errors: list[dict[str, Any]] = []
    tables = [_read_table(*left, "left", max_field_chars, errors)]
    if right is not None:
        tables.append(_read_table(*right, "right", max_field_chars, errors))
    if errors:
        raise ImportRejectedError(f"the tables have {len(errors)} problem(s); nothing was "
                                  "imported", errors[:max_errors], len(errors))
    other = tables[1] if right is not None else None
    kinds = _kinds(tables, _compared_fields(tables[0], other, fields))
    pairs = block_pairs(tables[0].frame(kinds), other.frame(kinds) if other else None, kinds,
                        neighbours=neighbours)
    second = other or tables[0]

    def records() -> Iterator[tuple[Any, ParsedItem | str]]:
        for n, (i, j) in enumerate(pairs.tolist(), start=1):
            ids = [tables[0].ids[i], second.ids[j]]
            yield n, ParsedItem(json.dumps(ids, ensure_ascii=False), {
                "left": {"id": ids[0], "fields": tables[0].records[i]},
                "right": {"id": ids[1], "fields": second.records[j]}, "kinds": kinds,
                "one_table": other is None})

    report = import_records(factory, project, records, where="pair", batch_size=batch_size,
                            max_errors=max_errors, should_stop=should_stop)
    n_left, n_right = len(tables[0].ids), len(other.ids) if other else None
    return {**report, "left_records": n_left, "right_records": n_right, "fields": kinds,
            "candidate_pairs": int(len(pairs)),
            "possible_pairs": n_left * n_right if n_right is not None
            else n_left * (n_left - 1) // 2}
