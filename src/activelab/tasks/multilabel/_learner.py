"""The active-learning loop and its simulation for multi-label items."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ..._random import RandomLike, derive_seed
from ...curves import TaskCurves
from ...exceptions import ConfigError, DataError, NotFittedError
from ...learner_base import BaseLearner, run_to_budget
from ...metrics import normalized_aulc
from ...models.factory import make_model, make_text_vectorizer
from ...simulation import check_loop_sizes
from ...strategies import QueryStrategy, make_strategy, register_strategy, strategy_names
from ._data import MultiLabelDataset
from ._model import (
    AdaptiveMultiLabel,
    BinaryRelevance,
    CardinalityInconsistency,
    MultiLabelUncertainty,
    multilabel_metrics,
)
from ._pool import MultiLabelPool

__all__ = ["MultiLabelLearner", "MULTILABEL_STRATEGIES", "make_multilabel_strategy",
           "MultiLabelRunResult", "MultiLabelSimulationResult", "simulate_multilabel"]

register_strategy("mean-margin", lambda **kw: MultiLabelUncertainty("mean", **kw),
                  tasks=("multilabel",))
register_strategy("max-margin", lambda **kw: MultiLabelUncertainty("max", **kw),
                  tasks=("multilabel",))
register_strategy("cardinality", lambda **kw: CardinalityInconsistency(**kw),
                  tasks=("multilabel",))
register_strategy("adaptive", lambda **kw: AdaptiveMultiLabel(**kw), tasks=("multilabel",))

MULTILABEL_STRATEGIES = strategy_names("multilabel")
_METRICS = ("micro_f1", "macro_f1", "hamming_loss")


def make_multilabel_strategy(name: str, *, random_state: RandomLike = None) -> QueryStrategy:
    """The multi-label strategy called ``name`` (see :data:`MULTILABEL_STRATEGIES`)."""
    strategy: QueryStrategy = make_strategy(name, task="multilabel", random_state=random_state)
    return strategy


class MultiLabelLearner(BaseLearner):
    """Pool-based active learning for multi-label items, by binary relevance.

    After each :meth:`teach` a :class:`BinaryRelevance` of clones of
    ``estimator`` (one per label) is fitted on the labelled items.

    Parameters
    ----------
    estimator : scikit-learn binary classifier
    pool : MultiLabelPool
    strategy : str or QueryStrategy, default="mean-margin"
        One of :data:`MULTILABEL_STRATEGIES` or a strategy object.
    eval_set : tuple (X, Y), default=None
        ``Y`` an indicator matrix (n, n_labels) or a list of label lists.
    random_state : int, Generator or None

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.random.default_rng(0).normal(size=(30, 3))
    >>> Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int)
    >>> pool = MultiLabelPool(X, labels=["a", "b"])
    >>> learner = MultiLabelLearner(LogisticRegression(), pool, random_state=0)
    >>> learner.teach_indicators([0, 1, 2, 3], Y[:4])
    >>> learner.query(2).shape
    (2,)
    """

    _strategy_factory = staticmethod(make_multilabel_strategy)

    def __init__(self, estimator: Any, pool: MultiLabelPool,
                 strategy: str | QueryStrategy = "mean-margin", *,
                 eval_set: tuple[Any, Any] | None = None,
                 random_state: RandomLike = None) -> None:
        if not isinstance(pool, MultiLabelPool):
            raise ConfigError(f"pool must be a MultiLabelPool, got {type(pool).__name__}")
        super().__init__(estimator, pool, strategy, eval_set=eval_set,
                         random_state=random_state)
        self._eval_Y: np.ndarray | None = None

    def _query_strategy(self) -> tuple[Any, str]:
        if self.model_ is None and self.strategy_.requires_model:
            raise NotFittedError("no labels yet: teach a seed set first (e.g. random indices)")
        return super()._query_strategy()

    def teach(self, indices: Sequence[int] | np.ndarray,
              label_sets: Sequence[Iterable[Hashable]]) -> None:
        """Record each item's label list, retrain, and log the round."""
        self.teach_indicators(indices, self.pool.encode(list(label_sets)))

    def teach_indicators(self, indices: Sequence[int] | np.ndarray, Y: Any) -> None:
        """Like :meth:`teach`, with 0/1 indicator rows of shape (len(indices), n_labels)."""
        indices = np.asarray(indices, dtype=np.intp)
        self.pool.teach_indicators(indices, Y)
        self._retrain_and_log(indices, self.pool.decode(np.asarray(Y)))

    def _ready_to_fit(self) -> bool:
        return True

    def _fit_model(self, seed: int) -> BinaryRelevance:
        X, Y = self.pool.training_data()
        return BinaryRelevance(self.estimator, random_state=seed).fit(X, Y)

    def predict(self, X: Any) -> list[list[Hashable]]:
        """Predicted label list of each item."""
        return self.pool.decode(self.predict_indicators(X))

    def predict_indicators(self, X: Any) -> np.ndarray:
        if self.model_ is None:
            raise NotFittedError("no labels yet: teach some items first")
        return self.model_.predict(X)

    def _eval_metrics(self, X_eval: Any, Y_eval: Any) -> dict[str, float]:
        if self._eval_Y is None:
            Y_eval = np.asarray(Y_eval) if _is_indicator(Y_eval) else \
                self.pool.encode(list(Y_eval))
            if Y_eval.shape[1:] != (self.pool.n_labels,):
                raise DataError(f"eval_set Y must have {self.pool.n_labels} columns")
            self._eval_Y = Y_eval
        return multilabel_metrics(self._eval_Y, self.predict_indicators(X_eval))


