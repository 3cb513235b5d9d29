"""Expected error reduction: exact mode against a brute force, and the subsampled mode."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import entr
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier

from activelab import ConfigError, Pool
from activelab.strategies import ExpectedErrorReduction, make_strategy


class CountingNB(GaussianNB):
    """GaussianNB that records every fit and the size of every predict_proba call."""

    fits: list[int] = []
    predicted: list[int] = []

    def fit(self, X, y, sample_weight=None):
        CountingNB.fits.append(int(y[-1]))
        return super().fit(X, y, sample_weight)

    def predict_proba(self, X):
        CountingNB.predicted.append(len(X))
        return super().predict_proba(X)


def tiny_pool(n_per_class: int = 6, classes=None) -> Pool:
    X, y = load_iris(return_X_y=True)
    rows = np.concatenate([np.arange(c * 50, c * 50 + n_per_class) for c in range(3)])
    pool = Pool(X[rows], classes=classes)
    labelled = [0, 1, n_per_class, n_per_class + 1, 2 * n_per_class, 2 * n_per_class + 1]
    pool.teach(labelled, y[rows][labelled])
    return pool


def brute_force(pool: Pool, model, loss: str) -> dict[int, float]:
    """Roy & McCallum written out: refit per (candidate, class), loss over all unlabelled."""
    X_l, y_l = pool.training_data()
    unlabelled = pool.unlabeled_indices
    X_u = pool.X[unlabelled]
    out = {}
    for i in unlabelled:
        p_now = model.predict_proba(pool.X[[i]])[0]
        expected = 0.0
        for position, c in enumerate(model.classes_):
            if p_now[position] == 0:
                continue
            refit = clone(model).fit(np.vstack([X_l, pool.X[[i]]]), np.append(y_l, c))
            p = refit.predict_proba(X_u)
            per_item = 1 - p.max(axis=1) if loss == "zero_one" else entr(p).sum(axis=1)
            expected += p_now[position] * per_item.sum()
        out[int(i)] = -expected
    return out


@pytest.mark.parametrize("loss", ["log", "zero_one"])
def test_exact_mode_equals_a_brute_force_reimplementation(loss):
    pool = tiny_pool()
    model = GaussianNB().fit(*pool.training_data())
    n = pool.n_unlabeled
    for limits in ({"max_candidates": None, "max_eval": None},
                   {"max_candidates": n, "max_eval": n}):
        strategy = ExpectedErrorReduction(loss, random_state=0, **limits)
        indices, values = strategy.query(pool, model, n, return_scores=True)
        expected = brute_force(pool, model, loss)
        np.testing.assert_allclose(values, [expected[i] for i in indices], rtol=1e-9)
        assert np.all(np.diff(values) <= 0)


def test_subsampling_scores_only_max_candidates_items():
    pool = tiny_pool(n_per_class=10)  # 24 unlabelled
    model = GaussianNB().fit(*pool.training_data())
    strategy = ExpectedErrorReduction(max_candidates=5, max_eval=7, random_state=0)
    indices, values = strategy.query(pool, model, pool.n_unlabeled, return_scores=True)
    assert np.isfinite(values).sum() == 5
    assert np.isneginf(values[5:]).all(), "unscored items only fill the end of the batch"
    assert sorted(indices.tolist()) == pool.unlabeled_indices.tolist()
    # A batch within the subsample is all scored.
    _, values = strategy.query(pool, model, 3, return_scores=True)
    assert np.isfinite(values).all()


def test_subsampled_evaluation_set_and_unseen_classes_cost_no_refit():
    pool = tiny_pool(n_per_class=10, classes=[0, 1, 2, 3])  # class 3 is never labelled
    # Heavy smoothing: every seen class keeps P > 0 (plain GaussianNB underflows to 0).
    model = CountingNB(var_smoothing=1.0).fit(*pool.training_data())
    CountingNB.fits.clear()
    CountingNB.predicted.clear()
    ExpectedErrorReduction(max_candidates=4, max_eval=7, random_state=0).query(pool, model, 2)
    # One refit per candidate and seen class; never one for the unseen class 3.
    assert sorted(CountingNB.fits) == [0] * 4 + [1] * 4 + [2] * 4
    # The current probabilities of the 4 candidates, then one 7-item evaluation per refit.
    assert CountingNB.predicted == [4] + [7] * 12


def test_reproducible_with_models_that_draw_random_numbers():
    pool = tiny_pool()
    model = DecisionTreeClassifier().fit(*pool.training_data())  # random_state=None
    for batch_size in (1, 6):
        first = make_strategy("eer", random_state=2, max_candidates=6).query(pool, model,
                                                                            batch_size)
        again = make_strategy("eer", random_state=2, max_candidates=6).query(pool, model,
                                                                            batch_size)
        np.testing.assert_array_equal(first, again)
        assert len(np.unique(first)) == batch_size


def test_bad_parameters_raise_config_errors():
    pool = tiny_pool()
    model = GaussianNB().fit(*pool.training_data())
    for params, message in [({"loss": "hinge"}, "unknown loss"),
                            ({"max_candidates": 0}, "max_candidates"),
                            ({"max_eval": 2.5}, "max_eval")]:
        with pytest.raises(ConfigError, match=message):
            ExpectedErrorReduction(**params).query(pool, model)
