"""Label cleaning: noise injection, noisy oracles, confident-learning review queue."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from activelab import Pool
from activelab.exceptions import ConfigError, DataError, InvalidFeaturesError, SingleClassError
from activelab.tasks.cleaning import (
    NoisyOracle,
    confident_learning,
    inject_label_noise,
    noise_transition_matrix,
    out_of_sample_probabilities,
    precision_at_k,
    review_queue,
    review_queue_for,
)


@pytest.fixture(scope="module")
def separable():
    X, y = make_classification(n_samples=400, n_features=6, n_informative=4, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, class_sep=2.0,
                               random_state=0)
    return X, np.array(["ant", "bee", "cat"])[y]


def test_transition_matrices():
    T = noise_transition_matrix(4, 0.2, "uniform")
    np.testing.assert_allclose(T.sum(axis=1), 1)
    np.testing.assert_allclose(np.diag(T), 0.8)
    C = noise_transition_matrix(4, 0.3, "class", random_state=0)
    np.testing.assert_allclose(C.sum(axis=1), 1)
    assert np.all((C > 0).sum(axis=1) == 2)  # each class goes to exactly one other class
    with pytest.raises(SingleClassError):
        noise_transition_matrix(1, 0.1)
    with pytest.raises(ConfigError):
        noise_transition_matrix(3, 1.0)


@pytest.mark.parametrize("kind", ["uniform", "class"])
def test_injected_noise_has_the_asked_rate_and_is_reproducible(kind):
    y = np.repeat(["a", "b", "c"], 1000)
    noisy, flipped = inject_label_noise(y, 0.2, kind=kind, random_state=1)
    again, _ = inject_label_noise(y, 0.2, kind=kind, random_state=1)
    assert noisy.tolist() == again.tolist()
    assert np.array_equal(flipped, noisy != y)
    assert 0.17 < flipped.mean() < 0.23
    if kind == "class":  # all errors of one true class go to the same wrong class
        for c in "abc":
            assert len(set(noisy[(y == c) & flipped])) == 1


@pytest.mark.parametrize("kind", ["uniform", "class"])
def test_noisy_oracle_reports_its_flips(kind):
    y = np.repeat([0, 1, 2], 200)
    oracle = NoisyOracle(y, noise_rate=0.25, kind=kind, random_state=0)
    answers = np.array(oracle.label(None, np.arange(600)))
    wrong = np.flatnonzero(answers != y)
    assert sorted(oracle.flipped_indices_) == wrong.tolist()
    assert oracle.n_flipped_ == len(wrong) and oracle.n_queries_ == 600
    assert 0.2 < len(wrong) / 600 < 0.3
    with pytest.raises(ConfigError):
        NoisyOracle(y, kind="adversarial")


def test_thresholds_and_flags_by_hand():
    proba = np.array([[0.9, 0.1], [0.7, 0.3], [0.2, 0.8], [0.4, 0.6], [0.95, 0.05]])
    given = np.array([0, 0, 1, 1, 1])  # item 4 is labelled 1 but looks like a clear 0
    queue = confident_learning(proba, given, method="self_confidence")
    # t_0 = mean(0.9, 0.7) = 0.8; t_1 = mean(0.8, 0.6, 0.05) = 0.4833
    np.testing.assert_allclose(queue.thresholds, [0.8, (0.8 + 0.6 + 0.05) / 3])
    assert queue.order[0] == 4 and queue.flagged.tolist() == [True, False, False, False, False]
    assert queue.suggested[0] == 0
    margin = confident_learning(proba, given, method="normalized_margin")
    assert margin.quality[0] == pytest.approx(0.05 - 0.95)
    with pytest.raises(ConfigError):
        confident_learning(proba, given, method="loss")
    with pytest.raises(DataError):
        confident_learning(proba, np.array([0, 0, 1, 1, 2]))


@pytest.mark.parametrize("estimator", [LogisticRegression(max_iter=2000),
                                       LinearSVC(random_state=0)])
def test_review_queue_finds_injected_errors(separable, estimator):
    X, y = separable
    y_noisy, flipped = inject_label_noise(y, 0.15, random_state=0)
    queue = review_queue(X, y_noisy, estimator, random_state=0)
    k = int(flipped.sum())
    assert precision_at_k(queue.order, flipped, k) > 0.8  # ~5x better than 0.15 at random
    assert queue.n_flagged > 0.5 * k
    # A reviewer who fixes the flagged items removes most errors.
    assert flipped[queue.order[:queue.n_flagged]].mean() > 0.8
    again = review_queue(X, y_noisy, estimator, random_state=0)
    assert again.order.tolist() == queue.order.tolist()


def test_review_queue_for_a_pool_returns_pool_indices(separable):
    X, y = separable
    pool = Pool(X)
    labelled = np.arange(0, 400, 2)
    y_noisy, flipped = inject_label_noise(y[labelled], 0.2, random_state=3)
    pool.teach(labelled, y_noisy)
    queue = review_queue_for(pool, LogisticRegression(max_iter=2000), random_state=0)
    assert set(queue.order.tolist()) == set(labelled.tolist())
    top = queue.order[:10]
    assert np.mean(pool.labels_of(top) != y[top]) >= 0.8
    assert set(queue.suggested.tolist()) <= {"ant", "bee", "cat"}


def test_bad_input(separable):
    X, y = separable
    with pytest.raises(SingleClassError):
        out_of_sample_probabilities(X, np.zeros(len(y)), LogisticRegression())
    lonely = y.copy()
    lonely[0] = "dragonfly"
    with pytest.raises(DataError, match="single item"):
        out_of_sample_probabilities(X, lonely, LogisticRegression())
    with pytest.raises(DataError):
        out_of_sample_probabilities(X, y[:10], LogisticRegression())
    with pytest.raises(ConfigError):
        precision_at_k(np.arange(3), np.ones(3, bool), 0)
    bad = X.copy()
    bad[:, 1] = np.nan
    with pytest.raises(InvalidFeaturesError):
        review_queue_for(Pool(bad), LogisticRegression())


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_fixing_the_flagged_digits_recovers_most_of_the_lost_accuracy():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    y_noisy, flipped = inject_label_noise(y_tr, 0.2, kind="class", random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    queue = review_queue(X_tr, y_noisy, model, random_state=0)
    assert precision_at_k(queue.order, flipped, int(flipped.sum())) > 0.6
    fixed = y_noisy.copy()
    top = queue.order[:queue.n_flagged]
    fixed[top] = y_tr[top]
    noisy_acc = model.fit(X_tr, y_noisy).score(X_te, y_te)
    fixed_acc = model.fit(X_tr, fixed).score(X_te, y_te)
    clean_acc = model.fit(X_tr, y_tr).score(X_te, y_te)
    assert fixed_acc - noisy_acc > 0.5 * (clean_acc - noisy_acc)
