"""Contract tests: every registered strategy x every model family it applies to.

Each pair must return unique, unlabelled, in-range pool indices, honour batch
sizes 1 and many, give identical output for the same random_state, and fail
clearly on an exhausted pool.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from activelab import Pool, PoolExhaustedError
from activelab.strategies import available_strategies, make_strategy
from model_zoo import numeric_models, text_pipeline

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # SVC(probability=True) is deprecated in scikit-learn 1.9; it must keep working meanwhile.
    pytest.mark.filterwarnings("ignore:The `probability` parameter was deprecated:FutureWarning"),
]

# Keep the expensive strategies small here; their own tests cover the full-size paths.
FAST_PARAMS: dict[str, dict] = {
    "eer": {"max_candidates": 3, "max_eval": 40},
    "qbc-vote": {"n_members": 3},
    "qbc-kl": {"n_members": 3},
    # Models without MC dropout fall back to a bootstrap committee: keep it small here.
    "bald": {"n_members": 3},
    "mean-std": {"n_members": 3},
    "batchbald": {"n_members": 3},
}

# Families whose query needs numeric features of the pool itself (k-means on X, distances).
NEEDS_NUMERIC_X = {"coreset", "typiclust"}


def build(name: str, seed: int = 0):
    return make_strategy(name, random_state=seed, **FAST_PARAMS.get(name, {}))


def labelled_pool(X, y, n_labeled: int = 24, seed: int = 0) -> Pool:
    pool = Pool(X)
    rng = np.random.default_rng(seed)
    # Stratified seed set so that every model sees every class.
    chosen = np.concatenate([rng.choice(np.flatnonzero(y == c), n_labeled // 3, replace=False)
                             for c in np.unique(y)])
    pool.teach(chosen, y[chosen])
    return pool


def check_indices(pool: Pool, indices: np.ndarray, expected: int) -> None:
    assert indices.dtype.kind == "i"
    assert len(indices) == expected
    assert len(np.unique(indices)) == expected, "indices must be unique"
    assert indices.min() >= 0 and indices.max() < pool.n_samples
    assert pool.unlabeled_mask[indices].all(), "only unlabelled items may be queried"


MODELS = numeric_models()


@pytest.mark.parametrize("model_name", sorted(MODELS))
@pytest.mark.parametrize("strategy_name", available_strategies())
def test_every_strategy_with_every_model(strategy_name, model_name, three_class_data):
    X, y = three_class_data
    pool = labelled_pool(X, y)
    model = clone(MODELS[model_name]).fit(*pool.training_data())
    for batch_size in (1, 7):
        first = build(strategy_name).query(pool, model, batch_size)
        check_indices(pool, first, batch_size)
        again = build(strategy_name).query(pool, model, batch_size)
        np.testing.assert_array_equal(first, again, err_msg="same random_state, same queries")
    indices, scores = build(strategy_name).query(pool, model, 5, return_scores=True)
    assert scores.shape == (5,)


@pytest.mark.parametrize("strategy_name", available_strategies())
def test_every_strategy_with_a_text_pipeline(strategy_name, text_data):
    texts, y = text_data
    if strategy_name in NEEDS_NUMERIC_X:
        pytest.skip(f"{strategy_name} works on numeric feature vectors of the pool")
    pool = labelled_pool(texts, y, n_labeled=18)
    model = text_pipeline().fit(*pool.training_data())
    indices = build(strategy_name).query(pool, model, 4)
    check_indices(pool, indices, 4)


@pytest.mark.parametrize("strategy_name", available_strategies())
def test_exhausted_pool(strategy_name, three_class_data):
    X, y = three_class_data
    pool = labelled_pool(X, y)
    model = clone(MODELS["logreg"]).fit(*pool.training_data())
    remaining = pool.unlabeled_indices
    keep = remaining[:3]
    pool.teach(remaining[3:], y[remaining[3:]])
    # Asking for more than is left returns everything that is left.
    indices = build(strategy_name).query(pool, model, 10)
    assert sorted(indices.tolist()) == sorted(keep.tolist())
    pool.teach(keep, y[keep])
    with pytest.raises(PoolExhaustedError, match="no unlabelled items"):
        build(strategy_name).query(pool, model, 1)


@pytest.mark.parametrize("strategy_name", available_strategies())
def test_scores_come_best_first(strategy_name, three_class_data):
    """Returned items are ordered best first (strategies without scores give NaN)."""
    X, y = three_class_data
    pool = labelled_pool(X, y)
    model = clone(MODELS["logreg"]).fit(*pool.training_data())
    indices, scores = build(strategy_name, seed=1).query(pool, model, 5, return_scores=True)
    check_indices(pool, indices, 5)
    finite = scores[np.isfinite(scores)]
    if strategy_name not in {"random", "stream", "cluster"}:  # batch order, not a ranking
        assert np.all(np.diff(finite) <= 1e-12)
