"""What every task declares about itself, in one place.

A task (classification, regression, pair clustering, ...) is described by a
:class:`Task`: what one item is and what a person answers about it (and how an
answer is checked), its learner, the strategies and models that apply with their
defaults, the metrics it records and its headline, how it simulates against known
labels, how ``activelab bench`` runs one cell of it, how its answers are exported
and read back, and (for the tasks the annotation server runs) how the server builds
features, trains and describes the model's guess.

Each task package defines its own :class:`TaskDefinition` as ``TASK``;
:mod:`activelab.tasks.registry` maps names to them and imports a package only when
its task is used.

Answers with regions (boxes with labels on an image) are the ``detection`` task's;
the annotation server still checks its ``image_regions`` answers itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..exceptions import ConfigError
from .answers import EXPORT_FORMATS, AnswerKind, AnswerSpace, export_answers, import_answers
from .curves import TaskCurves

__all__ = ["Task", "TaskDefinition", "ServerHooks", "describe"]


@dataclass(frozen=True)
class ServerHooks:
    """What the annotation server needs of a task it runs.

    Attributes
    ----------
    model_kind : callable ``(data_kind, featurizer) -> str``
        The :func:`activelab.models.make_model` kind of the features of items of
        ``data_kind`` (``"text"``, ``"tabular"``, ``"image"``).
    build_features : callable ``(data_kind, values, featurizer) -> X``
        Features of imported items: ``values`` yields one text, one mapping of column
        -> number (or None), or one image's bytes per item.
    train : callable ``(X, rows, answers, *, labels, model, kind, strategy, random_state)``
        A fitted learner taught ``answers`` of the items at ``rows`` of ``X``.
    describe_guess : callable ``(...) -> (guesses, confidences)``
        The model's guess for each item, and how sure it is. Classification takes
        ``(proba, labels)``: class probabilities and their names. Regression takes
        ``(learner, X)`` and gives each guess as ``{"guess": value, "interval": [low,
        high], "std": std}``: a guess that is a mapping is shown field by field.
    """

    model_kind: Callable[[str, str], str]
    build_features: Callable[[str, Iterable[Any], str], Any]
    train: Callable[..., Any]
    describe_guess: Callable[..., tuple[list[Any], Any]]


@runtime_checkable
class Task(Protocol):
    """The contract of one task.

    Attributes
    ----------
    name : str
        What ``activelab simulate --task`` and a bench suite's ``task =`` call it.
    item : str
        What one item is (a text or row, a pair of rows, ...).
    answer : str
        What a person answers about one item (a class, a number, same or different).
    default_strategy : str
    default_model : str or None
        None when the task's runner picks its own model.
    headline : str
        The metric tables summarise by the area under its curve.
    lower_is_better : bool
        Whether a smaller headline is better (errors such as RMSE).
    metrics : tuple of str
        Every metric a cell records, the headline among them.
    export_formats : tuple of str
        The formats :meth:`export_answers` writes and :meth:`import_answers` reads.
    item_columns : tuple of str
        The columns an item takes in an export: ``("item",)``, or ``("left", "right")``
        when a question is about a pair of items.
    """

    @property
    def name(self) -> str: ...

    @property
    def item(self) -> str: ...

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

    @property
    def metrics(self) -> tuple[str, ...]: ...

    @property
    def export_formats(self) -> tuple[str, ...]: ...

    @property
    def item_columns(self) -> tuple[str, ...]: ...

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

    def validate_answer(self, value: Any, space: AnswerSpace | None = None) -> Any:
        """The normalised answer, or :class:`~activelab.exceptions.InvalidAnswerError`."""
        ...

    def export_answers(self, items: Sequence[Any], answers: Sequence[Any], format: str,
                       space: AnswerSpace | None = None) -> str:
        """The answers to ``items`` as text of one of :attr:`export_formats`."""
        ...

    def import_answers(self, text: str, format: str, space: AnswerSpace | None = None
                       ) -> tuple[list[Any], list[Any]]:
        """``(items, answers)`` read back from :meth:`export_answers` text."""
        ...

    def server(self) -> ServerHooks | None:
        """What the annotation server calls; None for a task it does not run."""
        ...


def _names(names: Iterable[str] | Callable[[], Iterable[str]]) -> tuple[str, ...]:
    return tuple(names() if callable(names) else names)


@dataclass(frozen=True)
class TaskDefinition:
    """A :class:`Task` made of the objects its package defines.

    ``strategy_names`` and ``model_names`` are a tuple of names or a function returning
    them (the core's strategies are listed at call time); ``learner_class``,
    ``simulate_function``, ``cell_function`` and ``server_hooks`` are None when the
    task has no such object.
    """

    name: str
    item: str
    answer_kind: AnswerKind
    default_strategy: str
    default_model: str | None
    headline: str
    lower_is_better: bool
    metrics: tuple[str, ...]
    strategy_names: Iterable[str] | Callable[[], Iterable[str]]
    model_names: Iterable[str] | Callable[[], Iterable[str]]
    learner_class: type | None
    simulate_function: Callable[..., Any] | None
    cell_function: Callable[..., TaskCurves] | None
    server_hooks: ServerHooks | None = None
    export_formats: tuple[str, ...] = field(default=EXPORT_FORMATS)

    def __post_init__(self) -> None:
        if self.headline not in self.metrics:
            raise ConfigError(f"the {self.name} task's headline {self.headline!r} is not "
                              f"among its metrics {', '.join(self.metrics)}")

    @property
    def answer(self) -> str:
        return self.answer_kind.describe

    @property
    def item_columns(self) -> tuple[str, ...]:
        return self.answer_kind.item_columns

    def strategies(self) -> tuple[str, ...]:
        return _names(self.strategy_names)

    def models(self) -> tuple[str, ...]:
        return _names(self.model_names)

    def learner(self) -> type | None:
        return self.learner_class

    def simulator(self) -> Callable[..., Any] | None:
        return self.simulate_function

    def cell_runner(self) -> Callable[..., TaskCurves] | None:
        return self.cell_function

    def validate_answer(self, value: Any, space: AnswerSpace | None = None) -> Any:
        return self.answer_kind.validate(value, space)

    def export_answers(self, items: Sequence[Any], answers: Sequence[Any], format: str,
                       space: AnswerSpace | None = None) -> str:
        return export_answers(self.answer_kind, items, answers, format, space)

    def import_answers(self, text: str, format: str, space: AnswerSpace | None = None
                       ) -> tuple[list[Any], list[Any]]:
        return import_answers(self.answer_kind, text, format, space)

    def server(self) -> ServerHooks | None:
        return self.server_hooks


def describe(task: Task) -> list[tuple[str, str]]:
    """``(field, text)`` rows that say what ``task`` is, as ``activelab tasks`` prints them."""
    learner = task.learner()
    default_model = task.default_model or "chosen by the task"
    return [
        ("item", task.item),
        ("answer", task.answer),
        ("strategies", f"{', '.join(task.strategies())} (default {task.default_strategy})"),
        ("models", f"{', '.join(task.models())} (default {default_model})"),
        ("headline", task.headline + (" (lower is better)" if task.lower_is_better else "")),
        ("metrics", ", ".join(task.metrics)),
        ("learner", learner.__name__ if learner is not None else "none (no query / teach loop)"),
        ("exports", ", ".join(task.export_formats)),
        ("server", "yes" if task.server() is not None else "no"),
    ]
