"""Bounded-memory kernels for diversity-aware batches: no N x N matrix, float32, BLAS.

Every kernel works on a feature block ``F`` of shape (m, d) that is either a
C-contiguous float32 ndarray or a float32 CSR matrix, plus its squared row
norms.  Squared Euclidean distances are expanded as
``|a - b|^2 = |a|^2 + |b|^2 - 2 a.b`` so that each step is one matrix-vector
(or, in blocks, matrix-matrix) product.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from ..exceptions import ConfigError
from ..models import class_probabilities
from ..pool import Pool
from ._features import feature_rows, uses_model_features
from .base import iter_chunks
from .selection import select_top_k
from .uncertainty import resolve_measure

__all__ = [
    "PREFILTERS",
    "check_max_candidates",
    "float32_features",
    "row_sq_norms",
    "dot_rows",
    "min_sq_distances",
    "row_pieces",
    "k_center_greedy",
    "single_threaded_blas",
    "prefilter_candidates",
    "score_candidates",
]

#: How candidates are thinned out before a quadratic-in-batch diversity step.
PREFILTERS = ("random", "margin", "entropy", "least_confident")

#: Rows of ``F`` per block in the blocked kernels (about 16 MB of float32 for d = 256).
_BLOCK = 16_384
#: Entries of one block of dot products (2 MB of float32); their float64 distances
#: are formed a sixteenth of a block at a time, so the peak extra memory of
#: ``min_sq_distances`` is about 2.3 MB, whatever the sizes of both sides.
BLOCK_ENTRIES = 1 << 19
_PIECE_ENTRIES = BLOCK_ENTRIES // 16


def check_max_candidates(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(f"max_candidates must be a positive int or None, got {value!r}")
    return int(value)


def float32_features(pool: Pool, model: Any, indices: np.ndarray, *, purpose: str,
                     chunk_size: int) -> Any:
    """Features of pool rows ``indices`` as one float32 block, read chunk by chunk.

    Returns
    -------
    F : ndarray of float32 of shape (len(indices), n_features), or a float32 CSR matrix
    """
    blocks = []
    dense: np.ndarray | None = None
    # A numeric ndarray pool is copied straight into float32, without a float64 chunk.
    direct = isinstance(pool.X, np.ndarray) and not uses_model_features(pool)
    for block, chunk in iter_chunks(indices, chunk_size):
        rows = pool.take(chunk) if direct else feature_rows(pool, model, chunk, purpose=purpose)
        if sp.issparse(rows):
            blocks.append(rows.astype(np.float32))
            continue
        if dense is None:
            dense = np.empty((len(indices), rows.shape[1]), dtype=np.float32)
        dense[block] = rows
    if dense is not None:
        return dense
    if not blocks:
        return np.empty((0, 0), dtype=np.float32)
    return sp.vstack(blocks, format="csr") if len(blocks) > 1 else blocks[0].tocsr()


def row_sq_norms(F: Any) -> np.ndarray:
    """Squared Euclidean norm of each row, shape (m,), float64 accumulation."""
    if sp.issparse(F):
        return np.asarray(F.multiply(F).sum(axis=1), dtype=np.float64).ravel()
    out = np.empty(F.shape[0])
    for start in range(0, F.shape[0], _BLOCK):
        block = F[start:start + _BLOCK]
        out[start:start + _BLOCK] = np.einsum("ij,ij->i", block, block, dtype=np.float64)
    return out


def dot_rows(F: Any, G: Any) -> np.ndarray:
    """Dense ``F @ G.T`` of shape (m, n) for a small ``G`` (dense or sparse)."""
    if sp.issparse(G):
        product = F @ G.T
        return product.toarray() if sp.issparse(product) else np.asarray(product)
    product = F @ np.asarray(G).T
    return product.toarray() if sp.issparse(product) else np.asarray(product)


def min_sq_distances(F: Any, F_norms: np.ndarray, G: Any, G_norms: np.ndarray) -> np.ndarray:
    """``min_j |F_i - G_j|^2`` for every row of ``F``, blocked over both sides.

    Returns
    -------
    distances : ndarray of float64 of shape (m,); ``inf`` when ``G`` has no rows.
    """
    m, n = F.shape[0], G.shape[0]
    out = np.full(m, np.inf)
    if n == 0:
        return out
    g_block = max(1, min(n, BLOCK_ENTRIES // max(1, min(m, _BLOCK))))
    for start in range(0, m, _BLOCK):
        rows = F[start:start + _BLOCK]
        for g_start in range(0, n, g_block):
            cross = dot_rows(rows, G[g_start:g_start + g_block])
            cross *= 2.0  # exact in binary floating point; in place to spare a block
            g_norms = G_norms[None, g_start:g_start + g_block]
            for piece in row_pieces(*cross.shape):
                best = out[start + piece.start:start + piece.stop]
                d2 = F_norms[start + piece.start:start + piece.stop, None] + g_norms
                d2 -= cross[piece]
                np.minimum(best, d2.min(axis=1), out=best)
                del d2  # before the next piece is allocated, not after
            del cross
    np.maximum(out, 0.0, out=out)  # rounding can make the expansion slightly negative
    return out


def row_pieces(n_rows: int, n_cols: int) -> list[slice]:
    """Row slices of an (n_rows, n_cols) block, each of at most ``_PIECE_ENTRIES`` entries.

    The float64 distances of a block of float32 dot products are formed piece by
    piece.  The products themselves keep the block's shape: BLAS may round a
    product differently when the shape of the call changes, so the results do
    not depend on the piece size.
    """
    step = max(1, _PIECE_ENTRIES // max(1, n_cols))
    return [slice(start, min(n_rows, start + step)) for start in range(0, n_rows, step)]


def k_center_greedy(F: Any, F_norms: np.ndarray, min_dist: np.ndarray, k: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-center (Sener & Savarese 2018) with an incremental min-distance vector.

    Each step takes the row farthest from every center so far, then updates
    ``min_dist`` with one matrix-vector pass: O(m k d) time, O(m) extra memory.

    Parameters
    ----------
    F : float32 ndarray or CSR of shape (m, d)
    F_norms : ndarray of shape (m,)
        Squared row norms of ``F``.
    min_dist : ndarray of shape (m,)
        Squared distance of each row to the nearest existing center (labelled
        item); ``inf`` everywhere for a cold start.  Updated in place.
    k : int
        Centers to choose, at most ``m``.
    rng : Generator
        Picks the first center when there is no existing one.

    Returns
    -------
    positions : ndarray of int of shape (k,)
        Rows of ``F`` in selection order.
    distances : ndarray of shape (k,)
        Euclidean distance of each chosen row to the centers chosen before it
        (non-increasing; ``inf`` for a cold-start first pick).
    """
    positions = np.empty(k, dtype=np.intp)
    distances = np.empty(k)
    taken = np.zeros(F.shape[0], dtype=bool)
    with single_threaded_blas():
        _greedy_loop(F, F_norms, min_dist, k, rng, positions, distances, taken)
    return positions, distances


