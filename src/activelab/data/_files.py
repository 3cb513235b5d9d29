"""Loading a user's own file: CSV/TSV, JSON Lines (or a JSON array) and Parquet.

Every problem with the file becomes a :class:`~activelab.exceptions.DataError` naming the
file, the line or column at fault, and what to do about it.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._spelling import parameter
from ..exceptions import DataError, InvalidFeaturesError
from ._dataset import Dataset
from ._tabular import encode_features, encode_target, guess_text_column, infer_task, where

__all__ = ["load_file", "SUPPORTED_SUFFIXES", "is_data_file_name"]

_FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
            ".json": "json", ".parquet": "parquet", ".pq": "parquet"}
SUPPORTED_SUFFIXES: tuple[str, ...] = (*_FORMATS, *(s + ".gz" for s in _FORMATS
                                                     if _FORMATS[s] != "parquet"))
_DELIMITERS = (",", ";", "\t")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass
class _Table:
    """A parsed file: the rows, and the 1-based line each row starts on (None: unknown)."""

    frame: pd.DataFrame
    row_lines: Sequence[int] | None


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) >= 2 and suffixes[-1] == ".gz":
        return "".join(suffixes[-2:])
    return suffixes[-1] if suffixes else ""


def is_data_file_name(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` ends in a suffix :func:`load_file` reads."""
    return _suffix(Path(path)) in SUPPORTED_SUFFIXES


