"""The region model: proposals, a patch classifier with a background class, and NMS.

:func:`~._regions.propose_regions` finds candidate boxes; a scikit-learn classifier
reads each region's features and says which label it shows, or ``background``; the
best label of each region is a detection scored by its probability, and per-label
non-maximum suppression drops duplicates. Training needs no pretrained weights: a
few hundred labelled regions fit in well under a second on one core.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..._random import RandomLike, derive_seed
from ...exceptions import ConfigError, DataError
from ._metrics import Detections
from ._regions import non_max_suppression, propose_regions, region_features
from ._training import BACKGROUND, image_regions

__all__ = ["BACKGROUND", "REGION_CLASSIFIERS", "RegionDetector", "make_region_classifier"]

#: Patch classifiers the detector can use (measured in docs/tasks/detection.md).
REGION_CLASSIFIERS = ("logreg", "rf", "hgb", "mlp")


def make_region_classifier(name: str, random_state: RandomLike = None) -> Any:
    """An unfitted patch classifier by name (one of :data:`REGION_CLASSIFIERS`).

    Examples
    --------
    >>> type(make_region_classifier("rf", 0)).__name__
    'RandomForestClassifier'
    """
    seed = derive_seed(random_state)
    if name == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=500))
    if name == "rf":
        return RandomForestClassifier(n_estimators=200, min_samples_leaf=1, n_jobs=1,
                                      random_state=seed)
    if name == "hgb":
        return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1,
                                              random_state=seed)
    if name == "mlp":
        return make_pipeline(StandardScaler(), MLPClassifier(
            hidden_layer_sizes=(128,), alpha=1e-3, max_iter=300, random_state=seed))
    raise ConfigError(f"unknown region classifier {name!r}; choose one of "
                      f"{', '.join(REGION_CLASSIFIERS)}")


class RegionDetector:
    """Detect labelled boxes on grey images with proposals and a patch classifier.

    Parameters
    ----------
    labels : sequence of str
        The labels a box may carry (the background is added).
    classifier : str or estimator, default="logreg"
        A name of :data:`REGION_CLASSIFIERS` or an unfitted scikit-learn classifier
        with ``predict_proba``.
    min_score : float, default=0.05
        Detections scored lower are dropped.
    random_state : int, Generator, SeedSequence or None, default=None

    Attributes
    ----------
    classes_ : list of str
        ``labels`` then :data:`BACKGROUND`: the columns of :meth:`region_proba`.

    Examples
    --------
    >>> from activelab.data import make_cluttered_digits
    >>> images, boxes = make_cluttered_digits(60)
    >>> detector = RegionDetector([str(d) for d in range(10)], random_state=0)
    >>> detector = detector.fit_images(images[:50], boxes[:50])
    >>> found = detector.detect(images[50])
    >>> found.boxes.shape[1], set(found.labels) <= set(detector.classes_)
    (4, True)
    """

    def __init__(self, labels: Sequence[str], classifier: str | Any = "logreg", *,
                 min_score: float = 0.05, random_state: RandomLike = None) -> None:
        self.labels = labels
        self.classifier = classifier
        self.min_score = min_score
        self.random_state = random_state

    def fit(self, features: np.ndarray, labels: Sequence[str]) -> RegionDetector:
        """Fit the patch classifier on region ``features`` (n, d) and their labels.

        ``labels`` are names of ``self.labels`` or :data:`BACKGROUND`.
        """
        self.classes_ = [*self.labels, BACKGROUND]
        unknown = sorted(set(labels) - set(self.classes_))
        if unknown:
            raise DataError(f"regions labelled {unknown[:5]}, which are not among the labels")
        if len(features) == 0:
            raise DataError("no labelled region to learn from")
        y = np.asarray(labels, dtype=object).astype(str)
        if len(set(y.tolist())) < 2:
            estimator: Any = DummyClassifier(strategy="prior")
        elif isinstance(self.classifier, str):
            estimator = make_region_classifier(self.classifier, self.random_state)
        else:
            estimator = clone(self.classifier)
        self.model_ = estimator.fit(features, y)
        known = list(self.model_.classes_)
        self.columns_ = np.array([self.classes_.index(name) for name in known], dtype=np.intp)
        return self

    def fit_images(self, images: Sequence[np.ndarray], boxes: Sequence[list[dict[str, Any]]]
                   ) -> RegionDetector:
        """Fit on fully annotated images: their proposals, labelled by overlap, and true boxes."""
        rows, names = [], []
        for image, answer in zip(images, boxes, strict=True):
            proposals = propose_regions(image)
            X, y = image_regions(image, proposals, region_features(image, proposals), answer)
            rows.append(X)
            names.extend(y)
        return self.fit(np.vstack(rows), names)

    def region_proba(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities (n, len(classes_)) of regions, zero for labels never seen."""
        out = np.zeros((len(features), len(self.classes_)))
        if len(features):
            out[:, self.columns_] = self.model_.predict_proba(features)
        return out

    def detections(self, boxes: np.ndarray, proba: np.ndarray) -> Detections:
        """The detections of regions ``boxes`` (k, 4) with class probabilities ``proba``."""
        if len(boxes) == 0:
            return Detections()
        objects = proba[:, :-1]
        best = objects.argmax(axis=1)
        scores = objects[np.arange(len(boxes)), best]
        keep = np.flatnonzero(scores >= self.min_score)
        found = []
        for label in np.unique(best[keep]):
            mine = keep[best[keep] == label]
            found.extend(mine[non_max_suppression(boxes[mine], scores[mine])].tolist())
        found.sort(key=lambda k: -scores[k])
        return Detections(boxes[found], [self.classes_[best[k]] for k in found],
                          scores[found])

    def detect(self, image: np.ndarray) -> Detections:
        """The boxes found on one grey image (height, width), best first."""
        boxes = propose_regions(image)
        return self.detections(boxes, self.region_proba(region_features(image, boxes)))
