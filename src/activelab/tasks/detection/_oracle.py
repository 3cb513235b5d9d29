"""A simulated annotator who knows the true boxes, and what each answer costs.

Shown a whole image with the model's proposed boxes (its detections scored at least
:data:`PROPOSAL_SCORE`), the annotator keeps a proposal that matches a true box (IoU
>= 0.5, same label: *confirmed*), fixes one that is near a true box (wrong label, or
IoU in [0.1, 0.5): *corrected*), draws each true box no proposal comes near
(*drawn*), and deletes the other proposals (*rejected*). Shown one proposed region,
the annotator confirms it, corrects it (relabels or resizes it to the true box it
overlaps), or rejects it as background. Every one of these actions costs one unit of
annotation; :class:`AnnotationCost` counts them by kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._boxes import box_iou, to_fractions
from ._metrics import Detections

__all__ = ["PROPOSAL_SCORE", "MATCH_IOU", "NEAR_IOU", "AnnotationCost", "annotate_image",
           "annotate_region"]

#: The model's detections this sure are offered as pre-annotations.
PROPOSAL_SCORE = 0.5
#: A proposal this close to a true box is that box (confirmed or relabelled) ...
MATCH_IOU = 0.5
#: ... and one this close is corrected to it (moved or resized).
NEAR_IOU = 0.1


@dataclass
class AnnotationCost:
    """Box actions of an annotator, by kind; :attr:`total` is the annotation cost."""

    confirmed: int = 0
    corrected: int = 0
    drawn: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.confirmed + self.corrected + self.drawn + self.rejected

    def add(self, other: AnnotationCost) -> None:
        self.confirmed += other.confirmed
        self.corrected += other.corrected
        self.drawn += other.drawn
        self.rejected += other.rejected

    def as_dict(self) -> dict[str, int]:
        return {"confirmed": self.confirmed, "corrected": self.corrected,
                "drawn": self.drawn, "rejected": self.rejected}


def annotate_image(proposed: Detections, truth: np.ndarray, labels: list[str],
                   width: int, height: int) -> tuple[list[dict[str, Any]], AnnotationCost]:
    """The full answer for one image, and the actions it took from ``proposed``.

    Parameters
    ----------
    proposed : Detections
        The pre-annotations shown (already cut at :data:`PROPOSAL_SCORE`).
    truth : ndarray of shape (m, 4)
        The true boxes (pixel corners) and ``labels`` their labels.
    labels : list of str
    width, height : int

    Returns
    -------
    answer : list of dict
        The true boxes, as the annotator leaves them.
    cost : AnnotationCost

    Examples
    --------
    >>> truth = np.array([[0, 0, 10, 10.], [20, 20, 30, 30]])
    >>> shown = Detections(np.array([[0, 0, 10, 9.], [50, 50, 60, 60]]), ["7", "3"],
    ...                    np.array([0.9, 0.8]))
    >>> _, cost = annotate_image(shown, truth, ["7", "1"], 96, 96)
    >>> cost.as_dict()
    {'confirmed': 1, 'corrected': 0, 'drawn': 1, 'rejected': 1}
    """
    cost = AnnotationCost()
    overlap = box_iou(proposed.boxes, truth) if len(proposed) and len(truth) else None
    free_shown = np.ones(len(proposed), dtype=bool)
    free_true = np.ones(len(truth), dtype=bool)
    if overlap is not None:
        # Best pairs first: each proposal is used for at most one true box.
        for flat in np.argsort(-overlap, axis=None, kind="stable"):
            shown, true = np.unravel_index(flat, overlap.shape)
            value = overlap[shown, true]
            if value < NEAR_IOU:
                break
            if not (free_shown[shown] and free_true[true]):
                continue
            free_shown[shown] = free_true[true] = False
            if value >= MATCH_IOU and proposed.labels[shown] == labels[true]:
                cost.confirmed += 1
            else:
                cost.corrected += 1
    cost.drawn = int(free_true.sum())
    cost.rejected = int(free_shown.sum())
    return to_fractions(truth, labels, width, height), cost


def annotate_region(box: np.ndarray, label: str, truth: np.ndarray, labels: list[str],
                    taken: np.ndarray) -> tuple[np.ndarray, str | None, int | None, str]:
    """The answer to "is this region a ``label``?".

    Parameters
    ----------
    box : ndarray of shape (4,)
        The proposed region (pixel corners) and ``label`` the model's guess.
    truth : ndarray of shape (m, 4)
        The true boxes of the image and ``labels`` their labels.
    taken : ndarray of bool, shape (m,)
        True boxes already annotated (a region near one only is rejected).

    Returns
    -------
    box : ndarray of shape (4,)
        The region as the annotator leaves it (the true box when corrected).
    label : str or None
        None when rejected as background.
    true_index : int or None
        The true box it is, if any.
    action : {"confirmed", "corrected", "rejected"}
    """
    if len(truth):
        overlap = box_iou(box[None, :], truth)[0]
        overlap[taken] = 0.0
        best = int(np.argmax(overlap))
        if overlap[best] >= MATCH_IOU and labels[best] == label:
            return box, label, best, "confirmed"
        if overlap[best] >= NEAR_IOU:
            return truth[best], labels[best], best, "corrected"
    return box, None, None, "rejected"
