"""Class imbalance: rare-class subsampling, coverage counting, missing-class warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression

from activelab import ActivelabWarning, ActiveLearner, Pool
from activelab.exceptions import ConfigError, DataError, SingleClassError
from activelab.tasks.imbalance import (
    labels_to_cover,
    make_imbalanced,
    simulate_class_discovery,
)


def rare_blobs(seed=0):
    """Four well-separated classes; class 3 is 50x rarer than the others."""
    X, y = make_blobs(n_samples=[200, 200, 200, 200], centers=[[0, 0], [6, 0], [0, 6], [6, 6]],
                      cluster_std=1.0, random_state=seed)
    idx = make_imbalanced(y, [3], ratio=50, random_state=seed)
    return X[idx], y[idx]


def test_make_imbalanced_counts_and_errors():
    X, y = rare_blobs()
    assert np.bincount(y).tolist() == [200, 200, 200, 4]
    assert make_imbalanced(y, [3], ratio=4, random_state=1).tolist() == \
        make_imbalanced(y, [3], ratio=4, random_state=1).tolist()
    with pytest.raises(DataError):
        make_imbalanced(y, [7])
    with pytest.raises(ConfigError):
        make_imbalanced(y, [0, 1, 2, 3])


def test_labels_to_cover_counts_in_order():
    assert labels_to_cover([0, 1, 1, 0, 2, 2], [0, 1, 2], k=2) == 6
    assert labels_to_cover([0, 1], [0, 1, 2]) is None
    with pytest.raises(ConfigError):
        labels_to_cover([0], [0], k=0)


def test_discovery_is_reproducible_and_kmeans_seeds_cover_separated_classes_fast():
    X, y = rare_blobs()
    model = LogisticRegression(max_iter=1000)
    kwargs = dict(initial=8, batch=16, k=1, max_labels=300, seeds=2)
    random = simulate_class_discovery(X, y, model, strategy="random", **kwargs)
    again = simulate_class_discovery(X, y, model, strategy="random", **kwargs)
    assert [r.labels_to_cover for r in random.runs] == [r.labels_to_cover for r in again.runs]
    kmeans = simulate_class_discovery(X, y, model, strategy="margin", initial_method="kmeans",
                                      **kwargs)
    assert kmeans.mean_labels() < random.mean_labels()
    for run in kmeans.runs:
        assert set(run.first_seen) == {0, 1, 2, 3}
    with pytest.raises(SingleClassError):
        simulate_class_discovery(X, np.zeros(len(X)), model, seeds=1)


def test_learner_warns_once_per_new_set_of_missing_declared_classes():
    X, y = rare_blobs()
    learner = ActiveLearner(LogisticRegression(), Pool(X, classes=[0, 1, 2, 3]), "margin",
                            random_state=0)
    first = np.concatenate([np.flatnonzero(y == 0)[:3], np.flatnonzero(y == 1)[:3]])
    learner.teach(first, y[first])
    with pytest.warns(ActivelabWarning, match=r"2 declared class\(es\).*2, 3"):
        learner.query(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        learner.query(2)  # same missing classes: no repeat
    two = np.flatnonzero(y == 2)[:2]
    learner.teach(two, y[two])
    with pytest.warns(ActivelabWarning, match=r"1 declared class\(es\).*3"):
        learner.query(2)
    three = np.flatnonzero(y == 3)[:1]
    learner.teach(three, y[three])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        learner.query(2)  # every class present: silent
    undeclared = ActiveLearner(LogisticRegression(), Pool(X), "margin", random_state=0)
    undeclared.teach(first, y[first])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        undeclared.query(2)  # classes not declared: nothing to warn about
