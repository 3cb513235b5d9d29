"""Record tables for matching: field checks, and a seeded benchmark of corrupted duplicates.

:func:`check_fields` validates the user's tables once (the public functions of
:mod:`activelab.tasks.matching` call it before anything else);
:func:`make_duplicate_records` turns any table into a linkage problem with known
answers; :func:`load_adult_records` does it for rows of the UCI Adult census table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..._random import RandomLike, as_generator
from ...exceptions import ConfigError, DataError, EmptyPoolError

__all__ = ["FIELD_KINDS", "RecordTables", "check_fields", "make_duplicate_records",
           "load_adult_records", "ADULT_FIELDS"]

FIELD_KINDS = ("string", "numeric")

#: Adult's columns compared by the benchmark, with their kind. ``fnlwgt`` (the census
#: sampling weight, nearly unique per row) is read as text: a keyed-in number whose
#: typos are digit typos, the closest thing these rows have to a name.
ADULT_FIELDS: dict[str, str] = {
    "age": "numeric", "workclass": "string", "fnlwgt": "string", "education": "string",
    "marital-status": "string", "occupation": "string", "relationship": "string",
    "race": "string", "sex": "string", "hours-per-week": "numeric",
    "native-country": "string",
}
_ADULT_COLUMNS = ("age", "workclass", "fnlwgt", "education", "education-num",
                  "marital-status", "occupation", "relationship", "race", "sex",
                  "capital-gain", "capital-loss", "hours-per-week", "native-country", "income")

# Ways people shorten or re-spell categorical values when keying them in.
_VARIANTS: dict[str, tuple[str, ...]] = {
    "United-States": ("US", "USA", "U.S."), "Married-civ-spouse": ("Married", "Married civ"),
    "Never-married": ("Single", "Never married"), "Self-emp-not-inc": ("Self-employed",),
    "Private": ("Pvt", "Private sector"), "Bachelors": ("BA", "Bachelor"),
    "HS-grad": ("High school", "HS"), "Some-college": ("College",), "Masters": ("MA",),
    "Exec-managerial": ("Executive", "Exec mgr"), "Prof-specialty": ("Professional",),
    "Adm-clerical": ("Admin", "Clerical"), "Not-in-family": ("Not in family",),
    "Male": ("M",), "Female": ("F",), "Husband": ("Hsbnd",), "Own-child": ("Child",),
}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class RecordTables:
    """Two tables to link, the compared fields, and (for benchmarks) the true entities.

    Attributes
    ----------
    left, right : pandas.DataFrame
        The records; ``right`` is None when one table is deduplicated against itself.
    fields : dict of str to {"string", "numeric"}
    left_entity, right_entity : ndarray of int, optional
        Entity id of every row (the ground truth); None for a user's unlabelled tables.
    name : str
    """

    left: pd.DataFrame
    right: pd.DataFrame | None
    fields: dict[str, str]
    left_entity: np.ndarray | None = None
    right_entity: np.ndarray | None = None
    name: str = "records"


def _kind_of(values: pd.Series, field: str, table: str) -> str:
    """``"numeric"`` for numeric columns, ``"string"`` when every present value is a str."""
    if pd.api.types.is_bool_dtype(values.dtype):
        raise DataError(f"field {field!r} of the {table} table is boolean; convert it to "
                        "strings ('yes'/'no') or numbers (0/1) first")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return "numeric"
    present = values[values.notna()]
    bad = present[~present.map(lambda v: isinstance(v, str))]
    if len(bad):
        first = bad.iloc[0]
        raise DataError(
            f"field {field!r} of the {table} table holds non-string values (row "
            f"{bad.index[0]!r}: {first!r} of type {type(first).__name__}); string similarity "
            "needs text: convert the column with .astype(str), or pass numbers as a numeric "
            "column")
    return "string"


def check_fields(left: Any, right: Any, fields: Sequence[str] | Mapping[str, str]
                 ) -> dict[str, str]:
    """The kind (``"string"`` or ``"numeric"``) of every compared field, after checking it.

    Parameters
    ----------
    left : pandas.DataFrame
    right : pandas.DataFrame or None
        None when ``left`` is deduplicated against itself.
    fields : list of str, or dict of str to {"string", "numeric"}
        The columns to compare.  A list infers each kind from the column; a dict
        declares it, and a declared ``"string"`` field must hold text.

    Raises
    ------
    DataError
        A table that is not a DataFrame, a missing column, a column whose values do
        not fit its kind, or a field that is empty in every row.
    EmptyPoolError
        A table without rows.
    ConfigError
        No fields, or an unknown kind.
    """
    tables = {"left": left} if right is None else {"left": left, "right": right}
    for table, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"the {table} table must be a pandas DataFrame, got "
                            f"{type(frame).__name__}")
        if len(frame) == 0:
            raise EmptyPoolError(f"the {table} table has no rows: there is nothing to match")
    declared = dict(fields) if isinstance(fields, Mapping) else dict.fromkeys(fields)
    if isinstance(fields, str) or not declared:
        raise ConfigError("give the fields to compare as a non-empty list of column names "
                          "(or a dict of column name -> 'string' | 'numeric')")
    kinds: dict[str, str] = {}
    for field, wanted in declared.items():
        if wanted is not None and wanted not in FIELD_KINDS:
            raise ConfigError(f"field {field!r}: kind must be one of {FIELD_KINDS}, "
                              f"got {wanted!r}")
        found = set()
        for table, frame in tables.items():
            if field not in frame.columns:
                raise DataError(f"the {table} table has no column {field!r}; its columns are "
                                f"{list(map(str, frame.columns))[:20]}")
            found.add(_kind_of(frame[field], field, table))
        if len(found) > 1:
            raise DataError(f"field {field!r} is text in one table and numeric in the other; "
                            "give both tables the same type")
        kind = found.pop()
        if wanted == "string" and kind != "string":
            raise DataError(f"field {field!r} is declared 'string' but holds numbers; convert "
                            "it with .astype(str) or declare it 'numeric'")
        if wanted == "numeric" and kind != "numeric":
            raise DataError(f"field {field!r} is declared 'numeric' but holds text; convert "
                            "it with pd.to_numeric or declare it 'string'")
        if all(frame[field].isna().all() for frame in tables.values()):
            raise DataError(f"field {field!r} is missing in every row; drop it from fields")
        kinds[field] = kind
    return kinds


# ---------------------------------------------------------------------- corruption
def _typo(text: str, rng: np.random.Generator, alphabet: str) -> str:
    """One keying error: swap two neighbours, drop, insert or replace a character."""
    if len(text) < 2:
        return text + alphabet[int(rng.integers(len(alphabet)))]
    i = int(rng.integers(len(text) - 1))
    kind = int(rng.integers(4))
    char = alphabet[int(rng.integers(len(alphabet)))]
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == 1:
        return text[:i] + text[i + 1:]
    if kind == 2:
        return text[:i] + char + text[i:]
    return text[:i] + char + text[i + 1:]


def _respell(text: str, rng: np.random.Generator) -> str:
    """A known abbreviation, else a token swap, a case change or other separators."""
    if text in _VARIANTS and rng.random() < 0.7:
        options = _VARIANTS[text]
        return options[int(rng.integers(len(options)))]
    tokens = text.replace("-", " ").split()
    choice = int(rng.integers(3))
    if choice == 0 and len(tokens) > 1:
        i = int(rng.integers(len(tokens) - 1))
        tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        return " ".join(tokens)
    if choice == 2 and " ".join(tokens) != text:
        return " ".join(tokens)
    return text.upper() if rng.random() < 0.5 else text.lower()


def _corrupt_value(value: Any, kind: str, field: str, rng: np.random.Generator) -> Any:
    """One realistic error in one value (a missing value stays missing)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return value
    if kind == "numeric":
        step = 1 + int(rng.integers(2 if "age" in field else 5))
        return float(value) + step * (1 if rng.random() < 0.5 else -1)
    text = str(value)
    if text.isdigit():  # a keyed-in number: digit typos only
        return _typo(text, rng, "0123456789")
    if rng.random() < 0.55:
        return _typo(text, rng, _LETTERS)
    return _respell(text, rng)


