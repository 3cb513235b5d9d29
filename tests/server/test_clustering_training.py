"""The pieces of a clustering retrain: stable cluster numbers, how much a clustering
changed, and answers that contradict the others."""

from __future__ import annotations

import numpy as np
import pytest

from activelab.exceptions import ConfigError
from activelab.server.services.cluster_points import Points, check_n_clusters
from activelab.server.services.clustering_training import (
    _constraints,
    clustering_change,
    relabel_like,
)


def test_new_clusters_keep_the_numbers_of_the_old_ones():
    old = [0, 0, 1, 1, 2, 2]
    new = np.array([2, 2, 0, 0, 1, 1])  # the same grouping, numbered otherwise
    rename = relabel_like(new, old, 3)
    assert rename[new].tolist() == old
    assert relabel_like(new, [None] * 6, 3).tolist() == [0, 1, 2]  # nothing to agree with


def test_the_change_counts_moved_points_and_the_ari():
    assert clustering_change([None, None], np.array([0, 1])) == {
        "ari": None, "moved_fraction": None, "moved": None}
    same = clustering_change([0, 0, 1, 1], np.array([0, 0, 1, 1]))
    assert same == {"ari": 1.0, "moved_fraction": 0.0, "moved": 0}
    moved = clustering_change([0, 0, 1, 1, None], np.array([0, 1, 1, 1, 0]))
    assert (moved["moved"], moved["moved_fraction"]) == (1, 0.25) and moved["ari"] < 1.0


def test_an_answer_that_contradicts_the_others_is_left_out():
    points = Points(np.array([10, 11, 12]), ["a", "b", "c"], [{}] * 3, [None] * 3,
                    np.zeros((3, 1)))
    pair_of = {1: [10, 11], 2: [11, 12], 3: [10, 12], 4: [10, 99]}  # 99: a deleted point
    answers = {1: "same", 2: "same", 3: "different", 4: "same"}
    constraints, contradicted = _constraints(points, pair_of, answers)
    assert contradicted == 1
    assert (len(constraints.must_link), len(constraints.cannot_link)) == (2, 0)


@pytest.mark.parametrize("value", [True, 2.0, "3", 1, -4])
def test_n_clusters_must_be_an_integer_of_at_least_two(value):
    with pytest.raises(ConfigError, match="n_clusters"):
        check_n_clusters(value)
    with pytest.raises(ConfigError, match="more than the project's 3"):
        check_n_clusters(4, 3)
