"""The query-strategy contract shared by every strategy."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any, Literal, overload

import numpy as np
from sklearn.base import BaseEstimator

from .._random import RandomLike, as_generator
from ..exceptions import ConfigError, DataError, NotFittedError, PoolExhaustedError
from ..models import class_probabilities
from ..pool import Pool
from .selection import select_top_k

__all__ = ["QueryStrategy", "ScoreStrategy", "iter_chunks"]

DEFAULT_CHUNK_SIZE = 16_384


def iter_chunks(indices: np.ndarray, chunk_size: int) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield ``(positions, indices[positions])`` blocks so only one block of X is in memory."""
    for start in range(0, len(indices), chunk_size):
        block = slice(start, start + chunk_size)
        yield block, indices[block]


def _check_batch_size(batch_size: Any) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
        raise ConfigError(f"batch_size must be a positive int, got {batch_size!r}")
    if batch_size < 1:
        raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
    return int(batch_size)


class QueryStrategy(BaseEstimator):
    """Base class: choose which unlabelled items of a pool to label next.

    Subclasses store hyper-parameters in ``__init__`` (``random_state``
    included) and implement :meth:`_select`.  :meth:`query` validates once and
    always returns indices into the whole pool, best first.
    """

    #: Whether the strategy needs a fitted model (random sampling does not).
    requires_model: bool = True

    random_state: RandomLike

    @overload
    def query(self, pool: Pool, model: Any = None, batch_size: int = 1, *,
              candidates: np.ndarray | None = None,
              return_scores: Literal[False] = False) -> np.ndarray: ...

    @overload
    def query(self, pool: Pool, model: Any = None, batch_size: int = 1, *,
              candidates: np.ndarray | None = None,
              return_scores: Literal[True]) -> tuple[np.ndarray, np.ndarray]: ...

    @overload
    def query(self, pool: Pool, model: Any = None, batch_size: int = 1, *,
              candidates: np.ndarray | None = None,
              return_scores: bool) -> np.ndarray | tuple[np.ndarray, np.ndarray]: ...

    def query(
        self,
        pool: Pool,
        model: Any = None,
        batch_size: int = 1,
        *,
        candidates: np.ndarray | None = None,
        return_scores: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Indices of the items to label next.

        Parameters
        ----------
        pool : Pool
        model : fitted classifier, trained on the pool's class codes
            (ignored by strategies with ``requires_model = False``).
        batch_size : int, default=1
            How many items to return; when fewer are left, all of them.
        candidates : ndarray of int, default=None
            Restrict the choice to these unlabelled indices (default: all).
        return_scores : bool, default=False
            Also return each chosen item's score (NaN where a strategy has none).

        Returns
        -------
        indices : ndarray of int of shape (min(batch_size, n_candidates),)
        scores : ndarray of shape (min(batch_size, n_candidates),), if ``return_scores``
        """
        batch_size = _check_batch_size(batch_size)
        if candidates is None:
            candidates = pool.unlabeled_indices
        else:
            candidates = np.asarray(candidates, dtype=np.intp)
            if candidates.size and not pool.unlabeled_mask[candidates].all():
                raise DataError("candidates must be unlabelled, unskipped items of the pool")
        if candidates.size == 0:
            raise PoolExhaustedError(
                f"no unlabelled items left to query ({pool.n_labeled} labelled, "
                f"{len(pool.ignored_indices)} skipped)"
            )
        if self.requires_model and model is None:
            raise NotFittedError(
                f"{type(self).__name__} needs a fitted model; teach some labels first"
            )
        k = min(batch_size, len(candidates))
        rng = as_generator(self.random_state)
        indices, scores = self._select(pool, model, candidates, k, rng)
        indices = np.asarray(indices, dtype=np.intp)
        return (indices, np.asarray(scores, dtype=float)) if return_scores else indices

    def get_state(self, item_ids: Sequence[Hashable] | np.ndarray | None = None
                  ) -> dict[str, Any]:
        """What the strategy learnt across queries, JSON-serialisable (``{}``: nothing).

        A service that rebuilds its pool and strategy at every round saves this
        after a query and gives it to :meth:`set_state` before the next one.
        ``item_ids[i]`` names row ``i`` of the pool last queried (default: the
        row numbers), so the state survives rows that move between pools.
        """
        del item_ids
        return {}

    def set_state(self, state: Mapping[str, Any],
                  item_ids: Sequence[Hashable] | np.ndarray | None = None) -> None:
        """Restore :meth:`get_state`'s export; ``item_ids`` names the next pool's rows.

        Strategies that learn nothing across queries ignore it.
        """
        del state, item_ids

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


class ScoreStrategy(QueryStrategy):
    """A strategy made of a pure score function and the shared top-k selector.

    ``score_fn`` maps class probabilities of shape (n, n_classes) to one score
    per item, higher meaning more informative.  This is how a custom strategy
    is written in one line.

    Parameters
    ----------
    score_fn : callable ``proba -> scores``
    chunk_size : int, default=16384
        Items scored at once, so memory stays bounded on large pools.
    random_state : int, Generator or None
        Breaks ties between equal scores.

    Examples
    --------
    >>> from activelab.strategies import ScoreStrategy
    >>> smallest_top_probability = ScoreStrategy(lambda p: -p.max(axis=1), random_state=0)
    """

    def __init__(self, score_fn: Callable[[np.ndarray], np.ndarray] | None = None, *,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, random_state: RandomLike = None) -> None:
        self.score_fn = score_fn
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _score_function(self) -> Callable[[np.ndarray], np.ndarray]:
        if not callable(self.score_fn):
            raise ConfigError(f"score_fn must be callable, got {self.score_fn!r}")
        return self.score_fn

    def _score_proba(self, proba: np.ndarray) -> np.ndarray:
        return self._score_function()(proba)

    def score(self, pool: Pool, model: Any, indices: np.ndarray | None = None) -> np.ndarray:
        """Informativeness of ``indices`` (default: all unlabelled items), higher first.

        Returns
        -------
        scores : ndarray of shape (len(indices),)
        """
        if indices is None:
            indices = pool.unlabeled_indices
        indices = np.asarray(indices, dtype=np.intp)
        scores = np.empty(len(indices))
        for block, chunk in iter_chunks(indices, self.chunk_size):
            proba = class_probabilities(model, pool.take(chunk), pool.n_classes)
            scores[block] = self._score_proba(proba)
        return scores

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        scores = self.score(pool, model, candidates)
        chosen = select_top_k(scores, k, rng)
        return candidates[chosen], scores[chosen]
