"""What every learner shares: one seeded generator and the query-ask-teach loop."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._random import RandomLike, as_generator
from .exceptions import OracleStopped

__all__ = ["SeededMixin", "LoopMixin"]


class SeededMixin:
    """A ``rng`` property made from ``random_state`` at first use."""

    random_state: RandomLike
    _rng: np.random.Generator | None

    @property
    def rng(self) -> np.random.Generator:
        """The learner's generator, made from ``random_state`` at first use."""
        if self._rng is None:
            self._rng = as_generator(self.random_state)
        return self._rng


class LoopMixin(SeededMixin):
    """``run``: query, ask the oracle, teach, until a stopping criterion fires.

    Needs ``pool``, ``initial_query(n, method)``, ``query(n)``, ``teach(indices, labels)``
    and a ``stop_reason_`` attribute.
    """

    pool: Any
    stop_reason_: str | None

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
