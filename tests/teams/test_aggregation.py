"""Majority vote, Dawid–Skene and the model-aware consensus on simulated teams."""

from __future__ import annotations

import numpy as np
import pytest

from activelab.exceptions import DataError
from activelab.teams import MISSING, DawidSkene, majority_vote, model_consensus


def _team(seed: int, n_items: int = 600, n_classes: int = 3,
          accuracies=(0.9, 0.55, 0.5, 0.45, 0.85), labels_per_item: int = 3):
    """Annotators of different accuracies; errors go mostly to the next class."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(n_classes, size=n_items)
    n_annotators = len(accuracies)
    ratings = np.full((n_items, n_annotators), MISSING)
    for i in range(n_items):
        chosen = rng.choice(n_annotators, size=labels_per_item, replace=False)
        for a in chosen:
            right = rng.random() < accuracies[a]
            ratings[i, a] = truth[i] if right else (truth[i] + 1) % n_classes
    return truth, ratings


@pytest.mark.parametrize("seed", range(3))
def test_dawid_skene_beats_majority_vote_with_uneven_annotators(seed):
    truth, ratings = _team(seed)
    vote = (majority_vote(ratings, 3, random_state=0).labels == truth).mean()
    model = DawidSkene(n_classes=3).fit(ratings)
    ds = (model.consensus().labels == truth).mean()
    assert ds > vote + 0.03
    assert model.n_iter_ < model.max_iter


def test_dawid_skene_recovers_annotator_accuracy_and_confusion():
    truth, ratings = _team(4, n_items=2000)
    model = DawidSkene(n_classes=3).fit(ratings)
    accuracy = model.consensus().annotator_accuracy
    assert accuracy == pytest.approx([0.9, 0.55, 0.5, 0.45, 0.85], abs=0.06)
    # Errors of annotator 1 go to the next class, never to the one after.
    assert model.confusion_[1, 0, 1] > 0.3 and model.confusion_[1, 0, 2] < 0.05


def test_perfect_team_is_certain_and_unlabelled_items_stay_unlabelled():
    ratings = np.array([[0, 0], [1, 1], [2, 2], [MISSING, MISSING]])
    consensus = DawidSkene(n_classes=3).fit(ratings).consensus()
    assert consensus.labels.tolist() == [0, 1, 2, MISSING]
    assert consensus.confidence[:3].min() > 0.95 and consensus.confidence[3] == 0


def test_majority_vote_confidence_is_the_vote_share_and_ties_are_seeded():
    ratings = np.array([[0, 0, 1], [0, 1, MISSING]])
    first = majority_vote(ratings, 2, random_state=7)
    assert first.labels[0] == 0 and first.confidence[0] == pytest.approx(2 / 3)
    assert first.confidence[1] == pytest.approx(0.5)
    ties = {int(majority_vote(ratings, 2, random_state=s).labels[1]) for s in range(20)}
    assert ties == {0, 1}
    assert majority_vote(ratings, 2, random_state=3).labels.tolist() == \
        majority_vote(ratings, 2, random_state=3).labels.tolist()


def test_model_consensus_uses_a_good_model_to_fix_a_bad_team():
    truth, ratings = _team(5, accuracies=(0.6, 0.55, 0.6), labels_per_item=2)
    rng = np.random.default_rng(0)
    proba = np.full((len(truth), 3), 0.1)
    right = rng.random(len(truth)) < 0.85
    guess = np.where(right, truth, (truth + 2) % 3)
    proba[np.arange(len(truth)), guess] = 0.8
    vote = (majority_vote(ratings, 3, random_state=0).labels == truth).mean()
    combined = model_consensus(ratings, proba, 3)
    assert (combined.labels == truth).mean() > vote + 0.1
    assert np.allclose(combined.posterior.sum(axis=1), 1)


def test_model_consensus_ignores_a_useless_model():
    truth, ratings = _team(6)
    useless = np.full((len(truth), 3), 1 / 3)
    combined = model_consensus(ratings, useless, 3)
    vote = majority_vote(ratings, 3, random_state=0)
    assert (combined.labels == truth).mean() >= (vote.labels == truth).mean() - 0.02


def test_bad_parameters_are_data_errors():
    ratings = np.array([[0, 1]])
    with pytest.raises(DataError, match="proba must have shape"):
        model_consensus(ratings, np.ones((2, 2)), 2)
    with pytest.raises(DataError, match="max_iter"):
        DawidSkene(max_iter=0).fit(ratings)
    with pytest.raises(DataError, match="n_rounds"):
        model_consensus(ratings, np.ones((1, 2)), 2, n_rounds=0)


def test_settled_labels_are_kept_and_teach_the_annotator_accuracies():
    truth, ratings = _team(7, n_items=300)
    known = np.full(len(truth), MISSING)
    known[:100] = truth[:100]
    model = DawidSkene(n_classes=3).fit(ratings, known=known)
    consensus = model.consensus()
    assert (consensus.labels[:100] == truth[:100]).all()
    assert (consensus.confidence[:100] == 1).all()
    assert consensus.annotator_accuracy == pytest.approx([0.9, 0.55, 0.5, 0.45, 0.85], abs=0.1)
    proba = np.full((len(truth), 3), 1 / 3)
    combined = model_consensus(ratings, proba, 3, known=known)
    assert (combined.labels[:100] == truth[:100]).all()
    with pytest.raises(DataError, match="known"):
        DawidSkene(n_classes=3).fit(ratings, known=np.full(len(truth), 5))
