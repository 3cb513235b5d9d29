"""Loading anomaly sets and simulating the analyst's loop, one seed at a time."""

from __future__ import annotations

import copy
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ..._random import as_generator, derive_seed
from ...data import Dataset, available_datasets, load_dataset, subsample
from ...exceptions import ConfigError, DataError
from ...learner_base import run_to_budget
from ...metrics import normalized_aulc
from ...simulation import check_loop_sizes
from ..curves import TaskCurves
from ._detector import (
    DETECTOR_NAMES,
    SemiSupervisedDetector,
    check_anomaly_features,
    check_anomaly_targets,
)
from ._learner import ANOMALY_METRICS, AnomalyLearner, anomaly_metrics, precision_at_k
from ._strategies import ANOMALY_STRATEGIES

__all__ = ["load_anomaly_dataset", "anomaly_dataset_names", "AnomalySplit",
           "make_anomaly_split", "run_anomaly_cell", "simulate_anomaly",
           "AnomalySimulationResult"]


def anomaly_dataset_names() -> list[str]:
    """Registered anomaly sets (``"adbench:thyroid"``, ...) whose files are present."""
    return [info.name for info in available_datasets() if info.task == "anomaly"
            and info.available]


def load_anomaly_dataset(data: str | os.PathLike[str] | Dataset, *,
                         max_samples: int | None = None, random_state: int = 0) -> Dataset:
    """An anomaly dataset with features checked and targets 0/1 (1 = anomaly).

    Parameters
    ----------
    data : str, path-like or Dataset
        ``"adbench:thyroid"``, ``"adbench:cardio"``, ... (files like
        ``38_thyroid.npz`` in the shared ``adbench_classical`` folder), the path of an
        ``.npz`` file with arrays ``X`` and ``y``, or a :class:`~activelab.data.Dataset`.
    max_samples : int, optional
        A seeded, stratified subsample of at most this many rows.
    random_state : int, default=0
        Seed of that subsample.

    Raises
    ------
    ConfigError
        An unknown name, or a named set that is not an anomaly set.
    DataError
        A missing or malformed file; targets other than 0/1.
    SingleClassError
        No anomalies, or nothing else.
    """
    if isinstance(data, Dataset):
        dataset = subsample(data, max_samples, random_state)
    elif isinstance(data, str | os.PathLike) and os.fspath(data).endswith(".npz"):
        from ...data import load_npz_archive

        path = Path(os.fspath(data)).expanduser()
        if not path.is_file():
            raise DataError(f"anomaly file '{path}' does not exist")
        dataset = load_npz_archive(path.name, path.stem, f"anomaly set from {path}", path.parent,
                            max_samples, random_state)
    elif isinstance(data, str):
        name = data.strip().lower().removeprefix("shared:")
        known = [info.name for info in available_datasets() if info.task == "anomaly"]
        if name.startswith("adbench:") and name not in known:
            raise ConfigError(f"unknown anomaly dataset {data!r}; choose one of "
                              f"{', '.join(known)} or give an .npz file with arrays X and y")
        dataset = load_dataset(name, max_samples=max_samples, random_state=random_state)
        if dataset.task != "anomaly":
            raise ConfigError(f"{dataset.name!r} is a {dataset.task} set; the anomaly task "
                              f"needs an anomaly set ({', '.join(known[:4])}, ...) or an .npz "
                              f"file with arrays X and y (y = 1 marks anomalies)")
    else:
        raise ConfigError(f"data must be a dataset name, an .npz path or a Dataset, got "
                          f"{type(data).__name__}")
    X = check_anomaly_features(dataset.X)
    y = check_anomaly_targets(dataset.y)
    if len(X) != len(y):
        raise DataError(f"X has {len(X)} rows but y has {len(y)} targets")
    return Dataset(dataset.name, X, y, kind="tabular", task="anomaly",
                   feature_names=dataset.feature_names, description=dataset.description)


@dataclass(frozen=True)
class AnomalySplit:
    """Pool/test rows (stratified), the seed set (pool positions) and the seeds of one run."""

    pool: np.ndarray
    test: np.ndarray
    initial: np.ndarray
    detector_seed: int
    learner_seed: int


