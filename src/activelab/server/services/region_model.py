"""An image regions project's detector: the detection task's :class:`RegionDetector`
fitted on the project's answers, as the retraining worker and the model export fit it.

A fully annotated image teaches its true boxes and its proposals labelled by overlap
(as :meth:`RegionDetector.fit_images` does). An answer about one proposed region
(``box_actions.verdict``, :mod:`.box_actions`) teaches that region alone: its label when
confirmed or relabelled, the background when rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...tasks.detection import (
    BACKGROUND,
    REGION_CLASSIFIERS,
    RegionDetector,
    image_regions,
    propose_regions,
    read_image,
    region_features,
    to_fractions,
    to_pixels,
)
from ..models import Item, Label
from .retrain_result import SEED

__all__ = ["RegionData", "load_region_data", "fit_detector", "detector_name",
           "detect_boxes", "verdict_regions"]


@dataclass
class RegionData:
    """Grey pixels of a project's images by item id, and its answers about single regions
    (item id -> (region box, label or None for a rejected region))."""

    images: dict[int, np.ndarray] = field(default_factory=dict)
    verdicts: dict[int, tuple[dict[str, Any], str | None]] = field(default_factory=dict)


def verdict_regions(session: Session, project_id: int) -> dict[int, tuple[dict[str, Any],
                                                                          str | None]]:
    """The project's current answers about one proposed region, by item (the latest wins)."""
    rows = session.execute(select(Label.item_id, Label.value, Label.box_actions).where(
        Label.project_id == project_id, Label.undone.is_(False), Label.is_skip.is_(False))
        .order_by(Label.id))
    out: dict[int, tuple[dict[str, Any], str | None]] = {}
    for item_id, value, actions in rows:
        if isinstance(actions, dict) and "verdict" in actions:
            label = value[0]["label"] if value else None
            out[int(item_id)] = (actions["region"], label)
        else:
            out.pop(int(item_id), None)  # a full answer replaces a region verdict
    return out


#: Above this many images to decode, the whole project is read rather than a list of ids.
_ID_LIST = 500


def load_region_data(session: Session, project_id: int,
                     item_ids: Iterable[int] | None = None,
                     cached: Mapping[int, np.ndarray] | None = None) -> RegionData:
    """Pixels of the project's images (``item_ids``, default all; those in ``cached`` reused)
    and its region verdicts."""
    cached = cached or {}
    data = RegionData(verdicts=verdict_regions(session, project_id))
    wanted = None if item_ids is None else {int(i) for i in item_ids}
    if wanted is not None:
        data.images.update({i: cached[i] for i in wanted if i in cached})
        wanted -= set(cached)
        if not wanted:
            return data
    query = select(Item.id, Item.image).where(Item.project_id == project_id)
    if wanted is not None and len(wanted) <= _ID_LIST:
        query = query.where(Item.id.in_(sorted(wanted)))
    for item_id, raw in session.execute(query.execution_options(yield_per=200)):
        if raw is not None and (wanted is None or int(item_id) in wanted):
            data.images[int(item_id)] = read_image(raw, f"item {item_id}")
    return data


def detector_name(model_name: str) -> str:
    """The patch classifier: the project's model when the detector has it, else logreg."""
    return model_name if model_name in REGION_CLASSIFIERS else "logreg"


def _region_rows(image: np.ndarray, answer: list[dict[str, Any]]
                 ) -> tuple[np.ndarray, list[str]]:
    proposals = propose_regions(image)
    return image_regions(image, proposals, region_features(image, proposals), answer)


def fit_detector(labels: list[str], model_name: str, data: RegionData,
                 answers: Mapping[int, Any]) -> RegionDetector | None:
    """The detector fitted on ``answers`` (item id -> boxes); None without a usable one."""
    rows, names = [], []
    for item_id in sorted(answers):
        image = data.images.get(item_id)
        if image is None:
            continue
        if item_id in data.verdicts:
            region, label = data.verdicts[item_id]
            corners, _ = to_pixels([region], image.shape[1], image.shape[0])
            rows.append(region_features(image, corners))
            names.append(label or BACKGROUND)
        else:
            X, y = _region_rows(image, answers[item_id])
            rows.append(X)
            names.extend(y)
    if not names:
        return None
    detector = RegionDetector(list(labels), detector_name(model_name), random_state=SEED)
    return detector.fit(np.vstack(rows), names)


def detect_boxes(detector: RegionDetector, image: np.ndarray,
                 min_score: float = 0.0) -> list[dict[str, Any]]:
    """The detector's boxes on ``image`` as fractions ``{x, y, w, h, label, score}``."""
    found = detector.detect(image)
    keep = [k for k in range(len(found)) if found.scores[k] >= min_score]
    height, width = image.shape
    boxes = to_fractions(found.boxes[keep], [found.labels[k] for k in keep], width, height)
    for box, k in zip(boxes, keep, strict=True):
        box["score"] = float(found.scores[k])
    return boxes
