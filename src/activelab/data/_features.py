"""Swapping raw text for sentence embeddings: ``load_dataset(..., features="minilm")``."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..exceptions import ConfigError
from ._dataset import Dataset

__all__ = ["TEXT_FEATURES", "check_features", "embed_dataset"]

#: Feature sets a text dataset can be loaded with, and the embedding model behind each.
TEXT_FEATURES = {"minilm": "all-MiniLM-L6-v2"}

# One embedder per model for the process, so loading the same texts twice embeds them once.
_EMBEDDERS: dict[str, Any] = {}


def check_features(features: str | None) -> str | None:
    """The normalised feature-set name; ConfigError for an unknown one."""
    if features is None:
        return None
    key = str(features).strip().lower()
    if key not in TEXT_FEATURES:
        raise ConfigError(f"unknown features {features!r}; choose one of "
                          f"{', '.join(TEXT_FEATURES)} (or None for raw text, featurised by "
                          f"the model's TF-IDF)")
    return key


def embed_dataset(dataset: Dataset, features: str) -> Dataset:
    """``dataset`` with its texts replaced by embeddings (kind ``"tabular"``, float64).

    Raises
    ------
    ConfigError
        ``dataset`` is not a text dataset, or ``features`` is unknown.
    MissingDependencyError
        The ``embeddings`` extra is not installed.
    """
    key = check_features(features)
    if key is None:
        raise ConfigError("features=None keeps the raw text; there is nothing to embed")
    if dataset.kind != "text":
        raise ConfigError(f"features={features!r} embeds text, but '{dataset.name}' is a "
                          f"{dataset.kind} dataset; drop features= for it")
    from ..features import SentenceEmbedder

    model = TEXT_FEATURES[key]
    embedder = _EMBEDDERS.setdefault(model, SentenceEmbedder(model))
    X = embedder.fit_transform(dataset.X)
    names = [f"{key}_{i}" for i in range(X.shape[1])]
    note = (f"Features: {model} sentence embeddings ({X.shape[1]} dimensions, unit length) "
            f"instead of raw text.")
    return dataclasses.replace(dataset, X=np.asarray(X, dtype=np.float64), kind="tabular",
                               feature_names=names,
                               description=f"{dataset.description} {note}".strip())
