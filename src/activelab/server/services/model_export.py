"""A project's model as one scikit-learn pipeline: downloaded in the skops format, and
behind the predict endpoint.

The pipeline is fitted on the project's current labels (evaluation items held
out) with the project's model, random state and featurisation, as the
retraining worker fits it, so it takes items as they were imported:

- tabular projects: a DataFrame with the feature columns (``feature_names_in_``,
  in any order; other columns are ignored); a missing value (NaN) becomes the
  column's mean over the project's items, as in training;
- text projects: a list of strings; the TF-IDF vocabulary is fitted on the
  project's items, as in training; with the embeddings featurizer the first step
  is a :class:`~activelab.features.SentenceEmbedder`, which stores only the
  offline model's name and loads the network from it;
- image projects: rows of ``IMAGE_SIDE**2`` grayscale pixels in [0, 1]
  (:func:`activelab.tasks.classification.pixels`).

Anomaly and matching projects have their own pipelines: an anomaly project's goes
from the feature columns to the detector's anomaly score and verdict
(:mod:`.anomaly_model`), a matching project's from pairs of records to the
same-entity probability (:mod:`.matching_model`); :mod:`.task_models` serves their
predictions.

A regression project's pipeline predicts the value; the predict endpoint adds
the 95% interval the annotate screen shows (the model's own predictive std, or
the spread of a bagged committee for models without one).  A multi-label
project's pipeline (multi-label text, image regions) ends in one binary model per
label (:mod:`.multilabel_model`) and predicts the set of labels.

The torch models store their network as NumPy weights (see
:mod:`activelab.models.torch_nets`), so skops keeps them as data too.
"""

from __future__ import annotations

import base64
import binascii
import threading
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...exceptions import DataError, MissingDependencyError
from ...features import SentenceEmbedder
from ...models import class_scores, make_model
from ...tasks.classification import pixels as image_pixels
from ...tasks.classification import tabular_columns, text_vectorizer
from ...tasks.regression import RegressionLearner, describe_guess
from ...tasks.regression import train as train_regressor
from ..echo import echo
from ..errors import ConflictError
from ..models import Item, ModelSnapshot, Project, TaskType
from .anomaly_model import fit_detector
from .features import load_features, model_kind, signature_of
from .matching_model import build_matching_pipeline
from .multilabel_model import fit_binary_relevance, label_probabilities, label_sets
from .task_types import data_kind, takes_numbers
from .tasks import check_image_bytes
from .training import MULTI_LABEL_TASKS, SEED, label_events, training_labels

__all__ = ["ProjectModel", "FittedModelCache", "ModelCache", "model_info", "build_model",
           "dump_model", "predict", "MAX_PREDICT_ITEMS", "SKOPS_MEDIA_TYPE"]

M = TypeVar("M")

#: The most items one predict request may send.
MAX_PREDICT_ITEMS = 1000
SKOPS_MEDIA_TYPE = "application/octet-stream"


@dataclass
class ProjectModel:
    """A fitted pipeline and what it was fitted on."""

    pipeline: Pipeline
    version: int          # the project's latest model snapshot
    n_labels: int         # labels the pipeline was fitted on
    task_type: str
    #: Regression: the learner over the training rows, for the intervals of predictions.
    learner: RegressionLearner | None = None

    @property
    def multi_label(self) -> bool:
        """Whether the pipeline predicts a set of labels per item."""
        return self.task_type in MULTI_LABEL_TASKS


def _latest_version(session: Session, project_id: int) -> int | None:
    return session.scalar(select(func.max(ModelSnapshot.version))
                          .where(ModelSnapshot.project_id == project_id))


def model_info(session: Session, project: Project) -> dict[str, Any]:
    """The latest model snapshot of a project (``version`` None before the first model)."""
    snapshot = session.scalar(select(ModelSnapshot).where(ModelSnapshot.project_id == project.id)
                              .order_by(ModelSnapshot.version.desc()).limit(1))
    if snapshot is None:
        return {"version": None, "n_labeled": 0, "created_at": None, "model_name":
                project.model_name, "exportable": _unsupported(project) is None}
    return {"version": snapshot.version, "n_labeled": snapshot.n_labeled,
            "created_at": snapshot.created_at, "model_name": snapshot.model_name,
            "exportable": _unsupported(project) is None}


