"""Margin beats random on real datasets from ../shared/data (skipped when absent)."""

from __future__ import annotations

import numpy as np
import pytest

from activelab.data import find_data_dir, load_dataset
from activelab.simulation import simulate

pytestmark = pytest.mark.skipif(find_data_dir() is None, reason="../shared/data is absent")


def labels_to_95(result) -> float:
    # A run that never reaches 95% counts as needing the whole budget (a generous bound).
    return float(np.mean([run.labels_to_fraction(0.95) or result.budget
                          for run in result.runs]))


@pytest.mark.parametrize("name", ["spambase", "banknote"])
def test_margin_beats_random_in_mean_aulc_over_5_seeds(name):
    dataset = load_dataset(name)
    runs = {strategy: simulate(dataset, model="logreg", strategy=strategy, initial=20,
                               batch=10, budget=300, seeds=5)
            for strategy in ("margin", "random")}
    assert runs["margin"].mean_aulc() > runs["random"].mean_aulc()


def test_spambase_margin_needs_at_most_0_6_of_randoms_labels():
    dataset = load_dataset("spambase")
    margin, random = (simulate(dataset, model="logreg", strategy=s, initial=20, batch=10,
                               budget=400, seeds=5) for s in ("margin", "random"))
    assert labels_to_95(margin) <= 0.6 * labels_to_95(random)


def test_digits_margin_beats_random():
    dataset = load_dataset("sklearn:digits")
    margin, random = (simulate(dataset, model="logreg", strategy=s, initial=20, batch=10,
                               budget=300, seeds=5) for s in ("margin", "random"))
    assert margin.mean_aulc() > random.mean_aulc()
