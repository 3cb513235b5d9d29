"""TypiClust and cluster-margin behave as their papers describe, on blobs."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression

from activelab import Pool
from activelab.strategies import ClusterMargin, TypiClust, UncertaintySampling
from activelab.strategies.cluster_margin import round_robin


def test_round_robin_visits_small_clusters_first():
    # candidates in rank order; cluster 7 has 3 items, 5 has 2, 9 has 1
    clusters = np.array([7, 7, 5, 7, 5, 9])
    assert round_robin(clusters, 6).tolist() == [5, 2, 0, 4, 1, 3]
    assert round_robin(clusters, 2).tolist() == [5, 2]


def test_typiclust_cold_start_takes_one_typical_item_per_blob():
    centers = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)
    X, y = make_blobs(n_samples=800, centers=centers, cluster_std=1.0, random_state=0)
    picks = TypiClust(random_state=0).query(Pool(X), batch_size=4)
    assert sorted(y[picks].tolist()) == [0, 1, 2, 3], "one item per blob"
    # typical = dense = close to the blob's centre
    assert np.linalg.norm(X[picks] - centers[y[picks]], axis=1).max() < 1.0


def test_typiclust_skips_covered_blobs():
    centers = np.array([[0, 0], [10, 0], [0, 10]], dtype=float)
    X, y = make_blobs(n_samples=600, centers=centers, cluster_std=0.5, random_state=1)
    pool = Pool(X)
    first_blob = np.flatnonzero(y == 0)[:1]
    pool.teach(first_blob, [0])
    picks = TypiClust(random_state=0).query(pool, batch_size=2)
    assert sorted(y[picks].tolist()) == [1, 2]


def test_cluster_margin_spreads_the_batch_over_clusters():
    X, y = make_blobs(n_samples=3_000, centers=6, n_features=2, cluster_std=1.5,
                      random_state=2)
    pool = Pool(X)
    seed_set = np.concatenate([np.flatnonzero(y == c)[:3] for c in range(6)])
    pool.teach(seed_set, y[seed_set])
    model = LogisticRegression(max_iter=1000).fit(*pool.training_data())
    strategy = ClusterMargin(n_clusters=30, candidate_factor=10, random_state=0)
    diverse = strategy.query(pool, model, 12)
    plain = UncertaintySampling("margin", random_state=0).query(pool, model, 12)
    centroids = strategy._centroid_cache[2]
    def n_clusters_hit(indices):
        d2 = ((X[indices][:, None] - centroids[None]) ** 2).sum(axis=2)
        return len(np.unique(d2.argmin(axis=1)))
    assert n_clusters_hit(diverse) == 12
    assert n_clusters_hit(diverse) > n_clusters_hit(plain)
    # The centroids are fitted once per pool and reused.
    assert strategy.query(pool, model, 12).tolist() == diverse.tolist()
