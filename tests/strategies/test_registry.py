"""One strategy registry: each strategy says which tasks it applies to."""

from __future__ import annotations

import pytest

import activelab.tasks.anomaly  # noqa: F401  (registers the task's strategies)
import activelab.tasks.clustering  # noqa: F401
import activelab.tasks.regression  # noqa: F401
from activelab import ConfigError
from activelab.strategies import (
    RandomSampling,
    UncertaintySampling,
    _registry,
    available_strategies,
    make_strategy,
    register_strategy,
    strategy_names,
    strategy_tasks,
)
from activelab.tasks.registry import TASKS


@pytest.fixture
def registry(monkeypatch):
    """A copy of the registry, so a test's registrations do not outlive it."""
    copy = {task: dict(factories) for task, factories in _registry._REGISTRY.items()}
    monkeypatch.setattr(_registry, "_REGISTRY", copy)
    return copy


def test_a_strategy_registers_for_the_tasks_it_names(registry):
    register_strategy("steady", lambda **kw: RandomSampling(**kw),
                      tasks=("classification", "regression"))
    assert strategy_tasks("steady") == ("classification", "regression")
    assert "steady" in available_strategies() and strategy_names("regression")[-1] == "steady"
    assert "steady" not in strategy_names("anomaly")
    assert isinstance(make_strategy("steady", task="regression", random_state=0),
                      RandomSampling)


def test_a_registration_without_tasks_is_refused(registry):
    for tasks in ((), "classification"):
        with pytest.raises(ConfigError, match="non-empty sequence of task names"):
            register_strategy("steady", lambda **kw: RandomSampling(**kw), tasks=tasks)


def test_an_unknown_name_names_the_task_and_its_strategies():
    with pytest.raises(ConfigError, match="unknown regression strategy 'margin'; choose one "
                                          "of random, committee"):
        make_strategy("margin", task="regression")
    with pytest.raises(ConfigError, match="unknown strategy 'psychic'"):
        make_strategy("psychic")


def test_every_task_contract_lists_what_the_registry_holds_for_it():
    for name in ("classification", "regression", "multilabel", "anomaly", "clustering",
                 "matching", "imbalance"):
        assert set(TASKS[name].strategies()) == set(strategy_names(name)), name


def test_a_name_means_what_its_task_registered():
    assert set(strategy_tasks("margin")) == {"classification", "matching", "imbalance"}
    assert "clustering" in strategy_tasks("random")
    assert isinstance(make_strategy("margin", task="matching"), UncertaintySampling)
    assert type(make_strategy("random", task="clustering", n_clusters=3)).__name__ == \
        "RandomPairs"