def load_file(path: str | os.PathLike[str], target: str,
              text_column: str | None = None) -> Dataset:
    """Load a labelled CSV, TSV, JSON Lines, JSON or Parquet file.

    Parameters
    ----------
    path : str or path-like
        ``.csv`` (delimiter sniffed among comma, semicolon and tab), ``.tsv``, ``.jsonl``/
        ``.ndjson`` (one JSON object per line), ``.json`` (JSON Lines or an array of
        objects), ``.parquet``; text formats may be gzipped (``.csv.gz``).
    target : str
        Column holding the labels. The task is classification for strings, booleans and
        integer values with at most 50 distinct values, regression otherwise.
    text_column : str, optional
        Column of raw text. When given, ``X`` is that column (a text dataset) and every
        other column except the target is ignored. When None and a column holds free
        text (see :func:`~activelab.data._tabular.guess_text_column`), the longest such
        column is the text column, and the description says so.

    Returns
    -------
    Dataset
        Without ``text_column``: ``X`` of shape (n_samples, n_features), float64, from all
        non-target columns, string columns one-hot encoded (a missing category value is
        the category ``"missing"``). With it: ``X`` of shape (n_samples,), object array of str.

    Raises
    ------
    DataError
        The file is missing, of an unsupported type, malformed (the message gives the
        line), empty, lacks the target or text column, has rows without a label, or has a
        single class.
    InvalidFeaturesError
        Feature columns are entirely empty, or numeric features are missing or infinite.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "toy.csv"
    >>> _ = path.write_text("a,b,label\\n1,x,yes\\n2,y,no\\n3,x,yes\\n")
    >>> ds = load_file(path, target="label")
    >>> ds.X.shape, ds.feature_names, ds.task
    ((3, 3), ['a', 'b=x', 'b=y'], 'classification')
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"data file '{path}' does not exist; check the path "
                        f"(relative paths start at {Path.cwd()})")
    if not path.is_file():
        raise DataError(f"'{path}' is not a file; pass the path of a data file")
    fmt = _FORMATS.get(_suffix(path).removesuffix(".gz"))
    if fmt is None or (fmt == "parquet" and _suffix(path).endswith(".gz")):
        raise DataError(f"cannot read '{path.name}': unsupported file type; use one of "
                        f"{', '.join(SUPPORTED_SUFFIXES)}")
    if not target:
        raise DataError(f"loading '{path.name}' needs the name of its label column; "
                        f"pass it as {parameter('target')}")
    table = _read_parquet(path) if fmt == "parquet" else _read_text_table(path, fmt)
    return _to_dataset(table, path, target, text_column)


def _read_text_table(path: Path, fmt: str) -> _Table:
    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise DataError(f"'{path.name}' is not a valid gzip file ({err}); "
                            f"decompress it or re-create it") from None
    text = _decode(raw, path)
    if not text.strip():
        raise DataError(f"'{path.name}' is empty; it needs a header and at least one row")
    if fmt in ("csv", "tsv"):
        return _read_csv(text, path, "\t" if fmt == "tsv" else _sniff(text))
    if fmt == "json" and text.lstrip().startswith(("[", "{")):
        table = _read_json_document(text, path)
        if table is not None:
            return table
    return _read_json_lines(text, path)


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")  # -sig: drop the BOM spreadsheet exports add
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise DataError(f"line {line} of '{path.name}' is not valid UTF-8; "
                        f"re-save the file as UTF-8") from None


def _sniff(text: str) -> str:
    """The delimiter that splits the first rows into the most, equally many, fields."""
    sample = text[:65536]
    if len(text) > len(sample):  # drop a line cut in half by the sample
        sample = sample[:sample.rfind("\n") + 1] or sample
    best, best_key = ",", (False, 1)
    for delim in _DELIMITERS:
        with _no_field_limit():
            try:
                rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delim)
                        if not _blank(r)][:20]
            except csv.Error:
                continue
        widths = {len(r) for r in rows}
        key = (len(widths) == 1, len(rows[0]) if rows else 1)
        if key[1] > 1 and key > best_key:
            best, best_key = delim, key
    return best


def _blank(row: list[str]) -> bool:
    # What pandas' skip_blank_lines skips: empty or whitespace-only lines.
    return not row or (len(row) == 1 and not row[0].strip())


@contextlib.contextmanager
def _no_field_limit() -> Iterator[None]:
    """Lift the csv module's 128 KiB field limit (long texts) and restore it after."""
    old = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _read_csv(text: str, path: Path, delim: str) -> _Table:
    # The csv module finds the lines pandas would silently pad (too few fields) or
    # reject with a vague message (too many); pandas then infers the column types.
    header: list[str] | None = None
    row_lines: list[int] = []
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    end = 0
    with _no_field_limit():
        try:
            for row in reader:
                start, end = end + 1, reader.line_num
                if _blank(row):
                    continue
                if header is None:
                    header = row
                    _check_header(header, path)
                elif len(row) != len(header):
                    raise DataError(
                        f"line {start} of '{path.name}' has {len(row)} fields but the header "
                        f"has {len(header)} ({_NAMES[delim]}-separated); fix that line (a "
                        f"{_NAMES[delim]} inside an unquoted value, or an unbalanced '\"', "
                        f"is the usual cause)")
                else:
                    row_lines.append(start)
        except csv.Error as err:
            raise DataError(f"line {reader.line_num} of '{path.name}' cannot be parsed ({err}); "
                            f"fix that line") from None
    if not row_lines:
        raise DataError(f"'{path.name}' has a header but no data rows; add rows to label")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delim, skip_blank_lines=True)
    except (ValueError, pd.errors.ParserError) as err:
        raise DataError(f"'{path.name}' cannot be parsed as CSV ({err}); fix the file") from None
    return _Table(frame, row_lines if len(row_lines) == len(frame) else None)


def _check_header(header: list[str], path: Path) -> None:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise DataError(f"column '{name}' appears twice in the header of '{path.name}'; "
                            f"rename one of them")
        seen.add(name)


def _read_json_lines(text: str, path: Path) -> _Table:
    records: list[dict] = []
    row_lines: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(f"line {number} of '{path.name}' is not valid JSON ({err.msg} at "
                            f"column {err.colno}); each line must hold one JSON object") from None
        if not isinstance(record, dict):
            raise DataError(f"line {number} of '{path.name}' holds a JSON "
                            f"{type(record).__name__}, not an object; each line must hold "
                            f"one object such as {{\"text\": ..., \"label\": ...}}")
        records.append(record)
        row_lines.append(number)
    return _Table(pd.DataFrame.from_records(records), row_lines)