#: Project types whose model is not exported yet, and why.
_NOT_EXPORTED = {TaskType.clustering: "a clustering project's result is its clusters (GET "
                 ".../export?format=clusters), not a model"}


def _unsupported(project: Project) -> str | None:
    """Why the project's model cannot be exported (None: it can)."""
    if project.task_type in _NOT_EXPORTED:
        return _NOT_EXPORTED[TaskType(project.task_type)]
    return None


def _check_exportable(session: Session, project: Project) -> int:
    """The latest model version; ConflictError when there is none or it cannot be exported."""
    reason = _unsupported(project)
    if reason is not None:
        raise ConflictError(f"cannot export or serve the model of project {project.id}: "
                            f"{reason}; export covers classification and regression "
                            "projects")
    version = _latest_version(session, project.id)
    if version is None:
        raise ConflictError(f"project {project.id} has no model yet: label items of at least "
                            "two classes and wait for the retraining worker "
                            f"(GET /api/projects/{project.id}/model/info gives its version)")
    return version


def _raw_values(session: Session, project: Project) -> tuple[list[int], list[Any]]:
    """Item ids and their raw text or feature dicts, in item order (as training reads them)."""
    key = "columns" if data_kind(project.task_type) == "tabular" else "text"
    empty: Any = {} if key == "columns" else ""
    rows = session.execute(select(Item.id, Item.data).where(Item.project_id == project.id)
                           .order_by(Item.id).execution_options(yield_per=500))
    ids, values = [], []
    for item_id, data in rows:
        ids.append(int(item_id))
        values.append(data.get(key, empty))
    return ids, values


def _featurizer(session: Session, project: Project) -> tuple[list[tuple[str, Any]], list[int],
                                                                Any]:
    """(fitted pipeline steps before the model, item ids, feature matrix of every item)."""
    if data_kind(project.task_type) == "image":
        features = load_features(session, project.id, project.task_type)
        return [], features.item_ids.tolist(), features.X
    ids, values = _raw_values(session, project)
    if not ids:
        raise DataError("the project has no items; import some first")
    if data_kind(project.task_type) == "tabular":
        columns = tabular_columns(values)
        frame = pd.DataFrame.from_records(values, columns=columns).astype(float)
        # Columns picked by name: a DataFrame's columns may come in any order.
        features = ColumnTransformer(
            [("impute", SimpleImputer(strategy="mean", keep_empty_features=True), columns)],
            remainder="drop", verbose_feature_names_out=False).fit(frame)
        return [("features", features)], ids, features.transform(frame)
    if project.featurizer == "embeddings":
        embedder = SentenceEmbedder()  # as the worker's features: the offline MiniLM
        return [("embed", embedder)], ids, np.asarray(embedder.fit_transform(values),
                                                      dtype=np.float64)
    vectorizer = text_vectorizer(len(values))
    try:
        X = vectorizer.fit_transform(values)
    except ValueError as error:  # empty vocabulary
        raise DataError(f"cannot build TF-IDF features: {error}") from None
    return [("tfidf", vectorizer)], ids, X


def build_model(session: Session, project: Project) -> ProjectModel:
    """Fit the project's pipeline on its current labels.

    Raises
    ------
    ConflictError
        The project has no model yet, or its labels no longer hold two classes.
    """
    version = _check_exportable(session, project)
    task_model = _task_model(session, project, version)
    if task_model is not None:
        return task_model
    labels = training_labels(session, project)
    steps, ids, X = _featurizer(session, project)
    row_of = {item_id: row for row, item_id in enumerate(ids)}
    rows = np.array([row_of[i] for i in labels if i in row_of], dtype=np.intp)
    if project.task_type in MULTI_LABEL_TASKS:
        return _multilabel_model(project, steps, X, rows, [labels[ids[r]] for r in rows],
                                 version)
    if takes_numbers(project.task_type):
        return _regression_model(project, steps, X, rows, [labels[ids[r]] for r in rows],
                                 version)
    y = np.array([str(labels[ids[r]]) for r in rows])
    if len(set(y.tolist())) < 2:
        raise ConflictError(f"project {project.id} has labels of fewer than two classes "
                            "now; a model needs two")
    estimator = make_model(project.model_name, model_kind(project.task_type, project.featurizer),
                           random_state=SEED)
    estimator.fit(X[rows], y)
    pipeline = Pipeline([*steps, ("model", estimator)])
    return ProjectModel(pipeline, version, len(rows), project.task_type)


