"""Label cleaning and rare-class discovery as `activelab simulate --task` / `bench` cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from activelab.bench import make_config, run_benchmark
from activelab.exceptions import ConfigError, DataError
from activelab.tasks.registry import task_runner

LOOP = {"initial": 10, "test_size": 0.25, "master_seed": 0}


def test_the_review_queue_finds_injected_errors_faster_than_random_review():
    run = task_runner("cleaning")
    queue = run("sklearn:breast_cancer", model=None, strategy="normalized_margin", seed=0,
                batch=40, budget=120, **LOOP)
    random = run("sklearn:breast_cancer", model=None, strategy="random", seed=0, batch=40,
                 budget=120, **LOOP)
    assert queue.n_labels == random.n_labels == [0, 40, 80, 120]
    found = queue.metrics["errors_found"]
    assert found[0] == 0 and all(a <= b for a, b in zip(found, found[1:], strict=False))
    assert found[-1] > 2 * random.metrics["errors_found"][-1]
    # the same noise for both orders: their starting accuracy is the same noisy model's
    assert queue.metrics["accuracy"][0] == random.metrics["accuracy"][0]
    assert queue.reference["noisy_accuracy"] == queue.metrics["accuracy"][0]
    assert queue.metrics["accuracy"][-1] > queue.reference["noisy_accuracy"]


@pytest.mark.parametrize(("data", "strategy", "message"), [
    ("sklearn:breast_cancer", "loudest", "unknown cleaning strategy 'loudest'"),
    ("sklearn:diabetes", "random", "needs class labels"),
])
def test_cleaning_cells_reject_bad_names_and_targets(data, strategy, message):
    with pytest.raises(ConfigError, match=message):
        task_runner("cleaning")(data, model=None, strategy=strategy, seed=0, batch=10,
                                budget=20, **LOOP)


def test_class_discovery_counts_covered_classes_per_round():
    curves = task_runner("imbalance")("sklearn:iris", model=None, strategy="margin", seed=0,
                                      batch=10, budget=40, **LOOP)
    assert curves.n_labels == [10, 20, 30, 40]
    covered = curves.metrics["classes_covered"]
    assert all(a <= b for a, b in zip(covered, covered[1:], strict=False)) and covered[-1] == 1
    assert curves.reference["rarest_share"] == pytest.approx(1 / 3)


def test_class_discovery_needs_two_classes(tmp_path):
    path = tmp_path / "one.csv"
    pd.DataFrame({"a": np.arange(30.0), "label": ["x"] * 30}).to_csv(path, index=False)
    with pytest.raises(DataError, match="has a single class 'x'"):
        task_runner("imbalance")(str(path), model=None, strategy="margin", seed=0, batch=5,
                                 budget=20, target="label", **LOOP)
    with pytest.raises(ConfigError, match="unknown strategy 'loudest'"):
        task_runner("imbalance")("sklearn:iris", model=None, strategy="loudest", seed=0,
                                 batch=5, budget=20, **LOOP)


def test_cleaning_runs_in_the_bench_against_random_review(tmp_path):
    config = make_config(task="cleaning", datasets=["sklearn:breast_cancer"],
                         strategies=["normalized_margin"], seeds=2, initial=10, batch=40,
                         budget=80)
    result = run_benchmark(config, tmp_path, progress=False)
    assert result.failures.empty
    assert set(result.table["strategy"]) == {"normalized_margin", "random"}
    assert {"errors_found", "accuracy", "reference:noisy_accuracy"} <= set(
        result.table["metric"])
