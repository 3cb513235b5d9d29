"""A k-nearest-neighbour graph over a pool and label spreading on it (Zhou et al. 2004).

The graph is sparse (``n * k`` edges), never an ``n x n`` matrix: exact neighbours
(scikit-learn, brute force in blocks) up to :data:`HNSW_ABOVE` dense rows, an
approximate HNSW index (``hnswlib``) above it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.neighbors import NearestNeighbors

from ..exceptions import MissingDependencyError

__all__ = ["KnnGraph", "HNSW_ABOVE"]

#: Dense pools with more rows than this are indexed by HNSW (approximate neighbours).
HNSW_ABOVE = 20_000


class KnnGraph:
    """The symmetric k-NN graph of ``Z`` and an index to find neighbours of new rows.

    Parameters
    ----------
    Z : {ndarray, sparse matrix} of shape (n_nodes, n_features)
        Node features (sparse rows are compared by cosine, dense ones by Euclidean distance).
    n_neighbors : int
    seed : int
        Seeds the HNSW index (exact neighbours need none).
    """

    def __init__(self, Z: Any, n_neighbors: int, seed: int) -> None:
        self.n_nodes = Z.shape[0]
        self.k = max(1, min(int(n_neighbors), self.n_nodes - 1))
        self._hnsw: Any = None
        self._exact: NearestNeighbors | None = None
        if not sp.issparse(Z) and self.n_nodes > HNSW_ABOVE:
            self._hnsw = _hnsw_index(np.asarray(Z, dtype=np.float32), seed)
        else:
            metric = "cosine" if sp.issparse(Z) else "euclidean"
            self._exact = NearestNeighbors(n_neighbors=self.k + 1, metric=metric,
                                           algorithm="brute").fit(Z)
        neighbours = self.neighbours(Z, self.k + 1)
        rows = np.repeat(np.arange(self.n_nodes), neighbours.shape[1])
        W = sp.csr_matrix((np.ones(rows.size), (rows, neighbours.ravel())),
                          shape=(self.n_nodes, self.n_nodes))
        W.setdiag(0)  # a node is its own nearest neighbour: not an edge
        W.eliminate_zeros()
        W = W.maximum(W.T).tocsr()
        degree = np.asarray(W.sum(axis=1)).ravel()
        scale = sp.diags(1.0 / np.sqrt(np.maximum(degree, 1e-12)))
        self.S = (scale @ W @ scale).tocsr()  # D^-1/2 W D^-1/2

    def neighbours(self, X: Any, k: int) -> np.ndarray:
        """Indices of the ``k`` nearest nodes of each row of ``X``, shape (n_rows, k)."""
        k = min(k, self.n_nodes)
        if self._hnsw is not None:
            labels, _ = self._hnsw.knn_query(np.asarray(X, dtype=np.float32), k=k)
            return np.asarray(labels, dtype=np.intp)
        assert self._exact is not None
        return np.asarray(self._exact.kneighbors(X, n_neighbors=k, return_distance=False))

    def spread(self, Y: np.ndarray, alpha: float, n_iter: int) -> np.ndarray:
        """Label spreading ``F <- alpha S F + (1 - alpha) Y`` from one-hot seeds ``Y``
        (zero rows for unlabelled nodes); rows of the result sum to 1 (uniform where no
        label reached)."""
        F = Y.astype(float, copy=True)
        for _ in range(n_iter):
            F = alpha * (self.S @ F) + (1 - alpha) * Y
        return _row_normalised(F)

    def predict_proba(self, F: np.ndarray, X: Any) -> np.ndarray:
        """Class distributions of new rows: the mean of their ``k`` nearest nodes' ``F``."""
        neighbours = self.neighbours(X, self.k)
        return _row_normalised(F[neighbours].mean(axis=1))


def _row_normalised(F: np.ndarray) -> np.ndarray:
    totals = F.sum(axis=1, keepdims=True)
    uniform = np.full_like(F, 1.0 / F.shape[1])
    return np.where(totals > 0, F / np.where(totals > 0, totals, 1.0), uniform)


def _hnsw_index(Z: np.ndarray, seed: int) -> Any:
    try:
        import hnswlib
    except ImportError as exc:
        raise MissingDependencyError(
            "hnswlib", "scale",
            f"label spreading over more than {HNSW_ABOVE:,} dense rows (an approximate "
            "k-NN index)") from exc
    index = hnswlib.Index(space="l2", dim=Z.shape[1])
    index.init_index(max_elements=Z.shape[0], ef_construction=100, M=16,
                     random_seed=seed % (2**31))
    index.set_num_threads(1)  # one thread: the same graph every run
    index.add_items(Z, np.arange(Z.shape[0]))
    index.set_ef(64)
    return index
