"""Class discovery: a seeded imbalanced subsample, labels to cover, simulation over seeds."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone

from ..._random import RandomLike, as_generator, derive_seed
from ...exceptions import ConfigError, DataError, SingleClassError
from ...initial import initial_indices
from ...learner import ActiveLearner
from ...pool import Pool
from ._discovery import discovery_rounds

__all__ = ["make_imbalanced", "labels_to_cover", "CoverageRun", "ClassDiscoveryResult",
           "simulate_class_discovery"]


def make_imbalanced(y: Sequence[Hashable] | np.ndarray, rare: Sequence[Hashable], *,
                    ratio: float = 50.0, n_common: int | None = None,
                    random_state: RandomLike = 0) -> np.ndarray:
    """Sorted row indices of a subsample where each ``rare`` class is ``ratio`` times rarer.

    Every other class keeps ``n_common`` rows (default: the size of the smallest
    of them); each rare class keeps ``max(1, round(n_common / ratio))``.

    Examples
    --------
    >>> y = np.repeat(["a", "b", "c"], 100)
    >>> idx = make_imbalanced(y, ["c"], ratio=50, n_common=100)
    >>> np.unique(y[idx], return_counts=True)[1].tolist()
    [100, 100, 2]
    """
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    rare = list(rare)
    unknown = [c for c in rare if c not in set(classes.tolist())]
    if unknown:
        raise DataError(f"rare classes {unknown!r} are not in y")
    common = [c for c in classes.tolist() if c not in set(rare)]
    if not common or not rare:
        raise ConfigError("give at least one rare class and leave at least one common class")
    if ratio < 1:
        raise ConfigError(f"ratio must be at least 1, got {ratio}")
    available = counts[np.isin(classes, common)].min()
    n_common = int(available if n_common is None else min(n_common, available))
    n_rare = max(1, round(n_common / ratio))
    rng = as_generator(random_state)
    picks = []
    for c in classes.tolist():
        rows = np.flatnonzero(y == c)
        size = min(len(rows), n_rare if c in set(rare) else n_common)
        picks.append(rng.choice(rows, size=size, replace=False))
    return np.sort(np.concatenate(picks))


def labels_to_cover(labels_in_order: Sequence[Hashable] | np.ndarray,
                    classes: Sequence[Hashable], k: int = 1) -> int | None:
    """How many labels (in the order given) until every class has ``k`` of them.

    Examples
    --------
    >>> labels_to_cover(["a", "a", "b", "c", "b"], ["a", "b", "c"], k=1)
    4
    >>> labels_to_cover(["a", "b"], ["a", "b", "c"]) is None
    True
    """
    if k < 1:
        raise ConfigError(f"k must be at least 1, got {k}")
    need = dict.fromkeys(classes, k)
    remaining = len(need)
    for position, label in enumerate(np.asarray(labels_in_order).tolist(), start=1):
        if label in need:
            need[label] -= 1
            if need[label] == 0:
                remaining -= 1
                if remaining == 0:
                    return position
    return None


@dataclass
class CoverageRun:
    """One seed: labels until every class had ``k`` examples (None = not within budget)."""

    seed: int
    labels_to_cover: int | None
    first_seen: dict[Any, int] = field(default_factory=dict)


@dataclass
class ClassDiscoveryResult:
    strategy: str
    initial_method: str
    k: int
    max_labels: int
    runs: list[CoverageRun] = field(default_factory=list)

    def mean_labels(self) -> float:
        """Mean labels to cover over seeds; a run that never covers counts as ``max_labels``."""
        return float(np.mean([r.labels_to_cover or self.max_labels for r in self.runs]))

    def n_covered(self) -> int:
        return sum(r.labels_to_cover is not None for r in self.runs)


def simulate_class_discovery(X: Any, y: Sequence[Hashable] | np.ndarray, estimator: Any, *,
                             strategy: str | Any = "margin", initial: int = 10,
                             initial_method: str = "random", batch: int = 10, k: int = 1,
                             max_labels: int = 500, seeds: int = 5,
                             master_seed: int = 0) -> ClassDiscoveryResult:
    """Labels each strategy spends until every class of ``y`` has ``k`` labelled examples.

    The whole of ``X`` is the pool; the oracle answers ``y``.  For seed ``s`` the
    seed set depends only on ``(master_seed, s, initial_method)``, so strategies
    compare on identical starts.  Counting stops at ``max_labels``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    estimator : scikit-learn classifier
    strategy : str or QueryStrategy, default="margin"
    initial : int, default=10
    initial_method : {"random", "kmeans"}, default="random"
    batch, k, max_labels, seeds, master_seed : int

    Returns
    -------
    ClassDiscoveryResult
    """
    y = np.asarray(y)
    classes = np.unique(y)
    if len(classes) < 2:
        raise SingleClassError("class discovery needs at least two classes in y")
    if initial < 1 or batch < 1 or seeds < 1 or max_labels < initial or k < 1:
        raise ConfigError("need initial, batch, seeds, k >= 1 and max_labels >= initial")
    name = strategy if isinstance(strategy, str) else type(strategy).__name__
    result = ClassDiscoveryResult(name, initial_method, k, max_labels)
    for seed in range(seeds):
        initial_seq, learner_seq = np.random.SeedSequence(
            entropy=master_seed, spawn_key=(seed,)).spawn(2)
        pool = Pool(X, classes=classes.tolist())
        seed_set = initial_indices(pool, initial, method=initial_method,
                                   random_state=np.random.default_rng(initial_seq))
        learner = ActiveLearner(clone(estimator), pool, strategy,
                                random_state=derive_seed(learner_seq))
        order: list[Any] = []
        covered = None
        for answers in discovery_rounds(learner, y, seed_set, batch=batch, budget=max_labels):
            order += answers.tolist()
            covered = labels_to_cover(order, classes.tolist(), k)
            if covered is not None:
                break
        first = {c: order.index(c) + 1 for c in classes.tolist() if c in order}
        result.runs.append(CoverageRun(seed, covered, first))
    return result

