"""Regression active learning: label state, strategies, learner, simulation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.linear_model import BayesianRidge, LinearRegression, Ridge
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from activelab import ActivelabWarning, LabelBudget, SimulatedOracle
from activelab.data import Dataset, find_data_dir, load_dataset
from activelab.exceptions import (
    ConfigError,
    DataError,
    EmptyPoolError,
    InvalidFeaturesError,
    NotFittedError,
    PoolExhaustedError,
)
from activelab.tasks.regression import (
    CommitteeVariance,
    GreedySampling,
    PredictiveStd,
    RegressionLearner,
    RegressionPool,
    make_regression_split,
    regression_metrics,
    simulate_regression,
)


def line_data(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, size=(n, 2))
    return X, 2.0 * X[:, 0] - X[:, 1] + 0.1 * rng.normal(size=n)


# ---------------------------------------------------------------- label state
def test_pool_stores_floats_with_nan_as_unlabelled():
    pool = RegressionPool(np.zeros((5, 2)))
    pool.teach([1, 3], [2.5, -1])
    assert pool.labeled_indices.tolist() == [1, 3]
    assert pool.unlabeled_indices.tolist() == [0, 2, 4]
    assert np.isnan(pool.targets[0]) and pool.targets[3] == -1.0
    pool.skip([0])
    assert pool.unlabeled_indices.tolist() == [2, 4]
    pool.relabel([1], [7.0])
    assert pool.targets_of([1]).tolist() == [7.0]
    pool.remove_labels([1])
    assert 1 in pool.unlabeled_indices


@pytest.mark.parametrize("bad", [["high", "low"], [True, False], [1.0, np.nan],
                                 [1.0, np.inf], [1.0, None]])
def test_pool_refuses_targets_that_are_not_finite_numbers(bad):
    pool = RegressionPool(np.zeros((4, 2)))
    with pytest.raises(DataError):
        pool.teach([0, 1], bad)
    assert pool.n_labeled == 0  # nothing changed


def test_pool_refuses_bad_features_and_relabel_of_unlabelled():
    X = np.ones((4, 2))
    X[:, 1] = np.nan  # an all-NaN column
    with pytest.raises(InvalidFeaturesError):
        RegressionPool(X)
    with pytest.raises(EmptyPoolError):
        RegressionPool(np.zeros((0, 2)))
    pool = RegressionPool(np.zeros((3, 1)))
    with pytest.raises(DataError, match="no label"):
        pool.relabel([0], [1.0])
    with pytest.raises(DataError, match="2 indices but 1"):
        pool.teach([0, 1], [1.0])


def test_metrics_values_and_bad_targets():
    m = regression_metrics([0.0, 2.0, 4.0], [1.0, 2.0, 1.0])
    assert m["mae"] == pytest.approx(4 / 3)
    assert m["rmse"] == pytest.approx(np.sqrt(10 / 3))
    with pytest.raises(DataError):
        regression_metrics(["a", "b"], [1.0, 2.0])


# ---------------------------------------------------------------- strategies
def brute_force_greedy(X, labelled, f, y_lab, space, k):
    """Reference iGS/GSx/GSy with full distance matrices (fine at test size)."""
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    ref_x, ref_y = list(labelled), list(y_lab)
    cand = [i for i in range(len(X)) if i not in labelled]
    chosen = []
    for _ in range(k):
        dx = euclidean_distances(Xs[cand], Xs[ref_x])
        dy = np.abs(f[cand][:, None] - np.asarray(ref_y)[None, :])
        d = {"x": dx, "y": dy, "xy": dx * dy}[space].min(axis=1)
        best = cand[int(np.argmax(d))]
        chosen.append(best)
        ref_x.append(best)
        ref_y.append(f[best])
        cand.remove(best)
    return chosen


@pytest.mark.parametrize("space", ["x", "y", "xy"])
def test_greedy_sampling_matches_a_brute_force_reference_with_any_chunk_size(space):
    X, y = line_data(50)
    pool = RegressionPool(X)
    labelled = [0, 1, 2, 3]
    pool.teach(labelled, y[labelled])
    model = LinearRegression().fit(*pool.training_data())
    expected = brute_force_greedy(X, labelled, model.predict(X), y[labelled], space, 6)
    for chunk in (3, 7, 2048):
        got = GreedySampling(space, chunk_size=chunk, random_state=0).query(pool, model, 6)
        assert got.tolist() == expected


def test_gsx_needs_no_model_and_covers_the_input_space_from_a_cold_start():
    pool = RegressionPool(np.linspace(0, 1, 101).reshape(-1, 1))
    picks = GreedySampling("x", random_state=0).query(pool, None, 3)
    assert picks[0] == 50  # nearest the centre first
    assert sorted(picks[1:].tolist()) == [0, 100]  # then the two ends
    with pytest.raises(NotFittedError):
        GreedySampling("xy").query(pool, None, 1)
    with pytest.raises(ConfigError):
        GreedySampling("z").query(pool, None, 1)


def test_committee_variance_prefers_extrapolation_far_from_the_labels():
    X = np.linspace(-5, 5, 101).reshape(-1, 1)
    y = 3 * X.ravel() + np.random.default_rng(0).normal(size=101)
    pool = RegressionPool(X)
    middle = np.arange(45, 56)
    pool.teach(middle, y[middle])
    model = Ridge().fit(*pool.training_data())
    picks = CommitteeVariance(n_members=8, random_state=0).query(pool, model, 4)
    assert np.all(np.abs(X[picks, 0]) > 4)
    hetero = CommitteeVariance([Ridge(alpha=0.01), Ridge(alpha=100.0)], random_state=0)
    assert np.all(np.abs(X[hetero.query(pool, model, 4), 0]) > 4)
    with pytest.raises(ConfigError):
        CommitteeVariance([Ridge()]).query(pool, model, 1)


@pytest.mark.parametrize("model", [
    GaussianProcessRegressor(random_state=0),
    make_pipeline(StandardScaler(), BayesianRidge()),
    RandomForestRegressor(n_estimators=20, random_state=0),
])
def test_predictive_std_picks_items_away_from_the_training_data(model):
    X = np.linspace(-5, 5, 101).reshape(-1, 1)
    y = np.sin(X.ravel())
    pool = RegressionPool(X)
    middle = np.arange(40, 61)
    pool.teach(middle, y[middle])
    model.fit(*pool.training_data())
    picks = PredictiveStd(random_state=0).query(pool, model, 3)
    assert np.all(np.abs(X[picks, 0]) > 1.0)


def test_predictive_std_explains_models_without_uncertainty():
    pool = RegressionPool(np.arange(10.0).reshape(-1, 1))
    pool.teach([0, 9], [0.0, 1.0])
    with pytest.raises(ConfigError, match="committee"):
        PredictiveStd().query(pool, Ridge().fit(*pool.training_data()), 1)


# ---------------------------------------------------------------- learner
def test_learner_loop_lowers_the_error_and_is_reproducible():
    X, y = line_data(120)
    X_test, y_test = line_data(60, seed=1)

    def run(seed):
        learner = RegressionLearner(Ridge(), RegressionPool(X), "igs",
                                    eval_set=(X_test, y_test), random_state=seed)
        learner.run(SimulatedOracle(y), batch_size=4, initial=3, initial_method="gsx",
                    stopping=[LabelBudget(23)])
        return learner

    a, b = run(0), run(0)
    assert [r.indices.tolist() for r in a.history_] == [r.indices.tolist() for r in b.history_]
    assert a.history_[-1].n_labeled == 23
    rmse = [r.metrics["rmse"] for r in a.history_]
    assert rmse[-1] < 0.5 and rmse[-1] < rmse[0]
    assert a.score(X_test, y_test) > 0.95
    assert a.history_[0].strategy == "initial-gsx" and a.history_[1].strategy == "igs"


def test_learner_cold_start_skip_and_exhaustion():
    X, y = line_data(8)
    learner = RegressionLearner(Ridge(), RegressionPool(X), "committee", random_state=0)
    with pytest.raises(NotFittedError):
        learner.query(1)
    learner.teach([0], [y[0]])
    with pytest.warns(ActivelabWarning, match="at random"):
        batch = learner.query(2)
    learner.teach(batch, [y[batch[0]], None])  # None skips
    assert learner.pool.n_labeled == 2 and len(learner.pool.ignored_indices) == 1
    assert learner.model_ is not None
    rest = learner.pool.unlabeled_indices
    learner.teach(rest, y[rest])
    with pytest.raises(PoolExhaustedError):
        learner.query(1)
    with pytest.raises(ConfigError):
        RegressionLearner(Ridge(), np.zeros((3, 1)))


# ---------------------------------------------------------------- simulation
def test_simulation_shares_splits_across_strategies_and_is_reproducible():
    X, y = line_data(150)
    ds = Dataset("line", X, y, kind="tabular", task="regression")
    kwargs = dict(model=Ridge(), initial=5, batch=5, budget=25, seeds=2)
    a = simulate_regression(ds, strategy="random", **kwargs)
    b = simulate_regression(ds, strategy="igs", **kwargs)
    again = simulate_regression(ds, strategy="igs", **kwargs)
    assert [r.rmse for r in b.runs] == [r.rmse for r in again.runs]
    # The seed set (first point of every curve) is the same for both strategies.
    assert [r.rmse[0] for r in a.runs] == [r.rmse[0] for r in b.runs]
    assert a.runs[0].n_labels == [5, 10, 15, 20, 25]
    assert b.mean_aulc("rmse") > 0 and np.isfinite(b.mean_aulc("mae"))
    s1 = make_regression_split(150, 1, master_seed=0, test_size=0.25, initial=5)
    s2 = make_regression_split(150, 1, master_seed=0, test_size=0.25, initial=5)
    assert s1.initial.tolist() == s2.initial.tolist()


def test_simulation_rejects_bad_targets():
    X, _ = line_data(20)
    with pytest.raises(DataError, match="numbers"):
        simulate_regression(Dataset("s", X, np.array(["a"] * 20), kind="tabular",
                                    task="classification"), seeds=1)
    with pytest.raises(DataError, match="constant"):
        simulate_regression(Dataset("c", X, np.ones(20), kind="tabular", task="regression"),
                            seeds=1)
    bad = X.copy()
    bad[:, 0] = np.nan
    with pytest.raises(InvalidFeaturesError):
        simulate_regression(Dataset("n", bad, np.arange(20.0), kind="tabular",
                                    task="regression"), seeds=1)


@pytest.mark.slow
@pytest.mark.skipif(find_data_dir() is None, reason="../shared/data is absent")
def test_igs_beats_random_on_energy_efficiency_with_a_forest():
    ds = load_dataset("energy_efficiency")
    kwargs = dict(model="rf", initial=10, batch=10, budget=80, seeds=3)
    igs = simulate_regression(ds, strategy="igs", **kwargs)
    random = simulate_regression(ds, strategy="random", **kwargs)
    assert igs.mean_aulc() < random.mean_aulc()
