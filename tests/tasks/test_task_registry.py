"""Every task in the registry keeps the one Task contract.

Each task names its answer, a default strategy among its strategies, a default
model among its models, a learner, and a cell runner whose curves carry the
headline metric with the declared direction; ``activelab tasks`` lists them all.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import numpy as np
import pytest

from activelab.data import find_data_dir
from activelab.exceptions import ConfigError
from activelab.tasks.contract import LazyTask, Task, describe
from activelab.tasks.curves import TaskCurves
from activelab.tasks.registry import TASK_RUNNERS, TASKS, get_task, task_names, task_runner

EXPECTED = ["classification", "regression", "multilabel", "anomaly", "clustering", "matching",
            "weak-supervision", "cleaning", "imbalance"]
CELL_KEYWORDS = {"model", "strategy", "seed", "initial", "batch", "budget", "test_size",
                 "master_seed"}


def test_the_registry_holds_every_task_in_order():
    assert list(TASKS) == EXPECTED
    assert list(TASK_RUNNERS) == [name for name in EXPECTED if name != "classification"]


@pytest.mark.parametrize("name", EXPECTED)
def test_every_task_keeps_the_contract(name):
    task = get_task(name)
    assert isinstance(task, Task) and task.name == name and task.answer
    strategies, models = task.strategies(), task.models()
    assert strategies and all(isinstance(s, str) for s in strategies)
    assert models and all(isinstance(m, str) for m in models)
    assert task.default_strategy in strategies
    assert task.default_model is None or task.default_model in models
    assert task_names(name, "STRATEGIES") == strategies and task_names(name, "MODELS") == models
    learner = task.learner()
    assert learner is None or (inspect.isclass(learner) and callable(learner.query)
                               and callable(learner.teach))
    simulator = task.simulator()
    assert simulator is None or callable(simulator)
    runner = task.cell_runner()
    if name == "classification":  # the bench runs classification cells itself
        assert runner is None
        with pytest.raises(ConfigError, match="no cell runner"):
            task_runner(name)
    else:
        assert runner is task_runner(name)
        assert CELL_KEYWORDS <= set(inspect.signature(runner).parameters)
    assert [field for field, _ in describe(task)] == ["answer", "strategies", "models",
                                                      "headline", "learner"]


def test_an_unknown_task_is_a_clear_error_naming_the_known_ones():
    with pytest.raises(ConfigError, match="unknown task 'astrology'; choose one of "
                                          "classification, regression"):
        get_task("astrology")
    with pytest.raises(ConfigError, match="unknown task"):
        task_runner("astrology")
    with pytest.raises(ValueError, match="kind"):
        task_names("regression", "METRICS")


def test_a_task_whose_module_is_missing_is_reported_as_unavailable():
    ghost = LazyTask("ghost", answer="nothing", default_strategy="random", default_model=None,
                     headline="accuracy", lower_is_better=False,
                     strategy_names="activelab.tasks.ghost:STRATEGIES",
                     model_names="activelab.models:MODEL_NAMES", learner_class=None,
                     simulate_function=None, cell_function="activelab.tasks.ghost:run")
    assert isinstance(ghost, Task)
    with pytest.raises(ConfigError, match="the ghost task is not available"):
        ghost.cell_runner()
    with pytest.raises(ConfigError, match="the ghost task is not available"):
        ghost.strategies()


def _anomaly_file(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "toy.npz"
    np.savez(path, X=np.vstack([rng.normal(size=(200, 3)), rng.normal(4, 1, size=(12, 3))]),
             y=np.r_[np.zeros(200, int), np.ones(12, int)])
    return str(path)


def _multilabel_file(tmp_path):
    rng = np.random.default_rng(0)
    words = {"sport": "goal match team", "tech": "code chip cloud", "food": "pasta soup bread"}
    lines = []
    for _ in range(120):
        topics = sorted(set(rng.choice(list(words), size=rng.integers(1, 3)).tolist()))
        text = " ".join(" ".join(rng.choice(words[t].split(), size=3)) for t in topics)
        lines.append(json.dumps({"text": text, "labels": topics}))
    path = tmp_path / "topics.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


#: task -> data its cell runner accepts (None: needs ../shared/data).
CELL_DATA = {
    "regression": lambda tmp: "sklearn:diabetes",
    "multilabel": _multilabel_file,
    "anomaly": _anomaly_file,
    "clustering": lambda tmp: "sklearn:iris",
    "matching": lambda tmp: "adult:200" if find_data_dir() else None,
    "weak-supervision": lambda tmp: "sms_spam" if find_data_dir() else None,
    "cleaning": lambda tmp: "sklearn:wine",
    "imbalance": lambda tmp: "sklearn:wine",
}


@pytest.mark.parametrize("name", list(CELL_DATA))
def test_every_cell_runner_records_the_headline_in_its_declared_direction(name, tmp_path):
    data = CELL_DATA[name](tmp_path)
    if data is None:
        pytest.skip("this task's data lives in ../shared/data, which is absent")
    task = get_task(name)
    curves = task_runner(name)(data, model=None, strategy=task.default_strategy, seed=0,
                               initial=10, batch=10, budget=30, test_size=0.25, master_seed=0)
    assert isinstance(curves, TaskCurves)
    assert len(curves.metrics[task.headline]) == len(curves.n_labels) >= 2
    assert (task.headline in curves.lower_is_better) == task.lower_is_better


def test_the_cli_lists_every_task_with_its_answer_defaults_and_headline():
    done = subprocess.run([sys.executable, "-m", "activelab.cli", "tasks"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if not line.startswith(" ")] == EXPECTED
    block = lines[lines.index("regression") + 1: lines.index("multilabel")]
    assert block == [
        "  answer      a finite number",
        "  strategies  random, committee, std, gsx, gsy, igs (default igs)",
        "  models      ridge, bayesridge, rf, gp, knn (default ridge)",
        "  headline    rmse (lower is better)",
        "  learner     RegressionLearner",
    ]
    assert "  headline    ari" in lines and "  learner     none (no query / teach loop)" in lines
