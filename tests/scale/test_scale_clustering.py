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


def test_kmeans_in_place_gives_the_clustering_of_a_copy():
    from activelab.strategies._clustering import fit_kmeans

    X, _ = make_blobs(n_samples=12_000, n_features=5, centers=6, random_state=0)
    F = X.astype(np.float32)
    centroids, labels = fit_kmeans(F.copy(), 30, seed=3)
    in_place_centroids, in_place_labels = fit_kmeans(F, 30, seed=3, overwrite=True)
    assert np.array_equal(labels, in_place_labels)
    assert np.array_equal(centroids, in_place_centroids)


def test_float32_features_of_a_float64_pool_equal_a_cast():
    from activelab.strategies._diversity import float32_features

    X = np.random.default_rng(0).normal(size=(1_000, 7))
    rows = np.array([999, 3, 3, 500])
    F = float32_features(Pool(X), None, rows, purpose="test", chunk_size=3)
    assert F.dtype == np.float32
    assert np.array_equal(F, X[rows].astype(np.float32))


def test_min_sq_distances_in_pieces_equal_brute_force():
    from activelab.strategies._diversity import min_sq_distances, row_pieces, row_sq_norms

    rng = np.random.default_rng(1)
    F = rng.normal(size=(5_000, 4)).astype(np.float32)
    G = rng.normal(size=(300, 4)).astype(np.float32)
    assert len(row_pieces(16_384, 32)) > 1  # the float64 part is formed in several pieces
    got = min_sq_distances(F, row_sq_norms(F), G, row_sq_norms(G))
    expected = ((F[:, None, :].astype(float) - G[None, :, :]) ** 2).sum(axis=2).min(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
