"""An image regions project's detector: downloaded in the skops format, and behind the
predict endpoint.

The detector (:class:`activelab.tasks.detection.RegionDetector`) is fitted on the
project's current answers (evaluation images held out) exactly as the retraining worker
fits it (:func:`.region_model.fit_detector`), and kept per project until the answers,
items or model change. It takes grey images: ``detector.detect(pixels)`` with ``pixels``
from :func:`activelab.tasks.detection.read_image`; the predict endpoint answers each
image's boxes in pixels ``{x, y, w, h, label, score}`` (left, top, width, height).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ...exceptions import DataError
from ...tasks.detection import RegionDetector, read_image
from ..errors import ConflictError
from ..models import Project, TaskType
from .features import signature_of
from .model_export import SKOPS_MEDIA_TYPE, FittedModelCache, _latest_version, _skops
from .region_model import fit_detector, load_region_data
from .tasks import check_image_bytes
from .training import label_events, training_labels

__all__ = ["DetectorModel", "DetectorCache", "serves", "build_detector", "dump_detector",
           "predict_boxes", "pixel_boxes", "SKOPS_MEDIA_TYPE"]


def serves(project: Any) -> bool:
    """Whether the project's model is a region detector (image regions projects)."""
    return project.task_type == TaskType.image_regions


@dataclass
class DetectorModel:
    """A fitted detector and what it was fitted on."""

    detector: RegionDetector
    version: int      # the project's latest model snapshot
    n_labels: int     # answers (images) it was fitted on


def build_detector(session: Session, project: Project) -> DetectorModel:
    """Fit the project's detector on its current answers.

    Raises
    ------
    ConflictError
        The project has no model yet, or no answer to fit on now.
    """
    version = _latest_version(session, project.id)
    if version is None:
        raise ConflictError(f"project {project.id} has no model yet: annotate images and wait "
                            "for the retraining worker (GET /api/projects/"
                            f"{project.id}/model/info gives its version)")
    answers = training_labels(session, project)
    data = load_region_data(session, project.id, answers)
    detector = fit_detector(project.labels, project.model_name, data, answers)
    if detector is None:
        raise ConflictError(f"project {project.id} has no answered image now; a detector "
                            "needs some")
    return DetectorModel(detector, version, len(answers))


def dump_detector(model: DetectorModel) -> bytes:
    """The detector in the skops format (see docs/image-regions-projects.md to load it)."""
    return bytes(_skops().dumps(model.detector))


class DetectorCache(FittedModelCache[DetectorModel]):
    """Fitted detectors per project, refitted when answers, items or the model change."""

    def _key(self, session: Session, project: Project) -> tuple[Any, ...]:
        return (label_events(session, project.id), *signature_of(session, project.id),
                project.model_name, _latest_version(session, project.id))

    def _build(self, session: Session, project: Project) -> DetectorModel:
        return build_detector(session, project)


def pixel_boxes(detector: RegionDetector, pixels: Any) -> list[dict[str, Any]]:
    """The boxes ``detector`` finds on grey ``pixels``, in pixels, best first."""
    found = detector.detect(pixels)
    return [{"x": float(x0), "y": float(y0), "w": float(x1 - x0), "h": float(y1 - y0),
             "label": label, "score": float(score)}
            for (x0, y0, x1, y1), label, score in zip(found.boxes.tolist(), found.labels,
                                                      found.scores.tolist(), strict=True)]


def _decode(i: int, text: str) -> Any:
    encoded = text.partition(",")[2] if text.startswith("data:") else text
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise DataError(f"item {i}: not valid base64") from None
    check_image_bytes(raw, f"item {i}")
    return read_image(raw, f"item {i}")


def predict_boxes(model: DetectorModel, project: Project, rows: Any, texts: Any,
                  images: list[str] | None) -> dict[str, Any]:
    """Each image's boxes (pixels), and their labels as ``predictions``.

    Raises
    ------
    DataError
        Rows or texts instead of images, or an image that is not valid base64 or readable.
    """
    if images is None or rows is not None or texts is not None:
        raise DataError("an image_regions project predicts from 'images'; the request sent "
                        f"{'rows' if rows is not None else 'texts'}")
    boxes = [pixel_boxes(model.detector, _decode(i, text)) for i, text in enumerate(images)]
    return {"model_version": model.version, "n_labels": model.n_labels,
            "classes": list(project.labels),
            "predictions": [[box["label"] for box in found] for found in boxes],
            "probabilities": None, "boxes": boxes}
