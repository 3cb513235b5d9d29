"""The assignment steps of constrained k-means (shared by PCKMeans and COP-k-means)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

__all__: list[str] = []


def _sq_distances(X: np.ndarray, sq_norms: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Half squared Euclidean distances, shape (n_samples, n_clusters); never N x N."""
    d = sq_norms[:, None] - 2.0 * X @ centers.T + (centers ** 2).sum(axis=1)[None, :]
    return 0.5 * np.maximum(d, 0.0)


class _Links(NamedTuple):
    components: np.ndarray
    points: np.ndarray  # constrained points
    ml_n: list[np.ndarray]  # per constrained point: must-link partners
    cl_n: list[np.ndarray]  # per constrained point: cannot-link partners
    blocks: list[tuple[np.ndarray, np.ndarray]]  # per component: members, cannot-linked points
    closure: bool
    block_nbrs: list[np.ndarray]  # per component: indices of cannot-linked components


class _Infeasible(Exception):
    """A hard-constrained assignment pass found a point with no allowed cluster."""


def _assign_blocks_soft(labels: np.ndarray, dist: np.ndarray, links: _Links, weight: float,
                        rng: np.random.Generator) -> None:
    """Move each must-link component as a whole to its cheapest cluster.

    Point-by-point moves alone get stuck: one member leaving costs ``w`` per partner,
    so a component seeded in the wrong cluster would never leave it.
    """
    k = dist.shape[1]
    lone = [b for b in links.blocks if not len(b[1])]
    if lone:  # components without cannot-links do not interact: one sparse product
        rows = np.concatenate([np.full(len(m), j) for j, (m, _) in enumerate(lone)])
        cols = np.concatenate([m for m, _ in lone])
        member_of = sp.csr_matrix((np.ones(len(cols)), (rows, cols)),
                                  shape=(len(lone), len(labels)))
        labels[cols] = np.asarray(member_of @ dist).argmin(axis=1)[rows]
    for position in rng.permutation(len(links.blocks)):
        members, partners = links.blocks[position]
        if not len(partners):
            continue
        cost = dist[members].sum(axis=0)
        if len(partners):
            cost = cost + weight * len(members) * np.bincount(labels[partners], minlength=k)
        labels[members] = int(np.argmin(cost))


def _assign_points_soft(labels: np.ndarray, dist: np.ndarray, links: _Links, weight: float,
                        rng: np.random.Generator) -> None:
    """Greedy in-place assignment of the constrained points, one at a time (ICM)."""
    k = dist.shape[1]
    for position in rng.permutation(len(links.points)):
        i, mls, cls = links.points[position], links.ml_n[position], links.cl_n[position]
        if not len(mls) and links.closure:
            continue  # a lone point: its block move was already this exact step
        cost = dist[i].copy()
        if len(mls):
            cost += weight * (len(mls) - np.bincount(labels[mls], minlength=k))
        if len(cls):
            cost += weight * np.bincount(labels[cls], minlength=k)
        labels[i] = int(np.argmin(cost))


def _assign_blocks_hard(labels: np.ndarray, dist: np.ndarray, links: _Links,
                        rng: np.random.Generator) -> None:
    """Each must-link component to the nearest cluster none of its cannot-links holds.

    Components are placed in DSatur order (most distinct clusters already forbidden
    first, then most cannot-links), which fails far less often than data order:
    the cannot-link graph of true classes is k-colourable, and DSatur finds such
    colourings where a fixed order gets stuck.
    """
    n_blocks, k = len(links.blocks), dist.shape[1]
    if not n_blocks:
        return
    rows = np.concatenate([np.full(len(m), j) for j, (m, _) in enumerate(links.blocks)])
    cols = np.concatenate([m for m, _ in links.blocks])
    block_cost = np.asarray(sp.csr_matrix((np.ones(len(cols)), (rows, cols)),
                                          shape=(n_blocks, len(labels))) @ dist)
    forbidden = np.zeros((n_blocks, k), dtype=bool)
    degree = np.array([len(n) for n in links.block_nbrs], dtype=float)
    base = degree + rng.random(n_blocks) * 0.5  # random tie-breaks
    for _ in range(n_blocks):
        score = forbidden.sum(axis=1) * (degree.max() + 1.0) + base
        b = int(np.argmax(score))
        cost = np.where(forbidden[b], np.inf, block_cost[b])
        if not np.isfinite(cost).any():
            raise _Infeasible
        label = int(np.argmin(cost))
        labels[links.blocks[b][0]] = label
        forbidden[links.block_nbrs[b], label] = True
        base[b] = -np.inf  # placed
