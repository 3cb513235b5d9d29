"""Retraining an image regions project: the detection task's region detector.

The worker fits :func:`.region_model.fit_detector` on the answers, proposes regions on
every open image and ranks them by the detection uncertainty strategy:

- ``region_queue = "images"``: the margin (``strategy_name`` margin, the default) or the
  entropy (entropy, least-confident) of each proposed region's class probabilities,
  background included, summed over the image (``margin-sum``, ``entropy-sum``; random:
  ``random``); the guess holds the detector's boxes, offered as pre-annotations;
- ``region_queue = "regions"``: the image's most uncertain proposed region
  (``region-margin``, ``region-entropy``, ``region-random``), asked about alone: the guess
  names that region and its class. Open evaluation images are asked whole.

Metrics (the snapshot's): mAP@0.5 on the labelled evaluation images (held out of
training, unbiased), and cross-validated over the fully annotated training images
(biased: the images the strategy picked); the boxes the model was trained on.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.model_selection import KFold

from ...tasks.detection import (
    Detections,
    RegionDetector,
    get_detection_strategy,
    mean_average_precision,
    propose_regions,
    region_entropy,
    region_features,
    region_margin,
    to_fractions,
    to_pixels,
)
from ..models import Project
from .features import Features
from .region_model import RegionData, detect_boxes, fit_detector
from .retrain_result import SEED, TrainResult, TrainSplit, all_answered

__all__ = ["train_regions", "detection_strategy", "PROPOSAL_SCORE", "MIN_CV_IMAGES"]

#: Detections this sure are offered to the annotator as pre-annotations.
PROPOSAL_SCORE = 0.3
#: Fewest fully annotated training images for a cross-validated mAP.
MIN_CV_IMAGES = 4
_FOLDS = 5


def detection_strategy(project: Any, queue: str | None = None) -> str:
    """The detection strategy that orders the project's queue (see the module's docstring);
    ``queue`` overrides the project's ``region_queue``."""
    measure = {"margin": "margin", "random": "random"}.get(project.strategy_name, "entropy")
    if (queue or getattr(project, "region_queue", "images")) == "regions":
        return f"region-{measure}"
    return "random" if measure == "random" else f"{measure}-sum"


def _truth(image: np.ndarray, boxes: list[dict[str, Any]]) -> tuple[np.ndarray, list[str]]:
    return to_pixels(boxes, image.shape[1], image.shape[0])


def _map50(detector: RegionDetector, data: RegionData, answers: dict[int, Any]) -> float | None:
    """mAP@0.5 of ``detector`` on the images of ``answers``; None when they hold no box."""
    ids = [i for i in answers if i in data.images]
    truths = [_truth(data.images[i], answers[i]) for i in ids]
    if not any(names for _, names in truths):
        return None
    return mean_average_precision([detector.detect(data.images[i]) for i in ids], truths)


def _cross_validated(project: Project, data: RegionData, answers: dict[int, Any]
                     ) -> dict[str, Any]:
    """mAP@0.5 of each fully annotated image under a detector that never saw it."""
    full = [i for i in sorted(answers) if i not in data.verdicts and i in data.images]
    if len(full) < MIN_CV_IMAGES:
        return {}
    folds = min(_FOLDS, len(full))
    found, truths = [], []
    for _, test in KFold(folds, shuffle=True, random_state=SEED).split(full):
        fitted = fit_detector(project.labels, project.model_name, data,
                              {i: v for i, v in answers.items() if i not in
                               {full[k] for k in test}})
        for k in test:
            image = data.images[full[k]]
            truths.append(_truth(image, answers[full[k]]))
            found.append(fitted.detect(image) if fitted is not None else Detections())
    if not any(names for _, names in truths):
        return {}
    return {"cv_map50": mean_average_precision(found, truths), "cv_folds": folds,
            "cv_n": len(full)}


def _metrics(project: Project, detector: RegionDetector, data: RegionData,
             split: TrainSplit, eval_ids: list[int]) -> dict[str, Any]:
    eval_answers = {i: v for i, v in zip(eval_ids, split.eval_truth, strict=True)
                    if i not in data.verdicts}
    train_boxes = sum(len(v) for v in split.train.values())
    metrics: dict[str, Any] = {"headline": "map50", "n_eval": len(eval_answers),
                               "n_boxes": train_boxes, "n_images": len(split.train),
                               "map50": _map50(detector, data, eval_answers)}
    metrics.update(_cross_validated(project, data, split.train))
    return metrics


