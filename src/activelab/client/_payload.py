"""What the client sends: import files written from DataFrames, texts or image folders,
and predict bodies, checked before anything is sent."""

from __future__ import annotations

import base64
import json
import math
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from ..exceptions import DataError

__all__ = ["import_file", "predict_bodies", "check_frame"]

_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".zip": "zip",
            ".json": "label-studio", ".xml": "voc"}
#: Items per predict request (the server's limit is 1000; images are large).
PREDICT_CHUNK = 1000
IMAGE_CHUNK = 32
_PLAIN_TYPES = (str, bool, int, float, np.bool_, np.integer, np.floating)


def _plain(value: Any) -> Any:
    """A JSON value for one cell: numbers, strings, booleans or null (NaN and None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return None if math.isnan(number) else number
    return value


def _bad_object_value(values: pd.Series) -> tuple[Any, Any] | None:
    """The first (index, value) of an object column that is not text, a number or null."""
    for index, value in values.items():
        if value is None or value is pd.NA or isinstance(value, _PLAIN_TYPES):
            continue
        return index, value
    return None


def check_frame(frame: pd.DataFrame) -> None:
    """DataError unless every column holds numbers, booleans, text or missing values.

    Complex numbers, dates, and objects such as dicts, lists or bytes cannot be
    imported; the message names the column and what to do.
    """
    if frame.empty:
        raise DataError("the DataFrame has no rows (or no columns); nothing to import")
    names = [str(name) for name in frame.columns]
    if len(set(names)) != len(names):
        raise DataError(f"the DataFrame has repeated column names: {names}")
    for name, column in frame.items():
        dtype = column.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            column = column.astype(object)
            dtype = column.dtype
        if dtype.kind in "biuf" or pd.api.types.is_string_dtype(dtype) and dtype.kind != "O":
            continue
        if dtype.kind == "O":
            bad = _bad_object_value(column)
            if bad is None:
                continue
            raise DataError(f"column {name!r} holds a {type(bad[1]).__name__} value (row "
                            f"{bad[0]!r}); the server imports numbers, text and missing values "
                            "only: convert the column or drop it")
        raise DataError(f"column {name!r} has dtype {dtype}, which the server cannot import; "
                        "convert it to numbers or text (or drop it)")


def _frame_records(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    names = [str(name) for name in frame.columns]
    for row in frame.itertuples(index=False, name=None):
        yield {name: _plain(value) for name, value in zip(names, row, strict=True)}


def _text_records(texts: Sequence[Any]) -> Iterator[dict[str, Any]]:
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            what = "empty" if isinstance(text, str) else f"a {type(text).__name__}"
            raise DataError(f"texts[{i}] is {what}; every item must be a non-empty string")
        yield {"text": text}


def _write_jsonl(records: Iterator[dict[str, Any]]) -> IO[bytes]:
    """The records as JSONL in a temporary file (on disk past 8 MB), rewound."""
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)
    try:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False, allow_nan=False)
                         .encode("utf-8") + b"\n")
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def _zip_folder(folder: Path) -> IO[bytes]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise DataError(f"the folder {folder} holds no files to import")
    handle = tempfile.TemporaryFile()
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive:
        for path in files:
            archive.write(path, path.relative_to(folder).as_posix())
    handle.seek(0)
    return handle


def import_file(data: Any) -> tuple[IO[bytes], str, str]:
    """(open file, file name, format) to upload for ``data``; the caller closes the file.

    ``data`` is a DataFrame (one row per item; an ``id`` column keeps ids), a
    sequence of texts, a folder of images, or a ``.csv``/``.jsonl``/``.zip`` file (or an
    annotated ``.json`` Label Studio export or ``.xml`` Pascal VOC file).
    """
    if isinstance(data, pd.DataFrame):
        check_frame(data)
        return _write_jsonl(_frame_records(data)), "items.jsonl", "jsonl"
    if isinstance(data, str | Path) and Path(data).is_dir():
        return _zip_folder(Path(data)), f"{Path(data).name or 'images'}.zip", "zip"
    if isinstance(data, Path):
        fmt = _FORMATS.get(data.suffix.lower())
        if fmt is None or not data.is_file():
            raise DataError(f"{data} is neither a folder nor a .csv, .jsonl, .zip, .json "
                            "(Label Studio) or .xml (Pascal VOC) file")
        return data.open("rb"), data.name, fmt
    if isinstance(data, str):
        raise DataError("a single string is not a list of texts; pass [text] (or a Path "
                        "for a file or folder)")
    if isinstance(data, Sequence | pd.Series | np.ndarray):
        texts = list(data)
        if not texts:
            raise DataError("no texts to import")
        return _write_jsonl(_text_records(texts)), "texts.jsonl", "jsonl"
    raise DataError(f"cannot import a {type(data).__name__}; pass a DataFrame, a list of "
                    "texts or a Path to a folder of images")


def _image_text(value: Any, i: int) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Path):
        return base64.b64encode(value.read_bytes()).decode("ascii")
    raise DataError(f"images[{i}] is a {type(value).__name__}; pass image bytes or a Path")


def _is_pair(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"left", "right"}


def _pair(value: Any, i: int) -> dict[str, dict[str, Any]]:
    """One pair of records (matching projects) with JSON values."""
    if not _is_pair(value) or not all(isinstance(value[s], dict) for s in ("left", "right")):
        raise DataError(f"pairs[{i}] is not {{'left': {{...}}, 'right': {{...}}}}: every pair "
                        "holds exactly two records of field values")
    return {side: {str(k): _plain(v) for k, v in value[side].items()}
            for side in ("left", "right")}


def predict_bodies(X: Any) -> Iterator[dict[str, Any]]:
    """Request bodies for ``X``: rows (DataFrame or dicts), texts, images (bytes/Paths), or
    pairs of records (``{"left": {...}, "right": {...}}`` dicts)."""
    if isinstance(X, pd.DataFrame):
        check_frame(X)
        items: list[Any] = list(_frame_records(X))
        field = "rows"
    else:
        if isinstance(X, str) or not isinstance(X, Sequence | pd.Series | np.ndarray):
            raise DataError(f"cannot predict a {type(X).__name__}; pass a DataFrame, a list "
                            "of dicts, a list of texts or a list of images")
        items = list(X)
        if not items:
            raise DataError("no items to predict")
        first = items[0]
        if _is_pair(first):
            field = "pairs"
            items = [_pair(pair, i) for i, pair in enumerate(items)]
        elif isinstance(first, dict):
            field = "rows"
            items = [{str(k): _plain(v) for k, v in row.items()} for row in items]
        elif isinstance(first, str):
            field = "texts"
            list(_text_records(items))  # every one a non-empty string
        else:
            field = "images"
            items = [_image_text(value, i) for i, value in enumerate(items)]
    if field == "rows":  # booleans are numbers to the model, as the import reads them
        items = [{k: float(v) if isinstance(v, bool) else v for k, v in row.items()}
                 for row in items]
    size = IMAGE_CHUNK if field == "images" else PREDICT_CHUNK
    for start in range(0, len(items), size):
        yield {field: items[start:start + size]}
