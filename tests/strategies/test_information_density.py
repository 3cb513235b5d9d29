"""Information density: exact cosine density, rbf approximation, the weighted score."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import spearmanr
from sklearn.datasets import make_blobs
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import normalize

from activelab import ConfigError, Pool
from activelab.strategies import InformationDensity, UncertaintySampling, make_strategy


def brute_cosine(X) -> np.ndarray:
    """The N x N definition: mean cosine similarity to every item (0 for a zero row)."""
    unit = normalize(X)
    similarity = unit @ unit.T
    return np.asarray(similarity.toarray() if sp.issparse(similarity) else similarity).mean(1)


def brute_rbf(X) -> np.ndarray:
    sq = euclidean_distances(X, squared=True)
    pairs = sq[np.triu_indices(X.shape[0], 1)]
    gamma = 1.0 / np.median(pairs[pairs > 0])
    return np.exp(-gamma * sq).mean(axis=1)


def labelled(pool: Pool, y) -> Pool:
    pool.teach([0, 1, 2, 3], y)
    return pool


@pytest.mark.parametrize("sparse", [False, True])
def test_cosine_density_equals_the_brute_force_mean(sparse):
    rng = np.random.default_rng(0)
    if sparse:
        X = sp.random(60, 15, density=0.3, format="csr", random_state=1)
        X = sp.vstack([X, sp.csr_matrix((1, 15))], format="csr")  # a zero row
    else:
        X = rng.uniform(0, 1, size=(61, 6))
    pool = Pool(X)
    strategy = InformationDensity(chunk_size=7)  # several chunks
    everything = np.arange(pool.n_samples)
    np.testing.assert_allclose(strategy.density(pool, None, everything), brute_cosine(X),
                               atol=1e-12)


def test_score_is_uncertainty_times_density_to_the_beta():
    X, y = make_blobs(n_samples=80, centers=2, random_state=0)
    X = X - X.min(axis=0) + 0.1  # non-negative features for cosine
    pool = labelled(Pool(X), y[:4])
    model = LogisticRegression().fit(*pool.training_data())
    strategy = InformationDensity("entropy", beta=2.0, random_state=0)
    indices, values = strategy.query(pool, model, pool.n_unlabeled, return_scores=True)
    uncertainty = UncertaintySampling("entropy").score(pool, model, indices)
    expected = uncertainty * brute_cosine(X)[indices] ** 2
    np.testing.assert_allclose(values, expected, rtol=1e-10, atol=1e-15)
    # beta = 0 is plain entropy sampling.
    _, plain = InformationDensity(beta=0, random_state=0).query(pool, model, 5, return_scores=True)
    _, entropy = UncertaintySampling("entropy", random_state=0).query(pool, model, 5,
                                                                      return_scores=True)
    np.testing.assert_allclose(plain, entropy)


def test_rbf_is_exact_on_small_pools_and_correlates_on_large_ones():
    X, _ = make_blobs(n_samples=60, centers=3, random_state=0)
    exact = InformationDensity(similarity="rbf", n_centroids=100, random_state=0)
    np.testing.assert_allclose(exact.density(Pool(X), None, np.arange(60)), brute_rbf(X),
                               rtol=1e-10)
    X, _ = make_blobs(n_samples=600, centers=4, cluster_std=[0.5, 1.0, 2.0, 3.0], random_state=1)
    approx = InformationDensity(similarity="rbf", n_centroids=40, random_state=0)
    density = approx.density(Pool(X), None, np.arange(600))
    assert spearmanr(density, brute_rbf(X)).statistic > 0.9
    assert np.all((density > 0) & (density <= 1))


@pytest.mark.parametrize("similarity", ["cosine", "rbf"])
def test_equal_uncertainty_prefers_the_dense_region_over_outliers(similarity):
    rng = np.random.default_rng(0)
    dense = rng.normal([5.0, 5.0], 0.3, size=(60, 2))
    # Far from the blob in place and in direction (cosine sees only the direction).
    outliers = np.array([[0.1, 9.0], [9.0, 0.1], [0.3, 7.0], [8.0, 0.5], [7.0, 0.2]])
    X = np.vstack([dense, outliers])
    pool = Pool(X)
    pool.teach([0, 1], [0, 1])
    model = DummyClassifier(strategy="prior").fit(*pool.training_data())
    indices = InformationDensity(similarity=similarity, random_state=0).query(pool, model, 10)
    assert (indices < 60).all()


def test_pool_summary_is_cached_per_pool_and_pickling_drops_it(monkeypatch):
    X = np.random.default_rng(0).uniform(size=(50, 4))
    pool, other = labelled(Pool(X), [0, 1, 0, 1]), labelled(Pool(X[:40]), [0, 1, 0, 1])
    model = GaussianNB().fit(*pool.training_data())
    strategy = InformationDensity(random_state=0)
    calls = []
    original = InformationDensity._mean_direction
    monkeypatch.setattr(InformationDensity, "_mean_direction",
                        lambda self, p, m: calls.append(p) or original(self, p, m))
    first = strategy.query(pool, model, 5)
    np.testing.assert_array_equal(strategy.query(pool, model, 5), first)
    assert len(calls) == 1
    strategy.query(other, model, 5)
    assert len(calls) == 2
    restored = pickle.loads(pickle.dumps(strategy))
    np.testing.assert_array_equal(restored.query(pool, model, 5), first)


def test_raw_texts_use_the_pipeline_features():
    texts = ["goal match team", "goal team ball", "chip code data", "data cloud code",
             "goal ball", "code chip", "team match", "cloud data"] * 3
    pool = Pool(texts)
    pool.teach([0, 2], [0, 1])
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(*pool.training_data())
    for similarity in ("cosine", "rbf"):
        indices = InformationDensity(similarity=similarity, random_state=0).query(pool, model, 3)
        assert len(set(indices.tolist())) == 3
    dummy = DummyClassifier().fit(np.zeros((2, 1)), [0, 1])
    with pytest.raises(ConfigError, match="Pipeline"):
        InformationDensity().query(pool, dummy, 3)


@pytest.mark.parametrize("similarity", ["cosine", "rbf"])
def test_reproducible_for_batch_sizes_one_and_many(similarity):
    X, y = make_blobs(n_samples=300, centers=3, random_state=2)
    pool = labelled(Pool(X - X.min(axis=0)), y[:4])
    model = GaussianNB().fit(*pool.training_data())
    for batch_size in (1, 15):
        first = make_strategy("density", random_state=4, similarity=similarity,
                              n_centroids=20).query(pool, model, batch_size)
        again = make_strategy("density", random_state=4, similarity=similarity,
                              n_centroids=20).query(pool, model, batch_size)
        np.testing.assert_array_equal(first, again)
        assert len(np.unique(first)) == batch_size


def test_bad_parameters_raise_config_errors():
    pool = labelled(Pool(np.eye(6)), [0, 1, 0, 1])
    model = GaussianNB().fit(*pool.training_data())
    for params, message in [({"similarity": "l2"}, "similarity"), ({"beta": -1}, "beta"),
                            ({"n_centroids": 0}, "n_centroids")]:
        with pytest.raises(ConfigError, match=message):
            InformationDensity(**params).query(pool, model)
