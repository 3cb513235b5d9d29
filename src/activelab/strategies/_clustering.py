"""k-means on a bounded sample and chunked nearest-centroid assignment."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning

from ._diversity import BLOCK_ENTRIES, dot_rows, row_pieces, row_sq_norms

__all__ = ["fit_kmeans", "nearest_centroid", "knn_typicality"]

#: Above this many rows k-means starts from a random init and stops after 10 iterations.
_LLOYD_ABOVE = 10_000
_BLOCK = 8_192


def fit_kmeans(F: Any, n_clusters: int, seed: int, *, overwrite: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
    """k-means centroids of ``F`` and the cluster of each row.

    Up to 10,000 rows: KMeans with k-means++ init.  Above: KMeans from a random
    init with at most 10 Lloyd iterations (each one BLAS pass over ``F``); on
    50,000 x 50 rows and 1,200 clusters this is about 2x faster than
    MiniBatchKMeans and reaches a lower inertia, whereas k-means++ init alone
    would cost one pass per cluster.

    ``overwrite=True`` lets KMeans centre a dense ``F`` in place instead of
    copying it (the same clustering, one copy of ``F`` less); afterwards ``F``
    holds ``F - mean + mean``, which may differ from ``F`` in the last bit, so
    the caller must not reuse it.

    Returns
    -------
    centroids : ndarray of float32 of shape (n_clusters', d), n_clusters' = min(n_clusters, m)
    labels : ndarray of int of shape (m,)
    """
    n_clusters = max(1, min(int(n_clusters), F.shape[0]))
    if F.shape[0] > _LLOYD_ABOVE:
        kmeans = KMeans(n_clusters=n_clusters, init="random", n_init=1, max_iter=10,
                        random_state=seed, copy_x=not overwrite)
    else:
        kmeans = KMeans(n_clusters=n_clusters, n_init=1, random_state=seed,
                        copy_x=not overwrite)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # duplicate rows
        kmeans.fit(F)
    return (np.asarray(kmeans.cluster_centers_, dtype=np.float32),
            kmeans.labels_.astype(np.intp))


def nearest_centroid(F: Any, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid for each row of ``F``, blocked; shape (m,)."""
    c_norms = row_sq_norms(centroids)
    out = np.empty(F.shape[0], dtype=np.intp)
    block = max(1, min(_BLOCK, BLOCK_ENTRIES // max(1, len(centroids))))
    for start in range(0, F.shape[0], block):
        rows = F[start:start + block]
        cross = dot_rows(rows, centroids)
        for piece in row_pieces(*cross.shape):
            # |x|^2 is the same for every centroid, so it drops out of the argmin.
            # -2 x.c is exact in float64 (a power of two), so this equals |c|^2 - 2 x.c.
            d2 = np.multiply(cross[piece], -2.0, dtype=np.float64)
            d2 += c_norms[None, :]
            out[start + piece.start:start + piece.stop] = d2.argmin(axis=1)
            del d2  # before the next piece is allocated
        del cross
    return out


def knn_typicality(F: Any, n_neighbors: int) -> np.ndarray:
    """TypiClust typicality ``1 / mean distance to the K nearest other rows`` of ``F``.

    Exact and blocked: O(m^2 d) time, O(m) memory plus a block of at most 4 MB; meant for the rows
    of one cluster.  A single row gets typicality 0; duplicates give ``inf``
    distances clipped to a tiny positive mean.

    Returns
    -------
    typicality : ndarray of shape (m,)
    """
    m = F.shape[0]
    if m < 2:
        return np.zeros(m)
    K = min(int(n_neighbors), m - 1)
    norms = row_sq_norms(F)
    out = np.empty(m)
    dense = F.toarray() if sp.issparse(F) and m * F.shape[1] < 1 << 24 else F
    block = max(1, min(_BLOCK, BLOCK_ENTRIES // m))  # at most ~4 MB of distances at once
    for start in range(0, m, block):
        rows = dense[start:start + block]
        cross = dot_rows(rows, dense)
        cross *= 2.0  # exact; in place, as is the subtraction, to spare whole blocks
        d2 = norms[start:start + block, None] + norms[None, :]
        d2 -= cross
        del cross
        np.maximum(d2, 0.0, out=d2)
        d2[np.arange(d2.shape[0]), np.arange(start, start + d2.shape[0])] = np.inf  # self
        nearest = np.partition(d2, K - 1, axis=1)[:, :K]
        out[start:start + block] = 1.0 / np.maximum(np.sqrt(nearest).mean(axis=1), 1e-12)
    return out
