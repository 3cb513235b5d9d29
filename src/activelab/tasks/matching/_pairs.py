"""Candidate pairs (blocking) and their features (per-field similarities).

Blocking keeps the pairs worth asking about without comparing every left row with
every right row: both tables' blocking fields are joined into one string per row,
turned into TF-IDF vectors of character 2-4-grams (fitted on both tables, no labels),
and each right row keeps its ``neighbours`` most similar left rows (cosine, computed
by scikit-learn in bounded chunks, never as one n_left x n_right matrix).  Typos
change only a few n-grams, so a corrupted copy usually stays among the neighbours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors

from ...exceptions import ConfigError, MissingDependencyError

__all__ = ["BlockingReport", "block_pairs", "blocking_report", "pair_features",
           "mean_similarity", "true_matches", "numeric_scale"]

# Per string field: fuzzy ratio, token-sort ratio, Jaro-Winkler, exact, missing.
_STRING_FEATURES = ("ratio", "token_sort", "jaro_winkler", "exact", "missing")
_NUMERIC_FEATURES = ("closeness", "exact", "missing")


def _rapidfuzz() -> Any:
    try:
        import rapidfuzz
        from rapidfuzz import process  # noqa: F401  (cpdist: rapidfuzz >= 3.6)
    except ImportError:
        raise MissingDependencyError("rapidfuzz", "matching",
                                     "record matching (string similarities)") from None
    if not hasattr(rapidfuzz.process, "cpdist"):
        raise MissingDependencyError("rapidfuzz>=3.6", "matching",
                                     "record matching (rapidfuzz.process.cpdist)")
    return rapidfuzz


def _as_text(values: pd.Series, kind: str) -> list[str]:
    """Each value as text ('' when missing); whole floats lose their '.0'."""
    if kind == "numeric":
        return ["" if np.isnan(v) else (str(int(v)) if float(v).is_integer() else str(v))
                for v in values.to_numpy(dtype=float)]
    return ["" if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v
            for v in values.tolist()]


def _blocking_text(frame: pd.DataFrame, on: Mapping[str, str]) -> list[str]:
    columns = [_as_text(frame[field], kind) for field, kind in on.items()]
    return [" ".join(parts) for parts in zip(*columns, strict=True)]


def block_pairs(left: pd.DataFrame, right: pd.DataFrame | None, on: Mapping[str, str], *,
                neighbours: int = 10) -> np.ndarray:
    """Candidate pairs: each right row with its ``neighbours`` most similar left rows.

    Parameters
    ----------
    left, right : pandas.DataFrame
        ``right=None`` deduplicates ``left``: each row with its nearest other rows,
        every unordered pair once.
    on : dict of str to {"string", "numeric"}
        The blocking fields and their kinds (already checked).
    neighbours : int, default=10

    Returns
    -------
    pairs : ndarray of int of shape (n_pairs, 2)
        (left row, right row) positions, sorted; for deduplication left < right.
    """
    if neighbours < 1:
        raise ConfigError(f"neighbours must be at least 1, got {neighbours}")
    left_text = _blocking_text(left, on)
    right_text = left_text if right is None else _blocking_text(right, on)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True,
                                 lowercase=True, dtype=np.float32)
    both = vectorizer.fit_transform(left_text if right is None else left_text + right_text)
    L = both[:len(left_text)]
    R = L if right is None else both[len(left_text):]
    k = min(neighbours + (right is None), L.shape[0])
    index = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(L)
    neighbour_rows = index.kneighbors(R, return_distance=False)
    right_rows = np.repeat(np.arange(R.shape[0]), neighbour_rows.shape[1])
    pairs = np.column_stack([neighbour_rows.ravel(), right_rows])
    if right is None:
        pairs = np.sort(pairs, axis=1)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs = np.unique(pairs, axis=0)
    return pairs.astype(np.intp, copy=False)


@dataclass(frozen=True)
class BlockingReport:
    """How well blocking kept the true matches, and how much work it saved.

    Attributes
    ----------
    n_pairs : int
        Candidate pairs kept.
    n_possible : int
        Pairs without blocking (``n_left * n_right``, or ``n (n - 1) / 2``).
    reduction_ratio : float
        ``1 - n_pairs / n_possible``.
    recall : float
        Share of the true matching pairs that are candidates (NaN without any).
    n_true_matches : int
    """

    n_pairs: int
    n_possible: int
    reduction_ratio: float
    recall: float
    n_true_matches: int


def true_matches(left_entity: np.ndarray, right_entity: np.ndarray | None) -> int:
    """Number of matching (left, right) pairs among all pairs, from entity ids."""
    if right_entity is None:
        _, counts = np.unique(left_entity, return_counts=True)
        return int((counts * (counts - 1) // 2).sum())
    ids, left_counts = np.unique(left_entity, return_counts=True)
    right_counts = pd.Series(right_entity).value_counts()
    return int(sum(c * int(right_counts.get(i, 0)) for i, c in zip(ids, left_counts,
                                                                   strict=True)))


def blocking_report(pairs: np.ndarray, n_left: int, n_right: int | None,
                    left_entity: np.ndarray, right_entity: np.ndarray | None
                    ) -> BlockingReport:
    """Blocking recall and reduction ratio of ``pairs`` against known entity ids."""
    other = left_entity if right_entity is None else right_entity
    n_possible = n_left * (n_left - 1) // 2 if n_right is None else n_left * n_right
    found = int((left_entity[pairs[:, 0]] == other[pairs[:, 1]]).sum())
    total = true_matches(left_entity, right_entity)
    return BlockingReport(len(pairs), n_possible, 1.0 - len(pairs) / max(n_possible, 1),
                          found / total if total else float("nan"), total)


def numeric_scale(left: pd.Series, right: pd.Series) -> float:
    """A numeric field's standard deviation over both tables (0 with fewer than 2 values)."""
    both = np.concatenate([left.to_numpy(dtype=float), right.to_numpy(dtype=float)])
    return float(np.nanstd(both)) if np.isfinite(both).sum() > 1 else 0.0


