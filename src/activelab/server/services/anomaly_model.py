"""An anomaly project's model: an item's raw feature columns to an anomaly score and verdict.

:mod:`.model_export` makes the pipeline: its tabular featurisation (columns picked
by name, a missing value filled with the column's mean over the project's items)
and the task's :class:`~activelab.tasks.anomaly.SemiSupervisedDetector`, fitted as
the retraining worker fits it: its isolation forest on every item, its label model on
the current "anomaly" / "normal" answers (evaluation items held out), random state 0.
``score_samples`` is the suspicion the annotate screen shows, ``predict`` 1 for an
anomaly (score above ``threshold_``), and ``feature_deviations`` the robust z-scores
behind ``why.unusual``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from sqlalchemy.orm import Session

from ...tasks.anomaly import SemiSupervisedDetector, unusual_features
from ..models import Project
from .features import load_features, model_kind
from .task_types import server_hooks
from .training import SEED, training_labels

__all__ = ["fit_detector", "anomaly_predictions"]

ANOMALY, NORMAL = "anomaly", "normal"


def fit_detector(session: Session, project: Project) -> tuple[SemiSupervisedDetector, int]:
    """The project's detector fitted on its items and current answers, and the answers used."""
    # The worker's own features: the detector ranks the items exactly as the queue does.
    features = load_features(session, project.id, project.task_type)
    labels = training_labels(session, project)
    rows = np.array([features.row_of[i] for i in labels if i in features.row_of],
                    dtype=np.intp)
    answers = [labels[int(features.item_ids[r])] for r in rows]
    learner = server_hooks(project.task_type).train(
        features.X, rows, answers, labels=project.labels, model=project.model_name,
        kind=model_kind(project.task_type, project.featurizer),
        strategy=project.strategy_name, random_state=SEED)
    return learner.model_, len(rows)


def anomaly_predictions(pipeline: Pipeline, frame: pd.DataFrame) -> dict[str, Any]:
    """Each row's verdict, anomaly score and the features that deviate most.

    ``frame`` holds the pipeline's feature columns (checked by the caller).
    """
    X = pipeline[:-1].transform(frame)
    detector = pipeline[-1]
    scores = detector.score_samples(X)
    names = [str(c) for c in pipeline.feature_names_in_]
    return {"classes": [],
            "predictions": [ANOMALY if s > detector.threshold_ else NORMAL
                            for s in scores.tolist()],
            "probabilities": None, "scores": scores.tolist(),
            "threshold": float(detector.threshold_),
            "unusual": unusual_features(X, detector.feature_deviations(X), names)}
