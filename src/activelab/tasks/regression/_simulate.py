"""Simulated active learning for regression, over several seeds (mirrors activelab.simulation)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ..._random import derive_seed
from ...exceptions import ActivelabWarning, ConfigError, DataError
from ...learner_base import run_to_budget
from ...metrics import normalized_aulc
from ...simulation import SeedSplit, SimulationResult, check_loop_sizes
from ..curves import TaskCurves
from ._learner import RegressionLearner, make_regressor, regression_metrics
from ._pool import RegressionPool, check_targets
from ._strategies import GreedySampling

__all__ = ["RegressionRunResult", "RegressionSimulationResult", "make_regression_split",
           "simulate_regression", "run_regression_cell"]

_METRICS = ("rmse", "mae", "r2")


@dataclass
class RegressionRunResult:
    """The learning curves (RMSE, MAE, R² on the test split) of one seed."""

    seed: int
    n_labels: list[int]
    rmse: list[float]
    mae: list[float]
    r2: list[float]
    query_seconds: list[float]
    fit_seconds: list[float]
    full_rmse: float
    full_mae: float

    def aulc(self, budget: int | None = None, metric: str = "rmse") -> float:
        """Mean height of the ``metric`` curve up to ``budget`` (lower is better for errors)."""
        if metric not in _METRICS:
            raise ConfigError(f"metric must be one of {_METRICS}, got {metric!r}")
        return normalized_aulc(self.n_labels, getattr(self, metric), budget)


@dataclass
class RegressionSimulationResult(SimulationResult):
    """Runs of one strategy and one regressor on one dataset (runs: RegressionRunResult)."""

    headline: ClassVar[str] = "rmse"


def make_regression_split(n_samples: int, seed: int, *, master_seed: int, test_size: float,
                          initial: int, initial_method: str = "random",
                          X: Any = None) -> SeedSplit:
    """The split and seed set of run ``seed``, derived from ``master_seed`` alone.

    Uses the same ``SeedSequence(master_seed, spawn_key=(seed,))`` derivation as
    :func:`activelab.simulation.make_split`; the split is not stratified.
    ``initial_method`` is ``"random"`` or ``"gsx"`` (needs ``X``).
    """
    split_seq, initial_seq, learner_seq = np.random.SeedSequence(
        entropy=master_seed, spawn_key=(seed,)).spawn(3)
    train, test = train_test_split(np.arange(n_samples), test_size=test_size,
                                   random_state=derive_seed(split_seq))
    train = np.sort(train)
    rng = np.random.default_rng(initial_seq)
    if initial_method == "gsx":
        if X is None:
            raise ConfigError("initial_method='gsx' needs the features X")
        pool = RegressionPool(X[train])
        # GreedySampling reads only the LabelState views a RegressionPool has.
        seed_set = GreedySampling("x", random_state=rng).query(
            pool, None, initial)  # type: ignore[call-overload]
    elif initial_method == "random":
        seed_set = rng.choice(len(train), size=min(initial, len(train)), replace=False)
    else:
        raise ConfigError(f"initial_method must be 'random' or 'gsx', got {initial_method!r}")
    return SeedSplit(train, np.sort(test), np.asarray(seed_set, dtype=np.intp),
                     derive_seed(learner_seq))


def _simulate_run(X: Any, y: np.ndarray, split: SeedSplit, *, model: str | Any,
                  strategy: str | Any, batch: int, budget: int) -> TaskCurves:
    estimator = make_regressor(model, random_state=split.learner_seed) if isinstance(
        model, str) else clone(model)
    X_pool, X_test = X[split.train], X[split.test]
    y_pool, y_test = y[split.train], y[split.test]
    learner = RegressionLearner(estimator, RegressionPool(X_pool), strategy,
                                eval_set=(X_test, y_test), random_state=split.learner_seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", ActivelabWarning)
        run_to_budget(learner, lambda indices: y_pool[indices], split.initial, batch=batch,
                      budget=budget)
        full = regression_metrics(y_test, clone(estimator).fit(X_pool, y_pool).predict(X_test))
    curves = TaskCurves.from_history(learner.history_, _METRICS, lower_is_better=("rmse", "mae"))
    curves.reference = {"full_rmse": full["rmse"], "full_mae": full["mae"]}
    return curves.check()


def simulate_regression(dataset: Any, *, model: str | Any = "ridge", strategy: str | Any = "igs",
                        initial: int = 10, batch: int = 5, budget: int = 100, seeds: int = 5,
                        test_size: float = 0.25, master_seed: int = 0,
                        initial_method: str = "random",
                        on_run: Callable[[int], None] | None = None
                        ) -> RegressionSimulationResult:
    """Run the regression active-learning loop on a labelled dataset, once per seed.

    Every strategy run with the same ``master_seed`` gets, for seed ``s``, the
    same train/test split, seed set and learner seed, so curves differ only
    by the strategy.

    Parameters
    ----------
    dataset : activelab.data.Dataset
        Numeric features ``X`` of shape (n_samples, n_features) and float targets ``y``.
    model : str or regressor, default="ridge"
        A name from :data:`REGRESSOR_NAMES` or an unfitted regressor.
    strategy : str or QueryStrategy, default="igs"
    initial, batch, budget : int
        Seed-set size, labels per round, total labels (seed set included).
    seeds : int
    test_size : float
    master_seed : int
    initial_method : {"random", "gsx"}
    on_run : callable ``(seed) -> None``, optional
        Called after each seed's run.

    Returns
    -------
    RegressionSimulationResult

    Raises
    ------
    DataError
        Targets that are not finite numbers, or a constant target.
    """
    y, X = _checked(dataset, initial=initial, batch=batch, seeds=seeds, budget=budget,
                    test_size=test_size)
    name = strategy if isinstance(strategy, str) else type(strategy).__name__
    model_name = model if isinstance(model, str) else type(model).__name__
    result = RegressionSimulationResult(dataset.name, name, model_name, initial, batch, budget,
                                        test_size, master_seed)
    for seed in range(seeds):
        split = make_regression_split(len(y), seed, master_seed=master_seed,
                                      test_size=test_size, initial=initial,
                                      initial_method=initial_method, X=X)
        curves = _simulate_run(X, y, split, model=model, strategy=strategy, batch=batch,
                               budget=budget)
        metrics, reference = curves.metrics, curves.reference
        result.runs.append(RegressionRunResult(
            seed, curves.n_labels, metrics["rmse"], metrics["mae"], metrics["r2"],
            curves.query_seconds, curves.fit_seconds, reference["full_rmse"],
            reference["full_mae"]))
        if on_run:
            on_run(seed)
    return result


def _checked(dataset: Any, *, initial: int, batch: int, seeds: int, budget: int,
             test_size: float) -> tuple[np.ndarray, Any]:
    y = check_targets(dataset.y, where="dataset targets")
    check_loop_sizes(initial=initial, batch=batch, budget=budget, seeds=seeds,
                     test_size=test_size, min_initial=2)
    if np.ptp(y) == 0:
        raise DataError(f"the target is constant ({y[0]!r}); there is nothing to learn")
    X = dataset.X
    RegressionPool(X)  # validates features once (NaN, non-numeric) before any run
    return y, X


def run_regression_cell(data: str, *, model: str | None, strategy: str, seed: int,
                        initial: int, batch: int, budget: int, test_size: float,
                        master_seed: int, target: str | None = None,
                        text_column: str | None = None,
                        initial_method: str = "random") -> TaskCurves:
    """One seed of :func:`simulate_regression` on the dataset ``data`` (the bench's cell).

    ``data`` is anything :func:`activelab.data.load_dataset` accepts with a numeric
    target (``"california_housing"``, ``"sklearn:diabetes"``, a file with ``target``).
    """
    from ...data import load_dataset
    from ._learner import REGRESSOR_NAMES, make_regression_strategy

    model = model or "ridge"
    if model not in REGRESSOR_NAMES:
        raise ConfigError(f"unknown regressor {model!r}; choose one of "
                          f"{', '.join(REGRESSOR_NAMES)}")
    make_regression_strategy(strategy)  # fails early on an unknown name
    dataset = load_dataset(data, target=target, text_column=text_column)
    if dataset.task != "regression" or not np.issubdtype(np.asarray(dataset.y).dtype,
                                                         np.number):
        raise ConfigError(f"{dataset.name} has a {dataset.task} target; the regression task "
                          "needs a numeric target")
    y, X = _checked(dataset, initial=initial, batch=batch, seeds=1, budget=budget,
                    test_size=test_size)
    split = make_regression_split(len(y), seed, master_seed=master_seed, test_size=test_size,
                                  initial=initial, initial_method=initial_method, X=X)
    return _simulate_run(X, y, split, model=model, strategy=strategy, batch=batch,
                         budget=budget)
