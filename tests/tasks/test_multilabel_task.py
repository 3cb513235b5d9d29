"""Multi-label active learning: label state, binary relevance, scores, learner, data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from activelab.data import find_data_dir
from activelab.exceptions import (
    ConfigError,
    DataError,
    EmptyPoolError,
    InvalidFeaturesError,
    NotFittedError,
    UnknownLabelError,
)
from activelab.tasks.multilabel import (
    AdaptiveMultiLabel,
    BinaryRelevance,
    CardinalityInconsistency,
    MultiLabelDataset,
    MultiLabelLearner,
    MultiLabelPool,
    MultiLabelUncertainty,
    cardinality_inconsistency,
    load_multilabel_jsonl,
    max_margin_uncertainty,
    mean_margin_uncertainty,
    multilabel_metrics,
    newsgroups_multilabel,
    simulate_multilabel,
)

LABELS = ["news", "sport", "tech"]


def blob_data(n=120, seed=0):
    """Three independent labels, each decided by one feature's sign."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    Y = (X[:, :3] > 0).astype(np.int8)
    return X, Y


# ---------------------------------------------------------------- label state
def test_pool_keeps_label_sets_as_indicator_rows():
    pool = MultiLabelPool(np.zeros((5, 2)), labels=LABELS)
    pool.teach([0, 2, 4], [["sport"], ["tech", "news"], []])
    assert pool.indicators_of([0, 2, 4]).tolist() == [[0, 1, 0], [1, 0, 1], [0, 0, 0]]
    assert pool.labels_of([2]) == [["news", "tech"]]
    assert pool.unlabeled_indices.tolist() == [1, 3]  # an empty label set is still a label
    X, Y = pool.training_data()
    assert Y.shape == (3, 3)
    pool.skip([1])
    pool.remove_labels([0])
    assert pool.unlabeled_indices.tolist() == [0, 3]


def test_pool_refuses_unknown_labels_and_malformed_input_without_changing_anything():
    pool = MultiLabelPool(np.zeros((4, 2)), labels=LABELS)
    with pytest.raises(UnknownLabelError, match="'cooking'"):
        pool.teach([0, 1], [["news"], ["cooking"]])
    with pytest.raises(UnknownLabelError, match="list of labels"):
        pool.teach([0], ["news"])  # a bare string, not a list
    with pytest.raises(DataError, match="only 0 and 1"):
        pool.teach_indicators([0], [[0, 2, 1]])
    with pytest.raises(DataError, match="shape"):
        pool.teach_indicators([0], [[0, 1]])
    assert pool.n_labeled == 0
    with pytest.raises(DataError, match="duplicates"):
        MultiLabelPool(np.zeros((2, 1)), labels=["a", "a"])
    with pytest.raises(DataError, match="empty"):
        MultiLabelPool(np.zeros((2, 1)), labels=[])
    with pytest.raises(DataError):
        MultiLabelPool(np.zeros((2, 1)), labels="abc")
    X = np.zeros((3, 2))
    X[:, 0] = np.nan
    with pytest.raises(InvalidFeaturesError):
        MultiLabelPool(X, labels=LABELS)
    with pytest.raises(EmptyPoolError):
        MultiLabelPool(np.zeros((0, 2)), labels=LABELS)


# ---------------------------------------------------------------- model and scores
@pytest.mark.parametrize("estimator", [LogisticRegression(), LinearSVC(random_state=0)])
def test_binary_relevance_learns_each_label_and_handles_constant_ones(estimator):
    X, Y = blob_data(200)
    Y = np.column_stack([Y, np.zeros(len(Y), dtype=np.int8), np.ones(len(Y), dtype=np.int8)])
    model = BinaryRelevance(estimator, random_state=0).fit(X, Y)
    proba = model.predict_proba(X)
    assert proba.shape == (200, 5)
    assert np.all(proba[:, 3] == 0) and np.all(proba[:, 4] == 1)
    assert (model.predict(X) == Y).mean() > 0.95
    with pytest.raises(DataError):
        BinaryRelevance(estimator).fit(X, Y[:, 0])


