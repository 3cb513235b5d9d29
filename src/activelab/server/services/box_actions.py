"""What an annotator did with the model's proposed boxes, stored beside an image's answer.

Two shapes, one per queue of an image regions project (``project.region_queue``):

- ``images``: ``{"origins": [...], "rejected": n}``. ``origins[k]`` says how box ``k`` of
  the answer came to be: ``accepted`` (a proposal kept as proposed), ``corrected`` (a
  proposal moved, resized or relabelled) or ``drawn`` (from scratch); ``rejected``
  counts the proposals deleted or left unaccepted.
- ``regions``: ``{"verdict": ..., "region": box}``: the annotator was asked about one
  proposed ``region`` (``{x, y, w, h, label}``, the model's box and class) and
  ``confirmed`` it, ``relabelled`` it (the answer holds the box with its new label) or
  ``rejected`` it (it shows none of the labels: the answer is empty).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...exceptions import ConfigError, InvalidAnswerError
from ..echo import echo
from ..models import Label, TaskType
from .tasks import MAX_BOXES_PER_LABEL, validate_label_value

__all__ = ["ORIGINS", "VERDICTS", "REGION_QUEUES", "check_box_actions", "check_region_queue",
           "box_action_counts"]

ORIGINS = ("accepted", "corrected", "drawn")
VERDICTS = ("confirmed", "relabelled", "rejected")
#: What the queue of an image regions project serves.
REGION_QUEUES = ("images", "regions")


def check_region_queue(task_type: str, value: str) -> None:
    """ConfigError (422) for an unknown queue, or ``regions`` on another project type."""
    if value not in REGION_QUEUES:
        raise ConfigError(f"unknown region_queue {echo(value)}; choose one of "
                          f"{', '.join(REGION_QUEUES)}")
    if value != "images" and task_type != TaskType.image_regions:
        raise ConfigError("region_queue is a setting of image_regions projects")


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) \
            or not 0 <= value <= MAX_BOXES_PER_LABEL:
        raise InvalidAnswerError(f"box_actions.{what} must be a whole number from 0 to "
                                 f"{MAX_BOXES_PER_LABEL}, got {echo(value)}")
    return value


def check_box_actions(task_type: str, labels: list[str], boxes: Any,
                      actions: Any) -> dict[str, Any] | None:
    """``actions`` checked against the answer ``boxes`` (validated already); None when absent.

    Raises
    ------
    InvalidAnswerError
        Actions on another project type than image regions, or that do not fit the boxes.
    """
    if actions is None:
        return None
    if task_type != TaskType.image_regions:
        raise InvalidAnswerError("box_actions belong to answers of image_regions projects")
    if not isinstance(actions, dict):
        raise InvalidAnswerError(f"box_actions is an object, got {echo(actions)}")
    if "verdict" in actions:
        return _region_verdict(labels, boxes, actions)
    extra = sorted(set(actions) - {"origins", "rejected"})
    if extra:
        raise InvalidAnswerError(f"box_actions has origins and rejected (or verdict and "
                                 f"region); got {echo(extra)} too")
    origins = actions.get("origins")
    if not isinstance(origins, list) or len(origins) != len(boxes):
        raise InvalidAnswerError(f"box_actions.origins needs one entry per box "
                                 f"({len(boxes)}), got {echo(origins)}")
    unknown = [o for o in origins if o not in ORIGINS]
    if unknown:
        raise InvalidAnswerError(f"box_actions.origins holds {echo(unknown[:3])}; each is "
                                 f"one of {', '.join(ORIGINS)}")
    return {"origins": list(origins), "rejected": _count(actions.get("rejected", 0),
                                                         "rejected")}


def _region_verdict(labels: list[str], boxes: list[dict[str, Any]],
                    actions: dict[str, Any]) -> dict[str, Any]:
    extra = sorted(set(actions) - {"verdict", "region"})
    if extra:
        raise InvalidAnswerError(f"a region verdict has verdict and region; got {echo(extra)}")
    verdict = actions["verdict"]
    if verdict not in VERDICTS:
        raise InvalidAnswerError(f"box_actions.verdict must be one of {', '.join(VERDICTS)}, "
                                 f"got {echo(verdict)}")
    try:
        region = validate_label_value(TaskType.image_regions, labels, [actions.get("region")])[0]
    except InvalidAnswerError as error:
        raise InvalidAnswerError(f"box_actions.region: {error}") from None
    expected = 0 if verdict == "rejected" else 1
    if len(boxes) != expected:
        raise InvalidAnswerError(f"a {verdict} region is answered with {expected} box(es), "
                                 f"got {len(boxes)}")
    if verdict == "confirmed" and boxes[0]["label"] != region["label"]:
        raise InvalidAnswerError("a confirmed region keeps its label; send verdict "
                                 "'relabelled' for another")
    if verdict == "relabelled" and boxes[0]["label"] == region["label"]:
        raise InvalidAnswerError("a relabelled region needs another label than proposed")
    return {"verdict": verdict, "region": region}


def box_action_counts(session: Session, project_id: int) -> dict[str, int]:
    """Boxes accepted, corrected and drawn, proposals rejected, and region verdicts, over
    the project's current answers."""
    counts: Counter[str] = Counter()
    rows = session.scalars(select(Label.box_actions).where(
        Label.project_id == project_id, Label.undone.is_(False), Label.is_skip.is_(False)))
    for actions in rows:
        if not actions:  # SQL or JSON null: an answer without proposals' record
            continue
        if "verdict" in actions:
            counts[f"region_{actions['verdict']}"] += 1
        else:
            counts.update(actions.get("origins", []))
            counts["rejected"] += int(actions.get("rejected", 0))
    out = {name: counts[name] for name in (*ORIGINS, "rejected")}
    out.update({f"region_{name}": counts[f"region_{name}"] for name in VERDICTS})
    return out
