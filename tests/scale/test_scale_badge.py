"""BADGE: the implicit gradient-embedding geometry equals the explicit one."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from activelab import Pool
from activelab.strategies import BADGE
from activelab.strategies.badge import gradient_embedding_parts, kmeans_pp_gradient

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def explicit_embedding(model, X):
    proba = model.predict_proba(X)
    residual = proba.copy()
    residual[np.arange(len(X)), proba.argmax(axis=1)] -= 1.0
    h = np.hstack([X, np.ones((len(X), 1))])  # the intercept is a weight on a constant 1
    return np.einsum("ic,id->icd", residual, h).reshape(len(X), -1)


def explicit_kmeans_pp(G, k, rng):
    """k-means++ seeding on explicit embeddings, same draw protocol as the implicit one."""
    chosen = [int(np.argmax((G ** 2).sum(axis=1)))]
    d2 = ((G - G[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(k - 1):
        cumulative = np.cumsum(d2)
        pick = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
        chosen.append(pick)
        d2 = np.minimum(d2, ((G - G[pick]) ** 2).sum(axis=1))
    return chosen


@pytest.fixture(scope="module")
def fitted():
    X, y = make_classification(n_samples=120, n_features=4, n_informative=3, n_redundant=0,
                               n_classes=3, random_state=0)
    return X, LogisticRegression(max_iter=1000).fit(X[:40], y[:40])


def test_implicit_inner_products_equal_explicit(fitted):
    X, model = fitted
    R, H, bias = gradient_embedding_parts(model, X, 3)
    assert bias
    G = explicit_embedding(model, X)
    implicit = (R @ R.T) * (H @ H.T + 1.0)
    np.testing.assert_allclose(implicit, G @ G.T, rtol=1e-4, atol=1e-5)


def test_implicit_seeding_equals_explicit_seeding(fitted):
    X, model = fitted
    R, H, bias = gradient_embedding_parts(model, X, 3)
    G = explicit_embedding(model, X)
    for seed in range(3):
        implicit = kmeans_pp_gradient(R.astype(float), H.astype(float), bias, 10,
                                      np.random.default_rng(seed))
        assert implicit.tolist() == explicit_kmeans_pp(G, 10, np.random.default_rng(seed))


def test_mlp_uses_last_hidden_layer():
    X, y = make_classification(n_samples=80, n_features=5, n_classes=3, n_informative=3,
                               random_state=1)
    mlp = MLPClassifier(hidden_layer_sizes=(7, 6), max_iter=300, random_state=0).fit(X, y)
    _, H, bias = gradient_embedding_parts(mlp, X, 3)
    hidden = np.maximum(X @ mlp.coefs_[0] + mlp.intercepts_[0], 0)
    hidden = np.maximum(hidden @ mlp.coefs_[1] + mlp.intercepts_[1], 0)
    assert H.shape == (80, 6) and bias
    np.testing.assert_allclose(H, hidden, rtol=1e-5, atol=1e-6)


def test_fast_mode_and_batch_order(fitted):
    X, model = fitted
    pool = Pool(X)
    pool.teach(np.arange(40), model.predict(X[:40]))
    indices, norms = BADGE(max_candidates=30, random_state=0).query(pool, model, 8,
                                                                    return_scores=True)
    assert len(set(indices.tolist())) == 8 and pool.unlabeled_mask[indices].all()
    assert np.all(np.diff(norms) <= 0), "batch comes sorted by gradient norm"
