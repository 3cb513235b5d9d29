"""The region-level query / teach loop over a pool of images."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._random import RandomLike, as_generator
from ...exceptions import ConfigError, InvalidAnswerError, NotFittedError
from ..answers import AnswerSpace
from ._boxes import check_boxes, to_pixels
from ._metrics import Detections
from ._model import RegionDetector
from ._regions import propose_regions, region_features
from ._strategies import RegionQuery, get_detection_strategy, rank_queries
from ._training import BACKGROUND, image_regions

__all__ = ["RegionQuery", "DetectionLearner"]


class DetectionLearner:
    """Learn where labelled objects are from images and regions a person annotates.

    The images never change; the learner keeps which images are fully annotated
    (with their boxes) and which single regions were answered, retrains its
    :class:`~._model.RegionDetector` on them, and ranks the open questions with its
    strategy.

    Parameters
    ----------
    images : ndarray of shape (n_images, height, width)
        Grey images in [0, 1]; kept by reference, never copied.
    labels : sequence of str
        The labels a box may carry.
    strategy : str, default="entropy-sum"
        A name of :data:`~._strategies.DETECTION_STRATEGIES`.
    classifier : str or estimator, default="logreg"
        The detector's patch classifier.
    pool : array-like of int, optional
        The images the learner may ask about (default: all).
    random_state : int, Generator, SeedSequence or None, default=None

    Examples
    --------
    >>> from activelab.data import make_cluttered_digits
    >>> images, boxes = make_cluttered_digits(40)
    >>> learner = DetectionLearner(images, [str(d) for d in range(10)], random_state=0)
    >>> for i in range(10):
    ...     learner.teach_image(i, boxes[i])
    >>> learner = learner.retrain()
    >>> first = learner.query(3)[0]
    >>> first.region is None and first.image >= 10
    True
    """

    def __init__(self, images: np.ndarray, labels: Sequence[str], *,
                 strategy: str = "entropy-sum", classifier: str | Any = "logreg",
                 pool: Any = None, random_state: RandomLike = None) -> None:
        if getattr(images, "ndim", 0) != 3:
            raise ConfigError(f"images must be an array of shape (n_images, height, width), "
                              f"got shape {getattr(images, 'shape', None)}")
        self.images = images
        self.labels = tuple(labels)
        if not self.labels:
            raise ConfigError("labels must name at least one label")
        self.strategy = get_detection_strategy(strategy)
        self.classifier = classifier
        self.pool = np.arange(len(images)) if pool is None else np.asarray(pool, dtype=np.intp)
        self.random_state = random_state
        self._rng = as_generator(random_state)
        self._proposals: dict[int, np.ndarray] = {}
        self._features: dict[int, np.ndarray] = {}
        self.full_: dict[int, list[dict[str, Any]]] = {}
        self.asked_regions_: set[tuple[int, int]] = set()
        self._region_rows: list[np.ndarray] = []
        self._region_names: list[str] = []
        self.detector_: RegionDetector | None = None

    # ---------------------------------------------------------------- regions
    def proposals(self, image: int) -> np.ndarray:
        """The proposed regions of ``image`` (pixel corners, shape (k, 4)), computed once."""
        if image not in self._proposals:
            boxes = propose_regions(self.images[image])
            self._proposals[image] = boxes
            self._features[image] = region_features(self.images[image], boxes)
        return self._proposals[image]

    def features(self, image: int) -> np.ndarray:
        """The features of :meth:`proposals` of ``image``."""
        self.proposals(image)
        return self._features[image]

    # ---------------------------------------------------------------- teach
    def _space(self) -> AnswerSpace:
        return AnswerSpace(labels=self.labels)

    def teach_image(self, image: int, answer: list[dict[str, Any]]) -> None:
        """Record the full annotation of ``image``: every object's box (fractions)."""
        self.full_[int(image)] = check_boxes(answer, self._space())

    def teach_region(self, image: int, region: int, answer: list[dict[str, Any]]) -> None:
        """Record the answer about one proposed region: ``[]`` rejects it as background;
        one box confirms it, or corrects its label or extent."""
        boxes = check_boxes(answer, self._space())
        if len(boxes) > 1:
            raise InvalidAnswerError(f"a region's answer is at most one box, got {len(boxes)}")
        proposals = self.proposals(image)
        if not 0 <= region < len(proposals):
            raise ConfigError(f"image {image} has {len(proposals)} proposed regions; "
                              f"no region {region}")
        self.asked_regions_.add((int(image), int(region)))
        if not boxes:
            self._region_rows.append(self.features(image)[[region]])
            self._region_names.append(BACKGROUND)
            return
        height, width = self.images[image].shape
        corners, names = to_pixels(boxes, width, height)
        self._region_rows.append(region_features(self.images[image], corners))
        self._region_names.extend(names)

    def teach(self, queries: Sequence[RegionQuery], answers: Sequence[list[dict[str, Any]]]
              ) -> None:
        """Record the answers to ``queries`` (as :meth:`teach_image` / :meth:`teach_region`)."""
        if len(queries) != len(answers):
            raise ConfigError(f"{len(queries)} queries but {len(answers)} answers")
        for query, answer in zip(queries, answers, strict=True):
            if query.region is None:
                self.teach_image(query.image, answer)
            else:
                self.teach_region(query.image, query.region, answer)

    # ---------------------------------------------------------------- fit / predict
    def training_set(self) -> tuple[np.ndarray, list[str]]:
        """Features and labels of every region learned from so far."""
        rows, names = list(self._region_rows), list(self._region_names)
        for image, answer in self.full_.items():
            X, y = image_regions(self.images[image], self.proposals(image),
                                 self.features(image), answer)
            rows.append(X)
            names.extend(y)
        if not rows:
            raise NotFittedError("nothing annotated yet: teach an image or a region first")
        return np.vstack(rows), names

    def retrain(self) -> DetectionLearner:
        """Fit a fresh detector on every answer so far."""
        X, y = self.training_set()
        self.detector_ = RegionDetector(self.labels, self.classifier,
                                        random_state=self.random_state).fit(X, y)
        return self

    def _detector(self) -> RegionDetector:
        if self.detector_ is None:
            raise NotFittedError("the detector is not trained yet: call retrain() first")
        return self.detector_

    def region_proba(self, image: int) -> np.ndarray:
        """Class probabilities of the proposed regions of ``image`` (labels, background)."""
        return self._detector().region_proba(self.features(image))

    def detect_region(self, image: int, region: int) -> str:
        """The label the detector gives proposed region ``region`` of ``image`` (never
        the background: the question is "is this a <label>?")."""
        return self.labels[int(np.argmax(self.region_proba(image)[region, :-1]))]

    def detect(self, image: int) -> Detections:
        """The detector's boxes on pool image ``image``."""
        return self._detector().detections(self.proposals(image), self.region_proba(image))

    # ---------------------------------------------------------------- query
    def open_images(self) -> np.ndarray:
        """Pool images not fully annotated yet."""
        return np.asarray([i for i in self.pool.tolist() if i not in self.full_], dtype=np.intp)

    def rank(self) -> list[RegionQuery]:
        """Every open question, the one the strategy prefers first."""
        return rank_queries(self.strategy, self, self._rng)

    def query(self, n: int) -> list[RegionQuery]:
        """The ``n`` questions the strategy ranks first (fewer when the pool runs out)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConfigError(f"n must be a positive integer, got {n!r}")
        return self.rank()[:n]