def make_anomaly_split(y: np.ndarray, seed: int, *, master_seed: int, test_size: float,
                       initial: int) -> AnomalySplit:
    """The split of run ``seed``, from ``SeedSequence(master_seed, spawn_key=(seed,))`` alone.

    Stratified, so the held-out set holds its share of the anomalies; the seed
    set is a uniform sample of the pool (often without any anomaly: that is the
    analyst's real start).
    """
    split_seq, initial_seq, learner_seq = np.random.SeedSequence(
        entropy=master_seed, spawn_key=(seed,)).spawn(3)
    try:
        pool, test = train_test_split(np.arange(len(y)), test_size=test_size, stratify=y,
                                      random_state=derive_seed(split_seq))
    except ValueError as err:
        raise DataError(f"cannot split {len(y)} items with {int(y.sum())} anomalies into a "
                        f"pool and a held-out set of {test_size:.0%}: {err}") from None
    pool = np.sort(pool)
    seed_set = np.random.default_rng(initial_seq).choice(len(pool), size=min(initial, len(pool)),
                                                         replace=False)
    rng = as_generator(learner_seq)
    return AnomalySplit(pool, np.sort(test), np.sort(seed_set).astype(np.intp),
                        derive_seed(rng), derive_seed(rng))


def _check_loop(initial: int, batch: int, budget: int, test_size: float) -> None:
    check_loop_sizes(initial=initial, batch=batch, budget=budget, test_size=test_size,
                     min_initial=0)


