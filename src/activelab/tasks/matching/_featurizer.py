"""Pairs of records to their per-field similarities: a scikit-learn transformer.

The annotation server featurises its candidate pairs with it, and a matching
project's exported model starts with it, so a new pair is compared exactly as the
pairs the model was trained on (numeric fields on the training pairs' scale).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from ...exceptions import ConfigError, DataError, NotFittedError
from ._pairs import _NUMERIC_FEATURES, _STRING_FEATURES, numeric_scale, pair_features

__all__ = ["PairFeaturizer", "FIELD_KINDS"]

#: The kinds of compared field.
FIELD_KINDS = ("string", "numeric")


def _value(value: Any, kind: str, where: str) -> Any:
    """A field's value as training reads it: NaN / None when missing."""
    if kind == "numeric":
        if value is None or value == "":
            return np.nan
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise DataError(f"{where} is a {type(value).__name__}, not a number")
        try:
            return float(value)
        except ValueError:
            raise DataError(f"{where} is {value!r}, not a number") from None
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DataError(f"{where} is a {type(value).__name__}; a record's fields are text "
                        "or numbers")
    return str(value)


def _record(pair: Any, side: str, i: int) -> Mapping[str, Any]:
    if not isinstance(pair, Mapping):
        raise DataError(f"pair {i} is a {type(pair).__name__}, not an object with 'left' and "
                        "'right' records")
    record = pair.get(side)
    if not isinstance(record, Mapping):
        found = "missing" if record is None else f"a {type(record).__name__}"
        raise DataError(f"pair {i}: '{side}' is {found}; it must be an object of field values")
    return record


class PairFeaturizer(TransformerMixin, BaseEstimator):
    """Per-field similarities of pairs of records (see :func:`pair_features`).

    Parameters
    ----------
    fields : dict of str to {"string", "numeric"}
        The compared fields and their kinds, in the order of the features.

    Attributes
    ----------
    fields_ : dict of str to str
    scales_ : dict of str to float
        Each numeric field's standard deviation over both sides of the pairs given to
        :meth:`fit`: a new pair's numeric closeness is measured on that scale.

    Examples
    --------
    >>> pairs = [{"left": {"name": "Ada", "born": 1815}, "right": {"name": "Ada", "born": 1815}},
    ...          {"left": {"name": "Alan", "born": 1912}, "right": {"name": "Grace", "born": 1906}}]
    >>> featurizer = PairFeaturizer({"name": "string", "born": "numeric"}).fit(pairs)
    >>> featurizer.transform(pairs).shape
    (2, 8)
    >>> featurizer.get_feature_names_out()[:2].tolist()
    ['name:ratio', 'name:token_sort']
    """

    def __init__(self, fields: Mapping[str, str] | None = None) -> None:
        self.fields = fields

    def fit(self, pairs: Sequence[Mapping[str, Any]], y: Any = None) -> PairFeaturizer:
        """Learn the numeric fields' scales from ``pairs``.

        Parameters
        ----------
        pairs : sequence of dict
            ``{"left": {field: value}, "right": {field: value}}`` per pair; an absent
            field, None or ``""`` is a missing value.
        y : ignored
        """
        fields = dict(self.fields or {})
        if not fields:
            raise ConfigError("PairFeaturizer needs the compared fields: {field: kind}")
        unknown = sorted({kind for kind in fields.values() if kind not in FIELD_KINDS})
        if unknown:
            raise ConfigError(f"unknown field kind(s) {unknown}; use {' or '.join(FIELD_KINDS)}")
        self.fields_ = fields
        left, right = self._frames(pairs)
        self.scales_ = {field: numeric_scale(left[field], right[field])
                        for field, kind in fields.items() if kind == "numeric"}
        return self

    def transform(self, pairs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Similarities of each pair, shape (n_pairs, n_features), float64 in [0, 1].

        Raises
        ------
        DataError
            A pair that is not an object with ``left`` and ``right`` records, or a
            value that does not fit its field's kind.
        """
        if not hasattr(self, "fields_"):
            raise NotFittedError("PairFeaturizer is not fitted; call fit(pairs) first")
        left, right = self._frames(pairs)
        rows = np.repeat(np.arange(len(left), dtype=np.intp), 2).reshape(-1, 2)
        X, _ = pair_features(left, right, rows, self.fields_, scales=self.scales_)
        return X

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``"<field>:<similarity>"`` per output column."""
        if not hasattr(self, "fields_"):
            raise NotFittedError("PairFeaturizer is not fitted; call fit(pairs) first")
        names = [f"{field}:{name}" for field, kind in self.fields_.items()
                 for name in (_NUMERIC_FEATURES if kind == "numeric" else _STRING_FEATURES)]
        return np.asarray(names, dtype=object)

    def _frames(self, pairs: Sequence[Mapping[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
        if isinstance(pairs, str | bytes | Mapping) or not isinstance(
                pairs, Sequence | np.ndarray | pd.Series):
            raise DataError(f"pairs must be a list of {{'left': ..., 'right': ...}} objects, "
                            f"got a {type(pairs).__name__}")
        if len(pairs) == 0:
            raise DataError("no pairs to compare")
        frames = []
        for side in ("left", "right"):
            records = [_record(pair, side, i) for i, pair in enumerate(pairs)]
            columns = {}
            for field, kind in self.fields_.items():
                values = [_value(record.get(field), kind, f"pair {i}: {side} {field!r}")
                          for i, record in enumerate(records)]
                columns[field] = pd.Series(values, dtype=float if kind == "numeric"
                                           else object)
            frames.append(pd.DataFrame(columns))
        return frames[0], frames[1]
