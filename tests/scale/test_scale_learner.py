"""ActiveLearner over memory-mapped and Parquet pools, scored here or on a Dask LocalCluster."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from activelab import ActiveLearner, Pool
from activelab.exceptions import ConfigError
from activelab.large_pool import ParquetFeatures, StreamingScorer, write_parquet_features

ROUNDS = 4


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    X, y = make_classification(n_samples=3_000, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)
    X = X.astype(np.float32)
    folder = tmp_path_factory.mktemp("learner_pools")
    np.save(folder / "X.npy", X)
    write_parquet_features(X, folder / "X.parquet", row_group_size=700)
    return X, y, folder


def _pool(kind, X, folder):
    if kind == "memmap":
        return Pool(np.load(folder / "X.npy", mmap_mode="r"))
    if kind == "parquet":
        return Pool(ParquetFeatures(folder / "X.parquet"))
    return Pool(X)


def _queries(pool, y, strategy, scorer=None):
    """Seed set, then ROUNDS batches of 10; every batch's indices and the last round's scores."""
    learner = ActiveLearner(LogisticRegression(max_iter=1000), pool, strategy, random_state=3,
                            scorer=scorer)
    seed = learner.initial_query(20)
    learner.teach(seed, y[seed])
    batches = []
    for _ in range(ROUNDS):
        batch = learner.query(10)
        learner.teach(batch, y[batch])
        batches.append(batch.tolist())
    return batches, learner.history_[-1].scores


@pytest.mark.parametrize("strategy", ["margin", "coreset"])
@pytest.mark.parametrize("kind", ["memmap", "parquet"])
def test_backed_pool_learner_queries_like_memory(data, kind, strategy):
    X, y, folder = data
    expected, _ = _queries(Pool(X), y, strategy)
    got, _ = _queries(_pool(kind, X, folder), y, strategy)
    assert got == expected


@pytest.mark.parametrize("strategy", ["margin", "entropy"])
@pytest.mark.parametrize("kind", ["memory", "memmap", "parquet"])
def test_streaming_scorer_queries_like_the_strategy(data, kind, strategy):
    X, y, folder = data
    expected, expected_scores = _queries(Pool(X), y, strategy)
    got, scores = _queries(_pool(kind, X, folder), y, strategy, StreamingScorer(chunk_size=450))
    assert got == expected
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-6)


def test_scorer_refuses_a_strategy_it_cannot_serve(data):
    X, y, _ = data
    learner = ActiveLearner(LogisticRegression(max_iter=1000), Pool(X), "coreset",
                            random_state=0, scorer=StreamingScorer())
    learner.teach([0, 1, 2, 3], y[:4])
    with pytest.raises(ConfigError, match="uncertainty strategies"):
        learner.query(5)
    assert len(learner.history_) == 1 and learner.pool.n_labeled == 4


@pytest.mark.parametrize("n", [0, -1, True, 2.5])
def test_scored_query_refuses_a_bad_batch_size_like_the_strategy(data, n):
    X, y, _ = data
    for scorer in (None, StreamingScorer()):
        learner = ActiveLearner(LogisticRegression(max_iter=1000), Pool(X), "margin",
                                random_state=0, scorer=scorer)
        learner.teach([0, 1, 2, 3, 4, 5], y[:6])
        with pytest.raises(ConfigError, match="batch_size must be"):
            learner.query(n)