def _run(dataset: Dataset, split: AnomalySplit, *, model: str | Any, strategy: str | Any,
         batch: int, budget: int) -> TaskCurves:
    X, y = dataset.X, dataset.y
    X_pool, y_pool = X[split.pool], y[split.pool]
    eval_set = (X[split.test], y[split.test])
    detector = SemiSupervisedDetector(model, random_state=split.detector_seed)
    learner = AnomalyLearner(detector, X_pool, strategy, eval_set=eval_set,
                             random_state=split.learner_seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # The seed set may be empty: round 0 then holds no labels.
        run_to_budget(learner, lambda indices: y_pool[indices], split.initial, batch=batch,
                      budget=budget)
        curves = TaskCurves.from_history(learner.history_, ANOMALY_METRICS)
        curves.reference = _reference(learner, y_pool, split.initial)
    return curves.check()


def _reference(learner: AnomalyLearner, y_pool: np.ndarray,
               seed_set: np.ndarray) -> dict[str, float]:
    """The run's own forest alone, and its detector given every pool label."""
    detector, eval_set = learner.model_, learner.eval_set
    assert detector is not None and eval_set is not None  # the run taught and evaluated
    X_test, y_test = eval_set
    unsupervised = detector.unsupervised_score(X_test)
    reference = {f"unsupervised_{k}": v for k, v in anomaly_metrics(y_test, unsupervised).items()}
    # The same number of labels spent in the forest's own order after the same seed
    # set: the queue an analyst works through without any re-weighting.
    pool_scores = detector.unsupervised_scores_
    rest = np.setdiff1d(np.arange(len(y_pool)), seed_set)
    queue = rest[np.argsort(-pool_scores[rest], kind="stable")][:learner.pool.n_labeled
                                                                 - len(seed_set)]
    asked = np.concatenate([seed_set, queue])
    reference["unsupervised_found_per_label"] = (float(y_pool[asked].mean()) if len(asked)
                                                 else float("nan"))
    full = copy.deepcopy(detector).update(learner.pool.X, y_pool)  # same forest, all labels
    reference["all_labels_precision_at_k"] = precision_at_k(
        y_test, full.score_samples(X_test, unsupervised=unsupervised))
    reference["test_anomalies"] = float(y_test.sum())
    return reference


def run_anomaly_cell(data: str | Dataset, *, model: str | None = None,
                     strategy: str = "most-anomalous", seed: int = 0, initial: int = 10,
                     batch: int = 10, budget: int = 100, test_size: float = 0.25,
                     master_seed: int = 0) -> TaskCurves:
    """One seed of one strategy on one anomaly set, as :class:`TaskCurves`.

    Metrics per round: ``precision_at_k`` (k = number of anomalies in the held-out
    split), ``average_precision`` and ``roc_auc`` of the detector on that split;
    ``anomalies_found`` and ``found_per_label`` among the labels spent so far
    (seed set included). ``reference`` holds the same held-out figures for the
    isolation forest alone (``unsupervised_*``), its ``unsupervised_found_per_label``
    when the same number of labels follow its ranking, and
    ``all_labels_precision_at_k`` of the detector given every pool label.

    Parameters
    ----------
    data : str or Dataset
        See :func:`load_anomaly_dataset`.
    model : {"logreg", "forest", "none"}, default="logreg"
        The detector's label model; ``"none"`` = unsupervised ranking alone.
    strategy : {"most-anomalous", "threshold-uncertainty", "hybrid", "random"}
    seed, initial, batch, budget, master_seed : int
        ``initial`` may be 0 (the first round then has no labels).
    test_size : float

    Examples
    --------
    >>> from activelab.data import Dataset
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(size=(400, 2)), rng.normal(4, 1, size=(20, 2))])
    >>> ds = Dataset("toy", X, np.r_[np.zeros(400, int), np.ones(20, int)], kind="tabular",
    ...              task="anomaly")
    >>> curves = run_anomaly_cell(ds, initial=0, batch=10, budget=30)
    >>> curves.n_labels
    [0, 10, 20, 30]
    """
    model = model or "logreg"
    if isinstance(model, str) and model not in DETECTOR_NAMES:
        raise ConfigError(f"unknown anomaly model {model!r}; choose one of "
                          f"{', '.join(DETECTOR_NAMES)}")
    if isinstance(strategy, str) and strategy not in ANOMALY_STRATEGIES:
        raise ConfigError(f"unknown anomaly strategy {strategy!r}; choose one of "
                          f"{', '.join(ANOMALY_STRATEGIES)}")
    _check_loop(initial, batch, budget, test_size)
    dataset = load_anomaly_dataset(data)
    split = make_anomaly_split(dataset.y, seed, master_seed=master_seed, test_size=test_size,
                               initial=initial)
    return _run(dataset, split, model=model, strategy=strategy, batch=batch, budget=budget)


@dataclass
class AnomalySimulationResult:
    """Every seed of one strategy and one label model on one anomaly set."""

    dataset: str
    strategy: str
    model: str
    budget: int
    runs: list[TaskCurves] = field(default_factory=list)

    def mean_aulc(self, metric: str = "precision_at_k") -> float:
        """Mean over seeds of the normalised area under the ``metric`` curve."""
        if metric not in ANOMALY_METRICS:
            raise ConfigError(f"metric must be one of {ANOMALY_METRICS}, got {metric!r}")
        return float(np.mean([normalized_aulc(r.n_labels, r.metrics[metric], self.budget)
                              for r in self.runs]))

    def mean_final(self, metric: str) -> float:
        """Mean over seeds of ``metric`` after the last round."""
        return float(np.mean([r.metrics[metric][-1] for r in self.runs]))

    def mean_reference(self, key: str) -> float:
        return float(np.mean([r.reference[key] for r in self.runs]))


def simulate_anomaly(data: str | Dataset, *, model: str = "logreg",
                     strategy: str = "most-anomalous", initial: int = 10, batch: int = 10,
                     budget: int = 100, seeds: int = 5, test_size: float = 0.25,
                     master_seed: int = 0) -> AnomalySimulationResult:
    """:func:`run_anomaly_cell` over ``seeds`` seeds, the data loaded once.

    Every strategy run with the same ``master_seed`` gets, for seed ``s``, the same
    split, seed set and forest, so curves differ only by the strategy (and model).
    """
    if seeds < 1:
        raise ConfigError(f"seeds must be at least 1, got {seeds}")
    dataset = load_anomaly_dataset(data)
    result = AnomalySimulationResult(dataset.name, strategy, model, budget)
    for seed in range(seeds):
        result.runs.append(run_anomaly_cell(dataset, model=model, strategy=strategy, seed=seed,
                                            initial=initial, batch=batch, budget=budget,
                                            test_size=test_size, master_seed=master_seed))
    return result
