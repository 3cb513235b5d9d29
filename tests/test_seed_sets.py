"""The typical-cluster cold start: a seed set of typical items, one per cluster."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris

from activelab import ConfigError, Pool, initial_indices
from activelab.simulation import make_split


def test_typiclust_seed_set_is_distinct_unlabelled_and_covers_the_classes() -> None:
    X, y = load_iris(return_X_y=True)
    pool = Pool(X)
    pool.teach([0], [y[0]])
    seed = initial_indices(pool, 6, method="typiclust", random_state=0)
    assert len(np.unique(seed)) == 6 and 0 not in seed
    assert set(y[seed]) | {y[0]} == {0, 1, 2}  # the labelled item's cluster is covered
    np.testing.assert_array_equal(
        seed, initial_indices(pool, 6, method="typiclust", random_state=0))


def test_typiclust_seeds_more_digit_classes_than_random_draws() -> None:
    X, y = load_digits(return_X_y=True)
    covered = {method: np.mean([len(set(y[initial_indices(Pool(X), 10, method=method,
                                                          random_state=s)]))
                                for s in range(5)]) for method in ("random", "typiclust")}
    assert covered["typiclust"] > covered["random"]


def test_a_pool_too_small_for_the_cold_start_clusters_is_a_clear_error() -> None:
    X, _ = load_iris(return_X_y=True)
    with pytest.raises(ConfigError, match=r"9 unlabelled item\(s\), too few for a typiclust "
                                          r"cold start of 5 clusters.*at most 4"):
        initial_indices(Pool(X[:9]), 5, method="typiclust", random_state=0)
    assert len(initial_indices(Pool(X[:10]), 5, method="typiclust", random_state=0)) == 5


def test_a_simulated_text_split_clusters_its_seed_set_on_tfidf_features() -> None:
    texts = [f"{word} {word}s item{i}" for i, word in
             enumerate(["ball", "vote", "song", "film"] * 30)]
    y = np.arange(120) % 4
    split = make_split(y, 0, master_seed=0, test_size=0.25, initial=8,
                       initial_method="typiclust", X=np.asarray(texts, dtype=object))
    assert len(split.initial) == 8 and split.initial.max() < len(split.train)
