"""Memory-mapped and Parquet-backed pools, streamed scoring and the running top-k."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from activelab import Pool
from activelab.exceptions import InvalidFeaturesError
from activelab.large_pool import (
    ParquetFeatures,
    RunningTopK,
    score_pool_streaming,
    write_parquet_features,
)
from activelab.strategies import make_strategy
from activelab.strategies.scores import margin


@settings(max_examples=60, deadline=None)
@given(scores=st.lists(st.integers(-5, 5), min_size=1, max_size=300),
       k=st.integers(1, 40), chunk=st.integers(1, 50))
def test_running_top_k_equals_full_sort(scores, k, chunk):
    values = np.asarray(scores, dtype=float)  # small integer range: many ties
    top = RunningTopK(k)
    for start in range(0, len(values), chunk):
        top.push(np.arange(start, min(start + chunk, len(values))), values[start:start + chunk])
    indices, kept = top.result()
    expected = np.lexsort((np.arange(len(values)), -values))[:k]
    assert indices.tolist() == expected.tolist()
    np.testing.assert_array_equal(kept, values[expected])


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    X, y = make_classification(n_samples=5_000, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)
    X = X.astype(np.float32)
    folder = tmp_path_factory.mktemp("pools")
    np.save(folder / "X.npy", X)
    write_parquet_features(X, folder / "X.parquet", row_group_size=700)
    return X, y, folder


def _pools(X, y, folder):
    pools = {"memory": Pool(X),
             "memmap": Pool(np.load(folder / "X.npy", mmap_mode="r")),
             "parquet": Pool(ParquetFeatures(folder / "X.parquet"))}
    labeled = np.random.default_rng(0).choice(len(X), 60, replace=False)
    for pool in pools.values():
        pool.teach(labeled, y[labeled])
    return pools


@pytest.mark.parametrize("name", ["margin", "coreset", "badge", "cluster-margin", "typiclust"])
def test_backed_pools_give_the_same_query(data, name):
    X, y, folder = data
    pools = _pools(X, y, folder)
    model = LogisticRegression(max_iter=1000).fit(*pools["memory"].training_data())
    queries = {kind: make_strategy(name, random_state=0).query(pool, model, 10).tolist()
               for kind, pool in pools.items()}
    assert queries["memmap"] == queries["memory"] == queries["parquet"]


def test_streaming_scores_equal_a_full_pass(data):
    X, y, folder = data
    pools = _pools(X, y, folder)
    model = LogisticRegression(max_iter=1000).fit(*pools["memory"].training_data())
    values = margin(model.predict_proba(X))
    values[pools["memory"].labeled_indices] = -np.inf
    expected = np.lexsort((np.arange(len(X)), -values))[:25]
    for pool in pools.values():
        indices, scores = score_pool_streaming(pool, model, 25, chunk_size=999)
        assert indices.tolist() == expected.tolist()
        np.testing.assert_allclose(scores, values[expected], rtol=1e-5)


def test_parquet_features_index_like_an_array(data):
    X, _, folder = data
    features = ParquetFeatures(folder / "X.parquet")
    assert features.shape == X.shape and features.n_row_groups == 8
    idx = np.array([4_999, 0, 700, 699, 3_500, 0])
    np.testing.assert_array_equal(features[idx], X[idx])
    np.testing.assert_array_equal(features[690:710], X[690:710])
    np.testing.assert_array_equal(features[-1], X[-1])


def test_parquet_pool_rejects_nan(tmp_path):
    X = np.ones((100, 3))
    X[77, 1] = np.nan
    write_parquet_features(X, tmp_path / "bad.parquet", row_group_size=30)
    with pytest.raises(InvalidFeaturesError, match="row 77"):
        Pool(ParquetFeatures(tmp_path / "bad.parquet"))


def test_memmap_validation_streams(tmp_path):
    """Building a pool on a 32 MB memmap allocates a small fraction of it."""
    X = np.lib.format.open_memmap(tmp_path / "big.npy", mode="w+", dtype=np.float32,
                                  shape=(400_000, 20))
    X[:] = 1.0
    X.flush()
    mapped = np.load(tmp_path / "big.npy", mmap_mode="r")
    tracemalloc.start()
    pool = Pool(mapped)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert pool.X is mapped, "no copy"
    assert peak < 12_000_000, f"validation allocated {peak} bytes for a 32 MB pool"
