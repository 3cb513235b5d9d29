"""Dask two-stage reduce against the single-machine result, on a real LocalCluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from activelab import Pool
from activelab.distributed import dask_k_center, dask_top_k, two_stage_k_center
from activelab.large_pool import score_pool_streaming
from activelab.strategies import CoreSet

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
from dask_helpers import DASK_WARNING_FILTERS, client_fixture  # noqa: E402, F401

pytestmark = DASK_WARNING_FILTERS


@pytest.fixture(scope="module")
def problem():
    X, y = make_classification(n_samples=6_000, n_features=10, n_informative=6, n_classes=4,
                               random_state=5)
    X = X.astype(np.float32)
    pool = Pool(X)
    labeled = np.random.default_rng(1).choice(len(X), 80, replace=False)
    pool.teach(labeled, y[labeled])
    pool.skip([3, 4, 5])
    model = LogisticRegression(max_iter=1000).fit(*pool.training_data())
    return X, pool, model


def test_top_k_equals_single_machine(client, problem):
    X, pool, model = problem
    expected, expected_scores = score_pool_streaming(pool, model, 50)
    data = da.from_array(X, chunks=(1_100, 10))
    indices, scores = dask_top_k(data, model, 50, labeled_indices=pool.labeled_indices,
                                 skipped_indices=pool.ignored_indices, client=client)
    assert indices.tolist() == expected.tolist()
    np.testing.assert_allclose(scores, expected_scores)


def test_top_k_over_a_dataframe(client, problem):
    X, pool, model = problem
    frame = dd.from_pandas(pd.DataFrame(X, columns=[f"f{j}" for j in range(10)]),
                           npartitions=4)
    indices, _ = dask_top_k(frame, model, 20, labeled_indices=pool.labeled_indices,
                            skipped_indices=pool.ignored_indices, measure="entropy",
                            client=client)
    expected, _ = score_pool_streaming(pool, model, 20, measure="entropy")
    assert indices.tolist() == expected.tolist()


@pytest.mark.slow
def test_k_center_equals_single_machine_two_stage(client, problem):
    X, pool, _ = problem
    blocks = [X[i:i + 1_500] for i in range(0, len(X), 1_500)]
    expected, expected_d = two_stage_k_center(blocks, pool.labeled_indices, 30,
                                              skipped_indices=pool.ignored_indices)
    indices, distances = dask_k_center(da.from_array(X, chunks=(1_500, 10)), 30,
                                       labeled_indices=pool.labeled_indices,
                                       skipped_indices=pool.ignored_indices, client=client)
    assert indices.tolist() == expected.tolist()
    np.testing.assert_allclose(distances, expected_d, rtol=1e-6)
    assert not np.isin(indices, np.concatenate([pool.labeled_indices, [3, 4, 5]])).any()


def test_one_partition_two_stage_is_exact_greedy(problem):
    X, pool, _ = problem
    exact = CoreSet(max_candidates=None).query(pool, batch_size=30)
    indices, _ = two_stage_k_center([X], pool.labeled_indices, 30,
                                    skipped_indices=pool.ignored_indices)
    assert indices.tolist() == exact.tolist()
