"""Which pairs to ask about: random pairs, pairs across uncertain boundaries, and
Explore-and-Consolidate (Basu, Banerjee & Mooney 2004).

A strategy's ``query(X, constraints, model, n_pairs)`` returns an int array of shape
(n_pairs, 2). Every strategy passes its candidates, best first, through
:class:`_BatchFilter`, which drops pairs whose answer the closure already implies,
pairs skipped before, and pairs whose answer the other pairs of the same batch could
imply whatever the answers (the batch forms a forest over must-link components, and no
tree of it holds two cannot-linked components), so no question is wasted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..._random import RandomLike, as_generator
from ...exceptions import ConfigError, NotFittedError, PoolExhaustedError
from ...strategies import make_strategy, register_strategy
from ._assign import _sq_distances
from ._constraints import UNKNOWN, PairConstraints

__all__ = ["RandomPairs", "UncertainPairs", "ExploreConsolidate", "PAIR_STRATEGIES",
           "make_pair_strategy", "boundary_margin"]

#: Strategy names understood by :func:`make_pair_strategy`.
PAIR_STRATEGIES = ("random", "uncertain-pairs", "explore-consolidate")


class _BatchFilter:
    """Accept candidate pairs in order while they are worth a question."""

    def __init__(self, constraints: PairConstraints, n_pairs: int) -> None:
        self.constraints = constraints
        self.n_pairs = n_pairs
        self.accepted: list[tuple[int, int]] = []
        self._parent: dict[int, int] = {}
        self._trees: dict[int, set[int]] = {}  # batch tree root -> its components
        comp = constraints.components_
        cl = constraints.cannot_link
        self._separated = {(int(a), int(b)) for a, b in comp[cl].tolist()} if len(cl) \
            else set()
        self._separated |= {(b, a) for a, b in self._separated}

    def _root(self, c: int) -> int:
        while self._parent.get(c, c) != c:
            c = self._parent[c]
        return c

    @property
    def full(self) -> bool:
        return len(self.accepted) >= self.n_pairs

    def offer(self, candidates: Iterable[tuple[int, int]] | np.ndarray) -> None:
        pairs = np.asarray(list(candidates) if not isinstance(candidates, np.ndarray)
                           else candidates, dtype=np.intp).reshape(-1, 2)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        if self.full or not len(pairs):
            return
        keep = (self.constraints.relation(pairs) == UNKNOWN) & \
            ~self.constraints.is_skipped(pairs)
        comp = self.constraints.components_
        for i, j in pairs[keep].tolist():
            a, b = self._root(int(comp[i])), self._root(int(comp[j]))
            tree_a, tree_b = self._trees.get(a, {a}), self._trees.get(b, {b})
            # The answers of this batch could imply (i, j) when a path of batch pairs
            # joins their components, or joins them to two cannot-linked components.
            if a == b or any((x, z) in self._separated for x in tree_a for z in tree_b):
                continue
            self._parent[b] = a
            self._trees[a] = tree_a | tree_b
            self._trees.pop(b, None)
            self.accepted.append((i, j))
            if self.full:
                return

    def result(self) -> np.ndarray:
        if not self.accepted:
            raise PoolExhaustedError("every pair's answer is already implied by the answers "
                                     "given (or was skipped): nothing is left to ask")
        return np.asarray(self.accepted, dtype=np.intp)


def _check_n(n_pairs: int) -> None:
    if int(n_pairs) < 1:
        raise ConfigError(f"n_pairs must be at least 1, got {n_pairs}")


class RandomPairs:
    """Uniformly random pairs of points (the baseline), skipping implied ones.

    Examples
    --------
    >>> import numpy as np
    >>> c = PairConstraints(10)
    >>> RandomPairs(random_state=0).query(np.zeros((10, 2)), c, None, 3).shape
    (3, 2)
    """

    def __init__(self, random_state: RandomLike = None) -> None:
        self.random_state = random_state

    def query(self, X: np.ndarray, constraints: PairConstraints, model: Any,
              n_pairs: int) -> np.ndarray:
        _check_n(n_pairs)
        rng = as_generator(self.random_state)
        n = constraints.n_samples
        batch = _BatchFilter(constraints, n_pairs)
        for _ in range(50):
            batch.offer(rng.integers(n, size=(4 * n_pairs + 16, 2)))
            if batch.full:
                break
        return batch.result()


def boundary_margin(distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order of clusters per point, and how close each point is to a boundary.

    Parameters
    ----------
    distances : ndarray of shape (n_samples, n_clusters)
        Euclidean distances to the centres.

    Returns
    -------
    order : ndarray of shape (n_samples, n_clusters)
        Clusters from nearest to farthest.
    margin : ndarray of shape (n_samples,)
        ``(d2 - d1) / (d2 + d1)`` of the two nearest centres: 0 on the boundary.
    """
    order = np.argsort(distances, axis=1)
    rows = np.arange(len(distances))
    d1, d2 = distances[rows, order[:, 0]], distances[rows, order[:, 1]]
    return order, (d2 - d1) / np.maximum(d2 + d1, 1e-12)


