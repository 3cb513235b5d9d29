"""A matching project's model: a pair of records (left, right) to the same-entity probability.

The pipeline is a :class:`~activelab.tasks.matching.PairFeaturizer` (the per-field
similarities the retraining worker trains on, numeric fields on the scale of the
project's candidate pairs) and the project's pair classifier, fitted on the current
"same" / "different" answers (evaluation pairs held out) with random state 0. It takes
``[{"left": {field: value}, "right": {field: value}}, ...]``; ``predict_proba``'s
``"same"`` column is the match probability the annotate screen shows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...exceptions import DataError
from ...models import class_scores
from ...tasks.matching import PairFeaturizer, make_matching_model, stored_records
from ..echo import echo
from ..errors import ConflictError
from ..models import Item, Project
from .task_types import fixed_labels
from .training import SEED, training_labels

__all__ = ["build_matching_pipeline", "match_predictions"]


def _stored_pairs(session: Session, project: Project) -> tuple[list[int], list[dict[str, Any]]]:
    rows = session.execute(select(Item.id, Item.data).where(Item.project_id == project.id)
                           .order_by(Item.id).execution_options(yield_per=500))
    ids, pairs = [], []
    for item_id, data in rows:
        ids.append(int(item_id))
        pairs.append(data)
    if not pairs:
        raise DataError("the project has no candidate pairs; import two tables first")
    return ids, pairs


def _same(project: Project) -> str:
    return list(fixed_labels(project.task_type) or project.labels)[0]


def build_matching_pipeline(session: Session, project: Project) -> tuple[Pipeline, int]:
    """The pair featurisation and classifier, fitted on the project's current answers, and
    the answers used.

    Raises
    ------
    ConflictError
        The answers no longer hold both "same" and "different".
    """
    ids, pairs = _stored_pairs(session, project)
    featurizer = PairFeaturizer(dict(pairs[0].get("kinds") or {}))
    X = featurizer.fit_transform(stored_records(pairs))
    labels = training_labels(session, project)
    rows = np.array(sorted(r for r, i in enumerate(ids) if i in labels), dtype=np.intp)
    y = np.array([str(labels[ids[r]]) for r in rows])
    if len(set(y.tolist())) < 2:
        raise ConflictError(f"project {project.id} has answers of fewer than two kinds now; "
                            "a model needs both 'same' and 'different'")
    classifier = make_matching_model(project.model_name, random_state=SEED).fit(X[rows], y)
    return Pipeline([("pairs", featurizer), ("model", classifier)]), len(rows)


def _check_fields(featurizer: PairFeaturizer, pairs: list[dict[str, Any]]) -> None:
    fields = list(featurizer.fields_)
    for i, pair in enumerate(pairs):
        for side in ("left", "right"):
            missing = [f for f in fields if f not in pair[side]]
            if missing:
                raise DataError(f"pair {i}: the {side} record lacks field(s) "
                                f"{echo(missing, 300)}; the model compares the fields "
                                f"{echo(fields, 600)} (null for a missing value)")


def match_predictions(pipeline: Pipeline, project: Project, pairs: list[dict[str, Any]]
                      ) -> dict[str, Any]:
    """Each pair's verdict, its class probabilities and its match probability.

    Raises
    ------
    DataError
        A record lacks a compared field, or a value does not fit its field's kind.
    """
    featurizer, classifier = pipeline[0], pipeline[-1]
    _check_fields(featurizer, pairs)
    X = featurizer.transform(pairs)  # once for both outputs: string similarities cost most
    classes = [str(c) for c in classifier.classes_]
    probabilities = class_scores(classifier, X)
    same = _same(project)
    return {"classes": classes,
            "predictions": [str(v) for v in classifier.predict(X)],
            "probabilities": probabilities.tolist(),
            "match_probability": probabilities[:, classes.index(same)].tolist()}
