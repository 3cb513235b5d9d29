"""Retraining a clustering project: constrained k-means on the answers, and the next pairs.

The answers to the project's pair items ("same", "different"; the project's combined
label, see :mod:`.consensus`) become must-links and cannot-links between points
(:class:`activelab.tasks.clustering.PairConstraints`; an answer that contradicts the
others is left out and counted). The project's model (PCKMeans by default) clusters
the points' features with them; the new clusters are numbered to agree as much as
possible with the previous ones, so that "cluster 2" keeps its meaning, and the share
of points that moved and the adjusted Rand index (ARI) between the two assignments say
how much the clustering changed. The project's pair strategy (uncertain pairs by
default) then chooses the next questions: they are added as items if new and lead the
queue; every open pair is told both points' clusters and their distance.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ...exceptions import DataError, PoolExhaustedError
from ...tasks.clustering import (
    PairConstraints,
    boundary_margin,
    make_pair_strategy,
    make_pairwise_model,
)
from ..db import write_transaction
from ..models import ClusterPoint, Item, ModelSnapshot, Project
from .batch_writes import write_in_batches
from .cluster_points import Points, add_pairs, load_points, pair_key
from .consensus import consensus_labels
from .retrain_result import SEED

__all__ = ["retrain_clustering", "QUEUE_PAIRS", "relabel_like", "clustering_change"]

#: Pairs the strategy chooses at each retrain: the head of the queue until the next one.
QUEUE_PAIRS = 20
_BATCH = 500


def relabel_like(new: np.ndarray, old: list[int | None], k: int) -> np.ndarray:
    """How to rename ``new``'s clusters so that they agree with ``old`` on the most points:
    ``rename[new]`` is the renamed assignment (``old`` None: not assigned before).

    Examples
    --------
    >>> relabel_like(np.array([1, 1, 0]), [0, 0, 1], 2).tolist()
    [1, 0]
    """
    known = np.array([c is not None and 0 <= c < k for c in old], dtype=bool)
    if not known.any():
        return np.arange(k)
    before = np.array([c for c in old if c is not None and 0 <= c < k], dtype=np.intp)
    overlap = np.zeros((k, k))
    np.add.at(overlap, (new[known], before), 1)
    rows, cols = linear_sum_assignment(-overlap)
    rename = np.empty(k, dtype=np.intp)
    rename[rows] = cols
    return rename


def clustering_change(old: list[int | None], new: np.ndarray) -> dict[str, Any]:
    """ARI and the share of points that moved between the previous assignment and ``new``,
    over the points both assign (None for both before a previous one exists)."""
    known = np.array([c is not None for c in old], dtype=bool)
    if not known.any():
        return {"ari": None, "moved_fraction": None, "moved": None}
    before = np.array([c for c in old if c is not None])
    moved = int((before != new[known]).sum())
    return {"ari": float(adjusted_rand_score(before, new[known])),
            "moved_fraction": moved / int(known.sum()), "moved": moved}


def _constraints(points: Points, pair_of: dict[int, list[int] | None],
                 answers: dict[int, Any]) -> tuple[PairConstraints, int]:
    """The answers as constraints between point rows, and how many contradicted the others."""
    constraints = PairConstraints(len(points))
    contradicted = 0
    for item_id in sorted(answers):  # oldest pair first: a later contradiction is left out
        ends = pair_of.get(item_id)
        if not ends or ends[0] not in points.row_of or ends[1] not in points.row_of:
            continue
        try:
            constraints.add([[points.row_of[ends[0]], points.row_of[ends[1]]]],
                            [answers[item_id]])
        except DataError:
            contradicted += 1
    return constraints, contradicted


def _pair_guess(points: Points, labels: np.ndarray, margin: np.ndarray, version: int,
                i: int, j: int) -> dict[str, Any]:
    """What the annotator is told about a pair: both clusters, distance, closeness to a
    boundary (0: on a boundary between two clusters)."""
    return {"guess": "same" if labels[i] == labels[j] else "different",
            "left_cluster": int(labels[i]), "right_cluster": int(labels[j]),
            "distance": float(np.linalg.norm(points.X[i] - points.X[j])),
            "boundary_margin": float(min(margin[i], margin[j])), "clustering": version}


def _next_pairs(project: Project, points: Points, constraints: PairConstraints, model: Any,
                seed: np.random.SeedSequence) -> np.ndarray:
    strategy = make_pair_strategy(project.strategy_name, n_clusters=int(project.n_clusters or 2),
                                  random_state=seed)
    try:
        return np.asarray(strategy.query(points.X, constraints, model, QUEUE_PAIRS))
    except PoolExhaustedError:  # every pair's answer is implied: nothing is worth asking
        return np.empty((0, 2), dtype=np.intp)


def _distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Euclidean distances of shape (n_points, n_clusters), without an n x k x d array."""
    sq = (X ** 2).sum(axis=1)[:, None] - 2.0 * X @ centers.T + (centers ** 2).sum(axis=1)
    return np.sqrt(np.maximum(sq, 0.0))


