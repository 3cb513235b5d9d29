"""TypiClust: the most typical item of each uncovered cluster (Hacohen et al. 2022)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._random import RandomLike, derive_seed
from ..exceptions import ConfigError
from ..pool import Pool
from ._clustering import fit_kmeans, knn_typicality
from ._diversity import check_max_candidates, float32_features, single_threaded_blas
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy

__all__ = ["TypiClust"]


class TypiClust(QueryStrategy):
    """Typical and diverse items, for low budgets and cold starts.

    1. k-means into ``n_labeled + batch_size`` clusters (at most
       ``max_clusters``) over the labelled items and the candidates.
    2. Clusters holding a labelled item are covered.  Uncovered clusters are
       visited largest first; from each, the candidate with the highest
       typicality ``1 / mean distance to its K nearest neighbours in the
       cluster`` is taken.
    3. When every cluster is covered and the batch is not full, clusters are
       visited again (largest first) for their next most typical candidate.

    **Exact mode** clusters every candidate; **fast mode** (more candidates
    than ``max_candidates``) clusters a seeded uniform sample of
    ``max_candidates`` of them, and picks come from that sample.

    Parameters
    ----------
    n_neighbors : int, default=20
        K of the typicality (the paper's 20).
    max_clusters : int or None, default=None
        Cap on the number of clusters; None = ``n_labeled + batch_size``.
    max_candidates : int or None, default=50000
    chunk_size : int, default=16384
    random_state : int, Generator or None
        Seeds k-means and the sample of fast mode.

    Notes
    -----
    Typicality is exact within each cluster (blocked distances, no index
    needed: a cluster holds about ``m / n_clusters`` rows).  The model is not
    used: TypiClust needs only features (``requires_model = False``).  The
    batch is returned sorted by typicality (the score), most typical first.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from activelab import Pool
    >>> from activelab.strategies import TypiClust
    >>> X, y = load_iris(return_X_y=True)
    >>> TypiClust(random_state=0).query(Pool(X), batch_size=5).shape
    (5,)
    """

    requires_model = False

    def __init__(self, *, n_neighbors: int = 20, max_clusters: int | None = None,
                 max_candidates: int | None = 50_000, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 random_state: RandomLike = None) -> None:
        self.n_neighbors = n_neighbors
        self.max_clusters = max_clusters
        self.max_candidates = max_candidates
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _check_params(self) -> None:
        value = self.n_neighbors
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ConfigError(f"n_neighbors must be an int of at least 1, got {value!r}")
        check_max_candidates(self.max_clusters)

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        self._check_params()
        limit = check_max_candidates(self.max_candidates)
        if limit is not None and len(candidates) > max(limit, k):
            candidates = np.sort(rng.choice(candidates, max(limit, k), replace=False))
        seed = derive_seed(rng)
        labeled = pool.labeled_indices
        rows = np.concatenate([candidates, labeled])
        purpose = type(self).__name__
        F = float32_features(pool, model, rows, purpose=purpose, chunk_size=self.chunk_size)
        n_clusters = len(labeled) + k
        if self.max_clusters is not None:
            n_clusters = min(n_clusters, int(self.max_clusters))
        # k-means centres F in place rather than copying it; F is then read again,
        # since centring and un-centring may change its last bits.
        _, clusters = fit_kmeans(F, n_clusters, seed, overwrite=True)
        del F
        F = float32_features(pool, model, rows, purpose=purpose, chunk_size=self.chunk_size)
        with single_threaded_blas():  # many small per-cluster products
            positions, typicality = self._pick(F, clusters, len(candidates), k)
        order = np.argsort(-typicality, kind="stable")
        return candidates[positions[order]], typicality[order]

    def _pick(self, F: Any, clusters: np.ndarray, n_candidates: int, k: int
              ) -> tuple[np.ndarray, np.ndarray]:
        """Positions (among the first ``n_candidates`` rows) and typicality of the picks."""
        is_candidate = np.arange(len(clusters)) < n_candidates
        covered = np.zeros(clusters.max() + 1, dtype=bool)
        covered[clusters[~is_candidate]] = True
        sizes = np.bincount(clusters, minlength=len(covered))
        # Per visited cluster: its candidates' typicality and positions, least typical
        # first, and how many are left (arrays, not Python tuples: 16 bytes an item).
        ranked: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        left: dict[int, int] = {}
        picks: list[int] = []
        scores: list[float] = []
        # Uncovered clusters first, then covered ones; larger before smaller in each group.
        visit = np.lexsort((-sizes, covered))
        while len(picks) < k:
            progressed = False
            for cluster in visit:
                if len(picks) == k:
                    break
                if cluster not in ranked:
                    ranked[cluster] = self._ranked_members(F, clusters, is_candidate, cluster)
                    left[cluster] = len(ranked[cluster][0])
                if left[cluster]:
                    left[cluster] -= 1
                    values, members = ranked[cluster]
                    picks.append(int(members[left[cluster]]))
                    scores.append(float(values[left[cluster]]))
                    progressed = True
            if not progressed:  # every candidate taken
                break
        return np.asarray(picks, dtype=np.intp), np.asarray(scores)

    def _ranked_members(self, F: Any, clusters: np.ndarray, is_candidate: np.ndarray,
                        cluster: int) -> tuple[np.ndarray, np.ndarray]:
        """Typicality and positions of the candidates of ``cluster``, least typical first."""
        members = np.flatnonzero(clusters == cluster)
        if not is_candidate[members].any():
            return np.empty(0), np.empty(0, dtype=np.intp)
        typicality = knn_typicality(F[members], self.n_neighbors)
        keep = is_candidate[members]
        members, typicality = members[keep], typicality[keep]
        order = np.lexsort((-members, typicality))  # ties: lower position taken first
        return typicality[order], members[order]
