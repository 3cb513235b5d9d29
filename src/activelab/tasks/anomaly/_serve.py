"""What the annotation server asks of anomaly detection: train on answers, a suspicion
with the features that make an item unusual."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...pool import Pool
from ._detector import SemiSupervisedDetector
from ._deviations import UNUSUAL_FEATURES, deviation_scale, scaled_deviations, unusual_features
from ._learner import AnomalyLearner

__all__ = ["train", "describe_guess", "answer_codes", "feature_deviations", "UNUSUAL_FEATURES"]


def answer_codes(answers: Sequence[Any]) -> list[int]:
    """The detector's targets of ``"anomaly"`` / ``"normal"`` answers: 1 and 0.

    Examples
    --------
    >>> answer_codes(["anomaly", "normal"])
    [1, 0]
    """
    return [1 if answer == "anomaly" else 0 for answer in answers]


def train(X: Any, rows: np.ndarray, answers: Sequence[Any], *, labels: Sequence[str] = (),
          model: str, kind: str = "tabular", strategy: str,
          random_state: int = 0) -> AnomalyLearner:
    """A learner over all of ``X`` taught the ``"anomaly"`` / ``"normal"`` answers at ``rows``.

    ``labels`` and ``kind`` are part of the server's call and unused: the answers are
    fixed and the detector takes numeric rows. The detector is fitted even with no
    answer (its isolation forest needs none), so its ``model_`` ranks every item from
    the start; ``model`` names the label model (:data:`DETECTOR_NAMES`).
    """
    del labels, kind
    detector = SemiSupervisedDetector(classifier=model, random_state=random_state)
    learner = AnomalyLearner(detector, Pool(X, classes=[0, 1]), strategy,
                             random_state=random_state)
    learner.teach(np.asarray(rows, dtype=np.intp), answer_codes(answers))
    return learner


def feature_deviations(X: np.ndarray) -> np.ndarray:
    """How far each value lies from its column's median, in robust standard deviations.

    The spread is the median absolute deviation (scaled to a normal's standard
    deviation), or the standard deviation where more than half a column is one value;
    a constant column deviates nowhere.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples, n_features)

    Examples
    --------
    >>> feature_deviations(np.array([[1.0], [2.0], [3.0], [10.0]])).round(2).ravel().tolist()
    [-1.01, -0.34, 0.34, 5.06]
    """
    return scaled_deviations(X, *deviation_scale(X))


def describe_guess(learner: AnomalyLearner, rows: np.ndarray,
                   feature_names: Sequence[str] | None = None
                   ) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The detector's verdict on the items at ``rows`` of the pool, and their suspicion.

    Returns
    -------
    guesses : list of dict
        ``{"guess": "anomaly" | "normal", "suspicion": score, "threshold": threshold,
        "unusual": [{"feature": name, "value": value, "deviation": z}, ...]}`` per
        row: the :data:`UNUSUAL_FEATURES` features that deviate most from their
        column's median (in robust standard deviations, see
        :func:`feature_deviations`), the furthest first.
    suspicion : ndarray of shape (n_rows,)
        The anomaly score in [0, 1] (higher: more anomalous).
    """
    detector = learner.model_
    X = learner.pool.X
    names = list(feature_names) if feature_names is not None \
        else [f"x{j}" for j in range(X.shape[1])]
    suspicion = np.asarray(detector.scores_, dtype=float)[rows]
    unusual = unusual_features(X[rows], feature_deviations(X)[rows], names)
    guesses = [{"guess": "anomaly" if suspicion[i] > detector.threshold_ else "normal",
                "suspicion": float(suspicion[i]), "threshold": float(detector.threshold_),
                "unusual": unusual[i]} for i in range(len(unusual))]
    return guesses, suspicion
