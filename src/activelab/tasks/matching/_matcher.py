"""RecordMatcher: blocking, pair features and a "same entity?" learner on two tables."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..._random import RandomLike, as_generator
from ...exceptions import ConfigError, SingleClassError
from ...models import class_probabilities
from ...pool import Pool
from ...strategies.base import QueryStrategy
from ._learner import (
    MATCH,
    NON_MATCH,
    PairLearner,
    make_matching_model,
    similarity_seed,
)
from ._pairs import block_pairs, mean_similarity, pair_features
from ._records import check_fields

__all__ = ["RecordMatcher"]


class RecordMatcher:
    """Blocking, pair features and a "same entity?" learner for two tables.

    Parameters
    ----------
    fields : list of str, or dict of str to {"string", "numeric"}
        Columns to compare (kinds inferred from the columns when not given).
    block_on : list of str, default=None
        Fields joined into the blocking key (default: every field).
    neighbours : int, default=10
        Candidate left rows per right row.
    estimator : scikit-learn classifier or str, default="logreg"
        A name of :data:`MATCHING_MODELS` or an unfitted classifier.
    strategy : str or QueryStrategy, default="margin"
    random_state : int, Generator or None

    Attributes
    ----------
    fields_ : dict of str to str
        Checked field kinds.
    pairs_ : ndarray of int of shape (n_pairs, 2)
        Candidate (left row, right row) positions.
    features_ : ndarray of shape (n_pairs, n_features)
    feature_names_ : list of str
    similarity_ : ndarray of shape (n_pairs,)
        Mean field similarity (the plain threshold rule's score).
    learner_ : PairLearner
        Its ``pool`` holds the answers (1 = match).
    """

    def __init__(self, fields: Sequence[str] | Mapping[str, str], *,
                 block_on: Sequence[str] | None = None, neighbours: int = 10,
                 estimator: Any = "logreg", strategy: str | QueryStrategy = "margin",
                 random_state: RandomLike = None) -> None:
        self.fields = fields
        self.block_on = block_on
        self.neighbours = neighbours
        self.estimator = estimator
        self.strategy = strategy
        self.random_state = random_state

    def fit(self, left: pd.DataFrame, right: pd.DataFrame | None = None) -> RecordMatcher:
        """Build the candidate pairs of ``left`` x ``right`` (``right=None``: deduplicate
        ``left``) and a learner over them; no question is asked yet."""
        self.fields_ = check_fields(left, right, self.fields)
        block_on = list(self.fields_) if self.block_on is None else list(self.block_on)
        unknown = [f for f in block_on if f not in self.fields_]
        if unknown or not block_on:
            raise ConfigError(f"block_on must be a non-empty subset of fields "
                              f"{list(self.fields_)}; unknown: {unknown}")
        self.left_, self.right_ = left, right
        self.pairs_ = block_pairs(left, right, {f: self.fields_[f] for f in block_on},
                                  neighbours=self.neighbours)
        self.features_, self.feature_names_ = pair_features(left, right, self.pairs_,
                                                             self.fields_)
        self.similarity_ = mean_similarity(self.features_, self.feature_names_)
        self._rng = as_generator(self.random_state)
        estimator = make_matching_model(self.estimator) if isinstance(self.estimator, str) \
            else self.estimator
        self.learner_ = PairLearner(estimator, Pool(self.features_, classes=[NON_MATCH, MATCH]),
                                    self.strategy, similarity=self.similarity_,
                                    random_state=self._rng)
        return self

    def initial_query(self, n: int = 10, method: str = "similarity") -> np.ndarray:
        """Positions (into ``pairs_``) of a seed set; see :func:`similarity_seed`."""
        return similarity_seed(self.similarity_, n,
                               candidates=self.learner_.pool.unlabeled_indices,
                               method=method, random_state=self._rng)

    def query(self, n: int = 10) -> np.ndarray:
        """The ``n`` pairs to ask about next (positions into ``pairs_``)."""
        return self.learner_.query(n)

    def question(self, index: int) -> pd.DataFrame:
        """Pair ``index`` as two rows (``left``, ``right``) of the compared fields."""
        i, j = (int(v) for v in self.pairs_[int(index)])
        other = self.left_ if self.right_ is None else self.right_
        rows = [self.left_.iloc[i][list(self.fields_)], other.iloc[j][list(self.fields_)]]
        return pd.DataFrame(rows, index=["left", "right"])

    def teach(self, indices: Sequence[int] | np.ndarray,
              answers: Sequence[Hashable | None]) -> None:
        """Record answers (True / 'match' = same entity; None skips the pair) and retrain."""
        self.learner_.teach(indices, answers)

    def predict_matches(self, threshold: float = 0.5) -> pd.DataFrame:
        """Every candidate pair judged a match: answered "same", or predicted with
        probability >= ``threshold``; most likely first.

        Returns
        -------
        DataFrame with columns ``left``, ``right`` (index labels of the tables),
        ``probability`` (1.0 / 0.0 for answered pairs) and ``answered``.

        Raises
        ------
        SingleClassError
            While every answer is "different" (or every one "same"): no model can
            separate the two; ask about more pairs first (:meth:`query` then asks
            about the most similar ones).
        """
        pool = self.learner_.pool
        if self.learner_.model_ is None:
            seen = {"same entity" if code == MATCH else "different"
                    for code in pool.codes[pool.labeled_indices].tolist()}
            raise SingleClassError(
                f"{pool.n_labeled} answer(s) so far, all {' / '.join(seen) or 'missing'}: a "
                "matcher needs at least one 'same entity' and one 'different' answer; keep "
                "answering query(), which asks about the most similar pairs until then")
        proba = class_probabilities(self.learner_.model_, self.features_, 2)[:, MATCH]
        answered = pool.labeled_mask
        proba[answered] = (pool.codes[answered] == MATCH).astype(float)
        keep = np.flatnonzero(proba >= threshold)
        keep = keep[np.argsort(-proba[keep], kind="stable")]
        other = self.left_ if self.right_ is None else self.right_
        return pd.DataFrame({"left": self.left_.index[self.pairs_[keep, 0]],
                             "right": other.index[self.pairs_[keep, 1]],
                             "probability": proba[keep], "answered": answered[keep]})