def _is_indicator(Y: Any) -> bool:
    return isinstance(Y, np.ndarray) and Y.ndim == 2 and Y.dtype.kind in "iub"


@dataclass
class MultiLabelRunResult:
    """Learning curves of one seed (micro-F1, macro-F1, Hamming loss on the test split)."""

    seed: int
    n_labels: list[int]
    micro_f1: list[float]
    macro_f1: list[float]
    hamming_loss: list[float]
    query_seconds: list[float]
    full_micro_f1: float = float("nan")
    fit_seconds: list[float] = field(default_factory=list)

    def aulc(self, budget: int | None = None, metric: str = "micro_f1") -> float:
        if metric not in _METRICS:
            raise ConfigError(f"unknown metric {metric!r}")
        return normalized_aulc(self.n_labels, getattr(self, metric), budget)


@dataclass
class MultiLabelSimulationResult:
    dataset: str
    strategy: str
    model: str
    initial: int
    batch: int
    budget: int
    master_seed: int
    runs: list[MultiLabelRunResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def mean_aulc(self, metric: str = "micro_f1") -> float:
        return float(np.mean([run.aulc(self.budget, metric) for run in self.runs]))


def simulate_multilabel(dataset: MultiLabelDataset, *, model: str | Any = "linearsvm",
                        strategy: str | Any = "mean-margin", initial: int = 20,
                        batch: int = 10, budget: int = 200, seeds: int = 3,
                        test_size: float = 0.25, master_seed: int = 0,
                        full_model: bool = False) -> MultiLabelSimulationResult:
    """Simulated multi-label active learning, once per seed, same split/seed set per seed.

    Parameters
    ----------
    dataset : MultiLabelDataset
        Texts are TF-IDF vectorised (fitted on the pool's texts only).
    model : str or binary classifier, default="linearsvm"
        A name from :data:`activelab.models.MODEL_NAMES` or an unfitted classifier.  With
        rare labels, a class-weighted model (``LinearSVC(class_weight="balanced")``)
        predicts far more positives than the unweighted named models.
    strategy : str or QueryStrategy
    initial, batch, budget, seeds : int
    test_size : float
    master_seed : int
    full_model : bool, default=False
        Also fit on the whole pool to record ``full_micro_f1`` (one extra fit per seed).
    """
    if not isinstance(dataset, MultiLabelDataset):
        raise ConfigError("simulate_multilabel needs a MultiLabelDataset")
    check_loop_sizes(initial=initial, batch=batch, budget=budget, seeds=seeds)
    name = strategy if isinstance(strategy, str) else type(strategy).__name__
    model_name = model if isinstance(model, str) else type(model).__name__
    result = MultiLabelSimulationResult(dataset.name, name, model_name, initial, batch, budget,
                                        master_seed)
    for seed in range(seeds):
        result.runs.append(_simulate_seed(dataset, seed, model=model, strategy=strategy,
                                          initial=initial, batch=batch, budget=budget,
                                          test_size=test_size, master_seed=master_seed,
                                          full_model=full_model))
    return result


def _simulate_seed(dataset: MultiLabelDataset, seed: int, *, model: str | Any,
                   strategy: str | Any, initial: int, batch: int, budget: int,
                   test_size: float, master_seed: int, full_model: bool
                   ) -> MultiLabelRunResult:
    split_seq, initial_seq, learner_seq = np.random.SeedSequence(
        entropy=master_seed, spawn_key=(seed,)).spawn(3)
    train, test = train_test_split(np.arange(dataset.n_samples), test_size=test_size,
                                   random_state=derive_seed(split_seq))
    train, test = np.sort(train), np.sort(test)
    if dataset.kind == "text":
        # A dtype class, not the string, which scikit-learn 1.9 warns about.
        vectorizer = make_text_vectorizer().set_params(dtype=np.float64)
        texts = np.asarray(dataset.X, dtype=object)
        X_pool, X_test = vectorizer.fit_transform(texts[train]), vectorizer.transform(
            texts[test])
        kind = "sparse"
    else:
        X_pool, X_test, kind = dataset.X[train], dataset.X[test], "tabular"
    learner_seed = derive_seed(learner_seq)
    estimator = make_model(model, kind, random_state=learner_seed) if isinstance(
        model, str) else clone(model)
    pool = MultiLabelPool(X_pool, labels=dataset.labels)
    learner = MultiLabelLearner(estimator, pool, strategy, eval_set=(X_test, dataset.Y[test]),
                                random_state=learner_seed)
    Y_pool = dataset.Y[train]
    seed_set = np.random.default_rng(initial_seq).choice(len(train), size=initial,
                                                         replace=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        run_to_budget(learner, lambda indices: Y_pool[indices], seed_set, batch=batch,
                      budget=budget, teach=learner.teach_indicators)
        curves = TaskCurves.from_history(learner.history_, _METRICS)
        metrics = curves.metrics
        run = MultiLabelRunResult(seed, curves.n_labels, metrics["micro_f1"],
                                  metrics["macro_f1"], metrics["hamming_loss"],
                                  curves.query_seconds, fit_seconds=curves.fit_seconds)
        if full_model:
            full = BinaryRelevance(estimator, random_state=learner_seed).fit(X_pool, Y_pool)
            run.full_micro_f1 = multilabel_metrics(dataset.Y[test],
                                                   full.predict(X_test))["micro_f1"]
    return run
