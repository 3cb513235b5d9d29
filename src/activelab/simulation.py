"""Simulated active learning: the loop against known labels, over several seeds.

Every strategy run with the same ``master_seed`` and seed number gets the same
train/test split and the same seed set, so curves differ only by the strategy.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ._random import derive_seed
from .curves import TaskCurves
from .disk_data import RowSubset, is_on_disk
from .exceptions import ActivelabWarning, ConfigError, DataError
from .initial import initial_indices
from .large_pool import PoolScorer
from .learner import CLASSIFICATION_METRICS, ActiveLearner, evaluation_metrics
from .learner_base import run_to_budget
from .metrics import labels_to_reach, normalized_aulc
from .models.factory import make_model, make_text_vectorizer
from .oracles import SimulatedOracle
from .pool import Pool

__all__ = ["DEFAULT_CONFIGURATION", "configuration", "RunResult", "SimulationResult",
           "SeedSplit", "check_loop_sizes", "make_split", "simulate_run",
           "simulate", "full_data_accuracy",
           "featurize_split", "split_estimator"]


#: The name a simulation of the default configuration runs under.
DEFAULT_CONFIGURATION = "default"


def configuration(name: str) -> dict[str, Any]:
    """What :func:`simulate` runs for ``name``: the default configuration (``auto``, with
    the model chosen among its semi-supervised variants by cross-validation), or the
    strategy ``name`` alone with the plain model, as a peer library would run it.

    Parameters
    ----------
    name : str
        :data:`DEFAULT_CONFIGURATION` or a strategy name.

    Returns
    -------
    dict
        ``strategy`` and ``semi_supervised`` keyword arguments of :func:`simulate`.

    Examples
    --------
    >>> configuration("default")
    {'strategy': 'auto', 'semi_supervised': 'auto', 'name': 'default'}
    >>> configuration("margin")
    {'strategy': 'margin', 'semi_supervised': None}
    """
    if name == DEFAULT_CONFIGURATION:
        return {"strategy": "auto", "semi_supervised": "auto", "name": DEFAULT_CONFIGURATION}
    return {"strategy": name, "semi_supervised": None}


@dataclass
class RunResult:
    """The learning curve of one seed."""

    seed: int
    n_labels: list[int]
    accuracy: list[float]
    balanced_accuracy: list[float]
    macro_f1: list[float]
    query_seconds: list[float]
    fit_seconds: list[float]
    full_accuracy: float
    stop_reason: str = ""

    def aulc(self, budget: int | None = None, metric: str = "accuracy") -> float:
        """Mean height of the ``metric`` curve up to ``budget``."""
        if metric not in CLASSIFICATION_METRICS:
            raise ConfigError(f"metric must be one of {CLASSIFICATION_METRICS}, got {metric!r}")
        return normalized_aulc(self.n_labels, getattr(self, metric), budget)

    def labels_to_fraction(self, fraction: float) -> int | None:
        """Labels needed to reach ``fraction`` of the full-data accuracy (None if never)."""
        return labels_to_reach(self.n_labels, self.accuracy, fraction * self.full_accuracy)


@dataclass
class SimulationResult:
    """Runs of one strategy and one model on one dataset, one per seed.

    The result of a simulation, whatever the task: each run (a :class:`RunResult`
    here, a task's own run elsewhere) has ``aulc(budget, metric)``; a task's result
    subclasses this one and names its :attr:`headline` metric.
    """

    #: The metric :meth:`mean_aulc` summarises unless told another.
    headline: ClassVar[str] = "accuracy"

    dataset: str
    strategy: str
    model: str
    initial: int
    batch: int
    budget: int
    test_size: float
    master_seed: int
    runs: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def mean_aulc(self, metric: str | None = None) -> float:
        """Mean over seeds of the normalised area under the ``metric`` curve (default
        :attr:`headline`)."""
        metric = metric or self.headline
        return float(np.mean([run.aulc(self.budget, metric) for run in self.runs]))


def check_loop_sizes(*, initial: int, batch: int, budget: int, seeds: int = 1,
                     test_size: float | None = None, min_initial: int = 1) -> None:
    """Raise :class:`ConfigError` unless the sizes of a simulated loop make sense: a seed
    set of at least ``min_initial``, batches and seeds of at least 1, a budget of at
    least the seed set (and 1), and a held-out share strictly between 0 and 1."""
    if initial < min_initial:
        raise ConfigError(f"initial must be at least {min_initial}, got {initial}")
    if batch < 1 or seeds < 1:
        raise ConfigError(f"batch and seeds must each be at least 1, got {batch} and {seeds}")
    if budget < max(initial, 1):
        raise ConfigError(f"budget ({budget}) must be at least 1 and the seed set size "
                          f"({initial})")
    if test_size is not None and not 0 < test_size < 1:
        raise ConfigError(f"test_size must be in (0, 1), got {test_size}")


@dataclass(frozen=True)
class SeedSplit:
    """What one seed fixes for every strategy: the split, the seed set, the learner's seed."""

    train: np.ndarray
    test: np.ndarray
    initial: np.ndarray  # positions within ``train``
    learner_seed: int


def featurize_split(dataset: Any, train: np.ndarray, test: np.ndarray) -> tuple[Any, Any, str]:
    """Features of the pool and the test set, and the model kind they need."""
    X = dataset.X
    if is_on_disk(X):  # features stay on disk; the splits read them block by block
        return RowSubset(X, train), RowSubset(X, test), "tabular"
    if dataset.kind == "text":
        # TF-IDF is fitted on the pool's texts only (unlabelled data is fair game);
        # the test texts are only transformed.
        vectorizer = make_text_vectorizer()
        texts = np.asarray(X, dtype=object)
        return vectorizer.fit_transform(texts[train]), vectorizer.transform(texts[test]), "sparse"
    kind = "image" if dataset.kind == "image" else "tabular"
    return X[train], X[test], kind


def make_split(y: np.ndarray, seed: int, *, master_seed: int, test_size: float, initial: int,
               initial_method: str = "random", X: Any = None) -> SeedSplit:
    """The split and seed set of run ``seed``, derived from ``master_seed`` alone."""
    split_seq, initial_seq, learner_seq = np.random.SeedSequence(
        entropy=master_seed, spawn_key=(seed,)).spawn(3)
    positions = np.arange(len(y))
    split_seed = derive_seed(split_seq)
    try:
        train, test = train_test_split(positions, test_size=test_size, stratify=y,
                                       random_state=split_seed)
    except ValueError:  # a class too rare to stratify: fall back to a plain split
        train, test = train_test_split(positions, test_size=test_size, random_state=split_seed)
    pool = Pool(np.zeros((len(train), 1)) if initial_method == "random"
                else _seed_features(X, train))
    seed_set = initial_indices(pool, initial, method=initial_method,
                               random_state=np.random.default_rng(initial_seq))
    return SeedSplit(np.sort(train), np.sort(test), seed_set, derive_seed(learner_seq))


def _seed_features(X: Any, train: np.ndarray) -> Any:
    """The pool's features for a clustered seed set: TF-IDF of texts (fitted on the pool)."""
    if isinstance(X, list) or getattr(getattr(X, "dtype", None), "kind", "") == "O":
        return make_text_vectorizer().fit_transform(np.asarray(X, dtype=object)[train])
    return X[train]


def split_estimator(model: str | Any, kind: str, split: SeedSplit) -> Any:
    """A fresh estimator for ``split``: the named model seeded by the split, or a clone."""
    if isinstance(model, str):
        return make_model(model, kind, random_state=split.learner_seed)
    return clone(model)


def full_data_accuracy(dataset: Any, split: SeedSplit, model: str | Any) -> float:
    """Test accuracy of ``model`` trained on the whole pool of ``split``: the reference
    every curve of that seed is compared with (the same for every strategy and batch).

    NaN for features on disk: fitting on the whole pool would load it.
    """
    if is_on_disk(dataset.X):
        return float("nan")
    y = np.asarray(dataset.y)
    X_pool, X_test, kind = featurize_split(dataset, split.train, split.test)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = split_estimator(model, kind, split).fit(X_pool, y[split.train])
    return evaluation_metrics(y[split.test], fitted.predict(X_test))["accuracy"]


def simulate_run(dataset: Any, split: SeedSplit, *, seed: int, model: str | Any,
                 strategy: str | Any, batch: int, budget: int,
                 on_round: Callable[[int], None] | None = None,
                 full_accuracy: float | None = None,
                 scorer: PoolScorer | None = None,
                 semi_supervised: str | None = None) -> RunResult:
    """One seed's learning curve: seed set, then batches until the budget is spent.

    ``full_accuracy``, when given (e.g. cached by a benchmark across strategies), is
    used as the reference instead of fitting the model on the whole pool again.
    ``scorer`` and ``semi_supervised`` are the learner's (see
    :class:`~activelab.ActiveLearner`).
    """
    y = np.asarray(dataset.y)
    X_pool, X_test, kind = featurize_split(dataset, split.train, split.test)
    y_pool, y_test = y[split.train], y[split.test]
    estimator = split_estimator(model, kind, split)
    learner = ActiveLearner(estimator, Pool(X_pool), strategy,
                            eval_set=(X_test, y_test), random_state=split.learner_seed,
                            scorer=scorer, semi_supervised=semi_supervised)
    oracle = SimulatedOracle(y_pool)
    with warnings.catch_warnings():
        # Small labelled sets make MLPs and SVMs stop early and cold starts happen by design;
        # neither is news to someone reading a learning curve.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", ActivelabWarning)
        stop_reason = run_to_budget(
            learner, lambda indices: oracle.label(None, indices), split.initial, batch=batch,
            budget=budget, on_round=(lambda: on_round(learner.pool.n_labeled)) if on_round
            else None)
    curves = TaskCurves.from_history(learner.history_, CLASSIFICATION_METRICS)
    return RunResult(seed=seed, n_labels=curves.n_labels, **curves.metrics,
                     query_seconds=curves.query_seconds, fit_seconds=curves.fit_seconds,
                     full_accuracy=(full_data_accuracy(dataset, split, model)
                                    if full_accuracy is None else float(full_accuracy)),
                     stop_reason=stop_reason)


def simulate(dataset: Any, *, model: str | Any = "logreg", strategy: str | Any = "margin",
             initial: int = 20, batch: int = 10, budget: int = 300, seeds: int = 5,
             test_size: float = 0.25, master_seed: int = 0, initial_method: str = "random",
             on_round: Callable[[int, int], None] | None = None,
             scorer: PoolScorer | None = None,
             semi_supervised: str | None = None, name: str | None = None) -> SimulationResult:
    """Run the active-learning loop on a labelled dataset, once per seed.

    Parameters
    ----------
    dataset : activelab.data.Dataset
        Features ``X`` (numeric, sparse, or texts when ``kind == "text"``) and labels ``y``.
    model : str or estimator
        A name from :data:`activelab.models.MODEL_NAMES` or an unfitted classifier.
    strategy : str or QueryStrategy
    initial, batch, budget : int
        Seed-set size, labels per round, total labels (seed set included).
    seeds : int
        Number of runs; run ``s`` has the split and seed set fixed by ``(master_seed, s)``.
    test_size : float
        Fraction held out to measure accuracy.
    on_round : callable ``(seed, n_labels) -> None``, optional
        Progress hook.
    scorer : PoolScorer, optional
        Where an uncertainty strategy scores the pool
        (:class:`~activelab.large_pool.StreamingScorer`,
        :class:`~activelab.distributed.DaskScorer`); the same curves as without.
        A dataset from :func:`activelab.disk_data.load_parquet_on_disk` keeps its
        features on disk (its full-data accuracy is NaN).
    semi_supervised : str, optional
        The learner's (:class:`~activelab.ActiveLearner`): the model learns from
        the unlabelled pool too.
    name : str, optional
        What the result calls the strategy (default: its name).

    Returns
    -------
    SimulationResult
    """
    if getattr(dataset, "task", None) == "detection":
        raise ConfigError(f"{dataset.name} holds images with boxes, not classes: use the "
                          "detection task (activelab simulate --task detection)")
    y = np.asarray(dataset.y)
    check_loop_sizes(initial=initial, batch=batch, budget=budget, seeds=seeds,
                     test_size=test_size)
    classes = np.unique(y)
    if len(classes) < 2:
        raise DataError(f"the target has a single class {classes[0]!r}; active learning for "
                        "classification needs at least two")
    name = name or (strategy if isinstance(strategy, str) else type(strategy).__name__)
    model_name = model if isinstance(model, str) else type(model).__name__
    result = SimulationResult(dataset=dataset.name, strategy=name, model=model_name,
                              initial=initial, batch=batch, budget=budget, test_size=test_size,
                              master_seed=master_seed)
    for seed in range(seeds):
        split = make_split(y, seed, master_seed=master_seed, test_size=test_size,
                           initial=initial, initial_method=initial_method,
                           X=None if initial_method == "random" else dataset.X)
        hook = (lambda n, s=seed: on_round(s, n)) if on_round else None
        result.runs.append(simulate_run(dataset, split, seed=seed, model=model,
                                        strategy=strategy, batch=batch, budget=budget,
                                        on_round=hook, scorer=scorer,
                                        semi_supervised=semi_supervised))
    return result
