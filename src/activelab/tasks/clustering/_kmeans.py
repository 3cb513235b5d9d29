"""Constrained k-means: PCKMeans (soft, Basu et al. 2004) and COP-k-means (hard)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClusterMixin
from threadpoolctl import threadpool_limits

from ..._random import RandomLike, as_generator
from ...exceptions import ConfigError, DataError
from ...pool import check_dense_features
from ._assign import (
    _assign_blocks_hard,
    _assign_blocks_soft,
    _assign_points_soft,
    _Infeasible,
    _Links,
    _sq_distances,
)
from ._constraints import check_pairs, conflict_message, constraint_closure

__all__ = ["PCKMeans", "COPKMeans", "check_cluster_features"]


def check_cluster_features(X: Any) -> np.ndarray:
    """``X`` as a finite float array of shape (n_samples, n_features), or a clear error."""
    return check_dense_features(X, task="clustering")


class _ConstrainedKMeans(ClusterMixin, BaseEstimator):
    """Shared validation, initialisation and Lloyd iterations."""

    _hard = False

    def _validate(self, X: Any, must_link: Any, cannot_link: Any
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not isinstance(self.n_clusters, int | np.integer) or self.n_clusters < 2:
            raise ConfigError(f"n_clusters must be an integer of at least 2, got "
                              f"{self.n_clusters!r}")
        if self.n_init < 1 or self.max_iter < 1:
            raise ConfigError("n_init and max_iter must be at least 1")
        X = check_cluster_features(X)
        if len(X) < self.n_clusters:
            raise DataError(f"{len(X)} point(s) cannot form {self.n_clusters} clusters")
        ml = check_pairs(must_link, len(X), what="must_link")
        cl = check_pairs(cannot_link, len(X), what="cannot_link")
        return X, ml, cl

    def _neighbours(self, n: int, ml: np.ndarray, cl: np.ndarray, closure: bool) -> _Links:
        """Constrained points with their partners, and must-link components as blocks."""
        components, conflicts = constraint_closure(n, ml, cl)
        if len(conflicts) and (closure or self._hard):
            raise DataError(conflict_message(conflicts, ml, n) + (
                "" if self._hard else ", or pass closure=False to penalise each answer as "
                "given (wrong answers then cost w each instead of failing)"))
        points = np.unique(np.concatenate([ml.ravel(), cl.ravel()]))
        members = {c: np.flatnonzero(components == c) for c in np.unique(components[points])}
        across: dict[int, set[int]] = {}
        for a, b in components[cl].tolist():
            across.setdefault(a, set()).add(b)
            across.setdefault(b, set()).add(a)
        empty = np.empty(0, dtype=np.intp)
        block_cl = {c: np.concatenate([members[o] for o in across[c]]) if c in across
                    else empty for c in members}
        blocks = [(members[c], block_cl[c]) for c in members]
        index = {c: j for j, c in enumerate(members)}
        block_nbrs = [np.array(sorted(index[o] for o in across.get(c, ())), dtype=np.intp)
                      for c in members]
        if closure:
            # Penalise what the closure implies: every pair inside a component, every
            # pair across two components that a cannot-link separates.
            ml_n = [members[components[i]][members[components[i]] != i] for i in points]
            cl_n = [block_cl[components[i]] for i in points]
        else:
            ml_n = [np.concatenate([ml[ml[:, 0] == i, 1], ml[ml[:, 1] == i, 0]]) for i in points]
            cl_n = [np.concatenate([cl[cl[:, 0] == i, 1], cl[cl[:, 1] == i, 0]]) for i in points]
        return _Links(components, points, ml_n, cl_n, blocks, closure, block_nbrs)

    def _init_centers(self, X: np.ndarray, sq_norms: np.ndarray, links: _Links,
                      rng: np.random.Generator, from_hoods: bool) -> np.ndarray:
        """Centroids of the largest neighbourhoods, preferring mutually cannot-linked ones,
        then k-means++ (D² sampling) for the clusters no neighbourhood covers."""
        k = self.n_clusters
        centers: list[np.ndarray] = []
        if from_hoods and links.blocks:
            separated = {(int(links.components[i]), int(links.components[j]))
                         for members, partners in links.blocks
                         for i in members[:1] for j in partners}
            chosen: list[int] = []
            for members, _ in sorted(links.blocks, key=lambda b: (-len(b[0]), b[0][0])):
                c = int(links.components[members[0]])
                # Separated neighbourhoods first: they surely are different clusters.
                if len(chosen) < k and all((c, o) in separated for o in chosen):
                    chosen.append(c)
                    centers.append(X[members].mean(axis=0))
        if not centers:
            centers.append(X[rng.integers(len(X))])
        closest = np.min(_sq_distances(X, sq_norms, np.asarray(centers)), axis=1)
        while len(centers) < k:
            total = closest.sum()
            i = int(rng.choice(len(X), p=closest / total)) if total > 0 else int(
                rng.integers(len(X)))
            centers.append(X[i])
            closest = np.minimum(closest, _sq_distances(X, sq_norms, X[i:i + 1])[:, 0])
        return np.asarray(centers, dtype=float)

    def _fit(self, X: Any, must_link: Any, cannot_link: Any, closure: bool) -> Any:
        X, ml, cl = self._validate(X, must_link, cannot_link)
        # One BLAS thread, as scikit-learn's own k-means does: the products are small,
        # and busy threads made one (1797 x 64) @ (64 x 10) product 70x slower.
        with threadpool_limits(limits=1, user_api="blas"):
            return self._fit_valid(X, ml, cl, closure)

    def _fit_valid(self, X: np.ndarray, ml: np.ndarray, cl: np.ndarray, closure: bool) -> Any:
        rng = as_generator(self.random_state)
        n = len(X)
        links = self._neighbours(n, ml, cl, closure)
        sq_norms = (X ** 2).sum(axis=1)
        # Penalties are in units of half the mean squared distance to the data's mean,
        # so w means the same on any feature scale.
        unit = 0.5 * float(((X - X.mean(axis=0)) ** 2).sum(axis=1).mean()) or 1.0
        weight = np.inf if self._hard else self.w * unit
        free = np.ones(n, dtype=bool)
        free[links.points] = False
        best: tuple[float, np.ndarray, np.ndarray, int, int] | None = None
        failures = 0
        for attempt in range(self.n_init):
            # The first start follows Basu et al. (neighbourhood centroids); the others are
            # plain k-means++, in case a few small neighbourhoods mislead the first.
            centers = self._init_centers(X, sq_norms, links, rng, from_hoods=attempt == 0)
            labels = np.full(n, -1, dtype=np.intp)
            try:
                for n_iter in range(1, self.max_iter + 1):  # noqa: B007 (kept after the loop)
                    dist = _sq_distances(X, sq_norms, centers)
                    new = np.where(free | (labels < 0), dist.argmin(axis=1), labels)
                    if self._hard:
                        _assign_blocks_hard(new, dist, links, rng)
                    else:
                        if closure:
                            _assign_blocks_soft(new, dist, links, weight, rng)
                        _assign_points_soft(new, dist, links, weight, rng)
                    changed = not np.array_equal(new, labels)
                    labels = new
                    centers = self._update_centers(X, labels, centers, dist)
                    if not changed:
                        break
            except _Infeasible:
                failures += 1
                continue
            dist = _sq_distances(X, sq_norms, centers)
            violated = sum(int((labels[m] != labels[i]).sum()) + int((labels[c] == labels[i]).sum())
                           for i, m, c in zip(links.points, links.ml_n, links.cl_n,
                                              strict=True)) // 2
            inertia = float(dist[np.arange(n), labels].sum())
            cost = inertia + (0.0 if self._hard else weight * violated)
            if best is None or cost < best[0]:
                best = (cost, labels, centers, n_iter, violated)
        if best is None:
            raise DataError(
                f"COP-k-means found no assignment that satisfies every constraint in "
                f"{failures} attempt(s) with {self.n_clusters} clusters; use PCKMeans (soft "
                "constraints), more clusters or a larger n_init")
        self.objective_, self.labels_, self.cluster_centers_, self.n_iter_, \
            self.n_violated_ = best
        self.inertia_ = 2.0 * float(_sq_distances(X, sq_norms, self.cluster_centers_)[
            np.arange(n), self.labels_].sum())
        self.n_features_in_ = X.shape[1]
        return self

    @staticmethod
    def _update_centers(X: np.ndarray, labels: np.ndarray, centers: np.ndarray,
                        dist: np.ndarray) -> np.ndarray:
        k = len(centers)
        counts = np.bincount(labels, minlength=k)
        onehot = sp.csr_matrix((np.ones(len(X)), (labels, np.arange(len(X)))),
                               shape=(k, len(X)))
        sums = np.asarray(onehot @ X)
        new = centers.copy()
        filled = counts > 0
        new[filled] = sums[filled] / counts[filled, None]
        if not filled.all():
            # An empty cluster restarts at the points farthest from their own centre.
            far = np.argsort(-dist[np.arange(len(X)), labels])
            new[~filled] = X[far[:int((~filled).sum())]]
        return new

    def predict(self, X: Any) -> np.ndarray:
        """Nearest centre of each row of ``X`` (new points carry no constraints)."""
        if not hasattr(self, "cluster_centers_"):
            from ...exceptions import NotFittedError

            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit first")
        X = check_cluster_features(X)
        if X.shape[1] != self.n_features_in_:
            raise DataError(f"X has {X.shape[1]} features, the model was fitted on "
                            f"{self.n_features_in_}")
        return _sq_distances(X, (X ** 2).sum(axis=1), self.cluster_centers_).argmin(axis=1)


class PCKMeans(_ConstrainedKMeans):
    """Pairwise-constrained k-means with soft constraints (Basu, Banerjee & Mooney 2004).

    Minimises ``sum_i ½||x_i - μ_{l_i}||² + w·u·(#violated must-links + #violated
    cannot-links)``, where ``u`` is half the mean squared distance of the points to their
    mean (so ``w`` does not depend on the feature scale). Each round of the assignment
    step moves every must-link component as a block to its cheapest cluster, then the
    constrained points one at a time in random order (iterated conditional modes); the
    other points take the nearest centre in one vectorised step. Initial centres are the
    centroids of the largest must-link neighbourhoods (mutually cannot-linked ones
    first), then k-means++.
    Without constraints this is k-means with k-means++ initialisation.

    Parameters
    ----------
    n_clusters : int, default=8
        At least 2.
    w : float, default=1.0
        Cost of one violated constraint, in the unit ``u`` above.
    closure : bool, default=True
        Penalise the transitive closure (every pair inside a must-link component, every
        pair across two cannot-linked components) rather than each answer alone.
        Contradictory answers (a cannot-link inside a must-link component) then raise
        :class:`~activelab.exceptions.DataError`; with ``closure=False`` they are kept
        and each violated one costs ``w``.
    n_init : int, default=3
        Starts; the one with the lowest objective is kept. The first starts from the
        neighbourhood centroids, the others from plain k-means++.
    max_iter : int, default=100
    random_state : int, Generator or None

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    objective_ : float
    inertia_ : float
        Sum of squared distances to the assigned centre.
    n_violated_ : int
        Constraints (of the closure, if used) the clustering breaks.
    n_iter_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> model = PCKMeans(2, w=10, random_state=0).fit(X, must_link=[[1, 2]])
    >>> bool(model.labels_[1] == model.labels_[2])
    True
    """

    def __init__(self, n_clusters: int = 8, *, w: float = 1.0, closure: bool = True,
                 n_init: int = 3, max_iter: int = 100, random_state: RandomLike = None) -> None:
        self.n_clusters = n_clusters
        self.w = w
        self.closure = closure
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: None = None, *, must_link: Any = None,
            cannot_link: Any = None) -> PCKMeans:
        """Cluster ``X`` of shape (n_samples, n_features) under the constraints.

        ``must_link`` / ``cannot_link``: int arrays of shape (n_pairs, 2) of row indices.
        """
        if not np.isfinite(self.w) or self.w < 0:
            raise ConfigError(f"w must be a finite number >= 0, got {self.w!r}")
        return self._fit(X, must_link, cannot_link, self.closure)


class COPKMeans(_ConstrainedKMeans):
    """k-means whose assignments satisfy every constraint (Wagstaff et al. 2001).

    Must-links are closed transitively; each constrained point goes to the nearest
    cluster its constraints allow (most cannot-linked points first, which makes the
    greedy step fail less often than the original data order). When some point has
    no allowed cluster the attempt fails; after ``n_init`` failed attempts
    :meth:`fit` raises :class:`~activelab.exceptions.DataError`, as it does at once
    for contradictory constraints.

    Parameters
    ----------
    n_clusters : int, default=8
    n_init : int, default=5
        Attempts (restarts); the feasible one with the lowest inertia is kept.
    max_iter : int, default=100
    random_state : int, Generator or None

    Attributes
    ----------
    labels_, cluster_centers_, objective_, inertia_, n_violated_, n_iter_
        As in :class:`PCKMeans` (``n_violated_`` is always 0).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> labels = COPKMeans(2, random_state=0).fit(X, cannot_link=[[0, 1]]).labels_
    >>> bool(labels[0] != labels[1])
    True
    """

    _hard = True

    def __init__(self, n_clusters: int = 8, *, n_init: int = 5, max_iter: int = 100,
                 random_state: RandomLike = None) -> None:
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: None = None, *, must_link: Any = None,
            cannot_link: Any = None) -> COPKMeans:
        """Cluster ``X`` so that every constraint holds (see the class docstring)."""
        return self._fit(X, must_link, cannot_link, closure=True)
