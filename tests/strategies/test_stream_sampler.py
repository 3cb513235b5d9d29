"""Stream-based selective sampling: the budget, the adaptive threshold, the pool wrapper."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from strategy_helpers import ColumnProba, ConstantProba

from activelab import ConfigError, DataError, Pool
from activelab.strategies import StreamSelectiveSampler, make_strategy


@pytest.fixture(scope="module")
def stream():
    X, y = make_classification(n_samples=4000, n_features=5, n_informative=3, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, random_state=0)
    model = LogisticRegression(max_iter=1000).fit(X[:60], y[:60])
    return X[60:], model


@pytest.mark.parametrize("budget", [0.05, 0.2])
def test_asked_fraction_stays_at_the_budget_over_a_long_stream(stream, budget):
    X, model = stream
    sampler = StreamSelectiveSampler(budget=budget)
    asked = np.array([sampler.decide(model, x, n_classes=3) for x in X])
    assert sampler.n_seen_ == len(X) and sampler.n_asked_ == asked.sum()
    fraction = asked.mean()
    assert fraction <= budget + 1 / len(X)
    assert fraction >= budget - 0.02, "the threshold must widen until the budget is used"
    # At every point of the stream the spending is within one label of the budget.
    assert np.all(np.cumsum(asked) <= budget * np.arange(1, len(X) + 1) + 1)


def test_threshold_follows_the_variable_uncertainty_rule():
    model = ConstantProba((0.9, 0.1)).fit(None, [0, 1])  # confidence 0.9 everywhere
    sampler = StreamSelectiveSampler(budget=1.0, threshold=0.5, step=0.1)
    assert not hasattr(sampler, "threshold_"), "learned state is set by decide, not __init__"
    x = np.zeros(2)
    decisions = [sampler.decide(model, x, 2) for _ in range(8)]
    # Confident (0.9 >= theta): skip and widen, theta *= 1.1 ... until theta > 0.9.
    assert decisions == [False] * 7 + [True]
    np.testing.assert_allclose(sampler.threshold_, 0.5 * 1.1**7 * 0.9)  # asked: narrowed
    assert (sampler.n_seen_, sampler.n_asked_) == (8, 1)
    sampler.reset()
    assert (sampler.n_seen_, sampler.n_asked_, sampler.threshold_) == (0, 0, 0.5)


def test_a_spent_budget_skips_without_moving_the_threshold():
    model = ConstantProba((0.5, 0.5)).fit(None, [0, 1])
    sampler = StreamSelectiveSampler(budget=0.5, threshold=1.0, step=0.1)
    assert sampler.decide(model, np.zeros(2), 2)  # 0/1 < 0.5 and 0.5 < 1: ask
    theta = sampler.threshold_
    assert not sampler.decide(model, np.zeros(2), 2)  # 1/2 >= 0.5: budget spent
    assert sampler.threshold_ == theta


def test_decide_takes_vectors_rows_sparse_rows_and_raw_items():
    X = np.random.default_rng(0).uniform(size=(6, 3))
    model = LogisticRegression().fit(X, [0, 1, 2, 0, 1, 2])
    sampler = StreamSelectiveSampler(budget=1.0)
    for row in (X[0], X[:1], sp.csr_matrix(X[:1])):
        assert isinstance(sampler.decide(model, row, 3), bool)
    with pytest.raises(DataError, match="one item"):
        sampler.decide(model, X[:2], 3)
    texts = ["goal team", "code chip", "goal ball", "data code"]
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, [0, 1, 0, 1])
    pool = Pool(texts)
    assert isinstance(sampler.decide(pipeline, "team ball", 2), bool)
    assert isinstance(sampler.decide(pipeline, pool.take([1]), 2), bool)


def test_query_fills_a_short_stream_with_the_most_uncertain_unasked_items():
    p = np.random.default_rng(0).uniform(0.5, 1.0, size=20)
    pool = Pool(np.column_stack([np.zeros(20), p]), classes=[0, 1])
    model = ColumnProba(column=1).fit(None, [0, 1])
    # A tiny budget: only the first item of the stream is asked (u/t >= budget afterwards).
    sampler = StreamSelectiveSampler(budget=0.01, random_state=0)
    indices, values = sampler.query(pool, model, 5, return_scores=True)
    rest = np.setdiff1d(np.arange(20), indices[:1])
    most_uncertain = rest[np.argsort(p[rest])[:4]]
    assert indices[1:].tolist() == most_uncertain.tolist()
    np.testing.assert_allclose(values, 1 - p[indices])
    assert not hasattr(sampler, "n_seen_"), "query does not touch the decide() state"


def test_query_with_a_generous_budget_asks_in_stream_order(stream):
    X, model = stream
    pool = Pool(X[:500], classes=[0, 1, 2])
    sampler = StreamSelectiveSampler(budget=0.3, random_state=1)
    indices = sampler.query(pool, model, 20)
    # The same walk by hand through decide(): the first 20 asked items of that order.
    order = np.random.default_rng(1).permutation(500)
    walker = StreamSelectiveSampler(budget=0.3)
    asked = [i for i in order if walker.decide(model, X[i], 3)]
    assert indices.tolist() == asked[:20]


def test_reproducible_for_batch_sizes_one_and_many(stream):
    X, model = stream
    pool = Pool(X[:300], classes=[0, 1, 2])
    for batch_size in (1, 40):
        first = make_strategy("stream", random_state=3).query(pool, model, batch_size)
        again = make_strategy("stream", random_state=3).query(pool, model, batch_size)
        np.testing.assert_array_equal(first, again)
        assert len(np.unique(first)) == batch_size


@pytest.mark.parametrize("params, message", [
    ({"budget": 0}, "budget"), ({"budget": 1.5}, "budget"), ({"threshold": 0}, "threshold"),
    ({"step": 1.0}, "step"), ({"measure": "vote"}, "measure")])
def test_bad_parameters_raise_config_errors(params, message):
    model = ConstantProba().fit(None, [0, 1])
    with pytest.raises(ConfigError, match=message):
        StreamSelectiveSampler(**params).decide(model, np.zeros(2), 2)


@pytest.mark.parametrize("measure", ["least_confident", "margin", "entropy"])
def test_every_measure_keeps_the_budget(stream, measure):
    X, model = stream
    sampler = StreamSelectiveSampler(budget=0.1, measure=measure)
    asked = [sampler.decide(model, x, 3) for x in X[:2000]]
    assert 0.08 <= np.mean(asked) <= 0.1 + 1 / 2000
