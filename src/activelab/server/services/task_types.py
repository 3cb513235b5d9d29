"""Which library task (:mod:`activelab.tasks.registry`) each project type is.

The one place a project's ``task_type`` is mapped to a task: what one item holds,
the task whose server hooks build features and train, the task whose
``validate_answer`` checks an answer, whether answers are numbers with a range, whether
the task fixes the answers (anomaly: anomaly, normal; matching and clustering: same,
different), whether its items are pairs of clustered points, and
whether its model ranks the items before any answer. A new project type adds a row to
each mapping here.
"""

from __future__ import annotations

from typing import Any

from ...exceptions import ConfigError, DataError
from ...tasks.answers import AnswerSpace
from ...tasks.contract import ServerHooks, Task
from ...tasks.registry import get_task
from ..models import TaskType

__all__ = ["DATA_KIND", "SERVER_TASK", "METRICS_TASK", "metrics_task", "ANSWER_TASK",
           "NUMBER_TASKS", "FIXED_LABELS", "RANKS_UNLABELLED", "REVIEW_TASKS", "CLUSTER_TASKS",
           "data_kind", "server_task", "server_hooks",
           "answer_space", "takes_numbers", "fixed_labels", "ranks_unlabelled",
           "reviews_labels", "clusters_points"]

#: What one item of each project type holds, as the task hooks name it.
DATA_KIND = {TaskType.text_classification: "text", TaskType.multilabel_text: "text",
             TaskType.tabular_classification: "tabular",
             TaskType.tabular_regression: "tabular",
             TaskType.image_classification: "image", TaskType.image_regions: "image",
             TaskType.text_regression: "text", TaskType.anomaly: "tabular",
             TaskType.matching: "pair",
             TaskType.text_cleaning: "text", TaskType.tabular_cleaning: "tabular",
             TaskType.clustering: "points"}
#: The task whose server hooks featurise, train and describe guesses (multi-label
#: projects train one classifier per class on the classification hooks).
SERVER_TASK = {TaskType.text_classification: "classification",
               TaskType.multilabel_text: "classification",
               TaskType.tabular_classification: "classification",
               TaskType.image_classification: "classification",
               TaskType.image_regions: "classification",
               TaskType.tabular_regression: "regression",
               TaskType.text_regression: "regression", TaskType.anomaly: "anomaly",
               TaskType.matching: "matching",
               TaskType.text_cleaning: "cleaning", TaskType.tabular_cleaning: "cleaning",
               TaskType.clustering: "clustering"}
#: The task whose headline metric the dashboard shows, where it is not the SERVER_TASK's
#: (image regions keep the classification hooks for features, and train a detector).
METRICS_TASK = {TaskType.image_regions: "detection"}
#: The task whose ``validate_answer`` checks an answer (image regions are not a task yet).
ANSWER_TASK = {TaskType.text_classification: "classification",
               TaskType.tabular_classification: "classification",
               TaskType.image_classification: "classification",
               TaskType.multilabel_text: "multilabel",
               TaskType.tabular_regression: "regression",
               TaskType.text_regression: "regression", TaskType.anomaly: "anomaly",
               TaskType.matching: "matching",
               TaskType.text_cleaning: "cleaning", TaskType.tabular_cleaning: "cleaning",
               TaskType.clustering: "clustering"}
#: Project types whose answers are numbers: no label set, an optional answer range.
NUMBER_TASKS = frozenset({TaskType.tabular_regression, TaskType.text_regression})
#: Project types whose answers are a fixed pair of names, the project's labels
#: (matching asks about a pair of records).
FIXED_LABELS = {TaskType.anomaly: ("anomaly", "normal"),
                TaskType.matching: ("same", "different"),
                TaskType.clustering: ("same", "different")}
#: Project types whose model ranks the items before any answer (an unsupervised detector;
#: a clustering, which k-means forms before any constraint).
RANKS_UNLABELLED = frozenset({TaskType.anomaly, TaskType.clustering})
#: Project types whose imported rows are points and whose items are pairs of them,
#: clustered by the project's ``n_clusters`` (:mod:`.cluster_points`).
CLUSTER_TASKS = frozenset({TaskType.clustering})
#: Project types whose items arrive with a given label, which a reviewer keeps or corrects.
REVIEW_TASKS = frozenset({TaskType.text_cleaning, TaskType.tabular_cleaning})


def _task_type(task_type: str) -> TaskType:
    try:
        return TaskType(task_type)
    except ValueError:
        raise DataError(f"unknown task type {task_type!r}") from None


def data_kind(task_type: str) -> str:
    """``"text"``, ``"tabular"`` or ``"image"``: what one item of ``task_type`` holds."""
    return DATA_KIND[_task_type(task_type)]


def server_task(task_type: str) -> Task:
    """The task whose hooks the server runs for ``task_type`` projects."""
    return get_task(SERVER_TASK[_task_type(task_type)])


def metrics_task(task_type: str) -> Task:
    """The task whose headline metric measures ``task_type`` projects."""
    kind = _task_type(task_type)
    return get_task(METRICS_TASK.get(kind, SERVER_TASK[kind]))


def server_hooks(task_type: str) -> ServerHooks:
    hooks = server_task(task_type).server()
    if hooks is None:  # every task named in SERVER_TASK declares its hooks
        raise ConfigError(f"the {server_task(task_type).name} task declares no server hooks")
    return hooks


def takes_numbers(task_type: str) -> bool:
    """Whether ``task_type`` answers are numbers (regression) rather than label names."""
    return _task_type(task_type) in NUMBER_TASKS


def fixed_labels(task_type: str) -> tuple[str, ...] | None:
    """The answers of ``task_type`` when the task fixes them (anomaly, matching), else None."""
    return FIXED_LABELS.get(_task_type(task_type))


def ranks_unlabelled(task_type: str) -> bool:
    """Whether ``task_type``'s model orders the queue before the first answer."""
    return _task_type(task_type) in RANKS_UNLABELLED


def reviews_labels(task_type: str) -> bool:
    """Whether ``task_type`` items are imported labelled, and answers review those labels."""
    return _task_type(task_type) in REVIEW_TASKS


def clusters_points(task_type: str) -> bool:
    """Whether ``task_type`` imports points and asks about pairs of them (clustering)."""
    return _task_type(task_type) in CLUSTER_TASKS


def answer_space(project: Any) -> AnswerSpace:
    """The labels and answer range of ``project`` (a row or object with those columns)."""
    return AnswerSpace(labels=tuple(project.labels or ()),
                       low=getattr(project, "answer_min", None),
                       high=getattr(project, "answer_max", None))
