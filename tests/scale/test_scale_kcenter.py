"""Greedy k-center (core-set) against a brute-force implementation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from activelab import Pool
from activelab.strategies import CoreSet


def brute_force_k_center(X: np.ndarray, labeled: np.ndarray, k: int) -> list[int]:
    """Textbook greedy k-center with the full N x N distance matrix, float64."""
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2))
    centers = list(labeled)
    chosen: list[int] = []
    for _ in range(k):
        nearest = D[:, centers].min(axis=1)
        nearest[centers] = -1.0
        pick = int(np.argmax(nearest))
        centers.append(pick)
        chosen.append(pick)
    return chosen


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_mode_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 5))
    pool = Pool(X)
    labeled = rng.choice(300, 10, replace=False)
    pool.teach(labeled, np.zeros(10, dtype=int))
    indices, distances = CoreSet(max_candidates=None, random_state=seed).query(
        pool, batch_size=25, return_scores=True)
    assert indices.tolist() == brute_force_k_center(X, labeled, 25)
    assert np.all(np.diff(distances) <= 1e-6), "greedy distances never increase"
    D = np.sqrt(((X[indices[0]] - X[labeled]) ** 2).sum(axis=1)).min()
    np.testing.assert_allclose(distances[0], D, rtol=1e-5)


def test_fast_mode_picks_from_a_sample_and_is_reproducible():
    X, _ = make_blobs(n_samples=2_000, centers=4, n_features=3, random_state=0)
    pool = Pool(X)
    pool.teach([0, 1], [0, 1])
    strategy = CoreSet(max_candidates=200, random_state=3)
    first = strategy.query(pool, batch_size=20)
    assert first.tolist() == CoreSet(max_candidates=200, random_state=3).query(
        pool, batch_size=20).tolist()
    exact = CoreSet(max_candidates=None).query(pool, batch_size=20)
    # The sample's core-set covers the pool almost as well as the exact one.
    def radius(chosen):
        centers = X[np.concatenate([[0, 1], chosen])]
        return np.sqrt(((X[:, None] - centers[None]) ** 2).sum(axis=2)).min(axis=1).max()
    assert radius(first) < 2.0 * radius(exact)


def test_cold_start_needs_no_model_and_margin_prefilter_needs_one():
    X = np.random.default_rng(0).normal(size=(50, 2))
    assert len(CoreSet(random_state=0).query(Pool(X), batch_size=5)) == 5
    assert CoreSet(prefilter="margin").requires_model
