"""The points of a clustering project and the pair questions about them.

A clustering project's imported rows are points (:class:`~..models.ClusterPoint`):
texts or numeric rows, as an ordinary import reads them. Its items are pairs of
points, shown on the matching screen ("do these two belong together?"). The server
builds the first pairs itself at each import: every point's nearest neighbours plus
random pairs (:func:`activelab.tasks.clustering.candidate_pairs`), never all n² pairs;
after each clustering the retrain adds the pairs its strategy chooses
(:mod:`.clustering_training`). A pair is identified by its two point ids, so no pair
is stored twice. Deleting a point deletes the pairs that show it, so they are never
served again and an answer sent for one is a 409 (the item was deleted).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import StandardScaler, normalize
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from ..._spreadsheet import neutralise_cell
from ...exceptions import ConfigError, DataError
from ...tasks.clustering import candidate_pairs
from ...tasks.item_features import build_features
from ..db import write_transaction
from ..echo import echo
from ..errors import ConflictError, ImportRejectedError, NotFoundError
from ..models import ClusterPoint, Item, Project, User
from .audit import record_event
from .importing import MAX_FIELD_CHARS, StopCheck, import_items, import_records, read_rows
from .retrain_result import SEED
from .task_types import clusters_points
from .tasks import ParsedItem, parse_item_row

__all__ = ["import_rows", "Points", "load_points", "import_points", "add_pairs", "pair_key",
           "delete_point", "check_n_clusters", "check_clustered", "clusters_csv", "CLUSTER_COLUMNS",
           "NEIGHBOURS", "MAX_TEXT_DIMENSIONS"]

#: Nearest neighbours of each point asked about at import.
NEIGHBOURS = 2
#: TF-IDF features are reduced to this many dimensions (k-means needs dense features).
MAX_TEXT_DIMENSIONS = 100
_DENSE_CELLS = 5_000_000
_BATCH = 500


@dataclass
class Points:
    """A project's points in id order: row ``i`` of ``X`` is point ``ids[i]``."""

    ids: np.ndarray
    external_ids: list[str | None]
    data: list[dict[str, Any]]
    clusters: list[int | None]
    X: np.ndarray

    def __post_init__(self) -> None:
        self.row_of = {int(point_id): row for row, point_id in enumerate(self.ids.tolist())}

    def __len__(self) -> int:
        return len(self.ids)

    def name(self, row: int) -> str:
        """How the annotator and the export name a point: its id, else ``#<point id>``."""
        return self.external_ids[row] or f"#{int(self.ids[row])}"


def check_n_clusters(n_clusters: Any, n_points: int | None = None) -> int:
    """``n_clusters`` as an int of at least 2 and no more than ``n_points`` (when known).

    Raises
    ------
    ConfigError
        Not an integer, below 2, or more clusters than points.
    """
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, int):
        raise ConfigError(f"n_clusters must be an integer of at least 2, got {echo(n_clusters)}")
    if n_clusters < 2:
        raise ConfigError(f"n_clusters must be at least 2, got {n_clusters}: one cluster "
                          "groups nothing")
    if n_points and n_clusters > n_points:
        raise ConfigError(f"n_clusters {n_clusters} is more than the project's {n_points} "
                          "item(s); every cluster needs an item")
    return n_clusters


def _features(data: list[dict[str, Any]]) -> np.ndarray:
    """Dense features for k-means: reduced, normalised TF-IDF, or standardised columns."""
    if "text" in data[0]:
        X = build_features("text", [d["text"] for d in data])
        if X.shape[1] > MAX_TEXT_DIMENSIONS and X.shape[0] * X.shape[1] > _DENSE_CELLS:
            X = TruncatedSVD(MAX_TEXT_DIMENSIONS, random_state=SEED).fit_transform(X)
        dense = X.toarray() if sp.issparse(X) else np.asarray(X)
        return np.asarray(normalize(dense), dtype=np.float64)
    X = build_features("tabular", [d["columns"] for d in data])
    return np.asarray(StandardScaler().fit_transform(X), dtype=np.float64)


def load_points(session: Session, project_id: int) -> Points:
    """Every point of the project with its features (empty when it has none)."""
    rows = session.execute(select(ClusterPoint.id, ClusterPoint.external_id, ClusterPoint.data,
                                  ClusterPoint.cluster)
                           .where(ClusterPoint.project_id == project_id)
                           .order_by(ClusterPoint.id)).all()
    data = [row.data for row in rows]
    X = _features(data) if data else np.empty((0, 0))
    return Points(np.array([row.id for row in rows], dtype=np.int64),
                  [row.external_id for row in rows], data, [row.cluster for row in rows], X)


