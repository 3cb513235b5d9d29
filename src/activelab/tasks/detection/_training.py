"""Which regions of an annotated image teach the classifier what."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._boxes import box_iou, to_pixels
from ._regions import region_features

__all__ = ["BACKGROUND", "POSITIVE_IOU", "BACKGROUND_IOU", "image_regions"]

#: The label of a region that shows none of the labels.
BACKGROUND = "__background__"

#: A proposal overlapping a true box this much shows its label ...
POSITIVE_IOU = 0.5
#: ... and one overlapping every true box less than this shows background.
BACKGROUND_IOU = 0.3


def image_regions(image: np.ndarray, proposals: np.ndarray, features: np.ndarray,
                  answer: list[dict[str, Any]]) -> tuple[np.ndarray, list[str]]:
    """Features and labels of a fully annotated image's regions.

    Each true box is a region with its label; each proposal is one too when it
    overlaps a true box by at least :data:`POSITIVE_IOU` (that box's label) or every
    true box by less than :data:`BACKGROUND_IOU` (background). Proposals in between
    teach nothing.
    """
    height, width = image.shape
    truth, labels = to_pixels(answer, width, height)
    names: list[str] = list(labels)
    rows = [region_features(image, truth)]
    if len(proposals):
        if len(truth):
            overlap = box_iou(proposals, truth)
            best, nearest = overlap.max(axis=1), overlap.argmax(axis=1)
        else:
            best, nearest = np.zeros(len(proposals)), np.zeros(len(proposals), dtype=np.intp)
        chosen = np.flatnonzero((best >= POSITIVE_IOU) | (best < BACKGROUND_IOU))
        rows.append(features[chosen])
        names.extend(labels[nearest[k]] if best[k] >= POSITIVE_IOU else BACKGROUND
                     for k in chosen)
    return np.vstack(rows), names
