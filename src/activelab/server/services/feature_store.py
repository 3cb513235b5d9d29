"""Project features on disk, so a retrain memory-maps them instead of decoding every item.

A project's features are written once per signature (items, largest id,
featurizer) to ``project-<id>.npy`` (dense: tabular, images, embeddings;
opened with ``mmap_mode="r"``) or ``project-<id>.npz`` (sparse TF-IDF), with
the item ids in ``project-<id>.ids.npy`` and the signature in
``project-<id>.json``, written last: a store whose signature file does not
match (an import since, a crash while writing) is rebuilt, never read.

Tabular features are built from the database in chunks straight into the
``.npy`` file (column means imputed in a second pass over the file), so the
worker never holds a Python object per value of a million-row project.  The
folder is the setting ``feature_store_dir``; by default a SQLite database
keeps it beside its file (``<database>.features``), and PostgreSQL keeps none
(features are then decoded from the database at each worker start).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ..config import Settings
from ..models import Item
from .features import Features, load_features, signature_of
from .task_types import data_kind

__all__ = ["FeatureStore", "store_folder"]

#: Items decoded per chunk while a tabular store is built.
_CHUNK = 20_000


def store_folder(settings: Settings) -> Path | None:
    """Where feature stores live: the setting, else beside a SQLite file, else nowhere."""
    if settings.feature_store_dir:
        return Path(settings.feature_store_dir)
    url = make_url(settings.db_url)
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database not in ("", ":memory:") \
            and not database.startswith("file:"):
        return Path(f"{database}.features")
    return None


class FeatureStore:
    """Reads and writes the feature files of projects in ``folder``."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def _path(self, project_id: int, suffix: str) -> Path:
        return self.folder / f"project-{project_id}{suffix}"

    def load(self, project_id: int, signature: tuple[Any, ...]) -> Features | None:
        """The stored features when their signature is ``signature``; else None."""
        try:
            stored = json.loads(self._path(project_id, ".json").read_text())
        except (OSError, ValueError):
            return None
        if tuple(stored.get("signature", ())) != signature:
            return None
        ids = np.load(self._path(project_id, ".ids.npy"))
        if stored["format"] == "npz":
            X: Any = sp.load_npz(self._path(project_id, ".npz")).tocsr()
        else:
            X = np.load(self._path(project_id, ".npy"), mmap_mode="r")
        return Features(ids, X, signature, stored.get("columns"))

    def build(self, session: Session, project_id: int, task_type: str,
              featurizer: str) -> Features:
        """Featurise the project (tabular: chunk by chunk into the file) and store it."""
        signature = (*signature_of(session, project_id), featurizer)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._path(project_id, ".json").unlink(missing_ok=True)  # invalid until rewritten
        if data_kind(task_type) == "tabular" and signature[0] > 0:
            ids, names = self._write_tabular(session, project_id, signature[0])
            X: Any = np.load(self._path(project_id, ".npy"), mmap_mode="r")
            features = Features(ids, X, signature, names)
        else:
            features = load_features(session, project_id, task_type, featurizer)
            if sp.issparse(features.X):
                sp.save_npz(self._path(project_id, ".npz"), features.X.tocsr(),
                            compressed=False)
            else:
                np.save(self._path(project_id, ".npy"), np.asarray(features.X))
        np.save(self._path(project_id, ".ids.npy"), features.item_ids)
        fmt = "npz" if sp.issparse(features.X) else "npy"
        temporary = self._path(project_id, ".json.tmp")
        temporary.write_text(json.dumps({"signature": list(signature), "format": fmt,
                                         "columns": features.columns}))
        os.replace(temporary, self._path(project_id, ".json"))
        if fmt == "npy" and not isinstance(features.X, np.memmap):
            features = Features(features.item_ids,
                                np.load(self._path(project_id, ".npy"), mmap_mode="r"),
                                signature, features.columns)
        return features

    def _write_tabular(self, session: Session, project_id: int, n_items: int
                       ) -> tuple[np.ndarray, list[str]]:
        """Write the tabular matrix of ``project_id`` as :func:`build_features` makes it.

        Returns the item ids of its rows and the names of its columns, sorted."""
        query = (select(Item.id, Item.data).where(Item.project_id == project_id)
                 .order_by(Item.id).execution_options(yield_per=_CHUNK))
        ids = np.empty(n_items, dtype=np.int64)
        columns: dict[str, int] = {}  # first seen order; sorted at the end
        parts: list[np.ndarray] = []
        filled = 0
        rows: list[dict[str, Any]] = []

        def flush() -> None:
            nonlocal filled, rows
            block = np.full((len(rows), len(columns)), np.nan)
            for i, row in enumerate(rows):
                for name, value in row.items():
                    if value is not None:
                        block[i, columns[name]] = value
            parts.append(block)
            filled += len(rows)
            rows = []

        for item_id, data in session.execute(query):
            if filled + len(rows) >= n_items:
                break  # items imported while reading: the next signature covers them
            ids[filled + len(rows)] = item_id
            row = data.get("columns", {})
            for name in row:
                columns.setdefault(name, len(columns))
            rows.append(row)
            if len(rows) >= _CHUNK:
                flush()
        flush()
        order = [columns[name] for name in sorted(columns)]
        out = np.lib.format.open_memmap(self._path(project_id, ".npy"), mode="w+",
                                        dtype=np.float64, shape=(filled, len(columns)))
        sums, counts, start = np.zeros(len(columns)), np.zeros(len(columns)), 0
        while parts:
            block = parts.pop(0)
            wide = np.full((len(block), len(columns)), np.nan)
            wide[:, :block.shape[1]] = block
            wide = wide[:, order]
            seen = ~np.isnan(wide)
            sums += np.where(seen, wide, 0.0).sum(axis=0)
            counts += seen.sum(axis=0)
            out[start:start + len(wide)] = wide
            start += len(wide)
        means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
        for begin in range(0, filled, _CHUNK):  # impute missing values with column means
            block = np.asarray(out[begin:begin + _CHUNK])
            missing = np.isnan(block)
            if missing.any():
                block[missing] = np.broadcast_to(means, block.shape)[missing]
                out[begin:begin + _CHUNK] = block
        out.flush()
        del out
        return ids[:filled], sorted(columns)
