"""Turning a pandas table into numeric features and a label vector.

Shared by the user-file loader (strict: missing numeric values are an error) and the
shared-data loaders (lenient: documented median imputation), so both encode the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._spelling import parameter
from ..exceptions import DataError, InvalidFeaturesError
from ._dataset import Task

__all__ = ["encode_features", "encode_target", "guess_text_column", "infer_task", "where",
           "MISSING_CATEGORY"]

# A missing categorical value is a category of its own, as UCI's '?' markers already are.
MISSING_CATEGORY = "missing"
# Above this many distinct values (and more than half the rows) a string column is free
# text or an id, whose one-hot encoding would be as wide as the table and useless.
MAX_CATEGORIES = 100
# Integer-valued numeric targets with at most this many values are class labels.
MAX_CLASSES_INFERRED = 50
# Mostly distinct values of at least this many words on average are prose, even in a small
# file; a text column has at least MIN_TEXT_WORDS on average (an id has one "word").
MIN_PROSE_WORDS = 5
MIN_TEXT_WORDS = 2


def where(mask: np.ndarray, row_lines: Sequence[int] | None) -> str:
    """``"3 rows (first at line 7)"``: how many rows ``mask`` flags and where the first is."""
    rows = np.flatnonzero(mask)
    first = (f"line {row_lines[rows[0]]}" if row_lines is not None
             else f"row {rows[0] + 1}")
    noun = "row" if rows.size == 1 else "rows"
    return f"{rows.size:,} {noun} (first at {first})"


def _quoted(names: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(repr(str(n)) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def encode_features(frame: pd.DataFrame, *, impute: bool,
                    row_lines: Sequence[int] | None = None
                    ) -> tuple[np.ndarray, list[str], list[str]]:
    """Numeric matrix of a feature table: numbers as they are, categories one-hot.

    Parameters
    ----------
    frame : DataFrame of shape (n_samples, n_columns)
        Feature columns only (the target already removed).
    impute : bool
        Fill missing numeric values with the column median (and say so in the notes)
        instead of raising :class:`InvalidFeaturesError`.
    row_lines : sequence of int or None
        1-based source line of each row, for error messages.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
        Columns keep the table's order; a categorical column becomes one column per
        category (sorted), named ``column=value``.
    feature_names : list of str of length n_features
    notes : list of str
        One sentence per change made (imputation).
    """
    empty = [c for c in frame.columns if frame[c].isna().all()]
    if empty:
        raise InvalidFeaturesError(
            f"feature columns {_quoted(empty)} hold no values at all; drop them before loading")
    blocks: list[np.ndarray] = []
    names: list[str] = []
    notes: list[str] = []
    numeric = [c for c in frame.columns if _is_numeric(frame[c])]
    # copy=True: imputation writes into it, and pandas may hand out a read-only view.
    values = (frame[numeric].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
              if numeric else None)
    if values is not None:
        _check_numeric(values, numeric, impute=impute, row_lines=row_lines, notes=notes)
    for column in frame.columns:
        if values is not None and column in numeric:
            blocks.append(values[:, numeric.index(column)][:, None])
            names.append(str(column))
        else:
            onehot = _one_hot(frame[column], str(column))
            blocks.append(onehot.to_numpy(dtype=np.float64))
            names.extend(str(c) for c in onehot.columns)
    X = np.ascontiguousarray(np.hstack(blocks)) if blocks else np.empty((len(frame), 0))
    return X, names, notes


def _check_numeric(values: np.ndarray, columns: list, *, impute: bool,
                   row_lines: Sequence[int] | None, notes: list[str]) -> None:
    """Raise on infinities; raise on NaN or fill it in place with column medians."""
    infinite = np.isinf(values)
    if infinite.any():
        bad = [columns[j] for j in np.flatnonzero(infinite.any(axis=0))]
        raise InvalidFeaturesError(
            f"features are infinite in {where(infinite.any(axis=1), row_lines)}, "
            f"columns {_quoted(bad)}; replace those values before loading")
    missing = np.isnan(values)
    if not missing.any():
        return
    bad_cols = np.flatnonzero(missing.any(axis=0))
    if not impute:
        raise InvalidFeaturesError(
            f"numeric features are missing in {where(missing.any(axis=1), row_lines)}, "
            f"columns {_quoted([columns[j] for j in bad_cols])}; impute them "
            f"(e.g. with the column median) or drop those rows before loading")
    for j in bad_cols:
        median = float(np.nanmedian(values[:, j]))
        values[missing[:, j], j] = median
        notes.append(f"{int(missing[:, j].sum())} missing values of '{columns[j]}' "
                     f"were imputed with the column median ({median:g}).")


def _one_hot(column: pd.Series, name: str) -> pd.DataFrame:
    """One 0/1 column per category of ``column``, sorted by category."""
    # Only object columns (from JSON) can hold lists or dicts; str columns cannot.
    nested = (column.map(lambda v: isinstance(v, dict | list | tuple | set))
              if column.dtype == object else pd.Series(False, index=column.index))
    if nested.any():
        raise InvalidFeaturesError(
            f"column '{name}' holds nested values (lists or objects) in "
            f"{where(nested.to_numpy(), None)}; flatten it or drop it before loading")
    text = column.astype(object).where(column.notna(), MISSING_CATEGORY).astype(str).str.strip()
    n_distinct = text.nunique()
    if _too_many_categories(n_distinct, len(text)):
        raise InvalidFeaturesError(
            f"column '{name}' has {n_distinct:,} distinct values in {len(text):,} rows, so it "
            f"looks like an id or free text, not a category; drop it, or pass "
            f"{parameter('text_column', name)} if it holds the text to learn from")
    return pd.get_dummies(text.rename(name), prefix=name, prefix_sep="=", dtype=np.float64)


def _too_many_categories(n_distinct: int, n_rows: int) -> bool:
    return n_distinct > MAX_CATEGORIES and n_distinct > n_rows / 2


def guess_text_column(frame: pd.DataFrame) -> str | None:
    """The column of raw text in a feature table, or None when the table is tabular.

    A string column is free text when it has too many distinct values to be a category
    (more than 100, and more than half the rows), or when its values are mostly distinct
    and average at least 5 words. When some column is free text, the text column is the
    longest string column on average among the free-text columns of at least 2 words on
    average (an id column is never the text). Tables of categories and numbers give None.

    Parameters
    ----------
    frame : DataFrame of shape (n_samples, n_columns)
        Feature columns only (the target already removed).

    Returns
    -------
    str or None

    Examples
    --------
    >>> frame = pd.DataFrame({"id": [f"m{i}" for i in range(4)], "colour": list("rgrb"),
    ...                       "body": ["free cash prize now", "lunch at noon then a walk",
    ...                                "see you later at the cafe", "win a brand new car today"]})
    >>> guess_text_column(frame), guess_text_column(frame[["id", "colour"]])
    ('body', None)
    """
    candidates: dict[str, float] = {}
    for name in frame.columns:
        column = frame[name].dropna()
        if _is_numeric(frame[name]) or column.empty \
                or not column.map(lambda value: isinstance(value, str)).all():
            continue
        n_distinct = column.nunique()
        if n_distinct <= len(column) / 2:  # repeated values: a category
            continue
        words = column.str.split().str.len().mean()
        prose = words >= MIN_PROSE_WORDS
        if (prose or _too_many_categories(n_distinct, len(column))) and words >= MIN_TEXT_WORDS:
            candidates[str(name)] = float(column.str.len().mean())
    return max(candidates, key=candidates.__getitem__) if candidates else None


def infer_task(target: pd.Series) -> Task:
    """Classification for strings, booleans and few integer values; regression otherwise.

    Numbers count as class labels only when every value is an integer and there are at
    most 50 distinct values (an integer price or count is still a regression target).
    """
    if not pd.api.types.is_numeric_dtype(target) or pd.api.types.is_bool_dtype(target):
        return "classification"
    values = target.to_numpy(dtype=np.float64, na_value=np.nan)
    integral = bool(np.all(np.mod(values, 1) == 0))
    few = np.unique(values).size <= MAX_CLASSES_INFERRED
    return "classification" if integral and few else "regression"


def encode_target(target: pd.Series, task: Task) -> np.ndarray:
    """Label vector of shape (n_samples,): str or int64 labels, float64 or int64 0/1 values."""
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(target):
            raise DataError(f"target column '{target.name}' is not numeric, so it cannot be "
                            f"a regression target")
        return target.to_numpy(dtype=np.float64)
    if pd.api.types.is_bool_dtype(target):
        return target.to_numpy(dtype=np.int64)
    if pd.api.types.is_numeric_dtype(target):
        values = target.to_numpy(dtype=np.float64)
        if np.all(np.mod(values, 1) == 0):  # 1.0/2.0 read as floats are still int labels
            return values.astype(np.int64)
        return values
    return target.astype(str).str.strip().to_numpy(dtype=str)
