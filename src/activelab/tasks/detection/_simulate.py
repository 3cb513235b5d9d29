"""Simulated region-level active learning against known boxes, one seed at a time.

The budget, the seed set and each round are counted in annotation cost: one unit per
box confirmed, corrected, drawn or rejected (see :mod:`._oracle`). The seed set is
random whole images annotated from scratch; each round then takes the strategy's
questions in order until the round has cost ``batch`` (the last question may go a
little over). After each round the detector is retrained and scored by mAP@0.5 on
held-out images.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from ..._random import derive_seed
from ...exceptions import ConfigError
from ...simulation import check_loop_sizes
from ..curves import TaskCurves
from ._boxes import to_pixels
from ._learner import DetectionLearner
from ._metrics import Detections, mean_average_precision
from ._model import REGION_CLASSIFIERS, RegionDetector
from ._oracle import PROPOSAL_SCORE, AnnotationCost, annotate_image, annotate_region
from ._regions import propose_regions, region_features
from ._strategies import RegionQuery, get_detection_strategy

__all__ = ["DETECTION_METRICS", "run_detection_cell", "simulate_detection",
           "load_detection_data"]

#: What each round records: mAP@0.5 on held-out images, then the box actions so far.
DETECTION_METRICS = ("map50", "boxes_confirmed", "boxes_corrected", "boxes_drawn",
                     "boxes_rejected")


def load_detection_data(data: Any) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
    """Images (n, height, width) and their boxes from a dataset name or a Dataset."""
    from ...data import load_dataset

    dataset = load_dataset(data) if isinstance(data, str) else data
    if dataset.task != "detection":
        raise ConfigError(f"{dataset.name} is a {dataset.task} dataset; --task detection "
                          "needs images with boxes, such as cluttered-digits")
    return dataset.X, list(dataset.y)


#: The full-pool mAP of the split last run (named data only): strategies of a seed share it.
_FULL_MAP: dict[Any, float] = {}


class _Evaluator:
    """mAP@0.5 of a detector on held-out images, their regions computed once."""

    def __init__(self, images: np.ndarray, rows: np.ndarray,
                 boxes: list[list[dict[str, Any]]]) -> None:
        height, width = images.shape[1:]
        self.truths = [to_pixels(boxes[i], width, height) for i in rows.tolist()]
        self.proposals = [propose_regions(images[i]) for i in rows.tolist()]
        self.features = [region_features(images[i], p)
                         for i, p in zip(rows.tolist(), self.proposals, strict=True)]
        self._sizes = [len(p) for p in self.proposals]
        self._stacked = np.vstack(self.features)

    def score(self, detector: RegionDetector) -> float:
        proba = detector.region_proba(self._stacked)
        parts = np.split(proba, np.cumsum(self._sizes)[:-1])
        found = [detector.detections(boxes, p) for boxes, p in zip(self.proposals, parts,
                                                                   strict=True)]
        return mean_average_precision(found, self.truths)


def _ask(learner: DetectionLearner, query: RegionQuery, boxes: list[list[dict[str, Any]]],
         taken: dict[int, np.ndarray]) -> AnnotationCost:
    """Put ``query`` to the simulated annotator, teach the answer, return its cost."""
    height, width = learner.images.shape[1:]
    truth, labels = to_pixels(boxes[query.image], width, height)
    cost = AnnotationCost()
    if query.region is None:
        shown = Detections()
        if learner.detector_ is not None:
            found = learner.detect(query.image)
            keep = found.scores >= PROPOSAL_SCORE
            shown = Detections(found.boxes[keep], [n for n, k in zip(found.labels, keep,
                                                                      strict=True) if k],
                               found.scores[keep])
        answer, cost = annotate_image(shown, truth, labels, width, height)
        learner.teach_image(query.image, answer)
        return cost
    used = taken.setdefault(query.image, np.zeros(len(truth), dtype=bool))
    box = learner.proposals(query.image)[query.region]
    guess = learner.detect_region(query.image, query.region)
    corners, label, index, action = annotate_region(box, guess, truth, labels, used)
    if index is not None:
        used[index] = True
    answer = [] if label is None else [
        {"x": corners[0] / width, "y": corners[1] / height, "w": (corners[2] - corners[0]) / width,
         "h": (corners[3] - corners[1]) / height, "label": label}]
    learner.teach_region(query.image, query.region, answer)
    setattr(cost, action, 1)
    return cost


def run_detection_cell(data: Any, *, model: str | None, strategy: str, seed: int,
                       initial: int, batch: int, budget: int, test_size: float,
                       master_seed: int) -> TaskCurves:
    """One seed of region-level active learning (the bench's cell; ``activelab simulate``).

    Parameters
    ----------
    data : str or Dataset
        A detection dataset (``"cluttered-digits"``).
    model : str or None
        The patch classifier (:data:`REGION_CLASSIFIERS`; default ``"logreg"``).
    strategy : str
    seed : int
    initial, batch, budget : int
        Annotation cost of the seed set, of each round, and in all.
    test_size : float
        Fraction of images held out for mAP@0.5.
    master_seed : int
        Seed ``seed`` derives its split, seed set and learner seed from
        ``SeedSequence(master_seed, spawn_key=(seed,))`` alone.

    Returns
    -------
    TaskCurves
        ``n_labels`` is the annotation cost after each round; metrics are
        :data:`DETECTION_METRICS`; ``reference["full_map50"]`` is the mAP@0.5 of the
        detector trained on every pool image fully annotated.
    """
    model = model or "logreg"
    if model not in REGION_CLASSIFIERS:
        raise ConfigError(f"unknown region classifier {model!r}; choose one of "
                          f"{', '.join(REGION_CLASSIFIERS)}")
    get_detection_strategy(strategy)  # fails early on an unknown name
    check_loop_sizes(initial=initial, batch=batch, budget=budget, seeds=1, test_size=test_size,
                     min_initial=1)
    images, boxes = load_detection_data(data)
    labels = sorted({box["label"] for answer in boxes for box in answer})
    split_seq, initial_seq, learner_seq = np.random.SeedSequence(
        entropy=master_seed, spawn_key=(seed,)).spawn(3)
    pool, test = train_test_split(np.arange(len(images)), test_size=test_size,
                                  random_state=derive_seed(split_seq))
    pool, test = np.sort(pool), np.sort(test)
    evaluator = _Evaluator(images, test, boxes)
    learner = DetectionLearner(images, labels, strategy=strategy, classifier=model, pool=pool,
                               random_state=derive_seed(learner_seq))
    spent, taken = AnnotationCost(), dict[int, np.ndarray]()
    curves = TaskCurves(metrics={name: [] for name in DETECTION_METRICS})
    query_seconds = 0.0
    queue = [RegionQuery(int(i)) for i in np.random.default_rng(initial_seq).permutation(pool)]
    limit = initial
    while True:
        for query in queue:
            if spent.total >= limit:
                break
            spent.add(_ask(learner, query, boxes, taken))
        begin_fit = time.perf_counter()
        learner.retrain()
        fit_seconds = time.perf_counter() - begin_fit
        curves.n_labels.append(spent.total)
        curves.metrics["map50"].append(evaluator.score(learner._detector()))
        for name, count in spent.as_dict().items():
            curves.metrics[f"boxes_{name}"].append(float(count))
        curves.query_seconds.append(query_seconds)
        curves.fit_seconds.append(fit_seconds)
        if spent.total >= budget or not len(learner.open_images()):
            break
        limit = min(budget, spent.total + batch)
        start = time.perf_counter()
        queue = learner.rank()
        query_seconds = time.perf_counter() - start
        if not queue:
            break
    key = (data, master_seed, seed, test_size, model) if isinstance(data, str) else None
    if key not in _FULL_MAP:
        full = DetectionLearner(images, labels, classifier=model, pool=pool,
                                random_state=derive_seed(learner_seq))
        for i in pool.tolist():
            full.teach_image(i, boxes[i])
        _FULL_MAP.clear()  # one split's figure at a time: every strategy of a seed shares it
        _FULL_MAP[key] = evaluator.score(full.retrain()._detector())
    curves.reference = {"full_map50": _FULL_MAP[key]}
    return curves.check()


def simulate_detection(data: Any = "cluttered-digits", *, model: str | None = None,
                       strategy: str = "entropy-sum", initial: int = 20, batch: int = 10,
                       budget: int = 60, seeds: int = 2, test_size: float = 0.25,
                       master_seed: int = 0) -> list[TaskCurves]:
    """:func:`run_detection_cell` for seeds ``0 .. seeds - 1``: one TaskCurves each.

    Examples
    --------
    >>> from activelab.data import load_cluttered_digits
    >>> runs = simulate_detection(load_cluttered_digits(80), strategy="entropy-sum",
    ...                           initial=10, batch=10, budget=20, seeds=1)
    >>> runs[0].n_labels[0] >= 10 and 0.0 <= runs[0].metrics["map50"][-1] <= 1.0
    True
    """
    if seeds < 1:
        raise ConfigError(f"seeds must be at least 1, got {seeds}")
    return [run_detection_cell(data, model=model, strategy=strategy, seed=seed,
                               initial=initial, batch=batch, budget=budget,
                               test_size=test_size, master_seed=master_seed)
            for seed in range(seeds)]