def single_threaded_blas() -> Any:
    """Context limiting BLAS to one thread.

    Sequential loops of matrix-vector products (one per pick) are memory
    bound: extra BLAS threads only add synchronisation, which on a busy
    machine made a 1,000-pick loop 5-10x slower than with one thread.
    """
    return threadpool_limits(limits=1, user_api="blas")


def _greedy_loop(F: Any, F_norms: np.ndarray, min_dist: np.ndarray, k: int,
                 rng: np.random.Generator, positions: np.ndarray, distances: np.ndarray,
                 taken: np.ndarray) -> None:
    for step in range(k):
        pick = int(np.argmax(min_dist))
        if np.isinf(min_dist[pick]) and np.isinf(min_dist).all():  # cold start
            pick = int(rng.integers(F.shape[0]))
        elif taken[pick]:  # every remaining row coincides with a center
            pick = int(np.flatnonzero(~taken)[0])
        positions[step] = pick
        distances[step] = np.sqrt(min_dist[pick])
        taken[pick] = True
        center = F[pick]
        cross = dot_rows(F, center).ravel()
        d2 = F_norms + F_norms[pick] - 2.0 * cross
        np.maximum(d2, 0.0, out=d2)
        np.minimum(min_dist, d2, out=min_dist)
        min_dist[pick] = 0.0


def score_candidates(pool: Pool, model: Any, indices: np.ndarray,
                     score_fn: Callable[[np.ndarray], np.ndarray], chunk_size: int
                     ) -> np.ndarray:
    """Uncertainty scores of ``indices``, one chunk of the pool at a time."""
    out = np.empty(len(indices))
    for block, chunk in iter_chunks(indices, chunk_size):
        out[block] = score_fn(class_probabilities(model, pool.take(chunk), pool.n_classes))
    return out


def prefilter_candidates(pool: Pool, model: Any, candidates: np.ndarray,
                         max_candidates: int | None, prefilter: str, chunk_size: int,
                         rng: np.random.Generator) -> np.ndarray:
    """Thin ``candidates`` to at most ``max_candidates`` items (sorted pool indices).

    ``"random"`` keeps a uniform sample (the diversity step then covers a
    sample of the pool); an uncertainty measure keeps the most uncertain items.
    ``max_candidates=None`` or a small enough pool keeps every candidate (exact mode).
    """
    if prefilter not in PREFILTERS:
        raise ConfigError(f"prefilter must be one of {PREFILTERS}, got {prefilter!r}")
    if max_candidates is None or len(candidates) <= max_candidates:
        return candidates
    if prefilter == "random":
        kept = rng.choice(len(candidates), max_candidates, replace=False)
    else:
        if model is None:
            raise ConfigError(f"prefilter={prefilter!r} needs a fitted model")
        values = score_candidates(pool, model, candidates, resolve_measure(prefilter),
                                  chunk_size)
        kept = select_top_k(values, max_candidates, rng)
    return candidates[np.sort(kept)]
