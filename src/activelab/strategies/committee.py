"""Query by committee: vote entropy and KL divergence to the consensus."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._random import RandomLike
from ..exceptions import ConfigError
from ..models import class_probabilities
from ..models.committee import fit_committee
from ..pool import Pool
from . import scores
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy, iter_chunks
from .selection import select_top_k

__all__ = ["QueryByCommittee", "COMMITTEE_MEASURES"]

COMMITTEE_MEASURES = ("vote_entropy", "kl")


class QueryByCommittee(QueryStrategy):
    """Query the items a committee of models disagrees on most (Seung et al. 1992).

    The committee is rebuilt at every query from the pool's labelled items,
    so it never goes stale: by default ``n_members`` clones of the model are
    fitted on stratified bootstrap resamples (bagging, Abe & Mamitsuka 1998); with
    ``committee`` given, each of those estimators is cloned and fitted on all
    labelled items (a heterogeneous committee).  See
    :func:`activelab.models.fit_committee`.

    Parameters
    ----------
    measure : {"vote_entropy", "kl"}, default="vote_entropy"
        ``"vote_entropy"``: entropy of the members' predicted classes
        (Dagan & Engelson 1995).  ``"kl"``: mean KL divergence of each
        member's class probabilities from their average (McCallum & Nigam 1998).
    committee : list of classifiers, default=None
        Unfitted estimators forming the committee (at least two).  ``None``
        bags the queried model.
    n_members : int, default=5
        Committee size when bagging (ignored when ``committee`` is given).
    chunk_size : int, default=16384
        Items scored at once.
    random_state : int, Generator or None
        Seeds the bootstrap resamples, unset member seeds and tie breaking.

    Notes
    -----
    Each query fits ``n_members`` (or ``len(committee)``) models on the
    labelled set.  The labelled set must hold at least two classes.

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from activelab.examples import iris_start
    >>> from activelab.strategies import QueryByCommittee
    >>> pool, model = iris_start(DecisionTreeClassifier(random_state=0),
    ...                          labelled=range(0, 150, 10))
    >>> QueryByCommittee("vote_entropy", n_members=3, random_state=0).query(
    ...     pool, model, 4).shape
    (4,)
    """

    def __init__(self, measure: str = "vote_entropy", *, committee: Sequence[Any] | None = None,
                 n_members: int = 5, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 random_state: RandomLike = None) -> None:
        self.measure = measure
        self.committee = committee
        self.n_members = n_members
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _measure_name(self) -> str:
        name = str(self.measure).replace("-", "_")
        if name not in COMMITTEE_MEASURES:
            raise ConfigError(
                f"unknown committee measure {self.measure!r}; choose one of {COMMITTEE_MEASURES}"
            )
        return name

    def fit_committee(self, pool: Pool, model: Any, rng: RandomLike = None) -> list[Any]:
        """The committee fitted on the pool's labelled items.

        Parameters
        ----------
        pool : Pool
        model : classifier to bag (ignored when ``committee`` was given)
        rng : int, Generator or None, default=None
            Defaults to the strategy's ``random_state``.

        Returns
        -------
        members : list of fitted classifiers
        """
        X, y = pool.training_data()
        rng = self.random_state if rng is None else rng
        if self.committee is not None:
            return fit_committee(X, y, members=self.committee, random_state=rng)
        return fit_committee(X, y, estimator=model, n_members=self.n_members, random_state=rng)

    def score_with(self, pool: Pool, members: Sequence[Any], indices: np.ndarray) -> np.ndarray:
        """Disagreement of fitted ``members`` on ``indices``, higher first.

        Returns
        -------
        scores : ndarray of shape (len(indices),)
        """
        measure = self._measure_name()
        indices = np.asarray(indices, dtype=np.intp)
        out = np.empty(len(indices))
        for block, chunk in iter_chunks(indices, self.chunk_size):
            X = pool.take(chunk)
            if measure == "vote_entropy":
                votes = np.stack([np.asarray(m.predict(X), dtype=np.intp) for m in members])
                out[block] = scores.vote_entropy(votes, pool.n_classes)
            else:
                probas = np.stack([class_probabilities(m, X, pool.n_classes) for m in members])
                out[block] = scores.kl_to_consensus(probas)
        return out

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        self._measure_name()  # fail on a bad measure before fitting anything
        members = self.fit_committee(pool, model, rng)
        values = self.score_with(pool, members, candidates)
        chosen = select_top_k(values, k, rng)
        return candidates[chosen], values[chosen]