def _anchors(X: np.ndarray, constraints: PairConstraints, labels: np.ndarray,
             dist: np.ndarray) -> np.ndarray:
    """One point per cluster to pair with: a member of the largest must-link component
    the cluster holds (an answer then reaches the whole component), else the point
    nearest the centre."""
    k = dist.shape[1]
    comp = constraints.components_
    sizes = np.bincount(comp, minlength=len(comp))
    anchors = dist.argmin(axis=0)
    best = np.zeros(k)
    for i in constraints.constrained_points():
        c = labels[i]
        if sizes[comp[i]] > best[c]:
            best[c], anchors[c] = sizes[comp[i]], i
    return anchors


class UncertainPairs:
    """Points nearest a boundary between two clusters, each paired across it.

    The points whose two nearest centres are most nearly equidistant (and that are not
    yet in a must-link component) are asked against the anchor (see below) of their
    second-nearest cluster; if that answer is implied, the next cluster's anchor. An
    anchor is a member of the largest must-link component in a cluster, so one answer
    settles the point's relation to that whole component.

    Needs a fitted model with ``cluster_centers_`` and ``labels_``.
    """

    def __init__(self, random_state: RandomLike = None) -> None:
        self.random_state = random_state

    def query(self, X: np.ndarray, constraints: PairConstraints, model: Any,
              n_pairs: int) -> np.ndarray:
        _check_n(n_pairs)
        if not hasattr(model, "cluster_centers_"):
            raise NotFittedError("uncertain-pairs needs a fitted clustering model")
        centers, labels = model.cluster_centers_, model.labels_
        dist = np.sqrt(2.0 * _sq_distances(X, (X ** 2).sum(axis=1), centers))
        order, margin = boundary_margin(dist)
        anchors = _anchors(X, constraints, labels, dist)
        sizes = np.bincount(constraints.components_, minlength=len(X))
        open_ = sizes[constraints.components_] == 1
        # Random tie-breaks keep equal margins from always favouring low indices.
        jitter = as_generator(self.random_state).random(len(X)) * 1e-9
        candidates = np.flatnonzero(open_)[np.argsort((margin + jitter)[open_],
                                                      kind="stable")]
        batch = _BatchFilter(constraints, n_pairs)
        for start in range(0, len(candidates), 4 * n_pairs):
            points = candidates[start:start + 4 * n_pairs]
            for rank in [1, 0, *range(2, dist.shape[1])]:
                # Across the boundary first, then the point's own cluster, then the rest.
                batch.offer(np.column_stack([points, anchors[order[points, rank]]]))
                if batch.full:
                    return batch.result()
        if not batch.full:
            batch.offer(RandomPairs(self.random_state).query(X, constraints, None, n_pairs))
        return batch.result()


