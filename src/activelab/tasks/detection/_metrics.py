"""mAP@0.5: the mean over classes of the average precision at IoU 0.5.

Per class, detections over every image are taken by score, highest first; each is a
true positive when, among the boxes of that class on its image not matched yet, the
one it overlaps most has IoU >= 0.5 (so a second detection of one box is a false
positive), as COCO matches. The
precision at each recall is made non-increasing, and AP is the area under that curve
summed over the recall steps (all points, as Pascal VOC since 2010 and COCO do
without their 101-point sampling). A class with no true box is left out of the mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ...exceptions import DataError
from ._boxes import box_iou

__all__ = ["Detections", "average_precision", "mean_average_precision"]


@dataclass
class Detections:
    """The boxes found on one image: pixel corners (n, 4), labels and scores."""

    boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    labels: list[str] = field(default_factory=list)
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.labels)


def average_precision(detections: Sequence[Detections],
                      truths: Sequence[tuple[np.ndarray, list[str]]], label: str,
                      iou: float = 0.5) -> float | None:
    """AP of one class at IoU ``iou``; None when no image has a true box of it.

    Parameters
    ----------
    detections : sequence of Detections
        One per image.
    truths : sequence of (corners, labels)
        The true boxes of each image: pixel corners (m, 4) and their labels.
    label : str
    iou : float, default=0.5

    Returns
    -------
    float or None

    Examples
    --------
    >>> truth = [(np.array([[0, 0, 10, 10.]]), ["7"])]
    >>> found = [Detections(np.array([[0, 0, 10, 9.]]), ["7"], np.array([0.9]))]
    >>> average_precision(found, truth, "7")
    1.0
    """
    n_true = sum(labels.count(label) for _, labels in truths)
    if n_true == 0:
        return None
    scores, hits = [], []
    for found, (corners, labels) in zip(detections, truths, strict=True):
        mine = [k for k, name in enumerate(found.labels) if name == label]
        true = np.asarray([k for k, name in enumerate(labels) if name == label], dtype=np.intp)
        overlaps = box_iou(found.boxes[mine], corners[true]) if mine and true.size else None
        used = np.zeros(true.size, dtype=bool)
        for row in np.argsort(-found.scores[mine], kind="stable"):
            scores.append(float(found.scores[mine[row]]))
            hit = False
            if overlaps is not None:
                best = int(np.argmax(np.where(used, -1.0, overlaps[row])))
                if not used[best] and overlaps[row, best] >= iou:
                    used[best] = hit = True
            hits.append(hit)
    if not scores:
        return 0.0
    order = np.argsort(-np.asarray(scores), kind="stable")
    tp = np.cumsum(np.asarray(hits)[order])
    precision = tp / np.arange(1, len(order) + 1)
    recall = tp / n_true
    # Non-increasing precision, then the area over each step of recall.
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.diff(np.concatenate([[0.0], recall]))
    return float(np.sum(steps * precision))


def mean_average_precision(detections: Sequence[Detections],
                           truths: Sequence[tuple[np.ndarray, list[str]]],
                           iou: float = 0.5) -> float:
    """mAP at IoU ``iou`` over the classes that have a true box.

    Parameters
    ----------
    detections : sequence of Detections
        One per image.
    truths : sequence of (corners, labels)
        One per image, in the same order.
    iou : float, default=0.5

    Returns
    -------
    float

    Examples
    --------
    >>> truth = [(np.array([[0, 0, 10, 10.], [20, 20, 30, 30]]), ["7", "1"])]
    >>> found = [Detections(np.array([[0, 0, 10, 10.]]), ["7"], np.array([0.8]))]
    >>> mean_average_precision(found, truth)
    0.5
    """
    if len(detections) != len(truths):
        raise DataError(f"{len(detections)} images of detections but {len(truths)} of "
                        "true boxes")
    labels = sorted({name for _, names in truths for name in names})
    if not labels:
        raise DataError("no true box on any image: mAP is undefined")
    values = [average_precision(detections, truths, label, iou) for label in labels]
    return float(np.mean([v for v in values if v is not None]))
