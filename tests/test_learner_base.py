"""One learner base: every task's learner has the same life cycle, history and loop."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, Ridge

from activelab import ActiveLearner, LabelBudget, Pool, Round, SimulatedOracle
from activelab.curves import TaskCurves
from activelab.learner_base import BaseLearner, run_to_budget
from activelab.tasks.anomaly import AnomalyLearner
from activelab.tasks.clustering import PairOracle, PairRound, PairwiseLearner
from activelab.tasks.matching import PairLearner
from activelab.tasks.multilabel import MultiLabelLearner, MultiLabelPool
from activelab.tasks.regression import RegressionLearner, RegressionPool


def _iris():
    X, y = load_iris(return_X_y=True)
    return X, y


def _classification():
    X, y = _iris()
    return ActiveLearner(LogisticRegression(), Pool(X), "margin", random_state=0), X, y


def _regression():
    X, y = load_diabetes(return_X_y=True)
    return RegressionLearner(Ridge(), RegressionPool(X), "igs", random_state=0), X, y


def _anomaly():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(200, 2)), rng.normal(4, 1, size=(10, 2))])
    y = np.r_[np.zeros(200, int), np.ones(10, int)]
    return AnomalyLearner(None, X, "most-anomalous", random_state=0), X, y


def _multilabel():
    X = np.random.default_rng(0).normal(size=(80, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int)
    learner = MultiLabelLearner(LogisticRegression(), MultiLabelPool(X, labels=["a", "b"]),
                                "mean-margin", random_state=0)
    return learner, X, [[name for name, on in zip("ab", row, strict=True) if on] for row in Y]


def _matching():
    X, y = _iris()
    y = (y == 2).astype(int)
    return PairLearner(LogisticRegression(), Pool(X, classes=[0, 1]), "margin",
                       similarity=X[:, 2], random_state=0), X, y


LEARNERS = {"classification": _classification, "regression": _regression,
            "anomaly": _anomaly, "multilabel": _multilabel, "matching": _matching}


@pytest.mark.filterwarnings("ignore::activelab.ActivelabWarning")
@pytest.mark.parametrize("name", sorted(LEARNERS))
def test_every_learner_runs_the_same_life_cycle(name):
    learner, _, y = LEARNERS[name]()
    assert isinstance(learner, BaseLearner)
    seed = learner.initial_query(12)
    learner.teach(seed, [y[i] for i in seed])
    batch = learner.query(5)
    assert len(batch) == 5 and not set(batch.tolist()) & set(seed.tolist())
    learner.teach(batch, [y[i] for i in batch])
    first, second = learner.history_
    assert isinstance(first, Round) and (first.number, second.number) == (0, 1)
    assert first.strategy == "initial-random" and second.strategy != "manual"
    assert (first.n_labeled, second.n_labeled) == (12, 17)
    assert np.isnan(first.scores).all() and np.isfinite(second.scores).all()


@pytest.mark.filterwarnings("ignore::activelab.ActivelabWarning")
@pytest.mark.parametrize("name", ["classification", "regression", "anomaly", "matching"])
def test_every_learner_runs_to_a_stopping_criterion(name):
    learner, _, y = LEARNERS[name]()
    learner.run(SimulatedOracle(np.asarray(y)), batch_size=4, initial=8,
                stopping=[LabelBudget(20)])
    assert learner.pool.n_labeled == 20
    assert learner.stop_reason_ and "20" in learner.stop_reason_


def test_the_loop_stops_when_the_pool_is_exhausted():
    X, y = _iris()
    learner = ActiveLearner(LogisticRegression(), Pool(X[:30]), "random", random_state=0)
    learner.run(SimulatedOracle(y[:30]), batch_size=8, initial=6)
    assert learner.pool.n_unlabeled == 0
    assert learner.stop_reason_.startswith("pool exhausted")


def test_the_pairwise_learner_keeps_pairs_in_its_rounds_and_runs_the_loop():
    X, y = _iris()
    learner = PairwiseLearner(X, 3, strategy="explore-consolidate", y_true=y, random_state=0)
    assert isinstance(learner, BaseLearner)

    class AfterQuestions:
        def check(self, learner):
            return "enough questions" if learner.n_questions >= 12 else None

    learner.run(PairOracle(y, random_state=0), batch_size=4, stopping=[AfterQuestions()])
    assert learner.stop_reason_ == "enough questions"
    rounds = learner.history_
    assert all(isinstance(r, PairRound) for r in rounds)
    assert [r.n_questions for r in rounds] == [4, 8, 12]
    assert rounds[0].pairs.shape == (4, 2) and len(rounds[0].answers) == 4
    assert set(rounds[-1].metrics) == {"ari", "nmi"}


@pytest.mark.parametrize(("n_pool", "budget", "rounds", "reason"), [
    (150, 20, [6, 10, 14, 18, 20], "label budget reached"),
    (13, 40, [6, 10, 13], "pool exhausted"),
])
def test_the_budgeted_loop_stops_at_the_budget_or_an_empty_pool(n_pool, budget, rounds,
                                                                reason):
    X, y = _iris()
    learner = ActiveLearner(LogisticRegression(), Pool(X[:n_pool]), "random", random_state=0)
    seen = []
    stop = run_to_budget(learner, lambda indices: y[indices], np.arange(6), batch=4,
                         budget=budget, on_round=lambda: seen.append(learner.pool.n_labeled))
    assert stop == reason
    assert seen == rounds == [r.n_labeled for r in learner.history_]


def test_curves_from_a_history_fill_missing_metrics_with_nan():
    X, y = _iris()
    learner = ActiveLearner(LogisticRegression(), Pool(X), "random",
                            eval_set=(X, y), random_state=0)
    learner.teach([0], [y[0]])  # one class: no model, no metrics
    learner.teach([50, 100], [y[50], y[100]])
    curves = TaskCurves.from_history(learner.history_, ("accuracy",),
                                     lower_is_better=("accuracy",))
    assert curves.n_labels == [1, 3]
    assert np.isnan(curves.metrics["accuracy"][0]) and curves.metrics["accuracy"][1] > 0
    assert curves.lower_is_better == {"accuracy"}
    assert curves.check() is curves


@pytest.mark.parametrize(("sizes", "message"), [
    (dict(initial=0), "initial must be at least 1, got 0"),
    (dict(initial=1, min_initial=2), "initial must be at least 2, got 1"),
    (dict(batch=0), "batch and seeds must each be at least 1"),
    (dict(seeds=0), "batch and seeds must each be at least 1"),
    (dict(budget=5), r"budget \(5\) must be at least 1 and the seed set size \(10\)"),
    (dict(initial=0, budget=0, min_initial=0), r"budget \(0\) must be at least 1"),
    (dict(test_size=1.0), r"test_size must be in \(0, 1\), got 1.0"),
])
def test_every_simulation_checks_its_loop_sizes_alike(sizes, message):
    from activelab import ConfigError
    from activelab.simulation import check_loop_sizes

    with pytest.raises(ConfigError, match=message):
        check_loop_sizes(**{"initial": 10, "batch": 5, "budget": 50, "seeds": 2,
                            "test_size": 0.25, **sizes})
