"""The one strategy registry: every strategy by name, with the tasks it applies to.

The CLI, the benchmark harness, the server and every task's learner build their
strategies here (:func:`make_strategy`); a task's contract lists its names with
:func:`strategy_names`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._random import RandomLike
from ..exceptions import ConfigError
from .auto import AutoStrategy
from .badge import BADGE
from .bayesian import BatchBALD, BayesianUncertainty
from .cluster import ClusterDiversity
from .cluster_margin import ClusterMargin
from .committee import QueryByCommittee
from .coreset import CoreSet
from .density import InformationDensity
from .error_reduction import ExpectedErrorReduction
from .random import RandomSampling
from .seals import SEALS
from .stream import StreamSelectiveSampler
from .typiclust import TypiClust
from .uncertainty import UncertaintySampling

__all__ = ["available_strategies", "make_strategy", "register_strategy", "strategy_names",
           "strategy_tasks"]

#: task -> strategy name -> factory, in registration order. The core's strategies
#: register below; a task package registers its own when it is imported.
_REGISTRY: dict[str, dict[str, Callable[..., Any]]] = {}

#: The tasks whose learner is an ActiveLearner over a classification Pool: every
#: classification strategy applies to them.
CLASSIFIER_TASKS = ("classification", "matching", "imbalance")


def register_strategy(name: str, factory: Callable[..., Any], *,
                      tasks: Sequence[str] = ("classification",)) -> None:
    """Make ``factory(random_state=..., **params)`` available under ``name`` for each of
    ``tasks`` (the tasks whose learner it can serve)."""
    if isinstance(tasks, str) or not tasks:
        raise ConfigError(f"tasks must be a non-empty sequence of task names, got {tasks!r}")
    for task in tasks:
        _REGISTRY.setdefault(task, {})[name] = factory


def strategy_names(task: str = "classification") -> tuple[str, ...]:
    """The strategy names registered for ``task``, in registration order."""
    return tuple(_REGISTRY.get(task, ()))


def strategy_tasks(name: str) -> tuple[str, ...]:
    """The tasks a strategy called ``name`` is registered for."""
    return tuple(task for task, factories in _REGISTRY.items() if name in factories)


def available_strategies(task: str = "classification") -> list[str]:
    """Every strategy name registered for ``task``, sorted."""
    return sorted(strategy_names(task))


def make_strategy(name: str, *, task: str = "classification", random_state: RandomLike = None,
                  **params: Any) -> Any:
    """Build the strategy registered as ``name`` for ``task``.

    Raises
    ------
    ConfigError
        If ``name`` is not registered for ``task``; the message lists the known names.
    """
    key = str(name).strip().lower().replace("_", "-")
    factories = _REGISTRY.get(task, {})
    if key not in factories:
        what = "strategy" if task == "classification" else f"{task} strategy"
        known = ", ".join(available_strategies(task) if task == "classification"
                          else strategy_names(task))
        raise ConfigError(f"unknown {what} {name!r}; choose one of {known}")
    return factories[key](random_state=random_state, **params)


for _name, _factory in {
    "random": lambda **kw: RandomSampling(**kw),
    "auto": lambda **kw: AutoStrategy(**kw),
    "least-confident": lambda **kw: UncertaintySampling("least_confident", **kw),
    "margin": lambda **kw: UncertaintySampling("margin", **kw),
    "entropy": lambda **kw: UncertaintySampling("entropy", **kw),
    "qbc-vote": lambda **kw: QueryByCommittee("vote_entropy", **kw),
    "qbc-kl": lambda **kw: QueryByCommittee("kl", **kw),
    "cluster": lambda **kw: ClusterDiversity(**kw),
    "density": lambda **kw: InformationDensity(**kw),
    "eer": lambda **kw: ExpectedErrorReduction(**kw),
    "stream": lambda **kw: StreamSelectiveSampler(**kw),
    "coreset": lambda **kw: CoreSet(**kw),
    "badge": lambda **kw: BADGE(**kw),
    "cluster-margin": lambda **kw: ClusterMargin(**kw),
    "typiclust": lambda **kw: TypiClust(**kw),
    "seals-margin": lambda **kw: SEALS("margin", **kw),
    "bald": lambda **kw: BayesianUncertainty("bald", **kw),
    "mean-std": lambda **kw: BayesianUncertainty("mean_std", **kw),
    "batchbald": lambda **kw: BatchBALD(**kw),
}.items():
    register_strategy(_name, _factory, tasks=CLASSIFIER_TASKS)
# Random sampling serves every learner over a pool, whatever its labels.
register_strategy("random", _REGISTRY["classification"]["random"],
                  tasks=("regression", "multilabel"))
