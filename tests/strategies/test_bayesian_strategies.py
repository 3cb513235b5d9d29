"""BALD, greedy BatchBALD and mean-std: hand-computed scores, sample sources, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.special import entr
from sklearn.datasets import load_iris
from sklearn.ensemble import BaggingClassifier, RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from activelab import Pool
from activelab.exceptions import ConfigError
from activelab.strategies import make_strategy
from activelab.strategies.bayesian import (
    BatchBALD,
    BayesianUncertainty,
    bald,
    batchbald_greedy,
    mean_std,
    posterior_samples,
)


def test_bald_and_mean_std_by_hand():
    # Item 0: two confident samples that disagree; item 1: both unsure alike; item 2: agree.
    samples = np.array([[[1.0, 0.0], [0.5, 0.5], [0.9, 0.1]],
                        [[0.0, 1.0], [0.5, 0.5], [0.9, 0.1]]])
    np.testing.assert_allclose(bald(samples), [np.log(2), 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(mean_std(samples), [0.5, 0.0, 0.0], atol=1e-12)


def brute_joint_mi(samples: np.ndarray, items: list[int]) -> float:
    """I(y_items; w) by enumerating every label configuration."""
    n_draws, _, n_classes = samples.shape
    joint_entropy = 0.0
    for config in itertools.product(range(n_classes), repeat=len(items)):
        p = np.mean([np.prod([samples[s, i, c] for i, c in zip(items, config, strict=True)])
                     for s in range(n_draws)])
        joint_entropy -= p * np.log(p) if p > 0 else 0.0
    expected = entr(samples[:, items]).sum(axis=2).sum(axis=1).mean()
    return joint_entropy - expected


def test_batchbald_gains_are_exact_joint_mutual_information_increments():
    rng = np.random.default_rng(1)
    samples = rng.dirichlet(np.ones(3) * 0.5, size=(6, 8))
    positions, gains = batchbald_greedy(samples, 4, n_configurations=10_000, random_state=0)
    np.testing.assert_allclose(gains[0], bald(samples).max())
    for i in range(1, 4):
        increment = (brute_joint_mi(samples, positions[:i + 1].tolist())
                     - brute_joint_mi(samples, positions[:i].tolist()))
        np.testing.assert_allclose(gains[i], increment, rtol=1e-9, atol=1e-12)
    assert np.all(np.diff(gains) <= 1e-12), "greedy gains of a submodular function decrease"
    # Greedy: each pick is the best increment given the earlier ones.
    rest = [j for j in range(8) if j not in positions[:2]]
    best = max(brute_joint_mi(samples, [*positions[:2], j]) for j in rest)
    np.testing.assert_allclose(brute_joint_mi(samples, positions[:3].tolist()), best)


def test_batchbald_skips_duplicates_that_bald_would_take():
    # Sample s is confident: the duplicated item's class follows s % 2, the other's s // 5.
    draws = np.arange(10)
    informative = np.where((draws % 2 == 0)[:, None], [0.97, 0.03], [0.03, 0.97])
    other = np.where((draws // 5 == 0)[:, None], [0.9, 0.1], [0.1, 0.9])
    samples = np.stack([informative, informative, informative, other], axis=1)
    assert set(np.argsort(-bald(samples))[:2].tolist()) <= {0, 1, 2}  # BALD: two copies
    positions, gains = batchbald_greedy(samples, 2, random_state=0)
    assert positions[0] in {0, 1, 2} and positions[1] == 3
    np.testing.assert_allclose(gains[0], bald(samples)[positions[0]])
    assert gains[1] > 0.3


def test_sampled_configurations_approximate_the_exact_gains():
    rng = np.random.default_rng(2)
    samples = rng.dirichlet(np.ones(5) * 0.5, size=(8, 30))
    exact_pos, exact = batchbald_greedy(samples, 4, n_configurations=10**6, random_state=0)
    sampled_pos, sampled = batchbald_greedy(samples, 4, n_configurations=20, random_state=0)
    assert len(set(sampled_pos.tolist())) == 4 and np.all(sampled >= 0)
    np.testing.assert_array_equal(sampled_pos[:2], exact_pos[:2])  # 25 configs: still exact
    # A sampled estimate of the third gain is close to the exact gain of that same batch.
    assert abs(sampled[2] - exact[2]) < 0.35 * exact[2] or sampled_pos[2] != exact_pos[2]


def iris_pool(n_per_class: int = 4):
    X, y = load_iris(return_X_y=True)
    pool = Pool(X)
    start = np.concatenate([np.flatnonzero(y == c)[:n_per_class] for c in range(3)])
    pool.teach(start, y[start])
    return pool, y


def test_forest_members_are_the_samples():
    pool, _ = iris_pool(8)
    forest = RandomForestClassifier(n_estimators=7, random_state=0)
    forest.fit(*pool.training_data())
    samples = posterior_samples(forest, pool.take(pool.unlabeled_indices), 3)
    assert samples.shape == (7, pool.n_unlabeled, 3)
    np.testing.assert_allclose(samples.mean(axis=0),
                               forest.predict_proba(pool.take(pool.unlabeled_indices)))


def test_bagging_on_feature_subsets_in_a_pipeline():
    pool, _ = iris_pool(8)
    bagging = make_pipeline(StandardScaler(), BaggingClassifier(
        DecisionTreeClassifier(), n_estimators=5, max_features=0.5, random_state=0))
    bagging.fit(*pool.training_data())
    X = pool.take(pool.unlabeled_indices)
    samples = posterior_samples(bagging, X, 3, samples="ensemble")
    np.testing.assert_allclose(samples.mean(axis=0), bagging.predict_proba(X))


def test_bootstrap_fallback_for_a_single_model_is_reproducible():
    pool, _ = iris_pool()
    model = DecisionTreeClassifier(random_state=0).fit(*pool.training_data())
    for name in ("bald", "mean-std", "batchbald"):
        first = make_strategy(name, random_state=2, n_members=3).query(pool, model, 5)
        again = make_strategy(name, random_state=2, n_members=3).query(pool, model, 5)
        np.testing.assert_array_equal(first, again)


def test_max_candidates_restricts_the_greedy_search():
    pool, _ = iris_pool()
    forest = RandomForestClassifier(n_estimators=6, random_state=0).fit(*pool.training_data())
    top = BayesianUncertainty("bald", random_state=0).query(pool, forest, 4)
    narrow = BatchBALD(max_candidates=4, random_state=0).query(pool, forest, 4)
    assert set(narrow.tolist()) == set(top.tolist())


@pytest.mark.parametrize("strategy, message", [
    (BayesianUncertainty("bald", samples="mc_dropout"), "needs a model with predict_proba_"),
    (BayesianUncertainty("bald", samples="ensemble"), "needs a fitted ensemble"),
    (BayesianUncertainty("bald", samples="posterior"), "unknown samples source"),
    (BayesianUncertainty("variance"), "unknown Bayesian measure"),
    (BayesianUncertainty("bald", n_samples=1), "n_samples must be an int of at least 2"),
    (BatchBALD(n_members=True), "n_members must be an int"),
    (BatchBALD(n_configurations=0), "n_configurations must be a positive int"),
    (BatchBALD(max_candidates=2.5), "max_candidates must be a positive int"),
])
def test_bad_configuration(strategy, message):
    pool, _ = iris_pool()
    model = DecisionTreeClassifier(random_state=0).fit(*pool.training_data())
    with pytest.raises(ConfigError, match=message):
        strategy.query(pool, model, 3)


def test_a_custom_measure_is_a_function_of_the_samples():
    pool, _ = iris_pool()
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(*pool.training_data())
    chosen, scores = BayesianUncertainty(lambda s: s[:, :, 0].var(axis=0), random_state=0).query(
        pool, forest, 3, return_scores=True)
    samples = posterior_samples(forest, pool.take(chosen), 3)
    np.testing.assert_allclose(scores, samples[:, :, 0].var(axis=0))