def test_pure_scores_by_hand():
    proba = np.array([[0.5, 0.9], [0.9, 0.9], [0.6, 0.0]])
    np.testing.assert_allclose(mean_margin_uncertainty(proba), [0.6, 0.2, 0.4])
    np.testing.assert_allclose(max_margin_uncertainty(proba), [1.0, 0.2, 0.8])
    # p = 0.5 counts as predicted (the threshold is >= 0.5).
    np.testing.assert_allclose(cardinality_inconsistency(proba, 1.0), [1.0, 1.0, 0.0])


class TableModel:
    """A fitted 'model' whose label probabilities are a fixed table indexed by feature 0."""

    def __init__(self, table):
        self.table = np.asarray(table, dtype=float)

    def predict_proba(self, X):
        return self.table[np.asarray(X)[:, 0].astype(int)]


def test_strategies_rank_by_their_own_criterion():
    table = [[0.5, 0.95, 0.95],   # one label undecided: max-margin's favourite
             [0.7, 0.3, 0.7],     # all labels fairly uncertain: mean-margin's favourite
             [0.99, 0.99, 0.99],  # sure, but predicts 3 labels when items have 1
             [0.99, 0.01, 0.01],  # sure and typical
             [0.0, 0.0, 1.0]]     # labelled
    pool = MultiLabelPool(np.arange(5.0).reshape(-1, 1), labels=LABELS)
    pool.teach([4], [["tech"]])  # mean cardinality 1
    model = TableModel(table)
    assert MultiLabelUncertainty("max", random_state=0).query(pool, model, 1)[0] == 0
    assert MultiLabelUncertainty("mean", random_state=0).query(pool, model, 1)[0] == 1
    assert CardinalityInconsistency(random_state=0).query(pool, model, 1)[0] == 2
    assert AdaptiveMultiLabel(beta=1.0, random_state=0).query(pool, model, 1)[0] == 0
    assert AdaptiveMultiLabel(beta=0.0, random_state=0).query(pool, model, 1)[0] == 2
    assert AdaptiveMultiLabel(beta=0.5, random_state=0).query(pool, model, 4)[-1] == 3
    with pytest.raises(ConfigError):
        MultiLabelUncertainty("median").query(pool, model, 1)
    with pytest.raises(ConfigError):
        AdaptiveMultiLabel(beta=2.0).query(pool, model, 1)


def test_metrics_by_hand_and_shape_checks():
    m = multilabel_metrics([[1, 0, 1], [0, 1, 0]], [[1, 0, 0], [0, 1, 0]])
    assert m["hamming_loss"] == pytest.approx(1 / 6)
    assert m["micro_f1"] == pytest.approx(2 * 2 / (2 * 2 + 1))
    with pytest.raises(DataError):
        multilabel_metrics([[1, 0]], [[1, 0, 0]])


# ---------------------------------------------------------------- learner
def test_learner_improves_and_is_reproducible():
    X, Y = blob_data(300)
    X_test, Y_test = blob_data(200, seed=1)

    def run(seed):
        pool = MultiLabelPool(X, labels=LABELS)
        learner = MultiLabelLearner(LogisticRegression(), pool, "adaptive",
                                    eval_set=(X_test, Y_test), random_state=seed)
        learner.teach([0, 1, 2, 3], pool.decode(Y[:4]))
        for _ in range(5):
            batch = learner.query(6)
            learner.teach_indicators(batch, Y[batch])
        return learner

    a, b = run(0), run(0)
    assert [r.indices.tolist() for r in a.history_] == [r.indices.tolist() for r in b.history_]
    assert a.history_[-1].n_labeled == 34
    assert a.history_[-1].metrics["micro_f1"] > 0.9
    assert a.history_[-1].metrics["hamming_loss"] < a.history_[0].metrics["hamming_loss"]
    assert a.predict(X_test[:1])[0] == [LABELS[j] for j in np.flatnonzero(Y_test[0])]


def test_learner_needs_labels_and_the_right_pool():
    pool = MultiLabelPool(np.zeros((3, 1)), labels=LABELS)
    learner = MultiLabelLearner(LogisticRegression(), pool)
    with pytest.raises(NotFittedError):
        learner.query(1)
    with pytest.raises(UnknownLabelError):
        learner.teach([0], [["science"]])
    with pytest.raises(ConfigError):
        MultiLabelLearner(LogisticRegression(), np.zeros((3, 1)))


