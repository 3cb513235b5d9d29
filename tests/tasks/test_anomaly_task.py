"""Anomaly detection: semi-supervised detector, analyst strategies, loop, cell runner."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score
from sklearn.svm import LinearSVC

from activelab import Pool
from activelab.data import Dataset, find_data_dir
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
from activelab.oracles import SimulatedOracle
from activelab.stopping import LabelBudget
from activelab.tasks.anomaly import (
    ANOMALY_METRICS,
    ANOMALY_STRATEGIES,
    AnomalyLearner,
    HybridAnomaly,
    MostAnomalous,
    SemiSupervisedDetector,
    ThresholdUncertainty,
    load_anomaly_dataset,
    make_anomaly_strategy,
    most_anomalous,
    precision_at_k,
    run_anomaly_cell,
    simulate_anomaly,
    threshold_closeness,
)
from activelab.tasks.curves import TaskCurves
from activelab.tasks.registry import get_task, task_runner


def decoy_data(seed=0, n_normal=600, n_anomaly=30):
    """Anomalies shifted on feature 0 only; heavy-tailed noise on the other features
    makes some normals look more isolated than the anomalies, so the isolation
    forest alone is fooled and labels can teach it what matters."""
    rng = np.random.default_rng(seed)
    normal = np.column_stack([rng.normal(0, 1, n_normal), rng.standard_t(1.5, (n_normal, 4))])
    anomaly = np.column_stack([rng.normal(3.5, 0.3, n_anomaly), rng.normal(0, 1, (n_anomaly, 4))])
    X = np.vstack([normal, anomaly])
    y = np.r_[np.zeros(n_normal, dtype=int), np.ones(n_anomaly, dtype=int)]
    return X, y


def toy_dataset(seed=0):
    X, y = decoy_data(seed, n_normal=400, n_anomaly=20)
    return Dataset("decoy", X, y, kind="tabular", task="anomaly")


# ---------------------------------------------------------------- detector
def test_detector_without_both_kinds_of_labels_is_the_forest_alone():
    X, y = decoy_data()
    alone = SemiSupervisedDetector(random_state=0).fit(X)
    assert alone.classifier_ is None and alone.weight_ == 0.0
    assert alone.scores_.min() > 0 and alone.scores_.max() == 1.0  # percentiles
    np.testing.assert_array_equal(alone.scores_, alone.unsupervised_scores_)
    assert alone.threshold_ == pytest.approx(0.9)
    partial = np.full(len(y), -1)
    partial[:20] = 0  # only rejected items: still nothing to contrast them with
    normals_only = SemiSupervisedDetector(random_state=0).fit(X, partial)
    assert normals_only.classifier_ is None and normals_only.n_labels_ == (20, 0)
    np.testing.assert_array_equal(normals_only.scores_, alone.scores_)
    partial[:20] = -1
    partial[-3:] = 1  # only confirmed anomalies
    anomalies_only = SemiSupervisedDetector(random_state=0).fit(X, partial)
    np.testing.assert_array_equal(anomalies_only.scores_, alone.scores_)


def test_labels_of_both_kinds_teach_the_detector_what_the_forest_misses():
    X, y = decoy_data()
    alone = SemiSupervisedDetector(random_state=0).fit(X)
    labels = np.full(len(y), -1)
    rng = np.random.default_rng(1)
    known = np.r_[rng.choice(600, 40, replace=False), 600 + rng.choice(30, 8, replace=False)]
    labels[known] = y[known]
    taught = SemiSupervisedDetector(random_state=0).fit(X, labels)
    assert taught.n_labels_ == (40, 8)
    assert taught.weight_ == pytest.approx(8 / 13)
    assert taught.threshold_ == pytest.approx((5 / 13) * 0.9 + (8 / 13) * 0.5)
    unknown = labels == -1
    ap_alone = average_precision_score(y[unknown], alone.scores_[unknown])
    ap_taught = average_precision_score(y[unknown], taught.scores_[unknown])
    assert ap_alone < 0.6 and ap_taught > ap_alone + 0.3
    X_new, y_new = decoy_data(seed=5)
    assert average_precision_score(y_new, taught.score_samples(X_new)) > \
        average_precision_score(y_new, alone.score_samples(X_new)) + 0.3
    assert set(np.unique(taught.predict(X_new))) <= {0, 1}
    np.testing.assert_allclose(taught.decision_function(X_new),
                               taught.score_samples(X_new) - taught.threshold_)


def test_detector_is_reproducible_and_update_matches_fit():
    X, y = decoy_data()
    labels = np.full(len(y), -1)
    labels[[0, 1, 2, 600, 601]] = [0, 0, 0, 1, 1]
    a = SemiSupervisedDetector(random_state=3).fit(X, labels)
    b = SemiSupervisedDetector(random_state=3).fit(X)
    b.update(X, labels)
    np.testing.assert_array_equal(a.scores_, b.scores_)
    forest = SemiSupervisedDetector("forest", random_state=3)
    np.testing.assert_array_equal(forest.fit(X, labels).scores_, forest.fit(X, labels).scores_)
    with pytest.raises(DataError, match="needs the 630 rows"):
        a.update(X[:10], labels[:10])


def test_detector_rejects_bad_input_with_clear_errors():
    X, y = decoy_data()
    with pytest.raises(NotFittedError):
        SemiSupervisedDetector().score_samples(X)
    with pytest.raises(ConfigError, match="contamination"):
        SemiSupervisedDetector(contamination=0.9).fit(X)
    with pytest.raises(ConfigError, match="unknown anomaly detector"):
        SemiSupervisedDetector("svm").fit(X, np.r_[np.zeros(629, int), 1])
    with pytest.raises(ConfigError, match="predict_proba"):
        SemiSupervisedDetector(LinearSVC()).fit(X, np.r_[np.zeros(629, int), 1])
    with pytest.raises(DataError, match="0 \\(normal\\) or 1 \\(anomaly\\) or -1"):
        SemiSupervisedDetector().fit(X, np.full(len(X), 2))
    with pytest.raises(DataError, match="type"):
        SemiSupervisedDetector().fit(X, np.array(["yes"] * len(X)))
    with pytest.raises(DataError, match="630 rows but y has 3"):
        SemiSupervisedDetector().fit(X, [0, 1, -1])
    nan_column = X.copy()
    nan_column[:, 2] = np.nan
    with pytest.raises(InvalidFeaturesError, match=r"column\(s\) \[2\]"):
        SemiSupervisedDetector().fit(nan_column)
    one_nan = X.copy()
    one_nan[7, 1] = np.nan
    with pytest.raises(InvalidFeaturesError, match="first at row 7"):
        SemiSupervisedDetector().fit(one_nan)
    with pytest.raises(EmptyPoolError):
        SemiSupervisedDetector().fit(np.empty((0, 3)))
    with pytest.raises(InvalidFeaturesError, match="numeric"):
        SemiSupervisedDetector().fit([["a", "b"], ["c", "d"]])


# ---------------------------------------------------------------- strategies
def test_score_functions_and_strategies_pick_what_they_promise():
    scores = np.array([0.2, 0.95, 0.55, 0.91])
    assert most_anomalous(scores).tolist() == scores.tolist()
    np.testing.assert_allclose(threshold_closeness(scores, 0.5), [-0.3, -0.45, -0.05, -0.41])
    X, y = decoy_data()
    detector = SemiSupervisedDetector(random_state=0).fit(X)
    pool = Pool(X, classes=[0, 1])
    pool.teach([int(np.argmax(detector.scores_))], [1])
    top = MostAnomalous(random_state=0).query(pool, detector, 5)
    unlabelled = pool.unlabeled_indices
    best = unlabelled[np.argsort(-detector.scores_[unlabelled], kind="stable")[:5]]
    assert set(top.tolist()) == set(best.tolist())
    near = ThresholdUncertainty(random_state=0).query(pool, detector, 5)
    distance = np.abs(detector.scores_ - detector.threshold_)
    assert distance[near].max() <= np.sort(distance[unlabelled])[4] + 1e-12
    mixed, mixed_scores = HybridAnomaly(random_state=0).query(pool, detector, 6,
                                                              return_scores=True)
    assert len(set(mixed.tolist())) == 6 and len(mixed_scores) == 6
    assert set(mixed[:3].tolist()) <= set(best.tolist())
    assert set(mixed[3:].tolist()) <= set(near.tolist()) | set(
        unlabelled[np.argsort(distance[unlabelled])[:9]].tolist())
    with pytest.raises(ConfigError, match="explore"):
        HybridAnomaly(explore=2, random_state=0).query(pool, detector, 2)
    with pytest.raises(ConfigError, match="unknown anomaly strategy"):
        make_anomaly_strategy("margin")
    assert {type(make_anomaly_strategy(n)).__name__ for n in ANOMALY_STRATEGIES} == {
        "MostAnomalous", "ThresholdUncertainty", "HybridAnomaly", "RandomSampling"}


def test_precision_at_k():
    assert precision_at_k([0, 1, 0, 1], [0.1, 0.9, 0.8, 0.2]) == 0.5
    assert precision_at_k([0, 1, 0, 1], [0.1, 0.9, 0.8, 0.2], k=1) == 1.0
    with pytest.raises(ConfigError):
        precision_at_k([0, 0], [0.1, 0.2])


# ---------------------------------------------------------------- learner
def test_learner_ranks_before_any_label_and_finds_anomalies_with_an_oracle():
    X, y = decoy_data()
    learner = AnomalyLearner(None, X, "most-anomalous", eval_set=decoy_data(seed=9),
                             random_state=0)
    first = learner.query(10)  # no labels yet: the forest's own ranking
    assert len(first) == 10 and learner.model_.classifier_ is None
    learner.teach(first, (y[first] == 1).tolist())  # booleans: confirm / reject
    learner.run(SimulatedOracle(y), batch_size=20, stopping=[LabelBudget(150)])
    assert learner.pool.n_labeled == 150
    metrics = learner.history_[-1].metrics
    assert set(metrics) == set(ANOMALY_METRICS)
    assert metrics["anomalies_found"] >= 15  # 30 anomalies hide among 630 items
    assert metrics["precision_at_k"] > learner.history_[0].metrics["precision_at_k"]
    assert learner.score_samples(X).shape == (len(X),)


def test_learner_rejects_bad_pools_and_labels():
    X, _ = decoy_data()
    with pytest.raises(ConfigError, match="classes=\\[0, 1\\]"):
        AnomalyLearner(None, Pool(X), "most-anomalous")
    with pytest.raises(EmptyPoolError):
        AnomalyLearner(None, np.empty((0, 2)))
    with pytest.raises(SingleClassError, match="no anomalies"):
        AnomalyLearner(None, X, eval_set=(X, np.zeros(len(X), int)))
    learner = AnomalyLearner(None, X[:5], random_state=0)
    with pytest.raises(UnknownLabelError):
        learner.teach([0], ["anomaly"])
    learner.teach(np.arange(5), [0, 0, 1, 0, 0])
    with pytest.raises(PoolExhaustedError):
        learner.query(1)


# ---------------------------------------------------------------- cell runner
def test_cell_runner_is_registered_reproducible_and_aligned():
    assert task_runner("anomaly") is run_anomaly_cell
    found = get_task("anomaly")
    model, strategy, metric = found.default_model, found.default_strategy, found.headline
    assert strategy in ANOMALY_STRATEGIES and metric in ANOMALY_METRICS
    ds = toy_dataset()
    kwargs = dict(model=model, seed=1, initial=0, batch=20, budget=80, test_size=0.3,
                  master_seed=4)
    curves = run_anomaly_cell(ds, strategy=strategy, **kwargs)
    assert isinstance(curves, TaskCurves) and curves.check() is curves
    assert curves.n_labels == [0, 20, 40, 60, 80]
    assert set(curves.metrics) == set(ANOMALY_METRICS) and not curves.lower_is_better
    again = run_anomaly_cell(ds, strategy=strategy, **kwargs)
    np.testing.assert_equal(curves.metrics, again.metrics)  # NaN == NaN here
    assert curves.reference == again.reference
    # Round 0 has no labels: the detector is the forest alone, as in the reference.
    assert curves.metrics["precision_at_k"][0] == curves.reference[
        "unsupervised_precision_at_k"]
    assert np.isnan(curves.metrics["found_per_label"][0])
    uncertain = run_anomaly_cell(ds, strategy="threshold-uncertainty", **kwargs)
    assert uncertain.reference == curves.reference  # same split, seed set and forest
    assert curves.reference["test_anomalies"] == 6.0
    # Labels help on this data: the detector beats the forest it started from.
    assert curves.metrics["precision_at_k"][-1] > curves.reference[
        "unsupervised_precision_at_k"]
    unsupervised = run_anomaly_cell(ds, strategy="most-anomalous",
                                    **{**kwargs, "model": "none"})
    assert unsupervised.metrics["found_per_label"][-1] == pytest.approx(
        unsupervised.reference["unsupervised_found_per_label"])


def test_simulate_anomaly_summarises_seeds():
    result = simulate_anomaly(toy_dataset(), strategy="random", initial=10, batch=30,
                              budget=70, seeds=2)
    assert len(result.runs) == 2 and result.runs[0].n_labels == [10, 40, 70]
    assert 0 <= result.mean_aulc() <= 1
    assert 0 <= result.mean_final("found_per_label") <= 1
    with pytest.raises(ConfigError, match="metric"):
        result.mean_aulc("rmse")


@pytest.mark.parametrize("kwargs, message", [
    (dict(strategy="margin"), "unknown anomaly strategy"),
    (dict(model="svm"), "unknown anomaly model"),
    (dict(initial=20, budget=10), "budget"),
    (dict(batch=0), "batch"),
    (dict(test_size=1.5), "test_size"),
])
def test_cell_runner_rejects_bad_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        run_anomaly_cell(toy_dataset(), **kwargs)


def test_loader_rejects_bad_data(tmp_path):
    X, y = decoy_data()
    cases = [
        (Dataset("labels", X, np.where(y == 1, "anomaly", "normal"), kind="tabular",
                 task="classification"), DataError, "0 \\(normal\\) or 1"),
        (Dataset("three", X, np.r_[y[:-1], 2], kind="tabular", task="anomaly"),
         DataError, "\\[2\\]"),
        (Dataset("fraction", X.copy(), y * 0.5, kind="tabular", task="regression"),
         DataError, "0.5"),
        (Dataset("none", X, np.zeros(len(y), int), kind="tabular", task="anomaly"),
         SingleClassError, "no anomalies"),
        (Dataset("all", X, np.ones(len(y), int), kind="tabular", task="anomaly"),
         SingleClassError, "only anomalies"),
    ]
    nan_X = X.copy()
    nan_X[:, 0] = np.nan
    cases.append((Dataset("nan", nan_X, y, kind="tabular", task="anomaly"),
                  InvalidFeaturesError, "no finite value"))
    for dataset, error, message in cases:
        with pytest.raises(error, match=message):
            load_anomaly_dataset(dataset)
        with pytest.raises(error, match=message):
            run_anomaly_cell(dataset)
    small = load_anomaly_dataset(toy_dataset(), max_samples=105)
    assert len(small.y) == 105 and 4 <= small.y.sum() <= 6  # stratified: about 5 of 105
    with pytest.raises(ConfigError, match="unknown anomaly dataset 'adbench:nope'"):
        load_anomaly_dataset("adbench:nope")
    with pytest.raises(DataError, match="does not exist"):
        load_anomaly_dataset(tmp_path / "missing.npz")
    np.savez(tmp_path / "mine.npz", X=X, y=y)
    assert load_anomaly_dataset(tmp_path / "mine.npz").y.sum() == len(y) - 600
    np.savez(tmp_path / "bad.npz", features=X)
    with pytest.raises(DataError, match="arrays 'X' and 'y'"):
        load_anomaly_dataset(tmp_path / "bad.npz")
    with pytest.raises(ConfigError, match="is a classification set"):
        load_anomaly_dataset("sklearn:iris")
    with pytest.raises(ConfigError, match="data must be"):
        load_anomaly_dataset(42)


@pytest.mark.skipif(find_data_dir() is None, reason="../shared/data is absent")
def test_labels_beat_unsupervised_ranking_on_adbench_thyroid():
    curves = run_anomaly_cell("adbench:thyroid", strategy="most-anomalous", seed=0,
                              initial=10, batch=20, budget=90)
    assert curves.reference["test_anomalies"] == 23.0  # 93 anomalies, 25% held out
    assert curves.metrics["precision_at_k"][-1] > \
        curves.reference["unsupervised_precision_at_k"] + 0.1
    assert curves.metrics["found_per_label"][-1] >= \
        curves.reference["unsupervised_found_per_label"]


def test_the_detector_keeps_the_training_scale_of_feature_deviations():
    from activelab.tasks.anomaly import feature_deviations, unusual_features

    rng = np.random.default_rng(3)
    X = np.column_stack([rng.normal(size=200), rng.normal(10, 3, size=200), np.ones(200)])
    detector = SemiSupervisedDetector(random_state=0).fit(X)
    np.testing.assert_array_equal(detector.feature_deviations(X), feature_deviations(X))
    new = np.array([[0.0, 40.0, 5.0]])  # far out on the second feature; the third is constant
    deviation = detector.feature_deviations(new)
    assert deviation[0, 1] > 8 and deviation[0, 2] == 0.0
    listed = unusual_features(new, deviation, ["a", "b", "c"])
    assert [u["feature"] for u in listed[0]] == ["b", "a", "c"]
    assert listed[0][0] == {"feature": "b", "value": 40.0, "deviation": deviation[0, 1]}
    with pytest.raises(NotFittedError):
        SemiSupervisedDetector().feature_deviations(new)
