"""Clustering with pair questions: constraints, constrained k-means, strategies, the loop."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_blobs
from sklearn.metrics import adjusted_rand_score

from activelab.data import find_data_dir
from activelab.exceptions import (
    ConfigError,
    DataError,
    EmptyPoolError,
    InvalidFeaturesError,
    NotFittedError,
    PoolExhaustedError,
    SingleClassError,
    UnknownLabelError,
)
from activelab.tasks.clustering import (
    CANNOT_LINK,
    MUST_LINK,
    UNKNOWN,
    COPKMeans,
    ExploreConsolidate,
    PairConstraints,
    PairOracle,
    PairwiseLearner,
    PCKMeans,
    RandomPairs,
    UncertainPairs,
    make_pair_strategy,
    parse_answers,
    run_pairwise_cell,
    simulate_pairwise,
)
from activelab.tasks.curves import TaskCurves
from activelab.tasks.registry import task_runner


def blobs(n=150, seed=0):
    """Three well-separated blobs."""
    return make_blobs(n_samples=n, centers=[[0, 0], [8, 0], [0, 8]], cluster_std=1.0,
                      random_state=seed)


# --- constraints and their closure -------------------------------------------------------

def test_closure_implies_transitive_must_links_and_separated_components():
    c = PairConstraints(6)
    c.add([[0, 1], [1, 2], [3, 4], [2, 3]], ["must-link", "yes", True, "cannot-link"])
    rel = c.relation([[0, 2], [0, 4], [1, 3], [4, 5], [3, 4]])
    assert rel.tolist() == [MUST_LINK, CANNOT_LINK, CANNOT_LINK, UNKNOWN, MUST_LINK]
    assert c.n_answered == 4
    assert c.must_link.shape == (3, 2) and c.cannot_link.tolist() == [[2, 3]]


def test_contradictory_answers_raise_and_leave_the_state_unchanged():
    c = PairConstraints(4)
    c.add([[0, 1], [1, 2]], [True, True])
    with pytest.raises(DataError, match=r"contradictory.*0 and 2.*0-1-2"):
        c.add([[3, 1], [0, 2]], [False, "no"])
    assert c.n_answered == 2 and c.cannot_link.shape == (0, 2)  # all or nothing
    with pytest.raises(DataError, match="contradictory"):
        PairConstraints(3).add([[0, 1], [1, 2], [0, 2]], [1, 1, 0])


def test_answers_are_parsed_or_rejected_clearly():
    assert parse_answers(["YES", "different", np.True_, 0, None], 5) == \
        [True, False, True, False, None]
    with pytest.raises(UnknownLabelError, match="unknown answer 'maybe'"):
        parse_answers(["maybe"], 1)
    with pytest.raises(UnknownLabelError):
        parse_answers([2], 1)
    with pytest.raises(UnknownLabelError):
        parse_answers([0.5], 1)
    with pytest.raises(DataError, match="2 answers for 1 pairs"):
        parse_answers([True, False], 1)


def test_bad_pairs_are_rejected():
    c = PairConstraints(3)
    with pytest.raises(DataError, match="itself"):
        c.add([[1, 1]], [True])
    with pytest.raises(DataError, match="outside"):
        c.add([[0, 3]], [True])
    with pytest.raises(DataError, match="shape"):
        c.add([[0, 1, 2]], [True])
    with pytest.raises(EmptyPoolError):
        PairConstraints(0)


def test_skipped_pairs_are_not_asked_again():
    c = PairConstraints(2)
    c.add([[0, 1]], [None])
    assert c.n_skipped == 1 and c.n_answered == 0
    with pytest.raises(PoolExhaustedError, match="nothing is left"):
        RandomPairs(random_state=0).query(np.zeros((2, 1)), c, None, 1)


def test_oracle_answers_from_classes_and_flips_at_its_noise_rate():
    y = np.repeat([0, 1], 500)
    pairs = np.random.default_rng(0).integers(1000, size=(2000, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    truth = (y[pairs[:, 0]] == y[pairs[:, 1]]).tolist()
    assert PairOracle(y).answer(pairs) == truth
    noisy = PairOracle(y, noise_rate=0.2, random_state=0)
    wrong = np.mean(np.array(noisy.answer(pairs)) != np.array(truth))
    assert 0.17 < wrong < 0.23 and noisy.n_flipped_ == round(wrong * len(pairs))
    with pytest.raises(ConfigError):
        PairOracle(y, noise_rate=0.5)


# --- constrained k-means -----------------------------------------------------------------

def test_pckmeans_without_constraints_is_kmeans_and_reproducible():
    X, y = blobs()
    model = PCKMeans(3, random_state=0).fit(X)
    assert adjusted_rand_score(y, model.labels_) == pytest.approx(1.0)
    again = clone(model).fit(X)
    assert np.array_equal(model.labels_, again.labels_)
    assert model.cluster_centers_.shape == (3, 2) and model.n_violated_ == 0
    assert np.array_equal(model.predict(X), model.labels_)


def test_constraints_are_honoured_with_enough_weight():
    X = np.array([[0.0], [0.1], [5.0], [5.1]])
    together = PCKMeans(2, w=10, random_state=0).fit(X, must_link=[[1, 2]])
    assert together.labels_[1] == together.labels_[2] and together.n_violated_ == 0
    apart = PCKMeans(2, w=10, random_state=0).fit(X, cannot_link=[[0, 1]])
    assert apart.labels_[0] != apart.labels_[1]
    # A tiny weight: breaking the must-link is cheaper than a bad cluster.
    weak = PCKMeans(2, w=1e-6, random_state=0).fit(X, must_link=[[1, 2]])
    assert weak.labels_[1] != weak.labels_[2] and weak.n_violated_ == 1
    cop = COPKMeans(2, random_state=0).fit(X, must_link=[[1, 2]], cannot_link=[[0, 3]])
    assert cop.labels_[1] == cop.labels_[2] and cop.labels_[0] != cop.labels_[3]


def test_contradictory_constraints_in_the_models():
    X, _ = blobs(30)
    ml, cl = [[0, 1], [1, 2]], [[0, 2]]
    with pytest.raises(DataError, match="contradictory.*closure=False"):
        PCKMeans(3, random_state=0).fit(X, must_link=ml, cannot_link=cl)
    soft = PCKMeans(3, closure=False, random_state=0).fit(X, must_link=ml, cannot_link=cl)
    assert soft.n_violated_ >= 1  # documented handling: each broken answer costs w
    with pytest.raises(DataError, match="contradictory"):
        COPKMeans(3, random_state=0).fit(X, must_link=ml, cannot_link=cl)


def test_cop_kmeans_fails_clearly_when_no_assignment_exists():
    X, _ = blobs(30)
    with pytest.raises(DataError, match="no assignment.*PCKMeans"):
        COPKMeans(2, n_init=2, random_state=0).fit(X, cannot_link=[[0, 1], [1, 2], [0, 2]])


def test_models_reject_bad_input():
    X, _ = blobs(30)
    with pytest.raises(ConfigError, match="at least 2"):
        PCKMeans(1).fit(X)
    with pytest.raises(ConfigError):
        PCKMeans(2, w=-1).fit(X)
    bad = X.copy()
    bad[:, 1] = np.nan
    with pytest.raises(InvalidFeaturesError, match=r"column\(s\) \[1\] are entirely NaN"):
        PCKMeans(2).fit(bad)
    with pytest.raises(EmptyPoolError):
        PCKMeans(2).fit(np.empty((0, 2)))
    with pytest.raises(DataError, match="cannot form 3 clusters"):
        COPKMeans(3).fit(X[:2])
    with pytest.raises(InvalidFeaturesError):
        PCKMeans(2).fit([["a", "b"], ["c", "d"]])
    with pytest.raises(NotFittedError):
        PCKMeans(2).predict(X)


# --- strategies --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["random", "uncertain-pairs", "explore-consolidate"])
def test_strategies_never_ask_what_is_implied_even_within_a_batch(name):
    X, y = blobs(90)
    learner = PairwiseLearner(X, 3, strategy=name, random_state=0)
    oracle = PairOracle(y)
    for _ in range(6):
        pairs = learner.query(8)
        assert pairs.shape[1] == 2 and len(pairs) <= 8
        check = PairConstraints(len(X))
        check.add(learner.constraints.must_link, [True] * len(learner.constraints.must_link))
        check.add(learner.constraints.cannot_link,
                  [False] * len(learner.constraints.cannot_link))
        for pair, answer in zip(pairs, oracle.answer(pairs), strict=True):
            assert check.relation([pair])[0] == UNKNOWN  # no earlier answer implies it
            check.add([pair], [answer])
        learner.teach(pairs, oracle.answer(pairs))
    assert learner.n_questions == len(learner.history_) * 8


def test_strategies_report_exhaustion():
    X = np.array([[0.0], [1.0], [2.0]])
    c = PairConstraints(3)
    c.add([[0, 1], [1, 2]], [True, True])
    model = PCKMeans(2, random_state=0).fit(X)
    for strategy in (RandomPairs(0), UncertainPairs(0), ExploreConsolidate(2, 0)):
        with pytest.raises(PoolExhaustedError):
            strategy.query(X, c, model, 2)


def test_explore_finds_one_neighbourhood_per_blob_by_farthest_first():
    X, y = make_blobs(n_samples=120, centers=[[0, 0], [20, 0], [0, 20]], cluster_std=1.0,
                      random_state=0)
    learner = PairwiseLearner(X, 3, strategy="explore-consolidate", random_state=0)
    oracle = PairOracle(y)
    while learner.n_questions < 4:
        pairs = learner.query(1)
        learner.teach(pairs, oracle.answer(pairs))
    # Farthest-first reaches all three blobs within the first three questions.
    asked = np.unique(np.concatenate([learner.constraints.must_link.ravel(),
                                      learner.constraints.cannot_link.ravel()]))
    assert set(y[asked]) == {0, 1, 2}
    assert adjusted_rand_score(y, learner.labels_) == pytest.approx(1.0)


def test_uncertain_pairs_needs_a_fitted_model_and_names_are_checked():
    X, _ = blobs(30)
    with pytest.raises(NotFittedError):
        UncertainPairs(0).query(X, PairConstraints(len(X)), None, 2)
    with pytest.raises(ConfigError, match="unknown pair strategy"):
        make_pair_strategy("nope", n_clusters=3)
    with pytest.raises(ConfigError):
        RandomPairs(0).query(X, PairConstraints(len(X)), None, 0)


# --- the learner and the simulation ------------------------------------------------------

def test_learner_rejects_contradictions_and_unknown_answers_without_changing_state():
    X, _ = blobs(30)
    learner = PairwiseLearner(X, 3, random_state=0)
    learner.teach([[0, 1], [1, 2]], ["yes", "yes"])
    with pytest.raises(DataError, match="contradictory"):
        learner.teach([[0, 2]], ["no"])
    with pytest.raises(UnknownLabelError):
        learner.teach([[3, 4]], ["perhaps"])
    assert learner.constraints.n_answered == 2 and len(learner.history_) == 1
    with pytest.raises(ConfigError):
        PairwiseLearner(X, 1)
    with pytest.raises(DataError):
        PairwiseLearner(X, 3, y_true=[0, 1])


def test_simulation_is_reproducible_and_uncertain_pairs_beats_random_on_iris():
    X, y = load_iris(return_X_y=True)
    kwargs = dict(initial=0, batch=10, budget=40, seeds=2)
    uncertain = simulate_pairwise(X, y, strategy="uncertain-pairs", **kwargs)
    again = simulate_pairwise(X, y, strategy="uncertain-pairs", **{**kwargs, "seeds": 1})
    assert again.runs[0].metrics == uncertain.runs[0].metrics
    random = simulate_pairwise(X, y, strategy="random", **kwargs)
    run = uncertain.runs[0]
    assert run.n_labels == [0, 10, 20, 30, 40]
    assert run.metrics["ari"][0] == random.runs[0].metrics["ari"][0]  # same start
    assert 0 < run.reference["kmeans_ari"] < 1
    assert uncertain.mean_aulc("ari") > random.mean_aulc("ari")
    assert uncertain.mean_final("ari") > run.reference["kmeans_ari"]


def test_simulation_with_noisy_answers_and_cop_kmeans_runs():
    X, y = blobs(90)
    noisy = simulate_pairwise(X, y, strategy="random", initial=10, batch=10, budget=40,
                              seeds=1, noise_rate=0.2)
    assert noisy.runs[0].n_labels == [10, 20, 30, 40]
    cop = simulate_pairwise(X, y, strategy="explore-consolidate", model="copkmeans",
                            batch=5, budget=20, seeds=1)
    assert cop.runs[0].metrics["ari"][-1] > 0.9


def test_simulation_rejects_bad_input():
    X, y = blobs(30)
    with pytest.raises(SingleClassError):
        simulate_pairwise(X, np.zeros(30), seeds=1)
    with pytest.raises(ConfigError, match="unknown pair strategy"):
        simulate_pairwise(X, y, strategy="farthest", seeds=1)
    with pytest.raises(ConfigError, match="unknown clustering model"):
        simulate_pairwise(X, y, model="dbscan", seeds=1)
    with pytest.raises(ConfigError):
        simulate_pairwise(X, y, initial=20, budget=10, seeds=1)
    with pytest.raises(EmptyPoolError):
        simulate_pairwise(np.empty((0, 2)), [], seeds=1)
    with pytest.raises(DataError):
        simulate_pairwise(X, y[:10], seeds=1)


def test_cell_runner_is_the_registered_clustering_runner():
    assert task_runner("clustering") is run_pairwise_cell
    curves = run_pairwise_cell("sklearn:iris", model=None, strategy="uncertain-pairs", seed=0,
                               initial=5, batch=5, budget=15, test_size=0.25, master_seed=0)
    assert isinstance(curves, TaskCurves)
    assert curves.n_labels == [5, 10, 15] and set(curves.metrics) == {"ari", "nmi"}
    assert not curves.lower_is_better and "kmeans_ari" in curves.reference
    with pytest.raises(ConfigError, match="numeric features and class labels"):
        run_pairwise_cell("sklearn:diabetes", model=None, strategy="random", seed=0,
                          initial=0, batch=5, budget=10, test_size=0.25, master_seed=0)
    with pytest.raises(ConfigError, match="unknown clustering model"):
        run_pairwise_cell("sklearn:iris", model="nope", strategy="random", seed=0,
                          initial=0, batch=5, budget=10, test_size=0.25, master_seed=0)


@pytest.mark.slow
@pytest.mark.skipif(find_data_dir() is None, reason="../shared/data is absent")
def test_cell_runner_on_shared_banknote():
    curves = run_pairwise_cell("banknote", model=None, strategy="uncertain-pairs", seed=0,
                               initial=10, batch=10, budget=60, test_size=0.25,
                               master_seed=0)
    assert curves.n_labels[-1] == 60
    assert max(curves.metrics["ari"]) > curves.reference["kmeans_ari"]


@pytest.mark.parametrize("edit", ["relabel", "skip", "remove_labels"])
def test_item_edits_are_refused_with_a_clear_error(edit):
    X, y = load_iris(return_X_y=True)
    learner = PairwiseLearner(X, 3, random_state=0)
    pairs = learner.query(3)
    learner.teach(pairs, (y[pairs[:, 0]] == y[pairs[:, 1]]).tolist())
    args = ([0], ["a"]) if edit == "relabel" else ([0],)
    with pytest.raises(ConfigError, match="pair constraints"):
        getattr(learner, edit)(*args)
    assert learner.constraints.n_answered == 3