def _task_model(session: Session, project: Project, version: int) -> ProjectModel | None:
    """The pipeline of an anomaly or matching project (None for other types)."""
    if project.task_type == TaskType.anomaly:
        steps, _, _ = _featurizer(session, project)
        detector, n_labels = fit_detector(session, project)
        return ProjectModel(Pipeline([*steps, ("detector", detector)]), version, n_labels,
                            project.task_type)
    if project.task_type == TaskType.matching:
        pipeline, n_labels = build_matching_pipeline(session, project)
        return ProjectModel(pipeline, version, n_labels, project.task_type)
    return None


def _regression_model(project: Project, steps: list[tuple[str, Any]], X: Any, rows: np.ndarray,
                      answers: list[Any], version: int) -> ProjectModel:
    """The regressor fitted as the worker fits it, and the learner that gives intervals."""
    if len(rows) < 2:
        raise ConflictError(f"project {project.id} has fewer than two answers now; a model "
                            "needs two")
    order = np.argsort(rows, kind="stable")  # item order, as the worker's pool holds them
    learner = train_regressor(X[rows[order]], np.arange(len(rows)),
                              [answers[i] for i in order], model=project.model_name,
                              kind=model_kind(project.task_type, project.featurizer),
                              strategy=project.strategy_name, random_state=SEED)
    pipeline = Pipeline([*steps, ("model", learner.model_)])
    return ProjectModel(pipeline, version, len(rows), project.task_type, learner)


def _multilabel_model(project: Project, steps: list[tuple[str, Any]], X: Any,
                      rows: np.ndarray, answers: list[Any], version: int) -> ProjectModel:
    """One binary model per label, fitted on the rows in item order as the worker's pool."""
    if len(rows) == 0:
        raise ConflictError(f"project {project.id} has no labels now; a model needs some")
    order = np.argsort(rows, kind="stable")
    present = [_labels_of(project.task_type, answers[i]) for i in order]
    estimator = make_model(project.model_name, model_kind(project.task_type, project.featurizer),
                           random_state=SEED)
    model = fit_binary_relevance(estimator, X[rows[order]], present, list(project.labels))
    return ProjectModel(Pipeline([*steps, ("model", model)]), version, len(rows),
                        project.task_type)


def _labels_of(task_type: str, answer: Any) -> set[str]:
    """The labels of a multi-label answer: its names, or its boxes' classes."""
    if task_type == TaskType.image_regions:
        return {str(box["label"]) for box in answer}
    return {str(name) for name in answer}


def _skops() -> Any:
    try:
        import skops.io
    except ImportError:
        raise MissingDependencyError("skops", "server", "Exporting a project's model") from None
    return skops.io


def dump_model(model: ProjectModel) -> bytes:
    """The pipeline in the skops format (load it with ``skops.io.loads(..., trusted=...)``)."""
    return bytes(_skops().dumps(model.pipeline))