def _describe(metrics: dict[str, Any]) -> str:
    if "cv_map50" not in metrics:
        return f"needs {MIN_CV_IMAGES} annotated images for a cross-validated mAP@0.5"
    return (f"{metrics['cv_folds']}-fold CV mAP@0.5 on {metrics['cv_n']} images "
            f"(evaluation images: {metrics['n_eval']})")


def _guess(detector: RegionDetector, image: np.ndarray, strategy: str,
           rng: np.random.Generator) -> tuple[dict[str, Any], float, float]:
    """(guess, priority, confidence) of one open image."""
    boxes = detect_boxes(detector, image, PROPOSAL_SCORE)
    guess: dict[str, Any] = {"boxes": boxes, "detection_strategy": strategy,
                             "uncertainty": None}
    confidence = float(np.mean([b["score"] for b in boxes])) if boxes else 0.0
    rule = get_detection_strategy(strategy)
    proposals = propose_regions(image)
    if len(proposals) == 0:
        return guess, 0.0, confidence
    proba = detector.region_proba(region_features(image, proposals))
    if rule.measure == "random":
        uncertain = rng.random(len(proposals))
    else:
        uncertain = region_margin(proba) if rule.measure == "margin" else region_entropy(proba)
    if rule.unit == "image":
        priority = float(uncertain.sum())
        if rule.measure != "random":
            guess["uncertainty"] = priority
        return guess, priority, confidence
    k = int(np.argmax(uncertain))
    objects = proba[k, :-1]
    best = int(np.argmax(objects))
    region = to_fractions(proposals[[k]], [detector.classes_[best]], image.shape[1],
                          image.shape[0])[0]
    region["score"] = float(objects[best])
    guess["region"] = region
    if rule.measure != "random":
        guess["uncertainty"] = float(uncertain[k])
    return guess, float(uncertain[k]), region["score"]


def train_regions(project: Project, features: Features, split: TrainSplit,
                  discovery: bool = True, state: dict[str, Any] | None = None, *,
                  data: RegionData, eval_ids: frozenset[int] = frozenset()
                  ) -> TrainResult | None:
    """Fit the detector on the answers, then rank and describe the open images.

    Open evaluation images (``eval_ids``) are always asked whole, with the model's boxes,
    even in the ``regions`` queue: their full answers measure mAP@0.5.
    """
    del discovery, state  # the detection strategies keep no state
    detector = fit_detector(project.labels, project.model_name, data, split.train)
    if detector is None:
        return None
    labelled_eval = [int(features.item_ids[r]) for r in split.eval_rows.tolist()]
    metrics = _metrics(project, detector, data, split, labelled_eval)
    counts = Counter(box["label"] for boxes in split.train.values() for box in boxes)
    labelled = {features.row_of[i] for i in split.train if i in features.row_of}
    open_rows = np.array([r for r in range(len(features.item_ids))
                          if r not in labelled and r not in set(split.eval_rows.tolist())],
                         dtype=np.intp)
    if open_rows.size == 0:
        return all_answered(_describe(metrics), len(split.train), len(labelled_eval), metrics,
                            dict(counts))
    strategy = detection_strategy(project)
    whole = detection_strategy(project, "images")
    rng = np.random.default_rng([SEED, len(split.train)])
    guesses: list[dict[str, Any]] = []
    priority, confidence = np.zeros(len(open_rows)), np.zeros(len(open_rows))
    for k, row in enumerate(open_rows.tolist()):
        item_id = int(features.item_ids[row])
        asked = whole if item_id in eval_ids else strategy
        image = data.images.get(item_id)
        if image is None:
            guesses.append({"boxes": [], "detection_strategy": asked, "uncertainty": None})
            continue
        guess, priority[k], confidence[k] = _guess(detector, image, asked, rng)
        guesses.append(guess)
    score = np.array([g["uncertainty"] if g.get("uncertainty") is not None else np.nan
                      for g in guesses])
    return TrainResult(open_rows, priority, score, guesses, confidence, None, _describe(metrics),
                       len(split.train), len(labelled_eval), metrics=metrics,
                       class_counts=dict(counts))
