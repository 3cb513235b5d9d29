"""Gold questions: items with a known answer that score the annotators.

An admin marks an item as gold with its answer (or imports a ``gold`` column).
Gold items are outside the overlap: :mod:`.queue` serves them to every annotator
who has not answered them, mixed in at the project's ``gold_rate``, and they
look like any other item.  Each annotator's accuracy on gold is the share of
their answers that equal the known one; below ``gold_min_accuracy`` they are
flagged to admins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...exceptions import ConfigError
from ..errors import NotFoundError
from ..models import Item, Label, LabelSource, Project, User
from .audit import record_event
from .task_types import answer_space
from .tasks import validate_label_value

__all__ = ["set_gold", "gold_report", "parse_gold", "GOLD_COLUMN"]

#: The import column read as an item's gold answer.
GOLD_COLUMN = "gold"


def parse_gold(project: Project, answer: Any) -> Any:
    """``answer`` checked against the project's labels (InvalidAnswerError, 422, if not)."""
    return validate_label_value(project.task_type, list(project.labels), answer,
                                answer_space(project))


def set_gold(session: Session, project: Project, admin: User, item_id: int | None,
             external_id: str | None, answer: Any) -> dict[str, Any]:
    """Mark the item (by id or external id) as gold with ``answer``; None unmarks it.

    Raises
    ------
    ConfigError
        Neither or both of ``item_id`` and ``external_id`` are given (422).
    InvalidAnswerError
        ``answer`` is not a label of the project (422).
    NotFoundError
        The project has no such item.
    """
    if (item_id is None) == (external_id is None):
        raise ConfigError("name the item by item_id or by external_id (one of them)")
    checked = None if answer is None else parse_gold(project, answer)
    query = select(Item).where(Item.project_id == project.id)
    query = query.where(Item.id == item_id) if item_id is not None else \
        query.where(Item.external_id == external_id).order_by(Item.id).limit(1)
    item = session.scalar(query)
    if item is None:
        raise NotFoundError(f"no item {item_id if item_id is not None else external_id!r} "
                            f"in project {project.id}")
    item.is_gold, item.gold_answer = checked is not None, checked
    record_event(session, admin, "mark gold" if checked is not None else "unmark gold",
                 project, item_id=item.id, external_id=item.external_id, answer=checked)
    return {"item_id": item.id, "external_id": item.external_id, "is_gold": item.is_gold,
            "answer": checked}


def gold_report(session: Session, project: Project) -> dict[str, Any]:
    """Each annotator's answers on gold items, how many were right, and who is flagged."""
    n_gold = session.scalar(select(func.count()).select_from(Item).where(
        Item.project_id == project.id, Item.is_gold.is_(True))) or 0
    answers: dict[tuple[int, str], Any] = {}
    for item_id, username, value, answer in session.execute(
            select(Label.item_id, User.username, Label.value, Item.gold_answer)
            .join(Item, Item.id == Label.item_id).join(User, User.id == Label.user_id)
            .where(Label.project_id == project.id, Item.is_gold.is_(True),
                   Label.undone.is_(False), Label.is_skip.is_(False),
                   Label.source == LabelSource.annotator.value).order_by(Label.id)):
        answers[(item_id, username)] = (value, answer)  # a later answer replaces
    tally: dict[str, list[int]] = {}
    for (_, username), (value, answer) in answers.items():
        right_seen = tally.setdefault(username, [0, 0])
        right_seen[0] += value == answer
        right_seen[1] += 1
    annotators = []
    for username, (right, seen) in sorted(tally.items()):
        accuracy = right / seen
        annotators.append({"annotator": username, "gold_answered": seen, "correct": right,
                           "accuracy": round(accuracy, 6),
                           "flagged": accuracy < project.gold_min_accuracy})
    return {"gold_items": int(n_gold), "gold_rate": project.gold_rate,
            "min_accuracy": project.gold_min_accuracy, "annotators": annotators,
            "flagged": [row["annotator"] for row in annotators if row["flagged"]]}
