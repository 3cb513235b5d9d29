"""The ``auto`` strategy: margin for one item, diverse margin picks for a batch."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from activelab import ActiveLearner, ConfigError, Pool
from activelab.strategies import UncertaintySampling
from activelab.strategies.auto import AutoStrategy
from model_zoo import make_texts, text_pipeline


@pytest.fixture(scope="module")
def fitted():
    X, y = make_blobs(n_samples=400, centers=3, n_features=4, cluster_std=3.0, random_state=0)
    pool = Pool(X)
    seed = np.random.default_rng(0).choice(len(X), 15, replace=False)
    pool.teach(seed, y[seed])
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(*pool.training_data())
    return pool, model


def test_a_batch_of_one_is_margin_sampling(fitted):
    pool, model = fitted
    auto = AutoStrategy(random_state=0).query(pool, model, 1)
    margin = UncertaintySampling("margin", random_state=0).query(pool, model, 1)
    assert auto.tolist() == margin.tolist()


def test_a_batch_comes_from_the_most_uncertain_candidates_and_spreads_out(fitted):
    pool, model = fitted
    k = 10
    indices, scores = AutoStrategy(random_state=0, random_fraction=0, probe_size=0).query(
        pool, model, k, return_scores=True)
    assert len(set(indices.tolist())) == k and pool.unlabeled_mask[indices].all()
    margin = UncertaintySampling("margin", random_state=0)
    all_scores = margin.score(pool, model)
    threshold = np.sort(all_scores)[::-1][10 * k - 1]
    assert (scores >= threshold).all()  # all from the top 10k by margin
    np.testing.assert_allclose(scores, margin.score(pool, model, indices))
    # more spread out than the plain top-k margin batch
    top = margin.query(pool, model, k)

    def spread(idx):
        Z = model[:-1].transform(pool.take(idx))
        return np.mean([np.linalg.norm(a - b) for a in Z for b in Z])

    assert spread(indices) > spread(top)


def test_same_seed_same_batch(fitted):
    pool, model = fitted
    first = AutoStrategy(random_state=3).query(pool, model, 8)
    np.testing.assert_array_equal(first, AutoStrategy(random_state=3).query(pool, model, 8))


def test_works_on_raw_texts_through_the_pipeline():
    texts, labels = make_texts(120, seed=1)
    pool = Pool(np.array(texts, dtype=object))
    pool.teach(range(12), labels[:12])
    model = text_pipeline().fit(*pool.training_data())
    chosen = AutoStrategy(random_state=0).query(pool, model, 6)
    assert len(set(chosen.tolist())) == 6 and pool.unlabeled_mask[chosen].all()


def test_raw_items_without_a_pipeline_fail_clearly():
    texts, labels = make_texts(60, seed=2)
    pool = Pool(np.array(texts, dtype=object))
    pool.teach(range(12), labels[:12])
    model = text_pipeline().fit(*pool.training_data())

    class Bare:  # a fitted classifier that takes raw texts itself
        classes_ = model.classes_

        def predict_proba(self, X):
            return model.predict_proba(X)

    with pytest.raises(ConfigError, match="not a Pipeline"):
        AutoStrategy(random_state=0).query(pool, Bare(), 4)


@pytest.mark.parametrize("params", [{"candidate_factor": 0}, {"max_candidates": 1.5}])
def test_bad_parameters(fitted, params):
    pool, model = fitted
    with pytest.raises(ConfigError, match="must be an int of at least 1"):
        AutoStrategy(random_state=0, **params).query(pool, model, 4)


def test_a_tenth_of_a_batch_explores_at_random(fitted):
    pool, model = fitted
    k = 20
    indices, scores = AutoStrategy(random_state=0, probe_size=0).query(
        pool, model, k, return_scores=True)
    assert len(set(indices.tolist())) == k and pool.unlabeled_mask[indices].all()
    margin = UncertaintySampling("margin", random_state=0)
    np.testing.assert_allclose(scores, margin.score(pool, model, indices))
    threshold = np.sort(margin.score(pool, model))[::-1][10 * (k - 2) - 1]
    diverse = np.ones(k, dtype=bool)
    diverse[[9, 19]] = False  # the 2 random picks, spread through the batch
    assert (scores[diverse] >= threshold).all()  # the rest: top 10·18 by margin
    without = AutoStrategy(random_state=0, random_fraction=0, probe_size=0).query(pool, model, k)
    assert set(indices.tolist()) != set(without.tolist())


def test_random_picks_are_spread_through_the_batch_not_left_at_its_end(fitted):
    # A queue served best-first (the annotation server) would otherwise never reach them.
    pool, model = fitted
    strategy = AutoStrategy(random_state=0, probe_size=10)
    indices = strategy.query(pool, model, 40)  # 10 random: 40 // 4 while the probe is empty
    positions = sorted(indices.tolist().index(i) for i in strategy._probe.pending)
    assert positions == [3, 7, 11, 15, 19, 23, 27, 31, 35, 39]


@pytest.mark.parametrize("fraction", [-0.1, 1.0, "0.1", True])
def test_a_bad_random_fraction(fitted, fraction):
    pool, model = fitted
    with pytest.raises(ConfigError, match="random_fraction must be in"):
        AutoStrategy(random_state=0, random_fraction=fraction).query(pool, model, 4)


def test_a_quarter_of_the_first_batch_is_random_to_probe_the_uncertainty(fitted):
    pool, model = fitted
    strategy = AutoStrategy(random_state=0)
    indices = strategy.query(pool, model, 20)
    assert len(strategy._probe.pending) == 5  # 20 // 4 random picks
    assert set(strategy._probe.pending) <= set(indices.tolist())
    assert strategy.uncertainty_auc_ is None and not strategy.sampled_at_random_


def _run_auto(model, rounds: int = 8) -> tuple[AutoStrategy, list[bool]]:
    X, y = load_digits(return_X_y=True)
    learner = ActiveLearner(model, Pool(X), AutoStrategy(), random_state=0)
    learner.teach(np.arange(20), y[:20])
    passive = []
    for _ in range(rounds):
        picked = learner.query(20)
        learner.teach(picked, y[picked])
        passive.append(learner.strategy_.sampled_at_random_)
    return learner.strategy_, passive


def test_uninformative_uncertainty_turns_batches_random():
    # A fully grown tree is 100% sure of every digit, right or wrong (AUROC 0.5 exactly):
    # the extreme of Gaussian NB on pixels, sure of 96% of them.
    strategy, passive = _run_auto(DecisionTreeClassifier(random_state=0))
    assert strategy.uncertainty_auc_ == 0.5
    assert passive[0] is False  # not enough labelled probes yet: margin + diversity
    assert all(passive[2:])  # from the third batch on, 10 probes answered: random
    assert strategy._probe.n_resolved >= 10 and sum(strategy._probe.wrong) >= 3


def test_informative_uncertainty_keeps_margin_batches():
    strategy, passive = _run_auto(make_pipeline(StandardScaler(),
                                                LogisticRegression(max_iter=1000)))
    assert not any(passive) and strategy._probe.n_resolved >= 10
    # Too few errors among the probes to judge, or uncertainty that points at them.
    assert strategy.uncertainty_auc_ is None or strategy.uncertainty_auc_ >= 0.6


def test_the_probe_starts_afresh_on_a_new_pool(fitted):
    pool, model = fitted
    strategy = AutoStrategy(random_state=0)
    strategy.query(pool, model, 20)
    X, y = make_blobs(n_samples=100, centers=3, n_features=4, random_state=1)
    other = Pool(X)
    other.teach(range(15), y[:15])
    strategy.query(other, LogisticRegression().fit(*other.training_data()), 20)
    assert strategy._probe.pool_id == id(other) and len(strategy._probe.pending) == 5


def test_a_skipped_probe_item_is_forgotten(fitted):
    pool, model = fitted
    copy = Pool(pool.take(np.arange(len(pool))))
    copy.teach(pool.labeled_indices, pool.labels_of(pool.labeled_indices))
    strategy = AutoStrategy(random_state=0)
    strategy.query(copy, model, 20)
    probes = list(strategy._probe.pending)
    copy.skip(probes)
    strategy.query(copy, model, 20)
    assert not set(probes) & set(strategy._probe.pending)
    assert strategy._probe.n_resolved == 0


@pytest.mark.parametrize(("params", "message"), [
    ({"probe_size": -1}, "probe_size must be"), ({"probe_size": 2.5}, "probe_size must be"),
    ({"min_auc": 1.5}, "min_auc must be"), ({"min_auc": "0.6"}, "min_auc must be")])
def test_bad_probe_parameters(fitted, params, message):
    pool, model = fitted
    with pytest.raises(ConfigError, match=message):
        AutoStrategy(random_state=0, **params).query(pool, model, 4)


def test_the_state_carries_over_to_a_new_strategy_and_pool():
    # A service rebuilds the pool and the strategy every round and names items by its own
    # ids; with get_state/set_state it makes the same queries as one strategy object kept.
    X, y = load_digits(return_X_y=True)
    ids = [f"item-{i}" for i in range(len(X))]
    kept = ActiveLearner(DecisionTreeClassifier(random_state=0), Pool(X),
                         AutoStrategy(random_state=0),
                         random_state=0)
    kept.teach(np.arange(20), y[:20])
    labelled, state = list(range(20)), None
    for _ in range(5):
        expected = kept.query(20)
        kept.teach(expected, y[expected])
        pool = Pool(X)
        pool.teach(labelled, y[labelled])
        strategy = AutoStrategy(random_state=0)
        if state is not None:
            strategy.set_state(json.loads(json.dumps(state)), ids)
        model = DecisionTreeClassifier(random_state=0).fit(*pool.training_data())
        picked = strategy.query(pool, model, 20)
        np.testing.assert_array_equal(picked, expected)
        state = strategy.get_state(ids)
        labelled += picked.tolist()
    assert strategy.sampled_at_random_ and kept.strategy_.sampled_at_random_
    assert strategy.n_probes_ == kept.strategy_.n_probes_ >= 10


def test_a_random_pick_left_unlabelled_is_forgotten_after_three_queries(fitted):
    pool, model = fitted
    strategy = AutoStrategy(random_state=np.random.default_rng(0))  # new picks each query
    strategy.query(pool, model, 20)
    first = set(strategy._probe.pending)
    for _ in range(3):
        strategy.query(pool, model, 20)
        assert first <= set(strategy._probe.pending)
    strategy.query(pool, model, 20)
    assert not first & set(strategy._probe.pending)


def test_a_restored_state_drops_items_that_are_gone(fitted):
    pool, model = fitted
    strategy = AutoStrategy(random_state=0)
    strategy.query(pool, model, 20)
    ids = list(range(100, 100 + len(pool)))
    state = strategy.get_state(ids)
    assert len(state["pending"]) == 5 and all(row[0] >= 100 for row in state["pending"])
    gone = state["pending"][0][0]
    restored = AutoStrategy(random_state=0)
    restored.set_state(state, [i for i in ids if i != gone] + [gone + 10_000])
    assert len(restored._probe.pending) == 4
    with pytest.raises(ConfigError, match="unknown auto state version"):
        restored.set_state({**state, "version": 99})


@pytest.mark.parametrize("broken", [{"round": "x"}, {"pending": [[1, 2]]},
                                    {"wrong": [True]}, {"uncertainty": None}])
def test_a_malformed_state_is_refused_and_changes_nothing(fitted, broken):
    pool, model = fitted
    strategy = AutoStrategy(random_state=0)
    strategy.query(pool, model, 20)
    before = strategy.get_state()
    with pytest.raises(ConfigError, match="malformed auto state"):
        strategy.set_state({**before, **broken})
    assert strategy.get_state() == before
