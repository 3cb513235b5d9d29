"""Every task other than classification by name: its cell runner and its defaults.

Every task (regression, multi-label, anomaly detection, ...) exposes a *cell
runner*: a function that runs one seed of one strategy on one dataset and
returns :class:`~activelab.tasks.curves.TaskCurves`. The benchmark harness knows nothing else about
the task; :data:`TASK_RUNNERS` maps a task name to its runner, imported lazily
so that a task's optional dependencies load only when it is used.

A runner's signature::

    run_cell(data: str, *, model: str | None, strategy: str, seed: int,
             initial: int, batch: int, budget: int, test_size: float,
             master_seed: int) -> TaskCurves

``data`` is whatever the task's loader accepts (a dataset name or a path).
Seed ``s`` must derive its split and seed set from ``SeedSequence(master_seed,
spawn_key=(s,))`` alone, so that every strategy of one seed starts alike.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

from ..exceptions import ConfigError
from .curves import TaskCurves

__all__ = ["TASK_RUNNERS", "TASK_DEFAULTS", "task_runner", "task_names"]


#: task name -> "module:function" of its cell runner, relative to activelab.tasks.
TASK_RUNNERS: dict[str, str] = {
    "regression": "regression:run_regression_cell",
    "multilabel": "multilabel:run_multilabel_cell",
    "anomaly": "anomaly:run_anomaly_cell",
    "clustering": "pairwise:run_pairwise_cell",
    "matching": "matching:run_matching_cell",
    "weak-supervision": "weak_supervision:run_weak_supervision_cell",
    "cleaning": "cleaning:run_cleaning_cell",
    "imbalance": "imbalance:run_imbalance_cell",
}

#: task name -> (default model or None, default strategy, headline metric) when the
#: user names none; the headline metric is the one tables summarise by AULC.
TASK_DEFAULTS: dict[str, tuple[str | None, str, str]] = {
    "regression": ("ridge", "igs", "rmse"),
    "multilabel": ("linearsvm", "adaptive", "micro_f1"),
    "anomaly": ("logreg", "most-anomalous", "precision_at_k"),
    "clustering": ("pckmeans", "uncertain-pairs", "ari"),
    "matching": ("logreg", "margin", "f1"),
    "weak-supervision": ("logreg", "lf-label-model", "accuracy"),
    "cleaning": ("logreg", "normalized_margin", "errors_found"),
    "imbalance": ("logreg", "margin", "classes_covered"),
}


def task_runner(task: str) -> Callable[..., TaskCurves]:
    """The cell runner of ``task``, imported on first use."""
    try:
        target = TASK_RUNNERS[task]
    except KeyError:
        raise ConfigError(f"unknown task {task!r}; choose one of "
                          f"{', '.join(['classification', *sorted(TASK_RUNNERS)])}") from None
    module_name, function_name = target.split(":")
    return getattr(_task_module(task, module_name), function_name)


def _task_module(task: str, module_name: str) -> ModuleType:
    try:
        return importlib.import_module(f"activelab.tasks.{module_name}")
    except ModuleNotFoundError as error:
        if error.name != f"activelab.tasks.{module_name}":
            raise  # a dependency of the task is missing: its own message says which
        raise ConfigError(f"the {task} task is not available in this version") from None


def task_names(task: str, kind: str) -> tuple[str, ...] | None:
    """The strategy (``kind="STRATEGIES"``) or model (``"MODELS"``) names ``task`` knows.

    Read from the runner's module; None when it does not list them (the runner
    then rejects a bad name when it runs).
    """
    names = getattr(_task_module(task, TASK_RUNNERS[task].split(":")[0]), kind, None)
    return None if names is None else tuple(names)
