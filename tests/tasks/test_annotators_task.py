"""Several annotators per item: majority vote and Dawid-Skene."""

from __future__ import annotations

import numpy as np
import pytest

from activelab.exceptions import ConfigError, DataError, UnknownLabelError
from activelab.tasks.cleaning.annotators import dawid_skene, majority_vote


def crowd(seed=0, n=400, n_classes=3):
    """One good annotator, one adversarial (always shifts the class), two near-random."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n)

    def answers(accuracy):
        wrong = (truth + rng.integers(1, n_classes, n)) % n_classes
        return np.where(rng.random(n) < accuracy, truth, wrong)

    triples = []
    for name, labels in [("good", answers(0.85)), ("adversary", (truth + 1) % n_classes),
                         ("noisy-1", answers(0.4)), ("noisy-2", answers(0.4))]:
        triples += [(f"item{i}", name, f"c{label}") for i, label in enumerate(labels)]
    return triples, {f"item{i}": f"c{t}" for i, t in enumerate(truth)}


def accuracy(labels, truth):
    return np.mean([labels[item] == truth[item] for item in truth])


def test_dawid_skene_beats_majority_vote_with_an_adversarial_annotator():
    triples, truth = crowd()
    mv = accuracy(majority_vote(triples), truth)
    labels, posteriors, confusions = dawid_skene(triples)
    ds = accuracy(labels, truth)
    assert ds > mv + 0.2
    assert ds > 0.95
    # The adversary's confusion matrix shows the systematic shift c0 -> c1.
    assert confusions["adversary"].loc["c0", "c1"] > 0.9
    assert confusions["good"].loc["c2", "c2"] > 0.75
    np.testing.assert_allclose(posteriors.sum(axis=1), 1.0)
    assert list(posteriors.columns) == ["c0", "c1", "c2"]


def test_results_are_reproducible_and_agree_on_unanimous_items():
    triples, _ = crowd(seed=1, n=60)
    a, b = dawid_skene(triples), dawid_skene(triples)
    assert a.labels == b.labels
    assert majority_vote(triples, random_state=3) == majority_vote(triples, random_state=3)
    unanimous = [(i, a, "x" if i < 3 else "y") for i in range(6) for a in ("p", "q", "r")]
    assert dawid_skene(unanimous).labels == majority_vote(unanimous)


def test_majority_vote_ties_are_seeded_not_biased():
    tie = [(i, "a", "yes") for i in range(200)] + [(i, "b", "no") for i in range(200)]
    winners = list(majority_vote(tie, random_state=0).values())
    assert 60 < winners.count("yes") < 140


def test_bad_annotations():
    with pytest.raises(DataError):
        dawid_skene([])
    with pytest.raises(DataError, match="item, annotator, label"):
        majority_vote([(1, "a")])
    with pytest.raises(UnknownLabelError):
        dawid_skene([(1, "a", None)])
    with pytest.raises(UnknownLabelError, match="unknown labels"):
        dawid_skene([(1, "a", "maybe")], classes=["yes", "no"])
    with pytest.raises(ConfigError):
        dawid_skene([(1, "a", "yes")], max_iter=0)
    single = dawid_skene([(1, "a", "yes"), (2, "a", "yes")])
    assert single.labels == {1: "yes", 2: "yes"}
