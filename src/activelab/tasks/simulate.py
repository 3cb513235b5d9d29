"""``activelab simulate --task NAME``: every task other than classification, one way.

Each task's cell runner (found in :mod:`activelab.tasks.registry`) runs one seed; this
module runs it for every seed and strategy and wraps the curves so the CLI can
print and save them. The CLI stays thin: it calls :func:`simulate_task`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from ..exceptions import ConfigError
from ..metrics import normalized_aulc
from ..simulation import SimulationResult
from .curves import TaskCurves
from .registry import TASKS as _REGISTRY
from .registry import get_task, task_runner

__all__ = ["TASKS", "TaskRun", "TaskSimulation", "simulate_task"]

TASKS = tuple(_REGISTRY)



@dataclass
class TaskRun:
    """One seed's curves."""

    seed: int
    curves: TaskCurves

    def aulc(self, budget: int | None, metric: str) -> float:
        return normalized_aulc(self.curves.n_labels, self._values(metric), budget)

    def final(self, metric: str) -> float:
        return float(self._values(metric)[-1])

    def _values(self, metric: str) -> list[float]:
        if metric not in self.curves.metrics:
            raise ConfigError(f"unknown metric {metric!r}; this task records "
                              f"{', '.join(self.curves.metrics)}")
        return self.curves.metrics[metric]

    def to_dict(self) -> dict[str, Any]:
        c = self.curves
        return {"seed": self.seed, "n_labels": list(c.n_labels),
                **{name: list(values) for name, values in c.metrics.items()},
                "query_seconds": list(c.query_seconds), "fit_seconds": list(c.fit_seconds),
                "reference": dict(c.reference)}


@dataclass
class TaskSimulation(SimulationResult):
    """Every seed (a :class:`TaskRun`) of one strategy of one task on one dataset."""

    task: str = ""

    def to_dict(self) -> dict[str, Any]:
        head = {key: getattr(self, key) for key in ("task", "dataset", "strategy", "model",
                                                     "initial", "batch", "budget",
                                                     "test_size", "master_seed")}
        return {**head, "runs": [run.to_dict() for run in self.runs]}


def _extra_options(runner: Any, task: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options the user set that ``runner`` takes; an error for one it does not."""
    accepted = inspect.signature(runner).parameters
    for name in options:
        if name not in accepted:
            flag = "--" + name.replace("_", "-")
            raise ConfigError(f"{flag} is not used by --task {task}")
    return options


def simulate_task(task: str, data: str, *, target: str | None, text_column: str | None,
                  model: str | None, strategies: list[str], initial: int, batch: int,
                  budget: int, seeds: int, test_size: float, master_seed: int,
                  initial_method: str = "random") -> tuple[list[TaskSimulation], str, bool]:
    """Simulate every strategy of a task other than classification on one dataset.

    Returns
    -------
    results : list of TaskSimulation, one per strategy, in order
    metric : str
        The task's headline metric, summarised in the table.
    lower_is_better : bool
    """
    if seeds < 1:
        raise ConfigError(f"seeds must be at least 1, got {seeds}")
    found = get_task(task)
    default_model, metric, lower = found.default_model, found.headline, found.lower_is_better
    runner = task_runner(task)
    options = {name: value for name, value in (("target", target),
                                               ("text_column", text_column)) if value}
    if initial_method != "random":
        options["initial_method"] = initial_method
    options = _extra_options(runner, task, options)
    model = model or default_model
    results = []
    for strategy in strategies:
        result = TaskSimulation(data, strategy, model or "default", initial, batch, budget,
                                test_size, master_seed, task=task)
        for seed in range(seeds):
            curves = runner(data, model=model, strategy=strategy, seed=seed, initial=initial,
                            batch=batch, budget=budget, test_size=test_size,
                            master_seed=master_seed, **options)
            result.runs.append(TaskRun(seed, curves.check()))
            lower = metric in curves.lower_is_better
        results.append(result)
    return results, metric, lower
