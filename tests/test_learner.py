"""The loop: query, teach, retrain through clone, history, cold start, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier

from activelab import (
    ActivelabWarning,
    ActiveLearner,
    ConfigError,
    LabelBudget,
    NotFittedError,
    Pool,
    PoolExhaustedError,
    SimulatedOracle,
    SingleClassError,
)
from activelab.strategies import UncertaintySampling


@pytest.fixture
def iris():
    X, y = load_iris(return_X_y=True)
    return X, np.array(["setosa", "versicolor", "virginica"])[y]


def loop(estimator, X, y, seed, rounds=5, strategy="margin"):
    learner = ActiveLearner(estimator, Pool(X), strategy, random_state=seed)
    queried = [learner.initial_query(9, method="kmeans")]
    learner.teach(queried[0], y[queried[0]])
    for _ in range(rounds):
        queried.append(learner.query(4))
        learner.teach(queried[-1], y[queried[-1]])
    return learner, np.concatenate(queried)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", [DecisionTreeClassifier(), LogisticRegression(),
                                       MLPClassifier(hidden_layer_sizes=(8,), max_iter=200)])
def test_same_random_state_same_queries_byte_for_byte(estimator, iris):
    X, y = iris
    _, first = loop(estimator, X, y, seed=7)
    _, again = loop(estimator, X, y, seed=7)
    assert first.tobytes() == again.tobytes()
    _, other = loop(estimator, X, y, seed=8)
    assert first.tobytes() != other.tobytes()


def test_tree_ties_do_not_fall_to_the_lowest_index(iris):
    X, y = iris
    learner, queried = loop(DecisionTreeClassifier(random_state=0), X, y, seed=0, rounds=1)
    # A shallow tree gives 0/1 probabilities to most items: many ties among scores.
    batch = queried[9:]
    unlabeled_before = np.setdiff1d(np.arange(len(X)), queried[:9])
    assert batch.tolist() != unlabeled_before[:4].tolist()


def test_retrains_a_clone_and_records_history(iris):
    X, y = iris
    estimator = LogisticRegression()
    learner = ActiveLearner(estimator, Pool(X), "entropy", eval_set=(X, y), random_state=0)
    seed = learner.initial_query(6, method="kmeans")
    learner.teach(seed, y[seed])
    batch = learner.query(3)
    learner.teach(batch, y[batch])
    assert not hasattr(estimator, "coef_"), "the given estimator is never fitted itself"
    assert learner.model_ is not estimator and hasattr(learner.model_, "coef_")
    first, second = learner.history_
    assert first.strategy == "initial-kmeans" and np.isnan(first.scores).all()
    assert second.strategy == "entropy" and np.isfinite(second.scores).all()
    assert second.indices.tolist() == batch.tolist()
    assert second.n_labeled == 9 and 0 < second.metrics["accuracy"] <= 1
    assert set(second.metrics) == {"accuracy", "balanced_accuracy", "macro_f1"}
    assert learner.predict(X[:2]).tolist() == ["setosa", "setosa"]
    assert learner.predict_proba(X[:2]).shape == (2, 3)
    assert 0 < learner.score(X, y) <= 1


def test_teach_none_skips_and_relabel_remove_retrain(iris):
    X, y = iris
    learner = ActiveLearner(LogisticRegression(), Pool(X), random_state=0)
    learner.teach([0, 50, 100, 1], [y[0], y[50], y[100], None])
    assert learner.pool.ignored_indices.tolist() == [1]
    assert learner.history_[-1].labels[-1] is None
    before = learner.model_
    learner.relabel([0], ["virginica"])
    assert learner.model_ is not before
    learner.remove_labels([0])
    assert 0 in learner.pool.unlabeled_indices
    learner.skip([2])
    assert 2 not in learner.query(149)


def test_cold_start_single_class(iris):
    X, y = iris
    learner = ActiveLearner(LogisticRegression(), Pool(X), random_state=0)
    with pytest.raises(NotFittedError, match="no labels yet"):
        learner.query(2)
    learner.teach([0, 1], [y[0], y[1]])  # both setosa: no model can be trained
    assert learner.model_ is None
    with pytest.warns(ActivelabWarning, match="querying at random"):
        assert len(learner.query(3)) == 3
    with pytest.raises(SingleClassError, match="'setosa'"):
        learner.predict(X[:1])
    strict = ActiveLearner(LogisticRegression(), Pool(X), cold_start="raise", random_state=0)
    strict.teach([0, 1], [y[0], y[1]])
    with pytest.raises(SingleClassError, match="at least two classes"):
        strict.query(1)


def test_run_stops_and_says_why(iris):
    X, y = iris
    learner = ActiveLearner(LogisticRegression(), Pool(X), random_state=0)
    learner.run(SimulatedOracle(y), batch_size=7, initial=10, stopping=[LabelBudget(40)])
    assert learner.stop_reason_ == "label budget of 40 reached"
    assert learner.pool.n_labeled == 45  # the budget is checked between batches
    few = np.r_[0:10, 50:60]
    small = ActiveLearner(LogisticRegression(), Pool(X[few]), random_state=0)
    small.run(SimulatedOracle(y[few]), batch_size=7, initial=4, initial_method="kmeans")
    assert small.stop_reason_.startswith("pool exhausted")
    with pytest.raises(PoolExhaustedError):
        small.query(1)


def test_custom_strategy_object_is_seeded_by_the_learner(iris):
    X, y = iris
    a, qa = loop(LogisticRegression(), X, y, seed=3, strategy=UncertaintySampling(
        lambda p: -np.abs(p[:, 0] - 0.5)))
    b, qb = loop(LogisticRegression(), X, y, seed=3, strategy=UncertaintySampling(
        lambda p: -np.abs(p[:, 0] - 0.5)))
    assert qa.tolist() == qb.tolist()


def test_bad_configuration_is_a_clear_error(iris):
    X, _ = iris
    with pytest.raises(ConfigError, match="Pool"):
        ActiveLearner(LogisticRegression(), X)
    with pytest.raises(ConfigError, match="cold_start"):
        ActiveLearner(LogisticRegression(), Pool(X), cold_start="maybe")
    learner = ActiveLearner(LogisticRegression(), Pool(X), "psychic", random_state=0)
    learner.teach([0, 50], ["a", "b"])
    with pytest.raises(ConfigError, match="unknown strategy 'psychic'"):
        learner.query(1)
    with pytest.raises(ConfigError, match="batch_size"):
        ActiveLearner(LogisticRegression(), Pool(X), "margin").strategy_.query(
            learner.pool, learner.model_, 0)
