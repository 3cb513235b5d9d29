"""What every learner shares: the life cycle ``initial_query`` / ``query`` / ``teach``,
its :class:`Round` history, the human edits, the query-ask-teach loop with its
stopping criteria, and the budgeted loop that simulations run.

A learner of a new task subclasses :class:`BaseLearner` and fills in the hooks it
needs (which model to fit, how to evaluate it, what to do on a cold start).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone

from ._random import RandomLike, as_generator, derive_seed
from .exceptions import ConfigError, DataError, OracleStopped, PoolExhaustedError
from .initial import initial_indices
from .models.committee import seed_unset_random_states
from .strategies import QueryStrategy

__all__ = ["BaseLearner", "Round", "resolve_strategy", "run_to_budget"]


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
    model : str
        Which model the learner fitted after the round, when it chooses one (e.g.
        ``"label-spreading"``); empty otherwise.
    model_reason : str
        Why: the evidence behind ``model`` (empty when there was no choice).

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
    model: str = ""
    model_reason: str = ""


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


class BaseLearner(BaseEstimator):
    """Pool-based active learning, whatever the labels are.

    A scikit-learn ``BaseEstimator``: ``get_params``/``set_params`` read the
    ``__init__`` parameters, so ``clone(learner)`` gives an untrained learner.

    The life cycle: :meth:`initial_query` (a seed set before any model),
    :meth:`query` (the strategy's choice), :meth:`teach` (store the labels,
    retrain, log a :class:`Round` in :attr:`history_`); :meth:`run` loops
    them against an oracle until a stopping criterion fires (its reason in
    :attr:`stop_reason_`).

    A subclass sets :attr:`_strategy_factory` (its task's strategy names) and
    may override the hooks: :meth:`_ready_to_fit` and :meth:`_fit_model` (or
    :meth:`_refit` whole), :meth:`_eval_metrics` (or :meth:`_evaluate`),
    :meth:`_query_strategy` (cold starts) and :meth:`_initial_indices`.

    Parameters
    ----------
    estimator : estimator or None
        Never fitted itself; each retrain fits a clone.
    pool : pool object
        The items and their label state (:class:`~activelab.Pool` or a task's own).
    strategy : str or QueryStrategy
    eval_set : tuple (X, y), default=None
        Held-out labelled data; when given, every round records metrics on it.
    random_state : int, Generator or None
        One seed for everything random; turned into a generator at first use.

    Attributes
    ----------
    model_ : fitted model or None
    history_ : list of Round
    stop_reason_ : str or None
        Why :meth:`run` stopped.
    """

    #: Builds a strategy from its name: the task's registry (a ``staticmethod``).
    _strategy_factory: Callable[..., QueryStrategy]

    def __init__(self, estimator: Any, pool: Any, strategy: str | QueryStrategy, *,
                 eval_set: tuple[Any, Any] | None = None,
                 random_state: RandomLike = None) -> None:
        self.estimator = estimator
        self.pool = pool
        self.strategy = strategy
        self.eval_set = eval_set
        self.random_state = random_state
        self.model_: Any = None
        self.history_: list[Round] = []
        self.stop_reason_: str | None = None
        self._rng: np.random.Generator | None = None
        self._strategy: QueryStrategy | None = None
        self._estimator_seed: int | None = None
        self._pending: dict[int, tuple[float, str]] = {}
        self._pending_seconds = 0.0
        # (model, why) of the last fit, for learners that choose their model.
        self._model_note = ("", "")

    # ------------------------------------------------------------------ state
    @property
    def rng(self) -> np.random.Generator:
        """The learner's generator, made from ``random_state`` at first use."""
        if self._rng is None:
            self._rng = as_generator(self.random_state)
        return self._rng

    @property
    def strategy_(self) -> QueryStrategy:
        """The strategy object in use (built from its name, seeded by the learner)."""
        if self._strategy is None:
            self._strategy = resolve_strategy(self.strategy, self._strategy_factory, self.rng)
        return self._strategy

    @property
    def strategy_name(self) -> str:
        return self.strategy if isinstance(self.strategy, str) else type(self.strategy).__name__

    # ------------------------------------------------------------------ asking
    def initial_query(self, n: int, method: str = "random") -> np.ndarray:
        """Indices of a seed set to label before the model exists.

        Parameters
        ----------
        n : int
        method : {"random", "kmeans", "typiclust"}
            ``"kmeans"`` takes the item nearest to each of ``n`` k-means
            centroids: a diverse set that tends to cover every class.
        """
        indices = self._initial_indices(n, method)
        for index in indices:
            self._pending[int(index)] = (np.nan, f"initial-{method}")
        return indices

    def _initial_indices(self, n: int, method: str) -> np.ndarray:
        return initial_indices(self.pool, n, method=method, random_state=self.rng)

    def query(self, n: int = 1) -> np.ndarray:
        """Indices of the ``n`` most informative unlabelled items, best first.

        Raises
        ------
        PoolExhaustedError
            When every item is labelled or skipped.
        """
        if self.pool.n_unlabeled == 0:
            raise PoolExhaustedError(
                f"no unlabelled items left to query ({self.pool.n_labeled} labelled)")
        strategy, name = self._query_strategy()
        return self._timed_query(strategy, name, n)

    def _query_strategy(self) -> tuple[Any, str]:
        """The strategy to ask now and the name its rounds carry (a cold start may
        substitute another)."""
        return self.strategy_, self.strategy_name

    def _timed_query(self, strategy: Any, name: str, n: int) -> np.ndarray:
        indices, scores = self._timed(
            lambda: strategy.query(self.pool, self.model_, n, return_scores=True))
        for index, score in zip(indices.tolist(), scores.tolist(), strict=True):
            self._pending[index] = (score, name)
        return indices

    def _timed(self, ask: Callable[[], Any]) -> Any:
        """``ask()``, its seconds kept for the round that teaches its answer."""
        start = time.perf_counter()
        chosen = ask()
        self._pending_seconds = time.perf_counter() - start
        return chosen

    # ------------------------------------------------------------------ teaching
    def teach(self, indices: Sequence[int] | np.ndarray, labels: Sequence[Any]) -> None:
        """Record labels (``None`` = skip the item), retrain, and log the round.

        What a label is belongs to the task: a class, a real-valued target, a
        list of tags.

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
        self._retrain_and_log(indices, labels)

    def _retrain_and_log(self, indices: np.ndarray, labels: list[Any]) -> None:
        """Retrain on the stored labels and append the round of ``indices`` to the history."""
        fit_seconds = self._refit()
        pending = [self._pending.pop(int(i), (np.nan, "manual")) for i in indices]
        origins = {origin for _, origin in pending}
        self._log_round(indices, labels, scores=np.array([score for score, _ in pending],
                                                         dtype=float),
                        n_labeled=self.pool.n_labeled, fit_seconds=fit_seconds,
                        strategy=origins.pop() if len(origins) == 1 else "mixed")

    def _log_round(self, indices: np.ndarray, labels: list[Any], *, scores: np.ndarray,
                   n_labeled: int, fit_seconds: float, strategy: str,
                   round_type: type[Round] = Round) -> None:
        """Append a round, with the current metrics and the pending query's seconds."""
        self.history_.append(round_type(
            number=len(self.history_), indices=indices.copy(), labels=labels, scores=scores,
            n_labeled=n_labeled, metrics=self._evaluate(),
            query_seconds=self._pending_seconds, fit_seconds=fit_seconds, strategy=strategy,
            model=self._model_note[0], model_reason=self._model_note[1]))
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

    # ------------------------------------------------------------------ model
    def _refit(self) -> float:
        """Fit the model on every stored label (or drop it while too few); seconds spent."""
        start = time.perf_counter()
        if not self._ready_to_fit():
            self.model_ = None
            self._model_note = ("", "")
            return 0.0
        if self._estimator_seed is None:
            self._estimator_seed = derive_seed(self.rng)
        self.model_ = self._fit_model(self._estimator_seed)
        return time.perf_counter() - start

    def _ready_to_fit(self) -> bool:
        """Whether the labels so far can train a model."""
        return self.pool.n_labeled > 0

    def _fit_model(self, seed: int) -> Any:
        """A clone of the estimator (unset random states seeded) fitted on the labels."""
        X, y = self.pool.training_data()
        return seed_unset_random_states(clone(self.estimator), seed).fit(X, y)

    def _evaluate(self) -> dict[str, float]:
        if self.eval_set is None or self.model_ is None:
            return {}
        return self._eval_metrics(*self.eval_set)

    def _eval_metrics(self, X_eval: Any, y_eval: Any) -> dict[str, float]:
        """The metrics of the current model on the evaluation set."""
        raise NotImplementedError

    # ------------------------------------------------------------------ the loop
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
        initial_method : {"random", "kmeans", "typiclust"}
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
            try:
                indices = self.query(batch_size)
            except PoolExhaustedError:
                self.stop_reason_ = "pool exhausted: every item is labelled or skipped"
                return self
            if not self._ask(oracle, indices):
                return self
            if callback:
                callback(self)

    def _ask(self, oracle: Any, indices: np.ndarray) -> bool:
        try:
            labels = self._oracle_answers(oracle, indices)
        except OracleStopped as stop:
            answered = len(stop.labels)
            if answered:
                self.teach(indices[:answered], stop.labels)
            self.stop_reason_ = f"oracle stopped: {stop}"
            return False
        self.teach(indices, labels)
        return True

    def _oracle_answers(self, oracle: Any, indices: np.ndarray) -> list[Any]:
        return list(oracle.label(self.pool, indices))


def run_to_budget(learner: Any, answers: Callable[[np.ndarray], Any], seed_set: np.ndarray, *,
                  batch: int, budget: int, teach: Callable[[np.ndarray, Any], None] | None = None,
                  on_round: Callable[[], None] | None = None) -> str:
    """The simulation loop: teach the seed set, then query batches until ``budget``
    labels are spent or the pool is exhausted.

    Parameters
    ----------
    learner : BaseLearner (or anything with ``pool``, ``query`` and ``teach``)
    answers : callable ``indices -> labels``
        The known labels (a simulated oracle).
    seed_set : ndarray of int
        Taught first, as round 0 (may be empty where the learner allows it).
    batch, budget : int
    teach : callable ``(indices, labels) -> None``, default ``learner.teach``
    on_round : callable, optional
        Called after every round (the seed set's included).

    Returns
    -------
    str
        Why the loop stopped: ``"label budget reached"`` or ``"pool exhausted"``.
    """
    teach = learner.teach if teach is None else teach
    indices = np.asarray(seed_set, dtype=np.intp)
    while True:
        teach(indices, answers(indices))
        if on_round:
            on_round()
        if learner.pool.n_labeled >= budget:
            return "label budget reached"
        if learner.pool.n_unlabeled == 0:
            return "pool exhausted"
        indices = learner.query(min(batch, budget - learner.pool.n_labeled))
