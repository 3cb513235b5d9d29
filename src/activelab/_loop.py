"""What every learner shares: one seeded generator, timed queries, teach with its
history, the human edits, and the query-ask-teach loop."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import clone

from ._random import RandomLike, as_generator
from .exceptions import ConfigError, DataError, OracleStopped
from .strategies import QueryStrategy

__all__ = ["LearnerBase", "LoopMixin", "Round"]


@dataclass(frozen=True)
class Round:
    """One round of the loop: what was asked, what came back, how the model did.

    Attributes
    ----------
    number : int
        0 for the seed set, then 1, 2, ...
    indices : ndarray of int
        Items labelled in this round.
    labels : list
        Their labels (``None`` for a skipped item).
    scores : ndarray of float
        The strategy's score of each item when it was chosen (NaN when none).
    n_labeled : int
        Labelled items after the round.
    metrics : dict
        Evaluation metrics of the retrained model (empty without an eval set).
    query_seconds, fit_seconds : float
    strategy : str
        Which strategy chose the items ("initial", a strategy name, or "manual").

    Examples
    --------
    ``ActiveLearner.history_`` holds one per round; a skipped item's label is None.

    >>> import numpy as np
    >>> from activelab import Round
    >>> r = Round(number=1, indices=np.array([4, 7]), labels=["cat", None],
    ...           scores=np.array([0.9, 0.8]), n_labeled=11, strategy="margin")
    >>> sum(label is not None for label in r.labels), r.metrics
    (1, {})
    """

    number: int
    indices: np.ndarray
    labels: list[Any]
    scores: np.ndarray
    n_labeled: int
    metrics: dict[str, float] = field(default_factory=dict)
    query_seconds: float = 0.0
    fit_seconds: float = 0.0
    strategy: str = "manual"



def resolve_strategy(strategy: str | QueryStrategy, factory: Callable[..., QueryStrategy],
                     rng: np.random.Generator) -> QueryStrategy:
    """The strategy object a learner uses: built by ``factory`` from a name, or the given
    object (a clone seeded from ``rng`` when its ``random_state`` is unset)."""
    if isinstance(strategy, str):
        return factory(strategy, random_state=rng)
    if isinstance(strategy, QueryStrategy):
        if getattr(strategy, "random_state", None) is None:
            return clone(strategy).set_params(random_state=rng)
        return strategy
    raise ConfigError(f"strategy must be a name or a QueryStrategy, got {type(strategy).__name__}")


class LearnerBase:
    """A ``rng`` made from ``random_state`` at first use, and timed queries whose
    scores wait in ``_pending`` until their items are taught."""

    random_state: RandomLike
    _rng: np.random.Generator | None
    pool: Any
    model_: Any
    strategy: str | QueryStrategy
    _strategy: QueryStrategy | None
    _pending: dict[int, tuple[float, str]]
    _pending_seconds: float
    #: Builds a strategy from its name: the task's registry (a ``staticmethod``).
    _strategy_factory: Callable[..., QueryStrategy]

    @property
    def strategy_(self) -> QueryStrategy:
        """The strategy object in use (built from its name, seeded by the learner)."""
        if self._strategy is None:
            self._strategy = resolve_strategy(self.strategy, self._strategy_factory, self.rng)
        return self._strategy

    @property
    def strategy_name(self) -> str:
        return self.strategy if isinstance(self.strategy, str) else type(self.strategy).__name__

    def _timed_query(self, strategy: Any, name: str, n: int) -> np.ndarray:
        start = time.perf_counter()
        indices, scores = strategy.query(self.pool, self.model_, n, return_scores=True)
        self._pending_seconds = time.perf_counter() - start
        for index, score in zip(indices.tolist(), scores.tolist(), strict=True):
            self._pending[index] = (score, name)
        return indices

    @property
    def rng(self) -> np.random.Generator:
        """The learner's generator, made from ``random_state`` at first use."""
        if self._rng is None:
            self._rng = as_generator(self.random_state)
        return self._rng


