"""``activelab simulate --task detection`` and ``activelab bench --task detection``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from activelab.cli import app
from activelab.exceptions import ConfigError


@pytest.mark.slow
@pytest.mark.timeout(1200)  # about 45 s of CPU; a busy machine stretches it
def test_simulate_writes_map50_and_the_annotation_cost_per_round(tmp_path):
    out = tmp_path / "r.json"
    result = CliRunner().invoke(app, [
        "simulate", "cluttered-digits", "--task", "detection", "--strategy", "entropy-sum",
        "--compare", "random", "--seeds", "2", "--budget", "60", "--out", str(out)])
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["task"] == "detection" and payload["strategy"] == "entropy-sum"
    runs = payload["runs"] + payload["comparisons"]["random"]["runs"]
    assert len(runs) == 4
    for run in runs:
        cost = np.asarray(run["n_labels"])
        # each round costs at least the batch, but the last stops at the budget
        assert len(run["map50"]) == len(cost) >= 4 and np.all(np.diff(cost)[:-1] >= 10)
        assert cost[0] >= 20 and 60 <= cost[-1] < 70  # the last round may go a little over
        assert run["map50"][-1] > run["map50"][0] + 0.1  # mAP@0.5 rises over rounds
        actions = sum(np.asarray(run[f"boxes_{kind}"]) for kind in
                      ("confirmed", "corrected", "drawn", "rejected"))
        assert actions.tolist() == cost.tolist()  # every action costs one unit
        assert 0.9 < run["reference"]["full_map50"] <= 1.0
    # The seed set is drawn from scratch; later rounds confirm the model's boxes.
    assert all(run["boxes_confirmed"][0] == 0 for run in runs)
    assert any(run["boxes_confirmed"][-1] > 0 for run in runs)


def test_classification_on_a_detection_set_says_to_use_the_detection_task(tmp_path):
    result = CliRunner().invoke(app, ["simulate", "cluttered-digits", "--seeds", "1",
                                      "--out", str(tmp_path / "r.json")])
    # main() prints a ConfigError as one line and exits 1; the app raises it
    assert isinstance(result.exception, ConfigError)
    assert "holds images with boxes, not classes: use the detection task" in \
        str(result.exception)


def test_an_unknown_detection_strategy_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, [
        "simulate", "cluttered-digits", "--task", "detection", "--strategy", "vote",
        "--seeds", "1", "--out", str(tmp_path / "r.json")])
    assert isinstance(result.exception, ConfigError)
    assert "unknown detection strategy 'vote'; choose one of random, entropy-max" in \
        str(result.exception)