class FittedModelCache(Generic[M]):
    """Fitted models per project, refitted when :meth:`_key` changes.

    Predict requests would otherwise refit the model each time.  Thread-safe;
    keeps the latest model of at most ``size`` projects.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._models: dict[int, tuple[tuple[Any, ...], M]] = {}
        self._lock = threading.Lock()

    def _key(self, session: Session, project: Project) -> tuple[Any, ...]:
        raise NotImplementedError

    def _build(self, session: Session, project: Project) -> M:
        raise NotImplementedError

    def get(self, session: Session, project: Project) -> M:
        key = self._key(session, project)
        with self._lock:
            cached = self._models.get(project.id)
        if cached is not None and cached[0] == key:
            return cached[1]
        model = self._build(session, project)
        with self._lock:
            self._models.pop(project.id, None)
            self._models[project.id] = (key, model)
            while len(self._models) > self.size:
                self._models.pop(next(iter(self._models)))
        return model


class ModelCache(FittedModelCache[ProjectModel]):
    """Fitted pipelines per project, refitted when labels, items, model or featurizer change."""

    def _key(self, session: Session, project: Project) -> tuple[Any, ...]:
        return (label_events(session, project.id), *signature_of(session, project.id),
                project.model_name, project.featurizer, project.task_type,
                _latest_version(session, project.id))

    def _build(self, session: Session, project: Project) -> ProjectModel:
        return build_model(session, project)


def _tabular_input(pipeline: Pipeline, rows: list[dict[str, float | None]]) -> pd.DataFrame:
    columns = [str(c) for c in pipeline.feature_names_in_]
    known = set(columns)
    for i, row in enumerate(rows):
        missing = [c for c in columns if c not in row]
        unknown = [c for c in row if c not in known]
        if missing or unknown:
            problems = []
            if missing:
                problems.append(f"lacks feature(s) {echo(missing, 300)}")
            if unknown:
                problems.append(f"has unknown feature(s) {echo(unknown, 300)}")
            raise DataError(f"item {i}: {' and '.join(problems)}; the model takes the columns "
                            f"{echo(columns, 600)} (null for a missing value)")
    return pd.DataFrame.from_records(rows, columns=columns).astype(float)


def _image_input(images: list[str]) -> np.ndarray:
    pixels = []
    for i, text in enumerate(images):
        encoded = text.partition(",")[2] if text.startswith("data:") else text
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise DataError(f"item {i}: not valid base64") from None
        check_image_bytes(raw, f"item {i}")
        pixels.append(image_pixels(raw))
    return np.vstack(pixels)


def _before_model(pipeline: Pipeline, X: Any) -> Any:
    """``X`` through the pipeline's steps before its model."""
    return pipeline[:-1].transform(X) if len(pipeline) > 1 else X


#: The predict request's field of each kind of item.
_FIELD_OF_KIND = {"tabular": "rows", "text": "texts", "image": "images"}


def predict(model: ProjectModel, rows: list[dict[str, float | None]] | None,
            texts: list[str] | None, images: list[str] | None) -> dict[str, Any]:
    """Predicted labels and class probabilities (regression: values and 95% intervals;
    multi-label: label sets and each label's probability) of new items, one kind of
    which is given.

    Raises
    ------
    DataError
        The items are of another kind than the project's, or a row lacks a feature.
    """
    field = _FIELD_OF_KIND[data_kind(model.task_type)]
    given = {"rows": rows, "texts": texts, "images": images}
    sent = [name for name, value in given.items() if value is not None]
    if sent != [field]:
        raise DataError(f"a {model.task_type} project predicts from '{field}'; the request "
                        f"sent {', '.join(repr(s) for s in sent) or 'no items'}")
    X: Any
    if rows is not None:
        X = _tabular_input(model.pipeline, rows)
    elif images is not None:
        X = _image_input(images)
    else:
        X = texts
    if model.learner is not None:  # regression: values with their intervals
        features = _before_model(model.pipeline, X)  # sparse for text: kept as it is
        guesses, _ = describe_guess(model.learner, features, random_state=SEED)
        return {"model_version": model.version, "n_labels": model.n_labels, "classes": [],
                "predictions": [float(v) for v in model.pipeline.predict(X)],
                "probabilities": None,
                "intervals": [guess["interval"] for guess in guesses],
                "std": [guess["std"] for guess in guesses]}
    if model.multi_label:
        features = _before_model(model.pipeline, X)
        binary = model.pipeline[-1]
        return {"model_version": model.version, "n_labels": model.n_labels,
                "classes": [str(c) for c in binary.classes_],
                "predictions": label_sets(binary, features),
                "probabilities": label_probabilities(binary, features).tolist()}
    probabilities = class_scores(model.pipeline, X)
    return {"model_version": model.version, "n_labels": model.n_labels,
            "classes": [str(c) for c in model.pipeline.classes_],
            "predictions": [str(v) for v in model.pipeline.predict(X)],
            "probabilities": probabilities.tolist()}
