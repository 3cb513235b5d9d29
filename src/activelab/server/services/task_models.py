"""Predictions of the models of project types that are not classifiers of item features:
anomaly projects (:mod:`.anomaly_model`) and matching projects (:mod:`.matching_model`).

The predict endpoint goes through :func:`predict_items`, which sends every other
project type to :func:`.model_export.predict`.
"""

from __future__ import annotations

from typing import Any

from ...exceptions import DataError
from ..models import Project, TaskType
from . import model_export
from .anomaly_model import anomaly_predictions
from .matching_model import match_predictions

__all__ = ["predict_items"]

#: The predict request's field of each of these project types.
_FIELD = {TaskType.anomaly.value: "rows", TaskType.matching.value: "pairs"}


def predict_items(model: model_export.ProjectModel, project: Project,
                  rows: list[dict[str, float | None]] | None, texts: list[str] | None,
                  images: list[str] | None, pairs: list[dict[str, Any]] | None
                  ) -> dict[str, Any]:
    """Predictions of ``model`` for the items of one kind sent to the predict endpoint.

    Raises
    ------
    DataError
        Items of another kind than the project's, a row that lacks a feature or has an
        unknown one, a record that lacks a compared field or a value of the wrong kind.
    """
    field = _FIELD.get(model.task_type)
    if field is None:
        if pairs is not None:
            raise DataError(f"a {model.task_type} project does not compare pairs of records; "
                            "send its items as it imported them ('rows', 'texts' or 'images')")
        return model_export.predict(model, rows, texts, images)
    given = {"rows": rows, "texts": texts, "images": images, "pairs": pairs}
    sent = [name for name, value in given.items() if value is not None]
    if sent != [field]:
        raise DataError(f"a {model.task_type} project predicts from '{field}'; the request "
                        f"sent {', '.join(repr(s) for s in sent) or 'no items'}")
    head = {"model_version": model.version, "n_labels": model.n_labels}
    if pairs is not None:
        return {**head, **match_predictions(model.pipeline, project, pairs)}
    frame = model_export._tabular_input(model.pipeline, rows or [])
    return {**head, **anomaly_predictions(model.pipeline, frame)}