def pair_features(left: pd.DataFrame, right: pd.DataFrame | None, pairs: np.ndarray,
                  fields: Mapping[str, str], *, scales: Mapping[str, float] | None = None
                  ) -> tuple[np.ndarray, list[str]]:
    """Per-field similarities of each candidate pair, all in [0, 1].

    Text fields give, after lower-casing and stripping punctuation: rapidfuzz's
    ``ratio`` and ``token_sort_ratio`` (divided by 100), Jaro-Winkler similarity, exact
    equality, and whether either side is missing.  Numeric fields give a closeness
    ``1 / (1 + |a - b| / scale)`` (``scale`` = the field's standard deviation over
    both tables, so a typo-sized jitter stays close to 1), exact equality, missing.
    A missing side scores 0 on every similarity; the missing flag lets the model
    tell "unknown" from "different".  ``scales`` gives the numeric fields' scales
    instead (:func:`numeric_scale` of the tables a model was trained on), so new pairs
    are compared on the training scale.

    Returns
    -------
    X : ndarray of shape (n_pairs, n_features), float64
    names : list of str
        ``"<field>:<feature>"`` per column.
    """
    _rapidfuzz()
    from rapidfuzz import distance, fuzz, process, utils

    right = left if right is None else right
    columns, names = [], []
    for field, kind in fields.items():
        a_all, b_all = left[field], right[field]
        if kind == "numeric":
            a = a_all.to_numpy(dtype=float)[pairs[:, 0]]
            b = b_all.to_numpy(dtype=float)[pairs[:, 1]]
            missing = np.isnan(a) | np.isnan(b)
            scale = numeric_scale(a_all, b_all) if scales is None else scales[field]
            diff = np.abs(a - b) / (scale if scale > 0 else 1.0)
            closeness = np.where(missing, 0.0, 1.0 / (1.0 + np.nan_to_num(diff)))
            columns += [closeness, (~missing & (a == b)).astype(float), missing.astype(float)]
            names += [f"{field}:{f}" for f in _NUMERIC_FEATURES]
            continue
        a_text = np.asarray(_as_text(a_all, kind), dtype=object)[pairs[:, 0]]
        b_text = np.asarray(_as_text(b_all, kind), dtype=object)[pairs[:, 1]]
        a_clean = [utils.default_process(t) for t in a_text]
        b_clean = [utils.default_process(t) for t in b_text]
        missing = np.array([not x or not y for x, y in zip(a_text, b_text, strict=True)])
        scores = [
            process.cpdist(a_clean, b_clean, scorer=fuzz.ratio, workers=1) / 100.0,
            process.cpdist(a_clean, b_clean, scorer=fuzz.token_sort_ratio,
                           workers=1) / 100.0,
            process.cpdist(a_clean, b_clean, scorer=distance.JaroWinkler.normalized_similarity,
                           workers=1),
            np.array([x == y for x, y in zip(a_clean, b_clean, strict=True)], dtype=float),
        ]
        columns += [np.where(missing, 0.0, s.astype(float)) for s in scores]
        columns.append(missing.astype(float))
        names += [f"{field}:{f}" for f in _STRING_FEATURES]
    X = np.column_stack(columns) if columns else np.empty((len(pairs), 0))
    return np.ascontiguousarray(X, dtype=np.float64), names


def mean_similarity(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """One unsupervised score per pair: the mean over fields of the first similarity
    (``ratio`` or ``closeness``), fields missing on either side left out.

    This is the plain threshold rule's score and orders the similarity seed set.
    """
    fields = list(dict.fromkeys(name.split(":")[0] for name in names))
    position = {name: i for i, name in enumerate(names)}
    sims, present = [], []
    for field in fields:
        first = position.get(f"{field}:ratio", position.get(f"{field}:closeness"))
        sims.append(X[:, first])
        present.append(1.0 - X[:, position[f"{field}:missing"]])
    S, P = np.column_stack(sims), np.column_stack(present)
    return (S * P).sum(axis=1) / np.maximum(P.sum(axis=1), 1.0)