def pair_key(a: int, b: int) -> str:
    """The external id of the pair item of points ``a`` and ``b`` (point ids, either order)."""
    return f"{min(a, b)}~{max(a, b)}"


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {"text": data["text"]} if "text" in data else dict(data["columns"])


def _pair_item(points: Points, i: int, j: int) -> ParsedItem:
    """A pair item as the matching screen shows it: two records, field by field."""
    left, right = _fields(points.data[i]), _fields(points.data[j])
    kinds = {name: "string" if name == "text" and "text" in points.data[i] else "numeric"
             for name in {**left, **right}}
    a, b = int(points.ids[i]), int(points.ids[j])
    return ParsedItem(pair_key(a, b), {
        "left": {"id": points.name(i), "fields": left},
        "right": {"id": points.name(j), "fields": right},
        "kinds": kinds, "one_table": True, "points": [a, b]})


def add_pairs(factory: sessionmaker[Session], project: Project, points: Points,
              rows: Iterable[tuple[int, int]], batch_size: int = 500) -> int:
    """Store the pair items of ``rows`` (pairs of point rows) not stored yet; how many."""
    pairs = list(rows)

    def records() -> Iterator[tuple[Any, ParsedItem | str]]:
        for n, (i, j) in enumerate(pairs, start=1):
            yield n, _pair_item(points, int(i), int(j))

    if not pairs:
        return 0
    return int(import_records(factory, project, records, where="pair",
                              batch_size=batch_size)["inserted"])


def _parse_point(row: dict[str, Any], text: bool | None, label_column: str) -> ParsedItem:
    """A text point when the row has a ``text`` column (or the project's points are texts),
    else a row of numbers; the project's label column is never a feature."""
    row = {k: v for k, v in row.items() if k != label_column}
    text = "text" in row if text is None else text
    return parse_item_row("text_classification" if text else "tabular_classification", row)


def import_points(factory: sessionmaker[Session], project: Project, stream: BinaryIO,
                  fmt: str, *, all_or_nothing: bool = False, max_errors: int = 100,
                  on_duplicate: str = "skip", label_column: str | None = None,
                  max_field_chars: int = MAX_FIELD_CHARS, batch_size: int = 500,
                  should_stop: StopCheck | None = None) -> dict[str, Any]:
    """Import the rows of a CSV or JSONL file as points, then build candidate pairs.

    The report is an import report (``inserted`` points, ``duplicates``, ``errors``
    by ``line``) with ``candidate_pairs``: the pair questions added. The points are
    stored in one transaction, so ``should_stop`` (taken as :func:`.importing.import_items`
    takes it) has no batch to stop between; ``label_column`` (default: the project's) is
    never a feature.

    Raises
    ------
    DataError
        Not CSV or JSONL, or ``on_duplicate="update"`` (points are never rewritten).
    ImportRejectedError
        With ``all_or_nothing`` when a row is bad, or when no row could be read.
    """
    if fmt not in ("csv", "jsonl"):
        raise DataError(f"a clustering project imports rows from CSV or JSONL, not {echo(fmt)}")
    if on_duplicate != "skip":
        raise DataError("a clustering project's points are never rewritten: import with "
                        "on_duplicate=skip (a known id is skipped)")
    del should_stop
    with factory() as session:
        known = set(session.scalars(select(ClusterPoint.external_id).where(
            ClusterPoint.project_id == project.id, ClusterPoint.external_id.is_not(None))))
        first = session.scalar(select(ClusterPoint.data).where(
            ClusterPoint.project_id == project.id).limit(1))
    text = None if first is None else "text" in first
    errors: list[dict[str, Any]] = []
    parsed: list[ParsedItem] = []
    line_of: dict[str, int] = {}
    duplicates = 0
    for line, row in read_rows(stream, fmt, max_field_chars):
        try:
            if isinstance(row, str):
                raise DataError(row)
            point = _parse_point(row, text, label_column or project.label_column)
            if point.external_id in line_of:
                raise DataError(f"id {echo(point.external_id)} appears twice in the file "
                                f"(first at line {line_of[point.external_id]})")
        except DataError as error:
            errors.append({"line": line, "error": str(error)})
            continue
        if point.external_id in known:
            duplicates += 1
            continue
        text = "text" in point.data if text is None else text
        if point.external_id is not None:
            line_of[point.external_id] = line
        parsed.append(point)
    if errors and (all_or_nothing or not parsed and not duplicates):
        raise ImportRejectedError(f"the file has {len(errors)} bad row(s); nothing was "
                                  "imported", errors[:max_errors], len(errors))
    with write_transaction(factory) as session:
        session.add_all([ClusterPoint(project_id=project.id, external_id=p.external_id,
                                      data=p.data) for p in parsed])
    with factory() as session:
        points = load_points(session, project.id)
    rows: np.ndarray | list[tuple[int, int]] = candidate_pairs(
        points.X, neighbours=NEIGHBOURS, n_random=len(parsed),
        random_state=np.random.SeedSequence([SEED, project.id, len(points)])) \
        if parsed and len(points) > 1 else []
    columns = sorted({c for p in parsed for c in p.data.get("columns", {})})
    return {"inserted": len(parsed), "n_errors": len(errors), "errors": errors[:max_errors],
            "duplicates": duplicates, "updated": 0, "prelabels": 0,
            "feature_columns": columns or (["text"] if parsed else []), "label_column": None,
            "warnings": [], "cancelled": False,
            "candidate_pairs": add_pairs(factory, project, points,
                                         [tuple(r) for r in np.asarray(rows).tolist()],
                                         batch_size)}


