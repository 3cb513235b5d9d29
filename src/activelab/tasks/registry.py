"""Every task by name: the :class:`~activelab.tasks.contract.Task` of each task package.

:data:`TASKS` maps a task's name to the ``TASK`` its package defines; ``activelab
tasks`` lists it, ``activelab simulate --task``, ``activelab bench`` and the
annotation server find a task's defaults, names, cell runner, answers and server
hooks here. A package is imported when its task is first used, so that importing
the registry (or listing the names) loads none of the tasks' dependencies.

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

import importlib
from collections.abc import Callable, Iterator, Mapping

from ..exceptions import ConfigError
from .contract import Task
from .curves import TaskCurves

__all__ = ["TASKS", "get_task", "task_runner", "task_names", "TaskRegistry"]


class TaskRegistry(Mapping[str, Task]):
    """Task name -> the ``TASK`` of a module, imported on first use.

    Parameters
    ----------
    modules : mapping of str to str
        Task name -> the module that defines ``TASK``, in listing order.
    """

    def __init__(self, modules: Mapping[str, str]) -> None:
        self._modules = dict(modules)
        self._loaded: dict[str, Task] = {}

    def __getitem__(self, name: str) -> Task:
        if name not in self._loaded:
            module_name = self._modules[name]  # KeyError for an unknown name, as a dict
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as error:
                if error.name != module_name:
                    raise  # a dependency of the task is missing: its own message says which
                raise ConfigError(f"the {name} task is not available in this version") from None
            task = module.TASK
            if task.name != name:
                raise ConfigError(f"{module_name}.TASK is called {task.name!r}, not {name!r}")
            self._loaded[name] = task
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


#: task name -> its Task, classification first.
TASKS = TaskRegistry({name: "activelab.tasks." + package for name, package in (
    ("classification", "classification"),
    ("regression", "regression"),
    ("multilabel", "multilabel"),
    ("anomaly", "anomaly"),
    ("clustering", "clustering"),
    ("matching", "matching"),
    ("weak-supervision", "weak_supervision"),
    ("cleaning", "cleaning"),
    ("imbalance", "imbalance"),
    ("detection", "detection"),
)})


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


def task_runner(task: str) -> Callable[..., TaskCurves]:
    """The cell runner of ``task``, imported on first use."""
    runner = get_task(task).cell_runner()
    if runner is None:
        raise ConfigError(f"the {task} task has no cell runner; choose one of "
                          f"{', '.join(name for name in TASKS if TASKS[name].cell_runner())}")
    return runner


def task_names(task: str, kind: str) -> tuple[str, ...] | None:
    """The strategy (``kind="STRATEGIES"``) or model (``"MODELS"``) names ``task`` knows."""
    if kind not in ("STRATEGIES", "MODELS"):
        raise ValueError(f"kind must be 'STRATEGIES' or 'MODELS', got {kind!r}")
    found = get_task(task)
    return found.strategies() if kind == "STRATEGIES" else found.models()

