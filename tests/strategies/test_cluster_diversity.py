"""Diverse mini-batches: one item per cluster, the most uncertain of each."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_blobs
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline
from strategy_helpers import ColumnProba

from activelab import ConfigError, Pool
from activelab.strategies import ClusterDiversity, UncertaintySampling, make_strategy


def blob_pool(n_centers: int = 5, seed: int = 0):
    X, blob = make_blobs(n_samples=200, centers=n_centers, cluster_std=0.3,
                         center_box=(-50, 50), random_state=seed)
    pool = Pool(X)
    labelled = [int(np.flatnonzero(blob == b)[0]) for b in range(2)]
    pool.teach(labelled, [0, 1])
    return pool, blob


def test_equal_uncertainty_gives_one_item_per_blob():
    pool, blob = blob_pool(n_centers=5)
    model = DummyClassifier(strategy="prior").fit(*pool.training_data())  # same proba everywhere
    for seed in range(3):
        indices = ClusterDiversity(candidate_factor=100, random_state=seed).query(pool, model, 5)
        assert sorted(blob[indices].tolist()) == [0, 1, 2, 3, 4]
    # Plain uncertainty sampling has nothing to go on and repeats blobs for some seed.
    repeats = [len(set(blob[UncertaintySampling(random_state=s).query(pool, model, 5)]))
               for s in range(10)]
    assert min(repeats) < 5


def test_each_cluster_gives_its_most_uncertain_item():
    X, blob = make_blobs(n_samples=120, centers=3, cluster_std=0.5, center_box=(-40, 40),
                         random_state=2)
    p = np.random.default_rng(0).uniform(0.5, 1.0, size=len(X))  # P(class 1), 0.5 = unsure
    pool = Pool(np.column_stack([X, p]), classes=[0, 1])
    model = ColumnProba(column=2).fit(X[:2], [0, 1])
    indices, values = ClusterDiversity("margin", candidate_factor=40, random_state=0).query(
        pool, model, 3, return_scores=True)
    assert sorted(blob[indices].tolist()) == [0, 1, 2]
    for index in indices:
        same_blob = np.flatnonzero(blob == blob[index])
        assert p[index] == p[same_blob].min()
    assert np.all(np.diff(values) <= 0), "the batch comes most uncertain first"


def test_batch_of_one_is_the_most_uncertain_item():
    X, _ = make_blobs(n_samples=60, centers=3, random_state=1)
    p = np.random.default_rng(1).uniform(0.5, 1.0, size=len(X))
    pool = Pool(np.column_stack([X, p]), classes=[0, 1])
    model = ColumnProba(column=2).fit(X[:2], [0, 1])
    assert ClusterDiversity(random_state=0).query(pool, model, 1).tolist() == [int(np.argmin(p))]


def test_prefilter_keeps_only_the_most_uncertain():
    X, _ = make_blobs(n_samples=100, centers=4, random_state=3)
    p = np.linspace(0.5, 1.0, len(X))
    pool = Pool(np.column_stack([X, p]), classes=[0, 1])
    model = ColumnProba(column=2).fit(X[:2], [0, 1])
    indices = ClusterDiversity(candidate_factor=2, random_state=0).query(pool, model, 4)
    # 2 * 4 = 8 candidates survive: the items with the 8 smallest p.
    assert set(indices.tolist()) <= set(range(8))


def test_sparse_features():
    X, blob = make_blobs(n_samples=150, centers=4, cluster_std=0.2, center_box=(0, 30),
                         random_state=4)
    X = np.abs(X)
    pool = Pool(sp.csr_matrix(X))
    pool.teach([0, 1, 2, 3], [0, 1, 0, 1])
    model = MultinomialNB().fit(*pool.training_data())
    indices = ClusterDiversity(candidate_factor=50, random_state=0).query(pool, model, 4)
    assert len(set(indices.tolist())) == 4 and pool.unlabeled_mask[indices].all()


def test_raw_texts_cluster_on_the_pipeline_features_and_need_a_pipeline():
    texts = [f"{w} {w} match" for w in ["goal", "team", "ball"]] * 5 + \
            [f"{w} {w} code" for w in ["chip", "data", "cloud"]] * 5
    y = np.array([0] * 15 + [1] * 15)
    pool = Pool(texts)
    pool.teach([0, 15], [0, 1])
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(*pool.training_data())
    indices = ClusterDiversity(random_state=0).query(pool, model, 4)
    assert len(set(indices.tolist())) == 4
    dummy = DummyClassifier().fit(np.zeros((2, 1)), y[[0, 15]])
    with pytest.raises(ConfigError, match="Pipeline"):
        ClusterDiversity(random_state=0).query(pool, dummy, 4)


def test_duplicate_rows_still_fill_the_batch():
    X = np.repeat(np.array([[0.0, 0.0], [10.0, 10.0]]), 20, axis=0)
    pool = Pool(X)
    pool.teach([0, 20], [0, 1])
    model = DummyClassifier(strategy="prior").fit(*pool.training_data())
    indices = ClusterDiversity(random_state=0).query(pool, model, 5)
    assert len(set(indices.tolist())) == 5


def test_reproducible_and_checks_parameters():
    pool, _ = blob_pool()
    model = LogisticRegression().fit(*pool.training_data())
    for batch_size in (1, 9):
        first = make_strategy("cluster", random_state=5).query(pool, model, batch_size)
        again = make_strategy("cluster", random_state=5).query(pool, model, batch_size)
        np.testing.assert_array_equal(first, again)
        assert len(np.unique(first)) == batch_size
    with pytest.raises(ConfigError, match="candidate_factor"):
        ClusterDiversity(candidate_factor=0).query(pool, model, 3)