def import_rows(factory: sessionmaker[Session], project: Project, stream: BinaryIO, fmt: str,
                **options: Any) -> dict[str, Any]:
    """:func:`import_points` for a clustering project, else :func:`.importing.import_items`
    (same options)."""
    importer = import_points if clusters_points(project.task_type) else import_items
    return importer(factory, project, stream, fmt, **options)


def delete_point(session: Session, project: Project, admin: User, point_id: int) -> int:
    """Delete one point and every pair item that shows it; the number of pairs deleted.

    Raises
    ------
    DataError
        Not a clustering project.
    NotFoundError
        The project has no such point.
    """
    if not clusters_points(project.task_type):
        raise DataError(f"project {project.name!r} is not a clustering project: it has no "
                        "points")
    point = session.scalar(select(ClusterPoint).where(ClusterPoint.id == point_id,
                                                      ClusterPoint.project_id == project.id))
    if point is None:
        raise NotFoundError(f"no point {point_id} in project {project.id}")
    pairs = [row.id for row in session.execute(select(Item.id, Item.data).where(
        Item.project_id == project.id)) if point_id in (row.data or {}).get("points", ())]
    for start in range(0, len(pairs), 500):
        session.execute(delete(Item).where(Item.id.in_(pairs[start:start + 500])))
    session.delete(point)
    project.n_items = session.scalar(select(func.count()).select_from(Item).where(
        Item.project_id == project.id)) or 0
    record_event(session, admin, "delete_point", project, point_id=point_id,
                 external_id=point.external_id, pairs_deleted=len(pairs))
    return len(pairs)


#: Columns of the ``clusters`` export: one row per point.
CLUSTER_COLUMNS = ("point_id", "external_id", "cluster")


def check_clustered(session: Session, project: Project) -> None:
    """DataError (422) for a project without points; ConflictError (409) before the first
    clustering."""
    if not clusters_points(project.task_type):
        raise DataError("the 'clusters' export is for clustering projects: it gives each "
                        "item's cluster")
    if session.scalar(select(ClusterPoint.id).where(ClusterPoint.project_id == project.id,
                                                    ClusterPoint.cluster.is_not(None))
                      .limit(1)) is None:
        raise ConflictError("the project has no clustering yet: import items and wait for "
                            "the retraining worker (or ask for a retrain)")


def clusters_csv(session: Session, project: Project) -> Iterator[str]:
    """Every point with its cluster in the latest clustering (empty: imported since)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CLUSTER_COLUMNS)
    query = (select(ClusterPoint.id, ClusterPoint.external_id, ClusterPoint.cluster)
             .where(ClusterPoint.project_id == project.id).order_by(ClusterPoint.id)
             .execution_options(yield_per=_BATCH))
    for n, row in enumerate(session.execute(query), start=1):
        writer.writerow([row.id, neutralise_cell(row.external_id or ""),
                         "" if row.cluster is None else row.cluster])
        if n % _BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
