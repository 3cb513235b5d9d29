"""Features of imported items: TF-IDF or embeddings for text, numeric columns, small images.

Shared by the tasks the annotation server runs (classification, regression): each
declares them in its server hooks.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..exceptions import ConfigError, DataError
from ..models.factory import make_text_vectorizer

__all__ = ["build_features", "model_kind", "pixels", "text_vectorizer", "tabular_columns",
           "DATA_KINDS", "IMAGE_SIDE"]

#: What one imported item holds: a text, a mapping of column -> number, an image's bytes.
DATA_KINDS = ("text", "tabular", "image")
#: Images are converted to grayscale and resized to IMAGE_SIDE x IMAGE_SIDE pixels.
IMAGE_SIDE = 16


def _check_kind(data_kind: str) -> None:
    if data_kind not in DATA_KINDS:
        raise ConfigError(f"unknown data kind {data_kind!r}; choose one of "
                          f"{', '.join(DATA_KINDS)}")


def model_kind(data_kind: str, featurizer: str = "auto") -> str:
    """The :func:`activelab.models.make_model` kind of the features of ``data_kind`` items."""
    _check_kind(data_kind)
    if data_kind == "text":
        return "tabular" if featurizer == "embeddings" else "sparse"
    return data_kind


def pixels(raw: bytes | None) -> np.ndarray:
    """A grayscale IMAGE_SIDE x IMAGE_SIDE thumbnail of an image, as one row in [0, 1]."""
    from PIL import Image

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
    from ..features import SentenceEmbedder

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


def build_features(data_kind: str, values: Iterable[Any], featurizer: str = "auto") -> Any:
    """Features of imported items, one row per value.

    Parameters
    ----------
    data_kind : {"text", "tabular", "image"}
    values : iterable
        Read once, in order (images are thumbnailed as they arrive): one text, one
        mapping of column name -> number (None: missing, imputed with the column
        mean), or one image's bytes per item.
    featurizer : {"auto", "embeddings"}
        For text: TF-IDF, or sentence embeddings (extra ``embeddings``).

    Returns
    -------
    X : sparse matrix (TF-IDF) or ndarray of shape (n_items, n_features)

    Raises
    ------
    ConfigError
        An unknown data kind.
    DataError
        Texts with no usable word.
    """
    _check_kind(data_kind)
    if data_kind == "image":
        rows = [pixels(raw) for raw in values]
        return np.asarray(rows).reshape(len(rows), IMAGE_SIDE * IMAGE_SIDE)
    items = list(values)
    if data_kind == "tabular":
        return _tabular_features(items)
    return _embedding_features(items) if featurizer == "embeddings" else _text_features(items)
