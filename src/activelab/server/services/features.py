"""Features of a project's items, built by the task's own hooks (see :mod:`activelab.tasks`).

The server reads its items in chunks and hands their texts, numeric columns or
image bytes to the ``build_features`` of the project type's task (through the task
registry, :mod:`.task_types`); multi-label projects use the classification features.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from ...exceptions import DataError
from ..models import Item
from .task_types import data_kind, reviews_labels, server_hooks

__all__ = ["Features", "load_features", "model_kind", "data_kind"]

_CHUNK = 500


class Features:
    """The feature matrix of a project's items, row ``i`` belonging to ``item_ids[i]``.

    ``signature`` is (items, largest id, featurizer): it changes when items are
    added or removed or the project's featurizer changes.  ``columns`` names the
    features of tabular items (column ``j`` of ``X``), None for other kinds.
    """

    def __init__(self, item_ids: np.ndarray, X: Any, signature: tuple[Any, ...],
                 columns: list[str] | None = None, given: list[Any] | None = None) -> None:
        self.item_ids = item_ids
        self.X = X
        self.signature = signature
        self.columns = columns
        #: Cleaning projects: each item's given label (``data["given"]``), by row.
        self.given = given
        self.row_of = {int(item_id): row for row, item_id in enumerate(item_ids.tolist())}


def model_kind(task_type: str, featurizer: str = "auto") -> str:
    """The ``activelab.models.make_model`` data kind of the features of a task."""
    return server_hooks(task_type).model_kind(data_kind(task_type), featurizer)


def signature_of(session: Session, project_id: int) -> tuple[int, int]:
    """(number of items, largest item id): changes whenever items are added or removed."""
    count, largest = session.execute(select(func.count(), func.max(Item.id))
                                     .where(Item.project_id == project_id)).one()
    return int(count or 0), int(largest or 0)


def load_features(session: Session, project_id: int, task_type: str,
                  featurizer: str = "auto") -> Features:
    """Featurise every item of a project, reading items in chunks.

    ``featurizer="embeddings"`` (text projects) gives sentence embeddings
    instead of TF-IDF.

    Raises
    ------
    DataError
        When the project has no items (or no usable text).
    """
    signature = (*signature_of(session, project_id), featurizer)
    if signature[0] == 0:
        raise DataError("the project has no items; import some first")
    kind = data_kind(task_type)
    query = select(Item).where(Item.project_id == project_id).order_by(Item.id)
    if kind == "image":
        query = query.options(undefer(Item.image))
    query = query.execution_options(yield_per=_CHUNK)
    ids: list[int] = []
    names: set[str] = set()
    given: list[Any] = []

    def values() -> Iterator[Any]:  # streamed: images become pixels one at a time
        for item in session.scalars(query):
            ids.append(item.id)
            given.append(item.data.get("given"))
            if kind == "image":
                session.expunge(item)
                yield item.image
            elif kind == "tabular":
                columns = item.data.get("columns", {})
                names.update(columns)
                yield columns
            elif kind == "pair":  # both records: the task compares them field by field
                yield item.data
            else:
                yield item.data.get("text", "")

    X = server_hooks(task_type).build_features(kind, values(), featurizer)
    # Sorted, as the features' columns are (activelab.tasks.item_features.tabular_columns).
    return Features(np.asarray(ids, dtype=np.int64), X, signature,
                    sorted(names) if kind == "tabular" else None,
                    given if reviews_labels(task_type) else None)