def test_simulation_is_reproducible_and_shares_the_seed_set():
    rng = np.random.default_rng(0)
    words = {"news": "election vote minister", "sport": "goal match team",
             "tech": "chip code cloud"}
    texts, sets = [], []
    for _ in range(200):
        chosen = [label for label in LABELS if rng.random() < 0.4]
        texts.append(" ".join(" ".join(words[w].split()[:2]) for w in chosen) + " the of a")
        sets.append(chosen)
    from activelab.tasks.multilabel import encode_label_sets
    ds = MultiLabelDataset("toy", np.asarray(texts, dtype=object),
                           encode_label_sets(sets, LABELS), LABELS)
    kwargs = dict(model=LogisticRegression(), initial=10, batch=10, budget=40, seeds=2)
    a = simulate_multilabel(ds, strategy="max-margin", **kwargs)
    b = simulate_multilabel(ds, strategy="max-margin", **kwargs)
    r = simulate_multilabel(ds, strategy="random", **kwargs)
    assert [run.micro_f1 for run in a.runs] == [run.micro_f1 for run in b.runs]
    assert [run.micro_f1[0] for run in a.runs] == [run.micro_f1[0] for run in r.runs]
    assert a.runs[0].n_labels == [10, 20, 30, 40]
    assert a.mean_aulc() > 0.5


# ---------------------------------------------------------------- data
def write_lines(tmp_path, lines):
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_loader_reads_label_lists(tmp_path):
    path = write_lines(tmp_path, [
        json.dumps({"text": "a", "labels": ["x", "y"]}), "",
        json.dumps({"text": "b", "labels": []}),
        json.dumps({"text": "c", "labels": ["y"]})])
    ds = load_multilabel_jsonl(path)
    assert ds.labels == ["x", "y"]
    assert ds.Y.tolist() == [[1, 1], [0, 0], [0, 1]]
    assert ds.label_sets([0]) == [["x", "y"]]
    declared = load_multilabel_jsonl(path, labels=["y", "x", "z"])
    assert declared.Y[0].tolist() == [1, 1, 0]


@pytest.mark.parametrize("bad_line, message", [
    ("{not json", "line 2: invalid JSON"),
    (json.dumps({"text": "b"}), "line 2: missing field 'labels'"),
    (json.dumps({"text": "b", "labels": "x"}), "line 2: 'labels' must be a list"),
    (json.dumps({"text": 3, "labels": ["x"]}), "line 2: 'text' must be a string"),
    (json.dumps({"text": "b", "labels": [["x"]]}), "line 2: label"),
    (json.dumps(["x"]), "line 2: expected a JSON object"),
])
def test_jsonl_loader_errors_name_the_line(tmp_path, bad_line, message):
    path = write_lines(tmp_path, [json.dumps({"text": "a", "labels": ["x"]}), bad_line])
    with pytest.raises(DataError, match=message):
        load_multilabel_jsonl(path)


def test_jsonl_loader_unknown_label_and_empty_file(tmp_path):
    path = write_lines(tmp_path, [json.dumps({"text": "a", "labels": ["x"]}),
                                  json.dumps({"text": "b", "labels": ["w"]})])
    with pytest.raises(UnknownLabelError, match="line 2: unknown label 'w'"):
        load_multilabel_jsonl(path, labels=["x"])
    with pytest.raises(EmptyPoolError):
        load_multilabel_jsonl(write_lines(tmp_path, [""]))
    with pytest.raises(DataError, match="cannot read"):
        load_multilabel_jsonl(tmp_path / "missing.jsonl")


@pytest.mark.skipif(find_data_dir() is None, reason="../shared/data is absent")
def test_newsgroups_gets_group_and_hierarchy_labels():
    ds = newsgroups_multilabel(max_samples=200)
    assert len(ds.labels) == 27 and "comp" in ds.labels and "comp.graphics" in ds.labels
    assert np.all(ds.Y.sum(axis=1) == 2)
    for labels in ds.label_sets(range(0, 200, 37)):
        group, prefix = sorted(labels, key=len, reverse=True)
        assert group.split(".")[0] == prefix
