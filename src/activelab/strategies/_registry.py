"""Strategy names used by the CLI, the benchmark harness and the server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._random import RandomLike
from ..exceptions import ConfigError
from .auto import AutoStrategy
from .badge import BADGE
from .base import QueryStrategy
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

__all__ = ["available_strategies", "make_strategy", "register_strategy"]

_FACTORIES: dict[str, Callable[..., QueryStrategy]] = {
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
}


def register_strategy(name: str, factory: Callable[..., QueryStrategy]) -> None:
    """Make ``factory(random_state=...)`` available under ``name``."""
    _FACTORIES[name] = factory


def available_strategies() -> list[str]:
    """Every registered strategy name, sorted."""
    return sorted(_FACTORIES)


def make_strategy(name: str, *, random_state: RandomLike = None, **params: Any) -> QueryStrategy:
    """Build the strategy registered as ``name``.

    Raises
    ------
    ConfigError
        If ``name`` is not registered; the message lists the known names.
    """
    key = name.strip().lower().replace("_", "-")
    if key not in _FACTORIES:
        known = ", ".join(available_strategies())
        raise ConfigError(f"unknown strategy {name!r}; choose one of {known}")
    return _FACTORIES[key](random_state=random_state, **params)
