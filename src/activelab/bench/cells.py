"""One cell of a benchmark: one (dataset, model, strategy, seed, initial, batch) run.

A cell is a pure function of its fields: the split and seed set come from
:func:`activelab.simulation.make_split` with ``(master_seed, seed)`` only, so
every strategy, model and batch size of one seed shares them.  Its key is a
hash of those fields, so a finished cell is recognised after a restart.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
import warnings
import weakref
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..exceptions import DataError
from ..simulation import RunResult, full_data_accuracy, make_split, simulate_run
from ..strategies import available_strategies
from .config import BenchConfig, DatasetSpec
from .strategies import build_strategy

__all__ = ["Cell", "CellOutcome", "expand_cells", "run_cell", "result_rows", "COLUMNS",
           "CURVE_METRICS"]

#: Bumped when a change would make stored cells incomparable with new ones.
CELL_FORMAT = 1

#: Columns of the tidy results table, in order.
COLUMNS = ["dataset", "model", "strategy", "seed", "initial", "batch", "budget", "round",
           "n_labels", "metric", "value", "cell"]
#: Per-round metrics; ``full_accuracy`` (one row per cell) is the accuracy with every
#: pool item labelled, at ``n_labels`` = the pool size.
CURVE_METRICS = ("accuracy", "balanced_accuracy", "macro_f1", "query_seconds", "fit_seconds")


@dataclass(frozen=True)
class Cell:
    """Everything that determines one run."""

    dataset: DatasetSpec
    model: str
    strategy: str
    seed: int
    initial: int
    batch: int
    budget: int
    test_size: float
    master_seed: int
    initial_method: str = "random"
    task: str = "classification"

    @property
    def key(self) -> str:
        """A stable 16-hex-digit hash of the fields that determine the run."""
        payload = {"format": CELL_FORMAT, **asdict(self)}
        del payload["dataset"]["models"]  # which models a grid pairs with it: not this run
        if self.dataset.features is None:
            del payload["dataset"]["features"]  # keeps the keys of results stored before it
        if self.task == "classification":
            del payload["task"]  # keeps the keys of results stored before tasks existed
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> str:
        return (f"{self.dataset.label} · {self.model} · {self.strategy} · seed {self.seed} · "
                f"initial {self.initial} · batch {self.batch}")


@dataclass
class CellOutcome:
    """What running a cell produced: a results table, or the error that stopped it."""

    cell: Cell
    table: pd.DataFrame | None
    error: str | None = None
    seconds: float = 0.0


def expand_cells(config: BenchConfig) -> list[Cell]:
    """Every cell of the grid, grouped by dataset (so a worker reuses its loaded data)."""
    return [
        Cell(dataset=spec, model=model, strategy=strategy, seed=seed, initial=initial,
             batch=batch, budget=config.budget_for(spec), test_size=config.test_size,
             master_seed=config.master_seed, initial_method=config.initial_method,
             task=config.task)
        for spec in config.datasets
        for seed in range(config.seeds)
        for model in config.models_for(spec)
        for initial in config.initial
        for batch in config.batch
        for strategy in config.strategies
    ]


@lru_cache(maxsize=2)
def _load(spec: DatasetSpec, master_seed: int) -> Any:
    from ..data import load_dataset

    return load_dataset(spec.name, target=spec.target, text_column=spec.text_column,
                        max_samples=spec.max_samples, random_state=master_seed,
                        features=spec.features)


def result_rows(cell: Cell, run: RunResult, n_pool: int) -> pd.DataFrame:
    """The tidy rows of one finished run (schema :data:`COLUMNS`)."""
    n_rounds = len(run.n_labels)
    frames = []
    for metric in CURVE_METRICS:
        frames.append(pd.DataFrame({"round": np.arange(n_rounds), "n_labels": run.n_labels,
                                    "metric": metric, "value": getattr(run, metric)}))
    frames.append(pd.DataFrame({"round": [n_rounds], "n_labels": [n_pool],
                                "metric": ["full_accuracy"], "value": [run.full_accuracy]}))
    return _tidy(pd.concat(frames, ignore_index=True), cell)


def _tidy(table: pd.DataFrame, cell: Cell) -> pd.DataFrame:
    fixed = {"dataset": cell.dataset.label, "model": cell.model, "strategy": cell.strategy,
             "seed": cell.seed, "initial": cell.initial, "batch": cell.batch,
             "budget": cell.budget, "cell": cell.key}
    for column, value in fixed.items():
        table[column] = value
    return table.astype({"seed": "int64", "initial": "int64", "batch": "int64",
                         "budget": "int64", "round": "int64", "n_labels": "int64",
                         "value": "float64"})[COLUMNS]


def _run_task(cell: Cell) -> Any:
    from ..tasks.registry import task_runner

    options = {key: value for key, value in (("target", cell.dataset.target),
                                             ("text_column", cell.dataset.text_column))
               if value is not None}
    curves = task_runner(cell.task)(
        cell.dataset.name, model=None if cell.model == "default" else cell.model,
        strategy=cell.strategy, seed=cell.seed, initial=cell.initial, batch=cell.batch,
        budget=cell.budget, test_size=cell.test_size, master_seed=cell.master_seed, **options)
    return curves.check()


def task_rows(cell: Cell, curves: Any) -> pd.DataFrame:
    """The tidy rows of one task cell: every curve of its :class:`TaskCurves`, the round
    times, and each reference figure as metric ``reference:<name>`` after the last round."""
    n_rounds = len(curves.n_labels)
    curves_by_name = {**curves.metrics, "query_seconds": curves.query_seconds,
                      "fit_seconds": curves.fit_seconds}
    frames = [pd.DataFrame({"round": np.arange(n_rounds), "n_labels": curves.n_labels,
                            "metric": name, "value": np.asarray(values, dtype=float)})
              for name, values in curves_by_name.items()]
    if curves.reference:
        last = curves.n_labels[-1] if n_rounds else 0
        frames.append(pd.DataFrame({"round": n_rounds, "n_labels": last,
                                    "metric": [f"reference:{k}" for k in curves.reference],
                                    "value": [float(v) for v in curves.reference.values()]}))
    return _tidy(pd.concat(frames, ignore_index=True), cell)


def run_cell(cell: Cell, loader: Any = None) -> CellOutcome:
    """Run one cell; never raises for a failing strategy (the outcome carries the error).

    BLAS runs single-threaded inside a cell: the harness parallelises over
    cells instead, and a multi-threaded BLAS on a busy machine can make one
    small fit many times slower (and its timing meaningless).

    Parameters
    ----------
    cell : Cell
    loader : callable ``(DatasetSpec, master_seed) -> Dataset``, optional
        Defaults to :func:`activelab.data.load_dataset` (cached per process).
    """
    start = time.perf_counter()
    with threadpool_limits(limits=1), warnings.catch_warnings():
        # A seed set of 20 items over 26 classes is how active learning starts, not a
        # regression target in disguise, as scikit-learn's check suspects.
        warnings.filterwarnings("ignore", message="The number of unique classes is greater",
                                category=UserWarning)
        return _run_cell(cell, loader, start)


# Keyed by the dataset object itself (weakly), so a reloaded or different dataset under
# the same name never reuses a stale reference accuracy.
_FULL_ACCURACY: weakref.WeakKeyDictionary[Any, dict[tuple, float]] = weakref.WeakKeyDictionary()


def _cached_full_accuracy(dataset: Any, split: Any, cell: Cell) -> float:
    """The full-data reference depends on the dataset, model and split only, so every
    strategy and batch size of a seed shares one fit (per worker process)."""
    key = (cell.model, cell.seed, cell.master_seed, cell.test_size)
    try:
        known = _FULL_ACCURACY.setdefault(dataset, {})
    except TypeError:  # a dataset object that cannot be weakly referenced: no cache
        return full_data_accuracy(dataset, split, cell.model)
    if key not in known:
        known[key] = full_data_accuracy(dataset, split, cell.model)
    return known[key]


def _run_cell(cell: Cell, loader: Any, start: float) -> CellOutcome:
    try:
        if cell.task != "classification":
            return CellOutcome(cell, task_rows(cell, _run_task(cell)), None,
                               time.perf_counter() - start)
        dataset = (loader or _load)(cell.dataset, cell.master_seed)
        task = getattr(dataset, "task", "classification")
        if task != "classification":
            raise DataError(f"{cell.dataset.name} is a {task} dataset; active-learning "
                            "benchmarks need classification targets")
        y = np.asarray(dataset.y)
        split = make_split(y, cell.seed, master_seed=cell.master_seed,
                           test_size=cell.test_size, initial=cell.initial,
                           initial_method=cell.initial_method,
                           X=dataset.X if cell.initial_method == "kmeans" else None)
        strategy: Any = (cell.strategy if cell.strategy in available_strategies()
                         else build_strategy(cell.strategy))
        # The full-data reference depends on the dataset, model and split only, so every
        # strategy and batch size of a seed shares one fit (per worker process).
        run = simulate_run(dataset, split, seed=cell.seed, model=cell.model, strategy=strategy,
                           batch=cell.batch, budget=cell.budget,
                           full_accuracy=_cached_full_accuracy(dataset, split, cell))
        table = result_rows(cell, run, n_pool=len(split.train))
    except Exception as error:  # recorded per cell: one broken case must not stop the suite
        last = traceback.extract_tb(error.__traceback__)[-1]
        where = f" (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
        return CellOutcome(cell, None, f"{type(error).__name__}: {error}{where}",
                           time.perf_counter() - start)
    return CellOutcome(cell, table, None, time.perf_counter() - start)
