"""Every task by name: one :class:`~activelab.tasks.contract.Task` each.

:data:`TASKS` is the one place a task is declared; ``activelab tasks`` lists it,
``activelab simulate --task`` and ``activelab bench`` find a task's defaults, names
and cell runner here. Entries name their objects as strings and import them on
first use, so that a task's optional dependencies load only when it is used.

A cell runner runs one seed of one strategy on one dataset and returns
:class:`~activelab.tasks.curves.TaskCurves`; the benchmark harness knows nothing
else about the task. Its signature::

    run_cell(data: str, *, model: str | None, strategy: str, seed: int,
             initial: int, batch: int, budget: int, test_size: float,
             master_seed: int) -> TaskCurves

``data`` is whatever the task's loader accepts (a dataset name or a path).
Seed ``s`` must derive its split and seed set from ``SeedSequence(master_seed,
spawn_key=(s,))`` alone, so that every strategy of one seed starts alike.
"""

from __future__ import annotations

from collections.abc import Callable

from ..exceptions import ConfigError
from .contract import LazyTask, Task
from .curves import TaskCurves

__all__ = ["TASKS", "get_task", "TASK_RUNNERS", "TASK_DEFAULTS", "task_runner", "task_names"]

_T = "activelab.tasks."
_CORE_STRATEGIES = "activelab.strategies:available_strategies"
_CORE_MODELS = "activelab.models:MODEL_NAMES"

#: task name -> its Task, classification first.
TASKS: dict[str, Task] = {task.name: task for task in (
    LazyTask("classification", answer="one class label",
             default_strategy="margin", default_model="logreg",
             headline="accuracy", lower_is_better=False,
             strategy_names=_T + "classification:STRATEGIES",
             model_names=_T + "classification:MODELS",
             learner_class=_T + "classification:ActiveLearner",
             simulate_function=_T + "classification:simulate",
             cell_function=None),  # the bench runs classification cells itself
    LazyTask("regression", answer="a finite number",
             default_strategy="igs", default_model="ridge",
             headline="rmse", lower_is_better=True,
             strategy_names=_T + "regression:STRATEGIES", model_names=_T + "regression:MODELS",
             learner_class=_T + "regression:RegressionLearner",
             simulate_function=_T + "regression:simulate_regression",
             cell_function=_T + "regression:run_regression_cell"),
    LazyTask("multilabel", answer="a set of labels",
             default_strategy="adaptive", default_model="linearsvm",
             headline="micro_f1", lower_is_better=False,
             strategy_names=_T + "multilabel:STRATEGIES", model_names=_T + "multilabel:MODELS",
             learner_class=_T + "multilabel:MultiLabelLearner",
             simulate_function=_T + "multilabel:simulate_multilabel",
             cell_function=_T + "multilabel:run_multilabel_cell"),
    LazyTask("anomaly", answer="anomaly or normal",
             default_strategy="most-anomalous", default_model="logreg",
             headline="precision_at_k", lower_is_better=False,
             strategy_names=_T + "anomaly:STRATEGIES", model_names=_T + "anomaly:MODELS",
             learner_class=_T + "anomaly:AnomalyLearner",
             simulate_function=_T + "anomaly:simulate_anomaly",
             cell_function=_T + "anomaly:run_anomaly_cell"),
    LazyTask("clustering", answer="same cluster or not (must-link / cannot-link)",
             default_strategy="uncertain-pairs", default_model="pckmeans",
             headline="ari", lower_is_better=False,
             strategy_names=_T + "clustering:STRATEGIES", model_names=_T + "clustering:MODELS",
             learner_class=_T + "clustering:PairwiseLearner",
             simulate_function=_T + "clustering:simulate_pairwise",
             cell_function=_T + "clustering:run_pairwise_cell"),
    LazyTask("matching", answer="same entity or not",
             default_strategy="margin", default_model="logreg",
             headline="f1", lower_is_better=False,
             strategy_names=_CORE_STRATEGIES, model_names=_T + "matching:MODELS",
             learner_class=_T + "matching:PairLearner",
             simulate_function=_T + "matching:simulate_matching",
             cell_function=_T + "matching:run_matching_cell"),
    LazyTask("weak-supervision", answer="one class label, or keyword rules",
             default_strategy="lf-label-model", default_model="logreg",
             headline="accuracy", lower_is_better=False,
             strategy_names=_T + "weak_supervision:strategy_names",
             model_names=_CORE_MODELS,
             learner_class="activelab.learner:ActiveLearner",
             simulate_function=_T + "weak_supervision:simulate_weak_supervision",
             cell_function=_T + "weak_supervision:run_weak_supervision_cell"),
    LazyTask("cleaning", answer="whether a given label is wrong, and the right one",
             default_strategy="normalized_margin", default_model="logreg",
             headline="errors_found", lower_is_better=False,
             strategy_names=_T + "cleaning:STRATEGIES", model_names=_CORE_MODELS,
             learner_class=None,  # a review queue ranked once, not a query / teach loop
             simulate_function=None,
             cell_function=_T + "cleaning:run_cleaning_cell"),
    LazyTask("imbalance", answer="one class label",
             default_strategy="margin", default_model="logreg",
             headline="classes_covered", lower_is_better=False,
             strategy_names=_CORE_STRATEGIES, model_names=_CORE_MODELS,
             learner_class="activelab.learner:ActiveLearner",
             simulate_function=_T + "imbalance:simulate_class_discovery",
             cell_function=_T + "imbalance:run_imbalance_cell"),
)}


def get_task(name: str) -> Task:
    """The task called ``name``.

    Raises
    ------
    ConfigError
        For an unknown name, listing the known ones.
    """
    try:
        return TASKS[name]
    except KeyError:
        raise ConfigError(f"unknown task {name!r}; choose one of {', '.join(TASKS)}") from None


#: task name -> "module:function" of its cell runner (the tasks the bench runs by cell).
TASK_RUNNERS: dict[str, str] = {
    name: task.cell_function for name, task in TASKS.items()
    if isinstance(task, LazyTask) and task.cell_function is not None}

#: task name -> (default model or None, default strategy, headline metric) of every task
#: with a cell runner; the headline metric is the one tables summarise by AULC.
TASK_DEFAULTS: dict[str, tuple[str | None, str, str]] = {
    name: (TASKS[name].default_model, TASKS[name].default_strategy, TASKS[name].headline)
    for name in TASK_RUNNERS}


def task_runner(task: str) -> Callable[..., TaskCurves]:
    """The cell runner of ``task``, imported on first use."""
    runner = get_task(task).cell_runner()
    if runner is None:
        raise ConfigError(f"the {task} task has no cell runner; choose one of "
                          f"{', '.join(TASK_RUNNERS)}")
    return runner


def task_names(task: str, kind: str) -> tuple[str, ...] | None:
    """The strategy (``kind="STRATEGIES"``) or model (``"MODELS"``) names ``task`` knows."""
    if kind not in ("STRATEGIES", "MODELS"):
        raise ValueError(f"kind must be 'STRATEGIES' or 'MODELS', got {kind!r}")
    found = get_task(task)
    return found.strategies() if kind == "STRATEGIES" else found.models()
