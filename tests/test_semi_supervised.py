"""Semi-supervised learning in the learner: self-training, label spreading, the choice
between them by cross-validation, and pseudo-labels that never become labels."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_digits, make_blobs
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from activelab import (
    ActivelabWarning,
    ActiveLearner,
    ConfigError,
    DataError,
    EmptyPoolError,
    Pool,
    SingleClassError,
)
from activelab.models import SemiSupervisedClassifier, choose_semi_supervised
from activelab.models import _knn_graph as knn_graph
from activelab.models._knn_graph import KnnGraph

METHODS = ("none", "self-training", "label-spreading")


def _digits_few(n_labeled: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    y_few = np.full(len(y), -1)
    y_few[:n_labeled] = y[:n_labeled]
    return X, y, y_few


def _texts() -> tuple[list[str], np.ndarray]:
    words = {0: "goal match team score league", 1: "vote party election senate law"}
    rng = np.random.default_rng(0)
    y = np.arange(120) % 2
    texts = [" ".join(rng.choice(words[c].split(), size=6)) + f" item{i}"
             for i, c in enumerate(y)]
    return texts, y


@pytest.mark.parametrize("method", METHODS)
def test_every_method_predicts_the_labelled_classes_on_dense_data(method: str) -> None:
    X, y, y_few = _digits_few()
    model = SemiSupervisedClassifier(make_pipeline(StandardScaler(), LogisticRegression()),
                                     method, random_state=0).fit(X, y_few)
    proba = model.predict_proba(X[1000:1100])
    assert proba.shape == (100, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.mean(model.predict(X[1000:1400]) == y[1000:1400]) > 0.7


def test_label_spreading_beats_the_model_alone_on_digits_with_few_labels() -> None:
    X, y, y_few = _digits_few(30)
    base = make_pipeline(StandardScaler(), LogisticRegression())
    accuracy = {m: np.mean(SemiSupervisedClassifier(base, m, random_state=0).fit(X, y_few)
                           .predict(X[500:]) == y[500:]) for m in ("none", "label-spreading")}
    assert accuracy["label-spreading"] > accuracy["none"] + 0.03


def test_self_training_uses_only_confident_pseudo_labels() -> None:
    X, y = make_blobs(n_samples=300, centers=2, cluster_std=1.0, random_state=0)
    y_few = np.full(len(y), -1)
    y_few[[0, 1, 2, 3]] = y[[0, 1, 2, 3]]
    strict = SemiSupervisedClassifier(LogisticRegression(), threshold=1.0).fit(X, y_few)
    loose = SemiSupervisedClassifier(LogisticRegression(), threshold=0.6).fit(X, y_few)
    assert loose.n_pseudo_labels_ > strict.n_pseudo_labels_
    assert 0 < loose.n_pseudo_labels_ <= 296


@pytest.mark.parametrize("method", METHODS)
def test_sparse_tfidf_rows_work_for_every_method(method: str) -> None:
    texts, y = _texts()
    X = TfidfVectorizer().fit_transform(texts)
    assert sp.issparse(X)
    y_few = np.full(len(y), -1)
    y_few[:10] = y[:10]
    model = SemiSupervisedClassifier(LogisticRegression(C=10), method).fit(X, y_few)
    assert np.mean(model.predict(X[10:]) == y[10:]) > 0.9


def test_a_pipeline_of_raw_texts_spreads_over_its_tfidf_features() -> None:
    texts, y = _texts()
    y_few = np.full(len(y), -1)
    y_few[:10] = y[:10]
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression(C=10))
    model = SemiSupervisedClassifier(pipeline, "label-spreading").fit(np.asarray(texts), y_few)
    assert np.mean(model.predict(np.asarray(texts[10:])) == y[10:]) > 0.9


def test_raw_items_without_a_transform_are_refused_for_spreading() -> None:
    texts, y = _texts()
    y_few = np.where(np.arange(len(y)) < 10, y, -1)
    with pytest.raises(ConfigError, match="numeric features"):
        SemiSupervisedClassifier(LogisticRegression(), "label-spreading").fit(
            np.asarray(texts, dtype=object).reshape(-1, 1), y_few)


def test_bad_input_single_class_no_labels_unknown_method_no_probabilities() -> None:
    X, _, _ = _digits_few()
    with pytest.raises(SingleClassError, match="at least two"):
        SemiSupervisedClassifier(LogisticRegression()).fit(X[:20], np.r_[[1, 1], [-1] * 18])
    with pytest.raises(DataError, match="no labelled rows"):
        SemiSupervisedClassifier(LogisticRegression()).fit(X[:20], np.full(20, -1))
    with pytest.raises(DataError, match="rows"):
        SemiSupervisedClassifier(LogisticRegression()).fit(X[:20], np.zeros(5))
    with pytest.raises(ConfigError, match="method must be one of"):
        SemiSupervisedClassifier(LogisticRegression(), "co-training").fit(X[:4], [0, 1, 0, 1])
    with pytest.raises(ConfigError, match="predict_proba"):
        SemiSupervisedClassifier(LinearSVC(), "self-training").fit(X[:4], [0, 1, 0, 1])


def test_the_approximate_graph_finds_the_same_neighbours_as_the_exact_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    X, _ = make_blobs(n_samples=2_000, centers=5, n_features=8, random_state=0)
    exact = KnnGraph(X, 10, seed=0)
    monkeypatch.setattr(knn_graph, "HNSW_ABOVE", 100)
    approximate = KnnGraph(X, 10, seed=0)
    assert approximate._hnsw is not None and exact._hnsw is None
    a, b = exact.neighbours(X[:200], 10), approximate.neighbours(X[:200], 10)
    recall = np.mean([len(set(r) & set(s)) / 10 for r, s in zip(a, b, strict=True)])
    assert recall > 0.95
    assert approximate.S.nnz <= 2 * 10 * len(X)  # sparse: never n x n


def test_choice_by_cross_validation_records_every_candidate() -> None:
    X, _, y_few = _digits_few(60)
    choice = choose_semi_supervised(make_pipeline(StandardScaler(), LogisticRegression()),
                                    X[:600], y_few[:600], random_state=0)
    assert set(choice.scores) == set(METHODS)
    assert choice.scores[choice.method] == max(choice.scores.values())
    assert "3-fold" in choice.reason and "60 labels" in choice.reason


def test_choice_without_probabilities_or_repeated_classes_keeps_the_model_alone() -> None:
    X, _, y_few = _digits_few(60)
    assert choose_semi_supervised(LinearSVC(), X, y_few).method == "none"
    singletons = np.full(len(X), -1)
    singletons[:10] = np.arange(10)
    choice = choose_semi_supervised(LogisticRegression(), X, singletons)
    assert choice.method == "none" and choice.scores == {}


def _learner(semi_supervised: str | None, X: object, seed: int = 0) -> ActiveLearner:
    return ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()), Pool(X),
                         "margin", random_state=seed, semi_supervised=semi_supervised)


@pytest.mark.parametrize("method", ["self-training", "label-spreading", "auto"])
def test_pseudo_labels_never_enter_the_pools_labels(method: str) -> None:
    X, y = load_digits(return_X_y=True)
    X, y = X[:500], y[:500]
    learner = _learner(method, X)
    seed = learner.initial_query(30, method="kmeans")
    learner.teach(seed, y[seed])
    batch = learner.query(10)
    learner.teach(batch, y[batch])
    taught = np.sort(np.concatenate([seed, batch]))
    np.testing.assert_array_equal(learner.pool.labeled_indices, taught)
    assert learner.pool.n_labeled == 40 and learner.pool.n_unlabeled == 460
    np.testing.assert_array_equal(learner.pool.labels_of(taught), y[taught])
    if method == "self-training":
        assert learner.model_.n_pseudo_labels_ > 0  # it did use pseudo-labels, in the model
    assert learner.history_[-1].model in METHODS
    assert learner.history_[-1].model_reason


def test_auto_records_its_choice_and_why_in_the_history() -> None:
    X, y = load_digits(return_X_y=True)
    learner = _learner("auto", X[:600])
    seed = learner.initial_query(30, method="kmeans")
    learner.teach(seed, y[seed])
    first = learner.history_[0]
    assert first.model in METHODS and "cross-validated accuracy on 30 labels" in \
        first.model_reason
    batch = learner.query(5)
    learner.teach(batch, y[batch])  # 35 < 1.5 x 30: the choice is kept, and says so
    assert learner.history_[1].model == first.model
    assert learner.history_[1].model_reason.startswith("chosen at 30 labels")


def test_the_same_seed_gives_the_same_queries_and_clone_drops_the_choice() -> None:
    X, y = load_digits(return_X_y=True)
    runs = []
    for _ in range(2):
        learner = _learner("auto", X[:400], seed=3)
        seed = learner.initial_query(25)
        learner.teach(seed, y[seed])
        runs.append(learner.query(10))
    np.testing.assert_array_equal(*runs)
    fresh = clone(learner)
    assert fresh.semi_supervised == "auto" and fresh._choice is None


def test_learner_bad_input() -> None:
    X, _, _ = _digits_few()
    with pytest.raises(ConfigError, match="semi_supervised must be one of"):
        ActiveLearner(LogisticRegression(), Pool(X), semi_supervised="pseudo")
    with pytest.raises(ConfigError, match="predict_proba"):
        ActiveLearner(LinearSVC(), Pool(X), semi_supervised="label-spreading")
    with pytest.raises(EmptyPoolError):
        ActiveLearner(LogisticRegression(), Pool(np.empty((0, 3))), semi_supervised="auto")


def test_a_single_labelled_class_fits_nothing_and_queries_at_random() -> None:
    X, y = load_digits(return_X_y=True)
    learner = _learner("auto", X[:300])
    zeros = np.flatnonzero(y[:300] == 0)[:5]
    learner.teach(zeros, y[zeros])
    assert learner.model_ is None and learner.history_[-1].model == ""
    with pytest.warns(ActivelabWarning, match="querying at random"):
        assert len(learner.query(5)) == 5
