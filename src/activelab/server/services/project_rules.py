"""What makes a project's name and label set valid (checked by the API schemas and the service).

A choice among labels needs at least two of them: a classification with one
label has nothing to choose, and a multi-label project with one label is a
yes/no question, better asked as a classification with two labels (``yes``,
``no``) so that both answers have a key and both train the model.  Image
regions need only one label: boxes of one kind of object are a full task.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...exceptions import ConfigError

__all__ = ["clean_project_name", "check_label_set", "MIN_LABELS", "MAX_NAME_LENGTH"]

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
