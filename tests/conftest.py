"""Shared fixtures: small seeded datasets (builders live in model_zoo.py)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.preprocessing import MinMaxScaler

from model_zoo import make_texts


@pytest.fixture(scope="session")
def three_class_data() -> tuple[np.ndarray, np.ndarray]:
    """150 items, 3 classes, non-negative features (MultinomialNB needs them)."""
    X, y = make_classification(n_samples=150, n_features=6, n_informative=4, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, random_state=3)
    return MinMaxScaler().fit_transform(X), np.array(["ant", "bee", "cat"])[y]


@pytest.fixture(scope="session")
def text_data() -> tuple[list[str], np.ndarray]:
    return make_texts(90)
