"""Adaptive overlap: another label exactly where the first one is in doubt."""

from __future__ import annotations

import numpy as np
import pytest

from activelab.exceptions import DataError
from activelab.teams import label_posterior, needs_another_label


def test_posterior_is_bayes_rule_with_symmetric_errors():
    proba = np.array([[0.6, 0.3, 0.1]])
    posterior = label_posterior(np.array([[1, 1]]), proba, [0.8, 0.7])
    likelihood = np.array([0.1 * 0.15, 0.8 * 0.7, 0.1 * 0.15])
    expected = proba[0] * likelihood
    np.testing.assert_allclose(posterior[0], expected / expected.sum())


def test_another_label_where_it_pays():
    confident = [0.97, 0.03]
    unsure = [0.5, 0.5]
    cases = [  # (labels, model's probabilities, annotator accuracies, wanted)
        ([0, -1], confident, [0.9, 0.9], False),  # agrees with a confident model
        ([1, -1], confident, [0.9, 0.9], True),   # disagrees with a confident model
        ([0, -1], unsure, [0.9, 0.9], True),      # a hard item
        ([0, -1], [0.8, 0.2], [0.55, 0.9], True),  # an unreliable annotator
        ([0, -1], [0.8, 0.2], [0.99, 0.9], False),  # a reliable one
        ([0, 0], unsure, [0.9, 0.9], False),      # two reliable annotators agree
    ]
    for labels, proba, accuracy, wanted in cases:
        asked = needs_another_label(np.array([labels]), np.array([proba]), accuracy)
        assert asked.tolist() == [wanted], (labels, proba, accuracy)


def test_no_item_gets_more_than_max_labels():
    ratings = np.array([[0, 1, -1]])
    proba = np.array([[0.5, 0.5]])
    assert needs_another_label(ratings, proba, [0.6, 0.6, 0.6], max_labels=3).tolist() == [True]
    assert needs_another_label(ratings, proba, [0.6, 0.6, 0.6], max_labels=2).tolist() == [False]


def test_shapes_that_do_not_agree_are_a_clear_error():
    with pytest.raises(DataError, match="must agree"):
        label_posterior(np.array([[0, 1]]), np.array([[0.5, 0.5]]), [0.9])