def retrain_clustering(factory: sessionmaker[Session], project: Project, events: int
                       ) -> ModelSnapshot | None:
    """Cluster the points with the answers, store the assignment, queue the next pairs.

    None while the project has no point.

    Raises
    ------
    DataError
        Fewer points than the project's ``n_clusters``.
    """
    with factory() as session:
        answers = {item_id: chosen.value
                   for item_id, chosen in consensus_labels(session, project).items()}
        points = load_points(session, project.id)
        pair_of = {row.id: (row.data or {}).get("points") for row in session.execute(
            select(Item.id, Item.data).where(Item.project_id == project.id))}
    if not len(points):
        return None
    k = int(project.n_clusters or 2)
    if len(points) < k:
        raise DataError(f"{len(points)} item(s) cannot form {k} clusters: import at least "
                        f"{k - len(points)} more, or lower n_clusters")
    start = time.perf_counter()
    constraints, contradicted = _constraints(points, pair_of, answers)
    model = make_pairwise_model(project.model_name, k, random_state=SEED).fit(
        points.X, must_link=constraints.must_link, cannot_link=constraints.cannot_link)
    rename = relabel_like(np.asarray(model.labels_), points.clusters, k)
    labels = rename[model.labels_]
    centers = np.empty_like(model.cluster_centers_)
    centers[rename] = model.cluster_centers_
    model.labels_, model.cluster_centers_ = labels, centers
    change = clustering_change(points.clusters, labels)
    chosen = _next_pairs(project, points, constraints, model,
                         np.random.SeedSequence([SEED, project.id, events]))
    seconds = time.perf_counter() - start
    add_pairs(factory, project, points, [tuple(p) for p in chosen.tolist()])
    with factory() as session:
        version = (session.scalar(select(func.max(ModelSnapshot.version)).where(
            ModelSnapshot.project_id == project.id)) or 0) + 1
        open_pairs = {row.external_id: row.id for row in session.execute(
            select(Item.id, Item.external_id).where(Item.project_id == project.id))
            if row.id not in answers}
    margin = boundary_margin(_distances(points.X, centers))[1]
    rank = {pair_key(int(points.ids[i]), int(points.ids[j])): n
            for n, (i, j) in enumerate(chosen.tolist())}
    rows = []
    for key, item_id in open_pairs.items():
        a, b = (int(v) for v in key.split("~"))
        if a not in points.row_of or b not in points.row_of:
            continue
        i, j = points.row_of[a], points.row_of[b]
        guess = _pair_guess(points, labels, margin, version, i, j)
        rows.append({"id": item_id, "priority": float(QUEUE_PAIRS - rank[key])
                     if key in rank else None, "score": 1.0 - guess["boundary_margin"],
                     "predicted": guess, "predicted_proba": None, "model_version": version})
    assignment = [{"id": int(p), "cluster": int(c)}
                  for p, c in zip(points.ids, labels, strict=True)]
    write_in_batches(factory, update(ClusterPoint), assignment, _BATCH)
    write_in_batches(factory, update(Item), rows, _BATCH)
    sizes = np.bincount(labels, minlength=k).tolist()
    metrics = {"headline": "ari", "measured": True, **change, "cluster_sizes": sizes,
               "must_links": len(constraints.must_link),
               "cannot_links": len(constraints.cannot_link), "contradicted": contradicted,
               "n_points": len(points), "next_pairs": len(chosen)}
    moved = "first clustering" if change["moved"] is None else \
        f"{change['moved']} moved since the last"
    with write_transaction(factory) as session:
        snapshot = ModelSnapshot(
            project_id=project.id, version=version, label_events=events,
            n_labeled=constraints.n_answered, n_scored=len(points), accuracy=None,
            metric=f"{k} clusters of {len(points)} items; {moved}"[:80],
            class_counts={"same": len(constraints.must_link),
                          "different": len(constraints.cannot_link)},
            model_name=project.model_name, strategy_name=project.strategy_name,
            fit_seconds=seconds, metrics=metrics)
        session.add(snapshot)
        session.flush()
        return snapshot