def _read_json_document(text: str, path: Path) -> _Table | None:
    """A ``.json`` file holding one array of objects; None when it is JSON Lines instead."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        if text.lstrip().startswith("{"):
            return None  # JSON Lines: one object per line; that reader reports bad lines
        raise DataError(f"line {err.lineno} of '{path.name}' is not valid JSON ({err.msg} at "
                        f"column {err.colno}); fix that line") from None
    if isinstance(document, dict):
        raise DataError(f"'{path.name}' holds a single JSON object; write one object per "
                        f"row, either as JSON Lines or as an array of objects")
    bad = next((i for i, r in enumerate(document) if not isinstance(r, dict)), None)
    if bad is not None:
        raise DataError(f"item {bad + 1} of the array in '{path.name}' is a JSON "
                        f"{type(document[bad]).__name__}, not an object; every item must "
                        f"be an object such as {{\"text\": ..., \"label\": ...}}")
    if not document:
        raise DataError(f"'{path.name}' holds an empty array; it needs at least one row")
    return _Table(pd.DataFrame.from_records(document), None)


def _read_parquet(path: Path) -> _Table:
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(f"'{path.name}' is not a readable Parquet file ({err}); "
                        f"re-create it, e.g. with DataFrame.to_parquet") from None
    return _Table(frame.reset_index(drop=True), None)


def _to_dataset(table: _Table, path: Path, target: str, text_column: str | None) -> Dataset:
    frame, row_lines = table.frame, table.row_lines
    frame.columns = [str(c) for c in frame.columns]
    columns = list(frame.columns)
    if len(frame) == 0:
        raise DataError(f"'{path.name}' has no data rows; add rows to label")
    for role, column in (("target", target), ("text", text_column)):
        if column is not None and column not in columns:
            shown = ", ".join(repr(c) for c in columns[:30])
            more = f" and {len(columns) - 30} more" if len(columns) > 30 else ""
            raise DataError(f"{role} column '{column}' is not in '{path.name}'; available "
                            f"columns: {shown}{more}")
    if text_column == target:
        raise DataError(f"column '{target}' cannot be both the target and the text column")
    labels = frame[target]
    empty = labels.isna()
    if not pd.api.types.is_numeric_dtype(labels):
        empty |= labels.astype(str).str.strip().eq("")
    empty = empty.to_numpy()
    if empty.any():
        raise DataError(f"target column '{target}' is empty in {where(empty, row_lines)} "
                        f"of '{path.name}'; drop those rows or fill in their labels")
    task = infer_task(labels)
    y = encode_target(labels, task)
    if task == "classification" and np.unique(y).size < 2:
        raise DataError(f"target column '{target}' has a single class '{y[0]}'; active "
                        f"learning for classification needs at least two")
    notes = [f"Loaded from {path}; target '{target}' ({task}, inferred)."]
    if text_column is None:
        text_column = guess_text_column(frame.drop(columns=[target]))
        if text_column is not None:
            notes.append(f"Text column '{text_column}' guessed (the longest free-text column); "
                         f"pass {parameter('text_column')} to choose another.")
    if text_column is not None:
        texts = frame[text_column]
        missing = texts.isna().to_numpy()
        if missing.any():
            raise InvalidFeaturesError(
                f"text column '{text_column}' is empty in {where(missing, row_lines)} of "
                f"'{path.name}'; drop those rows or fill in their text")
        X = np.empty(len(texts), dtype=object)
        X[:] = texts.astype(str).tolist()
        return Dataset(name=path.name, X=X, y=y, kind="text", task=task,
                       description=" ".join(notes))
    features = frame.drop(columns=[target])
    if features.shape[1] == 0:
        raise DataError(f"'{path.name}' has no feature columns besides the target "
                        f"'{target}'; add features or pass {parameter('text_column')}")
    X, names, extra = encode_features(features, impute=False, row_lines=row_lines)
    return Dataset(name=path.name, X=X, y=y, kind="tabular", task=task, feature_names=names,
                   description=" ".join(notes + extra))
