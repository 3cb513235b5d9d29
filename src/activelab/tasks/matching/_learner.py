"""Asking "same entity?" about candidate pairs: labels, seed sets, the learner.

The candidate pairs are an ordinary classification pool (``Pool(X, classes=[0, 1])``,
1 = match), so every strategy of :class:`activelab.ActiveLearner` applies.  What is
particular to matching lives here: answers given as yes/no, a seed set drawn partly
from the most similar pairs (matches are rare among candidates, so a random seed set
often holds none), and a cold-start fallback that keeps asking about the most similar
pairs, not random ones, until both answers have been seen.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from ..._random import RandomLike, as_generator
from ...exceptions import ActivelabWarning, ConfigError, UnknownLabelError
from ...learner import ActiveLearner
from ...models.factory import MODEL_NAMES, make_model
from ...pool import Pool
from ...strategies.base import QueryStrategy
from ...strategies.selection import select_top_k

__all__ = ["NON_MATCH", "MATCH", "MATCHING_MODELS", "SEED_METHODS", "as_match_label",
           "make_matching_model", "similarity_seed", "SimilarityRanking", "PairLearner",
           "SameEntityOracle"]

NON_MATCH, MATCH = 0, 1
MATCHING_MODELS = ("logreg", "rf", *(name for name in MODEL_NAMES if name != "logreg"))
SEED_METHODS = ("similarity", "random")
_YES = {"match", "yes", "y", "same", "true"}
_NO = {"non-match", "nonmatch", "no-match", "no", "n", "different", "false"}


def as_match_label(answer: Hashable) -> int | None:
    """1 for "same entity", 0 for "different", None for "unsure" (the pair is skipped).

    Accepts booleans, 0/1 and the words match/non-match, yes/no, same/different.
    """
    if answer is None:
        return None
    if isinstance(answer, bool | np.bool_):
        return int(answer)
    if isinstance(answer, int | np.integer) and int(answer) in (0, 1):
        return int(answer)
    if isinstance(answer, str):
        word = answer.strip().lower()
        if word in _YES:
            return MATCH
        if word in _NO:
            return NON_MATCH
    raise UnknownLabelError(f"cannot read {answer!r} as an answer to 'same entity?'; give "
                            "True/False, 1/0, 'match'/'non-match' or None to skip the pair")


def make_matching_model(name: str = "logreg", random_state: int | None = None) -> Any:
    """A pair classifier: ``"rf"`` (random forest, 100 trees) or any name of
    :func:`activelab.models.factory.make_model` (``"logreg"``: standardised logistic
    regression, the default)."""
    if name == "rf":
        return RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=random_state)
    if name not in MATCHING_MODELS:
        raise ConfigError(f"unknown pair classifier {name!r}; choose one of "
                          f"{', '.join(MATCHING_MODELS)}")
    return make_model(name, "tabular", random_state=random_state)


def similarity_seed(similarity: np.ndarray, n: int, *, candidates: np.ndarray | None = None,
                    method: str = "similarity", random_state: RandomLike = None) -> np.ndarray:
    """Positions of a seed set of ``n`` pairs, chosen without labels.

    ``"similarity"``: ``ceil(n / 2)`` drawn at random from the ``2 n`` most similar
    candidates (likely matches), the rest at random from the others (almost all
    non-matches), so both answers usually appear.  ``"random"``: uniform.

    Parameters
    ----------
    similarity : ndarray of shape (n_pairs,)
        An unsupervised score per pair, higher = more alike (:func:`mean_similarity`).
    n : int
    candidates : ndarray of int, default=None
        Positions to choose from (default: all).
    method : {"similarity", "random"}
    random_state : int, Generator or None
    """
    if method not in SEED_METHODS:
        raise ConfigError(f"seed method must be one of {SEED_METHODS}, got {method!r}")
    candidates = np.arange(len(similarity)) if candidates is None else np.asarray(candidates)
    if n < 1 or len(candidates) == 0:
        raise ConfigError(f"need n >= 1 and some candidates, got n={n} and "
                          f"{len(candidates)} candidates")
    n = min(n, len(candidates))
    rng = as_generator(random_state)
    if method == "random":
        return np.sort(rng.choice(candidates, size=n, replace=False))
    order = candidates[np.argsort(-similarity[candidates], kind="stable")]
    n_top = (n + 1) // 2
    top = rng.choice(order[:2 * n], size=min(n_top, len(order[:2 * n])), replace=False)
    rest = np.setdiff1d(candidates, top)
    others = rng.choice(rest, size=min(n - len(top), len(rest)), replace=False)
    return np.sort(np.concatenate([top, others]))


class SimilarityRanking(QueryStrategy):
    """Ask about the most (or least) similar unlabelled pairs; needs no model.

    Parameters
    ----------
    similarity : ndarray of shape (n_pairs,)
        One score per pool item.
    most_similar : bool, default=True
    random_state : int, Generator or None
        Breaks ties.
    """

    requires_model = False

    def __init__(self, similarity: np.ndarray | None = None, most_similar: bool = True,
                 random_state: RandomLike = None) -> None:
        self.similarity = similarity
        self.most_similar = most_similar
        self.random_state = random_state

    def _select(self, pool, model, candidates, k, rng):
        similarity = np.asarray(self.similarity, dtype=float)
        if similarity.shape != (len(pool),):
            raise ConfigError(f"similarity must hold one score per pool item ({len(pool)}), "
                              f"got shape {similarity.shape}")
        scores = similarity[candidates] if self.most_similar else -similarity[candidates]
        chosen = select_top_k(scores, k, rng)
        return candidates[chosen], scores[chosen]


class PairLearner(ActiveLearner):
    """:class:`~activelab.ActiveLearner` over candidate pairs, with a matching cold start.

    While every answer so far is "different" (or every one "same"), no classifier
    can be trained; :meth:`query` then asks about the most (least) similar
    unlabelled pairs, with an :class:`~activelab.ActivelabWarning`, instead of
    sampling at random, where a match is as rare as among all candidates.

    Parameters
    ----------
    estimator : scikit-learn classifier
    pool : Pool
        Pair features, declared classes ``[0, 1]`` (1 = match).
    strategy : str or QueryStrategy, default="margin"
    similarity : ndarray of shape (n_pairs,)
        Unsupervised similarity of each pool pair (for the cold start).
    eval_set : tuple (X, y), optional
    random_state : int, Generator or None
    """

    def __init__(self, estimator: Any, pool: Pool, strategy: str | QueryStrategy = "margin",
                 *, similarity: np.ndarray, eval_set: tuple[Any, Sequence[Hashable]] | None = None,
                 random_state: RandomLike = None) -> None:
        super().__init__(estimator, pool, strategy, eval_set=eval_set, random_state=random_state)
        self.similarity = similarity

    def _query_strategy(self) -> tuple[Any, str]:
        if self.model_ is None and self.pool.n_labeled > 0 and self.strategy_.requires_model:
            only = int(self.pool.labels_of(self.pool.labeled_indices[:1])[0])
            word = "different" if only == NON_MATCH else "the same entity"
            warnings.warn(
                f"all {self.pool.n_labeled} answer(s) so far are '{word}'; asking about the "
                f"{'most' if only == NON_MATCH else 'least'} similar pairs until the other "
                "answer appears", ActivelabWarning, stacklevel=3)
            return (SimilarityRanking(self.similarity, most_similar=only == NON_MATCH,
                                      random_state=self.rng), "most-similar (cold start)")
        return super()._query_strategy()

    def teach(self, indices: Sequence[int] | np.ndarray,
              labels: Sequence[Hashable | None]) -> None:
        """Record answers to "same entity?" (bool, 0/1, 'match'/'non-match'; None skips)."""
        super().teach(indices, [as_match_label(label) for label in labels])


class SameEntityOracle:
    """Answers "same entity?" for candidate pairs from known entity ids (simulation).

    Parameters
    ----------
    pairs : ndarray of int of shape (n_pairs, 2)
    left_entity, right_entity : ndarray of shape (n_left,), (n_right,)
        ``right_entity=None`` for deduplication of one table.
    """

    def __init__(self, pairs: np.ndarray, left_entity: np.ndarray,
                 right_entity: np.ndarray | None = None) -> None:
        other = left_entity if right_entity is None else right_entity
        self.truth = (np.asarray(left_entity)[pairs[:, 0]] ==
                      np.asarray(other)[pairs[:, 1]]).astype(int)
        self.n_queries_ = 0

    def label(self, pool: Pool | None, indices: Sequence[int] | np.ndarray) -> list[int]:
        idx = np.asarray(indices, dtype=np.intp)
        self.n_queries_ += len(idx)
        return self.truth[idx].tolist()
