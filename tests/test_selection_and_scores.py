"""The pure score functions and the shared top-k selector."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from activelab.strategies import scores, select_top_k


def test_uncertainty_scores_on_hand_computed_cases():
    proba = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.6, 0.3, 0.1]])
    np.testing.assert_allclose(scores.least_confident(proba), [0, 0.5, 2 / 3, 0.4])
    np.testing.assert_allclose(scores.margin(proba), [0, 1, 1, 0.7])
    np.testing.assert_allclose(
        scores.entropy(proba),
        [0, np.log(2), np.log(3), -(0.6 * np.log(0.6) + 0.3 * np.log(0.3) + 0.1 * np.log(0.1))])


def test_vote_entropy_and_kl():
    votes = np.array([[0, 0, 1], [0, 1, 1]])  # 2 members, 3 items
    np.testing.assert_allclose(scores.vote_entropy(votes, 2), [0, np.log(2), 0])
    probas = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    # consensus (0.5, 0.5); each member's KL is log 2
    np.testing.assert_allclose(scores.kl_to_consensus(probas), [np.log(2)])
    agree = np.array([[[0.7, 0.3]], [[0.7, 0.3]]])
    np.testing.assert_allclose(scores.kl_to_consensus(agree), [0.0], atol=1e-12)


def test_top_k_picks_the_best_first():
    s = np.array([0.1, 0.9, 0.5, 0.7])
    assert select_top_k(s, 3, random_state=0).tolist() == [1, 3, 2]
    assert select_top_k(s, 10, random_state=0).tolist() == [1, 3, 2, 0]
    assert select_top_k(s, 0, random_state=0).tolist() == []


def test_ties_are_broken_randomly_not_by_lowest_index():
    tied = np.zeros(1000)
    picks = [tuple(select_top_k(tied, 5, random_state=seed)) for seed in range(20)]
    assert (0, 1, 2, 3, 4) not in picks
    assert len(set(picks)) == 20
    assert np.mean([np.mean(p) for p in picks]) > 300  # spread over the whole range
    assert picks[3] == tuple(select_top_k(tied, 5, random_state=3)), "reproducible per seed"


def test_nan_scores_rank_last():
    s = np.array([np.nan, 0.2, np.nan, 0.1])
    assert select_top_k(s, 2, random_state=0).tolist() == [1, 3]


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 60), elements=st.sampled_from([0.0, 0.25, 0.5, 1.0])),
       st.integers(1, 70), st.integers(0, 2**16))
def test_top_k_matches_a_full_sort(values, k, seed):
    chosen = select_top_k(values, k, random_state=seed)
    k = min(k, len(values))
    assert len(chosen) == k and len(set(chosen.tolist())) == k
    assert np.all(np.diff(values[chosen]) <= 0)
    # The chosen scores are exactly the k largest (as a multiset).
    np.testing.assert_array_equal(np.sort(values[chosen]), np.sort(values)[len(values) - k:])


@pytest.mark.parametrize("fn", [scores.least_confident, scores.margin, scores.entropy])
def test_uncertainty_is_maximal_for_the_uniform_distribution(fn):
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), size=200)
    uniform = np.full((1, 4), 0.25)
    assert fn(uniform)[0] >= fn(proba).max() - 1e-12
