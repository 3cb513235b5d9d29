"""Featurisation per task: TF-IDF for text, downscaled pixels for images, numeric columns."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from ...exceptions import DataError
from ...models.factory import make_text_vectorizer
from ..models import Item, TaskType

__all__ = ["Features", "load_features", "model_kind", "image_pixels", "text_vectorizer",
           "tabular_columns", "IMAGE_SIDE"]

#: Images are converted to grayscale and resized to IMAGE_SIDE x IMAGE_SIDE pixels.
IMAGE_SIDE = 16
_CHUNK = 500


class Features:
    """The feature matrix of a project's items, row ``i`` belonging to ``item_ids[i]``.

    ``signature`` is (items, largest id, featurizer): it changes when items are
    added or removed or the project's featurizer changes.
    """

    def __init__(self, item_ids: np.ndarray, X: Any, signature: tuple[Any, ...]) -> None:
        self.item_ids = item_ids
        self.X = X
        self.signature = signature
        self.row_of = {int(item_id): row for row, item_id in enumerate(item_ids.tolist())}


def model_kind(task_type: str, featurizer: str = "auto") -> str:
    """The ``activelab.models.make_model`` data kind of the features of a task."""
    if task_type in (TaskType.text_classification, TaskType.multilabel_text):
        return "tabular" if featurizer == "embeddings" else "sparse"
    if task_type in (TaskType.image_classification, TaskType.image_regions):
        return "image"
    return "tabular"


def image_pixels(raw: bytes | None) -> np.ndarray:
    """An image as IMAGE_SIDE² grayscale values in [0, 1] (zeros for no image)."""
    if not raw:
        return np.zeros(IMAGE_SIDE * IMAGE_SIDE)
    with Image.open(io.BytesIO(raw)) as image:
        small = image.convert("L").resize((IMAGE_SIDE, IMAGE_SIDE), Image.Resampling.BILINEAR)
        return np.asarray(small, dtype=float).ravel() / 255.0


def text_vectorizer(n_texts: int) -> Any:
    """The unfitted TF-IDF vectorizer of a text project with ``n_texts`` items."""
    # dtype as a type: make_text_vectorizer's string "float64" makes scikit-learn warn.
    vectorizer = make_text_vectorizer().set_params(dtype=np.float64)
    if n_texts < 50:
        vectorizer.set_params(min_df=1)  # tiny projects: keep every word
    return vectorizer


def _text_features(texts: list[str]) -> Any:
    try:
        return text_vectorizer(len(texts)).fit_transform(texts)
    except ValueError as error:  # empty vocabulary
        raise DataError(f"cannot build TF-IDF features: {error}") from None


def _embedding_features(texts: list[str]) -> np.ndarray:
    """Sentence embeddings (MiniLM, 384 dimensions) of the texts; needs the embeddings extra."""
    from ...features import SentenceEmbedder

    return np.asarray(SentenceEmbedder().fit_transform(texts), dtype=np.float64)


def tabular_columns(rows: list[dict[str, float | None]]) -> list[str]:
    """The feature columns of a tabular project's items, in the order of its features."""
    return sorted({name for row in rows for name in row})


def _tabular_features(rows: list[dict[str, float | None]]) -> np.ndarray:
    columns = tabular_columns(rows)
    X = np.full((len(rows), len(columns)), np.nan)
    for i, row in enumerate(rows):
        for j, name in enumerate(columns):
            value = row.get(name)
            if value is not None:
                X[i, j] = value
    for j in range(X.shape[1]):  # impute missing values with the column mean (0 if none)
        column = X[:, j]
        missing = np.isnan(column)
        if missing.any():
            column[missing] = column[~missing].mean() if (~missing).any() else 0.0
    return X


def signature_of(session: Session, project_id: int) -> tuple[int, int]:
    """(number of items, largest item id): changes whenever items are added or removed."""
    count, largest = session.execute(select(func.count(), func.max(Item.id))
                                     .where(Item.project_id == project_id)).one()
    return int(count or 0), int(largest or 0)


def load_features(session: Session, project_id: int, task_type: str,
                  featurizer: str = "auto") -> Features:
    """Featurise every item of a project, reading items in chunks.

    ``featurizer="embeddings"`` (text projects) gives sentence embeddings
    instead of TF-IDF.

    Raises
    ------
    DataError
        When the project has no items (or no usable text).
    """
    signature = (*signature_of(session, project_id), featurizer)
    if signature[0] == 0:
        raise DataError("the project has no items; import some first")
    query = select(Item).where(Item.project_id == project_id).order_by(Item.id)
    is_image = task_type in (TaskType.image_classification, TaskType.image_regions)
    if is_image:
        query = query.options(undefer(Item.image))
    query = query.execution_options(yield_per=_CHUNK)
    ids: list[int] = []
    if is_image:
        X: Any = np.empty((signature[0], IMAGE_SIDE * IMAGE_SIDE))
        for row, item in enumerate(session.scalars(query)):
            ids.append(item.id)
            X[row] = image_pixels(item.image)
            session.expunge(item)
        X = X[:len(ids)]
    else:
        values: list[Any] = []
        for item in session.scalars(query):
            ids.append(item.id)
            values.append(item.data.get("text", "") if task_type != TaskType.tabular_classification
                          else item.data.get("columns", {}))
        if task_type == TaskType.tabular_classification:
            X = _tabular_features(values)
        else:
            X = _embedding_features(values) if featurizer == "embeddings" \
                else _text_features(values)
    return Features(np.asarray(ids, dtype=np.int64), X, signature)
