"""A detection answer: the boxes with labels a person draws on one image.

A box is ``{"x", "y", "w", "h", "label"}``: its left, top, width and height as fractions
of the image's width and height (so a box can be checked without the image), and a
known label. The annotation server stores image regions in the same shape. Inside
the task, boxes are pixel corners ``(x0, y0, x1, y1)`` in float arrays of shape (n, 4).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from ..._echo import echo
from ...exceptions import InvalidAnswerError, UnknownLabelError
from ..answers import AnswerKind, AnswerSpace

__all__ = ["DETECTION_ANSWER", "MAX_BOXES", "check_box", "check_boxes", "to_pixels",
           "to_fractions", "box_iou"]

#: Boxes accepted on one image.
MAX_BOXES = 1_000
_FIELDS = ("x", "y", "w", "h")
_SLACK = 1e-9  # rounding of fractions that end exactly on the image's edge


def check_box(box: Any, space: AnswerSpace | None = None) -> dict[str, Any]:
    """One box, checked: numbers in [0, 1], a positive size, inside the image, a known label.

    Parameters
    ----------
    box : mapping
        ``{"x", "y", "w", "h", "label"}`` as fractions of the image's side.
    space : AnswerSpace, optional
        Its ``labels`` (when given) are the known labels.

    Returns
    -------
    dict
        The same keys, numbers as float.

    Examples
    --------
    >>> check_box({"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, "label": "7"})
    {'x': 0.1, 'y': 0.2, 'w': 0.3, 'h': 0.4, 'label': '7'}
    """
    if not isinstance(box, dict):
        raise InvalidAnswerError(f"a box is an object {{x, y, w, h, label}}, got {echo(box)}")
    extra = sorted(set(box) - {*_FIELDS, "label"}, key=str)
    if extra:
        raise InvalidAnswerError(f"a box has only x, y, w, h and label; got {echo(extra)} too")
    out: dict[str, Any] = {}
    for key in _FIELDS:
        value = box.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise InvalidAnswerError(f"box field {key!r} must be a finite number, "
                                     f"got {echo(value)}")
        out[key] = float(value)
    if out["w"] <= 0 or out["h"] <= 0:
        raise InvalidAnswerError(f"a box needs a positive width and height, got w={out['w']:g}"
                                 f", h={out['h']:g}")
    if out["x"] < 0 or out["y"] < 0 or out["x"] + out["w"] > 1 + _SLACK \
            or out["y"] + out["h"] > 1 + _SLACK:
        raise InvalidAnswerError(f"a box must lie inside the image (fractions of its side in "
                                 f"[0, 1]), got x={out['x']:g}, y={out['y']:g}, "
                                 f"w={out['w']:g}, h={out['h']:g}")
    label = box.get("label")
    if not isinstance(label, str) or not label:
        raise InvalidAnswerError(f"a box's label is a label name, got {echo(label)}")
    labels = space.labels if space is not None else ()
    if labels and label not in labels:
        raise UnknownLabelError(f"unknown label {echo(label)}; the labels are "
                                f"{echo(list(labels), 400)}")
    out["label"] = label
    return out


def check_boxes(value: Any, space: AnswerSpace | None = None) -> list[dict[str, Any]]:
    """A detection answer, checked: a list of boxes (empty when the image shows nothing).

    Parameters
    ----------
    value : list of mapping
        Each box as :func:`check_box` takes it.
    space : AnswerSpace, optional
        The known labels.

    Returns
    -------
    list of dict

    Examples
    --------
    >>> check_boxes([{"x": 0, "y": 0, "w": 1, "h": 0.5, "label": "cat"}])
    [{'x': 0.0, 'y': 0.0, 'w': 1.0, 'h': 0.5, 'label': 'cat'}]
    """
    if not isinstance(value, list | tuple):
        raise InvalidAnswerError(f"a detection answer is a list of boxes {{x, y, w, h, label}}"
                                 f", got {echo(value)}")
    if len(value) > MAX_BOXES:
        raise InvalidAnswerError(f"a detection answer holds {len(value)} boxes; at most "
                                 f"{MAX_BOXES} are accepted per image")
    checked = []
    for number, box in enumerate(value, start=1):
        try:
            checked.append(check_box(box, space))
        except InvalidAnswerError as error:
            raise type(error)(f"box {number}: {error}") from None
    return checked


def _from_text(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # check_boxes says what a detection answer is


DETECTION_ANSWER = AnswerKind("a list of boxes {x, y, w, h, label} inside the image",
                              check_boxes, to_text=json.dumps, from_text=_from_text)


def to_pixels(boxes: list[dict[str, Any]], width: int, height: int
              ) -> tuple[np.ndarray, list[str]]:
    """Checked boxes as pixel corners of shape (n, 4), and their labels.

    Examples
    --------
    >>> corners, labels = to_pixels([{"x": 0.5, "y": 0.25, "w": 0.25, "h": 0.5,
    ...                                "label": "7"}], 96, 96)
    >>> corners.tolist(), labels
    ([[48.0, 24.0, 72.0, 72.0]], ['7'])
    """
    corners = np.array([[b["x"] * width, b["y"] * height, (b["x"] + b["w"]) * width,
                         (b["y"] + b["h"]) * height] for b in boxes], dtype=np.float64)
    return corners.reshape(-1, 4), [b["label"] for b in boxes]


def to_fractions(corners: np.ndarray, labels: list[str], width: int, height: int
                 ) -> list[dict[str, Any]]:
    """Pixel corners (n, 4) and labels as boxes of fractions, clipped to the image."""
    out = []
    for (x0, y0, x1, y1), label in zip(np.asarray(corners, dtype=np.float64), labels,
                                       strict=True):
        x0, x1 = max(0.0, x0), min(float(width), x1)
        y0, y1 = max(0.0, y0), min(float(height), y1)
        out.append({"x": x0 / width, "y": y0 / height, "w": (x1 - x0) / width,
                    "h": (y1 - y0) / height, "label": label})
    return out


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box of ``a`` (n, 4) with every box of ``b`` (m, 4).

    Examples
    --------
    >>> box_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 0, 3, 2], [5, 5, 6, 6]])).round(3)
    array([[0.333, 0.   ]])
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
