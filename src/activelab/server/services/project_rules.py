"""What makes a project's name and label set valid (checked by the API schemas and the service).

A choice among labels needs at least two of them: a classification with one
label has nothing to choose, and a multi-label project with one label is a
yes/no question, better asked as a classification with two labels (``yes``,
``no``) so that both answers have a key and both train the model.  Image
regions need only one label: boxes of one kind of object are a full task.
A regression project takes numbers: no labels, an optional answer range. An anomaly
project's answers are fixed by its task (anomaly, normal), and so are a pair project's
(matching: same, different): they are given no labels.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...exceptions import ConfigError
from .task_types import fixed_labels, takes_numbers

__all__ = ["clean_project_name", "check_label_set", "check_answer_range", "MIN_LABELS",
           "MAX_NAME_LENGTH"]

MAX_NAME_LENGTH = 200
#: Fewest labels per task type; task types not listed need two.
MIN_LABELS = {"image_regions": 1}


def clean_project_name(name: str) -> str:
    """``name`` without surrounding whitespace.

    Raises
    ------
    ConfigError
        The name is blank (empty or whitespace only) or too long.
    """
    cleaned = name.strip()
    if not cleaned:
        raise ConfigError("the project name must not be blank")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ConfigError(f"the project name is longer than {MAX_NAME_LENGTH} characters")
    return cleaned


def check_label_set(task_type: str, labels: Sequence[str]) -> list[str]:
    """The label names stripped of surrounding whitespace, checked for ``task_type``.

    Raises
    ------
    ConfigError
        A blank or repeated name, or fewer labels than the task needs.
    """
    fixed = fixed_labels(task_type)
    if fixed is not None:  # the task's own answers (anomaly, matching)
        if labels and [label.strip() for label in labels] != list(fixed):
            raise ConfigError(f"the answers of {str(task_type).replace('_', ' ')} projects "
                              f"are fixed: {', '.join(fixed)}; leave labels out")
        return list(fixed)
    if takes_numbers(task_type):
        if labels:
            raise ConfigError("a regression project's answers are numbers, not labels: leave "
                              "labels out (answer_min and answer_max set the accepted range)")
        return []
    cleaned = [label.strip() for label in labels]
    if any(not label for label in cleaned):
        raise ConfigError("label names must not be blank")
    if len(set(cleaned)) != len(cleaned):
        raise ConfigError("label names must be unique")
    needed = MIN_LABELS.get(str(task_type), 2)
    if len(cleaned) < needed:
        kind = str(task_type).replace("_", " ")
        raise ConfigError(f"a {kind} project needs at least {needed} labels, got "
                          f"{len(cleaned)}: there is nothing to choose between (for a yes/no "
                          "question use two labels, such as 'yes' and 'no')")
    return cleaned


def check_answer_range(task_type: str, low: float | None, high: float | None) -> None:
    """An answer range is for number answers, and its low end is below its high end.

    Raises
    ------
    ConfigError
        A range on a project whose answers are labels, or ``low >= high``.
    """
    if low is None and high is None:
        return
    if not takes_numbers(task_type):
        kind = str(task_type).replace("_", " ")
        raise ConfigError(f"answer_min and answer_max are for regression projects; a {kind} "
                          "project's answers are labels")
    if low is not None and high is not None and low >= high:
        raise ConfigError(f"answer_min ({low:g}) must be below answer_max ({high:g})")
