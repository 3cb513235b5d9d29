"""Query strategies: pure score functions, one selector, and strategy objects.

Every strategy has the same contract, :meth:`QueryStrategy.query`, which
returns indices into the whole pool, best first.
"""

from . import scores
from ._diversity import k_center_greedy, min_sq_distances, row_sq_norms
from ._registry import (
    available_strategies,
    make_strategy,
    register_strategy,
    strategy_names,
    strategy_tasks,
)
from .auto import AutoStrategy
from .badge import BADGE
from .base import QueryStrategy, ScoreStrategy
from .bayesian import BatchBALD, BayesianUncertainty
from .cluster import ClusterDiversity
from .cluster_margin import ClusterMargin
from .committee import QueryByCommittee
from .coreset import CoreSet
from .density import InformationDensity
from .error_reduction import ExpectedErrorReduction
from .random import RandomSampling
from .seals import SEALS
from .selection import select_top_k
from .stream import StreamSelectiveSampler
from .typiclust import TypiClust
from .uncertainty import UncertaintySampling

__all__ = [
    "QueryStrategy",
    "ScoreStrategy",
    "RandomSampling",
    "AutoStrategy",
    "UncertaintySampling",
    "QueryByCommittee",
    "ClusterDiversity",
    "InformationDensity",
    "ExpectedErrorReduction",
    "StreamSelectiveSampler",
    "CoreSet",
    "BADGE",
    "ClusterMargin",
    "TypiClust",
    "SEALS",
    "BayesianUncertainty",
    "BatchBALD",
    "select_top_k",
    "scores",
    "make_strategy",
    "register_strategy",
    "available_strategies",
    "strategy_names",
    "strategy_tasks",
    # the k-center geometry that activelab.distributed runs per partition
    "k_center_greedy",
    "min_sq_distances",
    "row_sq_norms",
]