class LoopMixin(LearnerBase):
    """``teach`` (with its history), the human edits, and ``run``: query, ask the
    oracle, teach, until a stopping criterion fires.

    Needs ``initial_query(n, method)``, ``query(n)``, ``_refit() -> seconds``,
    ``_evaluate() -> metrics``, and ``history_`` / ``stop_reason_`` attributes.
    """

    stop_reason_: str | None
    history_: list[Round]

    if TYPE_CHECKING:  # each learner defines them; declared here for ``run``
        def initial_query(self, n: int, method: str = "random") -> np.ndarray: ...

        def query(self, n: int = 1) -> np.ndarray: ...

    def _refit(self) -> float:
        raise NotImplementedError

    def _evaluate(self) -> dict[str, float]:
        raise NotImplementedError

    def teach(self, indices: Sequence[int] | np.ndarray,
              labels: Sequence[Hashable | None]) -> None:
        """Record labels (real-valued targets for regression; ``None`` = skip the item),
        retrain, and log the round.

        The labels are stored before the model is retrained, so nothing is
        lost when the fit fails.
        """
        indices = np.asarray(indices, dtype=np.intp)
        labels = list(labels)
        if len(labels) != len(indices):
            raise DataError(f"got {len(indices)} indices but {len(labels)} labels")
        given = [i for i, label in enumerate(labels) if label is not None]
        skipped = [i for i, label in enumerate(labels) if label is None]
        self.pool.teach(indices[given], [labels[i] for i in given])
        if skipped:
            self.pool.skip(indices[skipped])
        fit_seconds = self._refit()
        pending = [self._pending.pop(int(i), (np.nan, "manual")) for i in indices]
        origins = {origin for _, origin in pending}
        self.history_.append(Round(
            number=len(self.history_),
            indices=indices.copy(),
            labels=labels,
            scores=np.array([score for score, _ in pending], dtype=float),
            n_labeled=self.pool.n_labeled,
            metrics=self._evaluate(),
            query_seconds=self._pending_seconds,
            fit_seconds=fit_seconds,
            strategy=origins.pop() if len(origins) == 1 else "mixed",
        ))
        self._pending_seconds = 0.0

    def relabel(self, indices: Sequence[int], labels: Sequence[Hashable]) -> None:
        """Correct labels a person gave earlier, then retrain."""
        self.pool.relabel(indices, labels)
        self._refit()

    def skip(self, indices: Sequence[int]) -> None:
        """Skip items (never queried again, never used for training)."""
        self.pool.skip(indices)
        self._refit()

    def remove_labels(self, indices: Sequence[int]) -> None:
        """Forget labels (the items become queryable again), then retrain."""
        self.pool.remove_labels(indices)
        self._refit()


    def run(self, oracle: Any, *, batch_size: int = 10, stopping: Sequence[Any] = (),
            initial: int = 0, initial_method: str = "random",
            callback: Callable[[Any], None] | None = None) -> Any:
        """Query, ask the oracle, teach, until a stopping criterion fires.

        Parameters
        ----------
        oracle : object with ``label(pool, indices) -> list of labels``
        batch_size : int, default=10
        stopping : sequence of stopping criteria
            Each has ``check(learner) -> str | None`` (a reason to stop).
            The loop also stops when the pool is exhausted or the oracle quits.
        initial : int, default=0
            Size of a seed set to label first (0 when labels already exist).
        initial_method : {"random", "kmeans"}
        callback : callable, optional
            Called with the learner after every round.

        Returns
        -------
        self
        """
        self.stop_reason_ = None
        if initial:
            if not self._ask(oracle, self.initial_query(initial, method=initial_method)):
                return self
            if callback:
                callback(self)
        while True:
            for criterion in stopping:
                reason = criterion.check(self)
                if reason:
                    self.stop_reason_ = reason
                    return self
            if self.pool.n_unlabeled == 0:
                self.stop_reason_ = "pool exhausted: every item is labelled or skipped"
                return self
            if not self._ask(oracle, self.query(batch_size)):
                return self
            if callback:
                callback(self)

    def _ask(self, oracle: Any, indices: np.ndarray) -> bool:
        try:
            labels = oracle.label(self.pool, indices)
        except OracleStopped as stop:
            answered = len(stop.labels)
            if answered:
                self.teach(indices[:answered], stop.labels)
            self.stop_reason_ = f"oracle stopped: {stop}"
            return False
        self.teach(indices, labels)
        return True
