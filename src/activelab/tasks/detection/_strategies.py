"""Which image or region to ask about next.

A strategy is a unit (a whole image, or one proposed region), a measure of each
region (entropy or margin of its class probabilities, background included; or how
far its box moves when the image is slightly perturbed) and, for images, how the
regions' measures add up (max, mean or sum). The ``-diverse`` strategy spreads its
top-ranked images over what the model sees in them before taking them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ...exceptions import ConfigError
from ._boxes import box_iou
from ._metrics import Detections
from ._model import RegionDetector
from ._regions import propose_regions, region_features

__all__ = ["DETECTION_STRATEGIES", "DetectionStrategy", "RegionQuery", "get_detection_strategy",
           "rank_queries", "region_entropy", "region_margin", "box_instability"]


@dataclass(frozen=True)
class RegionQuery:
    """One question: a whole image to annotate fully (``region`` None), or one of its
    proposed regions (an index into the learner's ``proposals(image)``) to confirm,
    correct or reject."""

    image: int
    region: int | None = None


class DetectionLearner(Protocol):
    """What a strategy reads of :class:`~._learner.DetectionLearner`."""

    images: np.ndarray
    asked_regions_: set[tuple[int, int]]

    def proposals(self, image: int) -> np.ndarray: ...

    def region_proba(self, image: int) -> np.ndarray: ...

    def detect(self, image: int) -> Detections: ...

    def open_images(self) -> np.ndarray: ...

    def _detector(self) -> RegionDetector: ...

_PERTURBATIONS, _NOISE = 3, 0.05
_DIVERSE_POOL = 60  # top-ranked images the diversity step spreads


def region_entropy(proba: np.ndarray) -> np.ndarray:
    """Entropy of each row of class probabilities (n, k), in nats.

    Examples
    --------
    >>> region_entropy(np.array([[1.0, 0.0], [0.5, 0.5]])).round(3)
    array([0.   , 0.693])
    """
    p = np.clip(proba, 1e-12, 1.0)
    return -(p * np.log(p)).sum(axis=1)


def region_margin(proba: np.ndarray) -> np.ndarray:
    """One minus the gap between the two likeliest classes of each row: high is unsure.

    Examples
    --------
    >>> region_margin(np.array([[0.9, 0.1], [0.5, 0.5]])).round(3)
    array([0.2, 1. ])
    """
    top = np.sort(proba, axis=1)
    return 1.0 - (top[:, -1] - top[:, -2])


@dataclass(frozen=True)
class DetectionStrategy:
    """How one strategy ranks questions (see the module's docstring)."""

    name: str
    unit: str  # "image" or "region"
    measure: str  # "random", "entropy", "margin" or "stability"
    aggregate: str | None = None  # "max", "mean", "sum" for images
    diverse: bool = False


def _strategies() -> dict[str, DetectionStrategy]:
    found = {"random": DetectionStrategy("random", "image", "random")}
    for measure in ("entropy", "margin"):
        for how in ("max", "mean", "sum"):
            name = f"{measure}-{how}"
            found[name] = DetectionStrategy(name, "image", measure, how)
    found["stability"] = DetectionStrategy("stability", "image", "stability", "sum")
    found["entropy-diverse"] = DetectionStrategy("entropy-diverse", "image", "entropy", "sum",
                                                 diverse=True)
    for measure in ("random", "entropy", "margin"):
        found[f"region-{measure}"] = DetectionStrategy(f"region-{measure}", "region", measure)
    return found


_BY_NAME = _strategies()
#: Every detection strategy by name; ``random`` asks for random whole images.
DETECTION_STRATEGIES = tuple(_BY_NAME)


def get_detection_strategy(name: str) -> DetectionStrategy:
    """The strategy called ``name``; a ConfigError naming the known ones otherwise."""
    if name not in _BY_NAME:
        raise ConfigError(f"unknown detection strategy {name!r}; choose one of "
                          f"{', '.join(DETECTION_STRATEGIES)}")
    return _BY_NAME[name]


_MEASURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "entropy": region_entropy, "margin": region_margin}
_AGGREGATES: dict[str, Callable[[np.ndarray], float]] = {
    "max": np.max, "mean": np.mean, "sum": np.sum}


def box_instability(learner: DetectionLearner, image: int, rng: np.random.Generator) -> float:
    """How far the detector's boxes on ``image`` move under small perturbations.

    The image gets pixel noise and a shift of up to one pixel, :data:`_PERTURBATIONS`
    times; each detection counts ``score * (1 - IoU)`` with the best box of its label
    found on the perturbed image (IoU 0 when the label is gone). Returns the sum.
    """
    detector = learner._detector()
    found = learner.detect(image)
    if len(found) == 0:
        return 0.0
    base = learner.images[image]
    moved = np.zeros(len(found))
    for _ in range(_PERTURBATIONS):
        dy, dx = rng.integers(-1, 2, size=2)
        noisy = np.roll(base, (int(dy), int(dx)), axis=(0, 1)) + rng.normal(
            0.0, _NOISE, size=base.shape)
        noisy = np.clip(noisy, 0.0, 1.0)
        boxes = propose_regions(noisy)
        again = detector.detections(boxes, detector.region_proba(region_features(noisy, boxes)))
        back = again.boxes - np.array([dx, dy, dx, dy], dtype=np.float64)
        for k, label in enumerate(found.labels):
            same = [j for j, name in enumerate(again.labels) if name == label]
            iou = box_iou(found.boxes[[k]], back[same]).max() if same else 0.0
            moved[k] += 1.0 - iou
    return float(np.sum(found.scores * moved / _PERTURBATIONS))


def _image_scores(strategy: DetectionStrategy, learner: DetectionLearner,
                  images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if strategy.measure == "stability":
        return np.array([box_instability(learner, i, rng) for i in images.tolist()])
    measure, how = _MEASURES[strategy.measure], _AGGREGATES[str(strategy.aggregate)]
    scores = np.zeros(len(images))
    for k, image in enumerate(images.tolist()):
        proba = learner.region_proba(image)
        if len(proba):
            scores[k] = how(measure(proba))
    return scores


def _spread(learner: DetectionLearner, images: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The top images reordered greedily by score times distance to those taken before.

    An image is described by the summed label probabilities of its regions (what
    the model thinks it shows), so a batch covers different contents.
    """
    top = images[:_DIVERSE_POOL]
    content = np.array([learner.region_proba(i)[:, :-1].sum(axis=0) for i in top.tolist()])
    content /= np.maximum(np.linalg.norm(content, axis=1, keepdims=True), 1e-12)
    weight = scores[:len(top)] / max(float(scores[0]), 1e-12)
    order = [0]
    nearest = np.linalg.norm(content - content[0], axis=1)
    while len(order) < len(top):
        gain = weight * nearest
        gain[order] = -1.0
        pick = int(np.argmax(gain))
        order.append(pick)
        nearest = np.minimum(nearest, np.linalg.norm(content - content[pick], axis=1))
    return np.concatenate([top[order], images[_DIVERSE_POOL:]])


def rank_queries(strategy: DetectionStrategy, learner: DetectionLearner,
                 rng: np.random.Generator) -> list[RegionQuery]:
    """Every open question of ``learner``, the one ``strategy`` prefers first.

    Ties (and the random strategies) are broken by a shuffle drawn from ``rng``.
    """
    images = rng.permutation(learner.open_images())
    if strategy.unit == "image":
        if strategy.measure == "random":
            return [RegionQuery(int(i)) for i in images]
        scores = _image_scores(strategy, learner, images, rng)
        order = np.argsort(-scores, kind="stable")
        images, scores = images[order], scores[order]
        if strategy.diverse and len(images):
            images = _spread(learner, images, scores)
        return [RegionQuery(int(i)) for i in images]
    regions = [(int(i), r) for i in images.tolist() for r in range(len(learner.proposals(i)))
               if (i, r) not in learner.asked_regions_]
    if strategy.measure == "random" or not regions:
        return [RegionQuery(i, r) for i, r in regions]
    measure = _MEASURES[strategy.measure]
    by_image = {i: measure(learner.region_proba(i)) for i in {i for i, _ in regions}}
    scores = np.array([by_image[i][r] for i, r in regions])
    return [RegionQuery(*regions[k]) for k in np.argsort(-scores, kind="stable")]