def make_duplicate_records(frame: pd.DataFrame, fields: Mapping[str, str], *,
                           n_left: int = 1000, n_right: int = 1000,
                           match_fraction: float = 0.5, corrupt_rate: float = 0.3,
                           missing_rate: float = 0.05, random_state: RandomLike = 0,
                           name: str = "records") -> RecordTables:
    """Two tables with known duplicates: ``right`` re-keys some of ``left`` with errors.

    ``left`` holds ``n_left`` distinct rows of ``frame``.  ``right`` holds a noisy
    copy of ``round(match_fraction * n_right)`` of them plus other rows of ``frame``
    that are not in ``left``, shuffled.  In a copy each field is corrupted with
    probability ``corrupt_rate`` (a typo, an abbreviation, a token swap or a case
    change for text, digit typos for digit strings, +-1..2 for a field named like
    ``age`` and +-1..5 for other numbers) and then blanked with probability
    ``missing_rate``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Source rows, at least ``n_left + n_right * (1 - match_fraction)`` distinct ones.
    fields : dict of str to {"string", "numeric"}
    n_left, n_right : int
    match_fraction, corrupt_rate, missing_rate : float in [0, 1]
    random_state : int, Generator or None

    Returns
    -------
    RecordTables
        Entity ids: ``left`` row ``i`` is entity ``i``; a copy keeps its source's id.

    Examples
    --------
    >>> frame = pd.DataFrame({"name": [f"person {i}" for i in range(50)],
    ...                       "age": np.arange(50.0)})
    >>> t = make_duplicate_records(frame, {"name": "string", "age": "numeric"}, n_left=20,
    ...                            n_right=20, match_fraction=0.5, random_state=0)
    >>> int(np.isin(t.right_entity, t.left_entity).sum())
    10
    """
    for label, rate in (("match_fraction", match_fraction), ("corrupt_rate", corrupt_rate),
                        ("missing_rate", missing_rate)):
        if not 0.0 <= rate <= 1.0:
            raise ConfigError(f"{label} must be in [0, 1], got {rate}")
    if n_left < 1 or n_right < 1:
        raise ConfigError("n_left and n_right must be at least 1")
    kinds = check_fields(frame, None, fields)
    distinct = frame.drop_duplicates(subset=list(kinds)).reset_index(drop=True)
    n_match = min(round(match_fraction * n_right), n_left)
    n_fresh = n_right - n_match
    if len(distinct) < n_left + n_fresh:
        raise DataError(f"need {n_left + n_fresh} distinct rows, the table has {len(distinct)}")
    rng = as_generator(random_state)
    order = rng.permutation(len(distinct))[:n_left + n_fresh]
    left = distinct.iloc[order[:n_left]][list(kinds)].reset_index(drop=True)
    sources = rng.choice(n_left, size=n_match, replace=False)
    copies = left.iloc[sources].copy().astype(object)
    for column, kind in kinds.items():
        values = copies[column].to_numpy(copy=True)
        for row in np.flatnonzero(rng.random(len(values)) < corrupt_rate):
            values[row] = _corrupt_value(values[row], kind, column, rng)
        for row in np.flatnonzero(rng.random(len(values)) < missing_rate):
            values[row] = np.nan if kind == "numeric" else None
        copies[column] = values
    fresh = distinct.iloc[order[n_left:]][list(kinds)]
    right = pd.concat([copies, fresh.astype(object)], ignore_index=True)
    entity = np.concatenate([sources, np.arange(n_left, n_left + n_fresh)])
    shuffle = rng.permutation(len(right))
    right = right.iloc[shuffle].reset_index(drop=True)
    for column, kind in kinds.items():
        if kind == "numeric":
            right[column] = pd.to_numeric(right[column]).astype(float)
            left[column] = left[column].astype(float)
    return RecordTables(left, right, kinds, np.arange(n_left), entity[shuffle], name)


def load_adult_records(n_left: int = 1000, n_right: int = 1000, *,
                       random_state: RandomLike = 0, **corruption: Any) -> RecordTables:
    """:func:`make_duplicate_records` on rows of UCI Adult (the shared data folder).

    '?' (Adult's missing value) becomes a missing value; ``fnlwgt`` is read as text
    (see :data:`ADULT_FIELDS`).  ``corruption`` goes to :func:`make_duplicate_records`.

    Raises
    ------
    DataError
        When the shared data folder (or its ``adult`` set) is absent.
    """
    from ...data import find_data_dir

    root = find_data_dir()
    path = None if root is None else root / "adult" / "adult.data"
    if path is None or not path.is_file():
        raise DataError("the record-matching benchmark needs shared/data/adult/adult.data "
                        "(see activelab.data.find_data_dir, or set ACTIVELAB_DATA_DIR)")
    frame = pd.read_csv(path, header=None, names=list(_ADULT_COLUMNS), skipinitialspace=True,
                        na_values=["?"], dtype={"fnlwgt": str})
    return make_duplicate_records(frame, ADULT_FIELDS, n_left=n_left, n_right=n_right,
                                  random_state=random_state, name="adult", **corruption)
