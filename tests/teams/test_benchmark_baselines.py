"""The teams benchmark's cleanlab comparisons run on a tiny case (so that they cannot rot).

cleanlab is a benchmark baseline only (AGPL): these tests skip when it is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

pytest.importorskip("cleanlab", reason="cleanlab is a benchmark baseline: pip install cleanlab")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
teams = pytest.importorskip("teams")
teams_relabel = pytest.importorskip("teams_relabel")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:240], y[:240]


def test_crowdlab_and_the_other_consensus_methods_run_side_by_side(digits):
    X, y = digits
    rng = np.random.default_rng(0)
    ratings = teams.simulate_team(y, 10, 3, rng)
    vote = teams.majority_vote(ratings, 10, random_state=0).labels
    proba = teams.out_of_sample_proba(X, vote, 0)
    methods = teams.consensus_methods(ratings, proba, 10, 0, with_cleanlab=True)
    assert set(methods) == {"majority vote", "Dawid-Skene", "model consensus", "model alone",
                            "cleanlab CROWDLAB"}
    accuracy = {name: float((method() == y).mean()) for name, method in methods.items()}
    # Three noisy labels and a model: every method is far better than chance (0.1).
    assert all(value > 0.5 for value in accuracy.values()), accuracy


def test_crowdlab_skips_annotators_without_labels(digits):
    X, y = digits
    ratings = teams.simulate_team(y, 10, 2, np.random.default_rng(1))
    ratings[:, 0] = teams.MISSING  # one annotator labelled nothing
    proba = teams.out_of_sample_proba(X, teams.majority_vote(ratings, 10).labels, 0)
    assert teams.crowdlab(ratings, proba).shape == (len(y),)
    single = teams.simulate_team(y, 10, 1, np.random.default_rng(2))  # CROWDLAB refuses these
    assert (teams.crowdlab(single, proba) == single.max(axis=1)).all()


@pytest.mark.parametrize("policy", teams_relabel.POLICIES)
def test_each_relabel_policy_spends_exactly_the_budget(digits, policy):
    X, y = digits
    X_pool, X_test, y_pool, y_test = train_test_split(X, y, test_size=1 / 3, random_state=0,
                                                      stratify=y)
    result = teams_relabel.run_policy(policy, X_pool, y_pool, X_test, y_test, 10, budget=70,
                                      seed=0, start=30, round_size=20, with_crowdlab=True)
    assert result["labels"] == 70
    assert 1 <= result["labels per item"] <= (3 if policy != "cleanlab ActiveLab" else 8)
    if policy == "fixed overlap 3":  # 30 first items topped up to 3 labels, then new ones
        assert result["labels per item"] > 2
    for key in ("test accuracy", "consensus accuracy", "CROWDLAB test accuracy",
                "CROWDLAB consensus accuracy"):
        assert 0.3 < result[key] <= 1, (key, result)