class ExploreConsolidate:
    """Explore-and-Consolidate (Basu, Banerjee & Mooney 2004).

    *Explore*: farthest-first traversal; each new point is asked against one member
    of every neighbourhood found so far until it must-links one, or it starts a new
    neighbourhood once it cannot-links them all, until ``n_clusters`` neighbourhoods
    exist. *Consolidate*: random other points are asked against the neighbourhoods in
    order of centroid distance until they must-link one. Neighbourhoods are read from
    the constraints (the largest mutually cannot-linked must-link components), so
    the strategy keeps no state between rounds; a batch asks several points at once.

    Parameters
    ----------
    n_clusters : int
    random_state : int, Generator or None
    """

    def __init__(self, n_clusters: int, random_state: RandomLike = None) -> None:
        self.n_clusters = n_clusters
        self.random_state = random_state

    def query(self, X: np.ndarray, constraints: PairConstraints, model: Any,
              n_pairs: int) -> np.ndarray:
        _check_n(n_pairs)
        if int(self.n_clusters) < 2:
            raise ConfigError(f"n_clusters must be at least 2, got {self.n_clusters}")
        rng = as_generator(self.random_state)
        comp = constraints.components_
        touched = constraints.constrained_points()
        hoods = _neighbourhoods(constraints, touched, self.n_clusters)
        sq_norms = (X ** 2).sum(axis=1)
        batch = _BatchFilter(constraints, n_pairs)
        if not hoods:
            first = int(rng.integers(len(X)))
            hoods, touched = [first], np.array([first])
        reps = np.array([np.flatnonzero(comp == h)[0] for h in hoods])
        centroids = np.array([X[comp == h].mean(axis=0) for h in hoods])
        # Points in progress: asked before but not yet in any neighbourhood.
        hood_set = set(hoods)
        pending = [i for i in touched if comp[i] not in hood_set]
        pending = list({int(comp[i]): int(i) for i in pending}.values())
        for i in pending:
            near = np.argsort(_sq_distances(X[i:i + 1], sq_norms[i:i + 1], centroids)[0])
            batch.offer([(i, reps[h]) for h in near])  # first not implied = next question
            if batch.full:
                return batch.result()
        if len(hoods) < self.n_clusters:
            seen = np.concatenate([touched, [x for x, _ in batch.accepted]]).astype(np.intp)
            closest = np.full(len(X), np.inf)
            for start in range(0, len(seen), 256):
                block = X[seen[start:start + 256]]
                closest = np.minimum(closest, _sq_distances(X, sq_norms, block).min(axis=1))
            while not batch.full and closest.max() > 0:
                x = int(closest.argmax())  # farthest from everything asked so far
                batch.offer([(x, int(reps[0]))])
                closest = np.minimum(closest, _sq_distances(X, sq_norms, X[x:x + 1])[:, 0])
                closest[x] = 0.0
        else:
            for x in rng.permutation(np.flatnonzero(np.bincount(comp, minlength=len(X))[comp]
                                                    == 1)):
                near = np.argsort(_sq_distances(X[x:x + 1], sq_norms[x:x + 1], centroids)[0])
                batch.offer([(int(x), int(reps[near[0]]))])
                if batch.full:
                    break
        return batch.result()


def _neighbourhoods(constraints: PairConstraints, touched: np.ndarray, k: int) -> list[int]:
    """Largest must-link components that are pairwise cannot-linked, at most ``k``."""
    comp = constraints.components_
    sizes = np.bincount(comp, minlength=len(comp))
    cl = constraints.cannot_link
    across = {(int(a), int(b)) for a, b in comp[cl].tolist()}
    across |= {(b, a) for a, b in across}
    hoods: list[int] = []
    for c in sorted({int(comp[i]) for i in touched}, key=lambda c: (-sizes[c], c)):
        if len(hoods) < k and all((c, h) in across for h in hoods):
            hoods.append(c)
    return hoods


register_strategy("random", lambda n_clusters, **kw: RandomPairs(**kw), tasks=("clustering",))
register_strategy("uncertain-pairs", lambda n_clusters, **kw: UncertainPairs(**kw),
                  tasks=("clustering",))
register_strategy("explore-consolidate", ExploreConsolidate, tasks=("clustering",))


def make_pair_strategy(name: str, *, n_clusters: int, random_state: RandomLike = None
                       ) -> Any:
    """The pair strategy called ``name`` (see :data:`PAIR_STRATEGIES`)."""
    if str(name).strip().lower().replace("_", "-") not in PAIR_STRATEGIES:
        raise ConfigError(f"unknown pair strategy {name!r}; choose one of "
                          f"{', '.join(PAIR_STRATEGIES)}")
    return make_strategy(name, task="clustering", n_clusters=n_clusters,
                         random_state=random_state)
