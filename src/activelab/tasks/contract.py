"""What every task declares about itself, in one place.

A task (classification, regression, pair clustering, ...) is described by a
:class:`Task`: what a person answers about one item, its learner, the strategies
and models that apply with their defaults, its headline metric, how it simulates
against known labels and how ``activelab bench`` runs one cell of it.

:class:`LazyTask` is the implementation the registry uses: it names the task's
objects as ``"module:attribute"`` and imports them on first use, so listing the
tasks loads none of their optional dependencies.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..exceptions import ConfigError
from .curves import TaskCurves

__all__ = ["Task", "LazyTask", "describe"]


@runtime_checkable
class Task(Protocol):
    """The contract of one task.

    Attributes
    ----------
    name : str
        What ``activelab simulate --task`` and a bench suite's ``task =`` call it.
    answer : str
        What a person answers about one item (a class, a number, same or different).
    default_strategy : str
    default_model : str or None
        None when the task's runner picks its own model.
    headline : str
        The metric tables summarise by the area under its curve.
    lower_is_better : bool
        Whether a smaller headline is better (errors such as RMSE).
    """

    @property
    def name(self) -> str: ...

    @property
    def answer(self) -> str: ...

    @property
    def default_strategy(self) -> str: ...

    @property
    def default_model(self) -> str | None: ...

    @property
    def headline(self) -> str: ...

    @property
    def lower_is_better(self) -> bool: ...

    def strategies(self) -> tuple[str, ...]:
        """Names of the query strategies that apply (the default among them)."""
        ...

    def models(self) -> tuple[str, ...]:
        """Names of the models that apply."""
        ...

    def learner(self) -> type | None:
        """The query / teach learner class; None when the task has no such loop."""
        ...

    def simulator(self) -> Callable[..., Any] | None:
        """The function that simulates several seeds against known labels, if any."""
        ...

    def cell_runner(self) -> Callable[..., TaskCurves] | None:
        """The function that runs one seed as a bench cell (see :mod:`.registry`), if any."""
        ...


def _resolve(reference: str, task: str) -> Any:
    """The object ``"module:attribute"`` names, imported now."""
    module_name, attribute = reference.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise  # a dependency of the task is missing: its own message says which
        raise ConfigError(f"the {task} task is not available in this version") from None
    return getattr(module, attribute)


@dataclass(frozen=True)
class LazyTask:
    """A :class:`Task` whose objects are ``"module:attribute"`` references.

    ``strategy_names`` and ``model_names`` name a tuple of names or a function
    returning them; ``learner_class``, ``simulate_function`` and ``cell_function``
    may be None when the task has no such object.
    """

    name: str
    answer: str
    default_strategy: str
    default_model: str | None
    headline: str
    lower_is_better: bool
    strategy_names: str
    model_names: str
    learner_class: str | None
    simulate_function: str | None
    cell_function: str | None

    def _names(self, reference: str) -> tuple[str, ...]:
        names = _resolve(reference, self.name)
        return tuple(names() if callable(names) else names)

    def _optional(self, reference: str | None) -> Any:
        return None if reference is None else _resolve(reference, self.name)

    def strategies(self) -> tuple[str, ...]:
        return self._names(self.strategy_names)

    def models(self) -> tuple[str, ...]:
        return self._names(self.model_names)

    def learner(self) -> type | None:
        return self._optional(self.learner_class)

    def simulator(self) -> Callable[..., Any] | None:
        return self._optional(self.simulate_function)

    def cell_runner(self) -> Callable[..., TaskCurves] | None:
        return self._optional(self.cell_function)


def describe(task: Task) -> list[tuple[str, str]]:
    """``(field, text)`` rows that say what ``task`` is, as ``activelab tasks`` prints them."""
    learner = task.learner()
    default_model = task.default_model or "chosen by the task"
    return [
        ("answer", task.answer),
        ("strategies", f"{', '.join(task.strategies())} (default {task.default_strategy})"),
        ("models", f"{', '.join(task.models())} (default {default_model})"),
        ("headline", task.headline + (" (lower is better)" if task.lower_is_better else "")),
        ("learner", learner.__name__ if learner is not None else "none (no query / teach loop)"),
    ]
