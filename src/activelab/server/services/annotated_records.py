"""One item of an annotated file (Label Studio, COCO, VOC) as its reader checked it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...exceptions import InvalidAnswerError
from ..models import Project
from .task_types import answer_space
from .tasks import ParsedItem, validate_label_value

__all__ = ["AnnotatedRecord", "NO_ANSWER", "checked_answer"]

#: An item the file gives no answer.
NO_ANSWER: Any = object()


@dataclass
class AnnotatedRecord:
    """One item of an annotated file, checked.

    Attributes
    ----------
    where : str
        Where the file holds it (``task 3``, ``image 'a.png'``), for error messages.
    external_id : str or None
        Matches an item the project has already.
    item : ParsedItem or None
        The item to add when the project does not have it (None: it must have it).
    answer, prelabel
        Label values, checked for the project, or :data:`NO_ANSWER`.
    size : (width, height) or None
        The image size the boxes were drawn on, checked against a known item's.
    """

    where: str
    external_id: str | None
    item: ParsedItem | None
    answer: Any = NO_ANSWER
    prelabel: Any = NO_ANSWER
    size: tuple[int, int] | None = None


def checked_answer(project: Project, value: Any, where: str) -> Any:
    """``value`` as the project stores it; the error names ``where`` otherwise."""
    try:
        return validate_label_value(project.task_type, list(project.labels or ()), value,
                                    answer_space(project))
    except InvalidAnswerError as error:  # UnknownLabelError among them
        raise type(error)(f"{where}: {error}") from None
