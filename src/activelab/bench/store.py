"""The results directory: one small file per finished cell, written atomically.

Layout::

    OUT/cells/<key>.parquet     tidy rows of a finished cell (.csv without pyarrow)
    OUT/failed/<key>.json       why a cell could not run (peer without predict_proba, ...)
    OUT/config.json             the grid that was run
    OUT/results.parquet         every cell's rows together (rewritten at the end of a run)

A file appears under its final name only once complete (write to a temporary
name, then ``os.replace``), so an interrupted run leaves no half cell behind
and a restart skips exactly the cells whose file exists.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from .cells import COLUMNS, Cell, CellOutcome

__all__ = ["ResultStore", "parquet_available"]


def parquet_available() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _atomic_write(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ResultStore:
    """Reads and writes the per-cell files of one results directory."""

    def __init__(self, root: str | Path, *, use_parquet: bool | None = None) -> None:
        self.root = Path(root)
        self.use_parquet = parquet_available() if use_parquet is None else use_parquet

    @property
    def suffix(self) -> str:
        return ".parquet" if self.use_parquet else ".csv"

    def cell_path(self, key: str) -> Path:
        return self.root / "cells" / f"{key}{self.suffix}"

    def failure_path(self, key: str) -> Path:
        return self.root / "failed" / f"{key}.json"

    def finished_keys(self) -> set[str]:
        """Keys of cells with a results file (either format)."""
        folder = self.root / "cells"
        if not folder.is_dir():
            return set()
        return {p.name.split(".", 1)[0] for p in folder.iterdir()
                if p.suffix in (".parquet", ".csv") and not p.name.startswith(".")}

    def failed_keys(self) -> set[str]:
        folder = self.root / "failed"
        if not folder.is_dir():
            return set()
        return {p.stem for p in folder.glob("*.json")}

    def write(self, outcome: CellOutcome) -> None:
        """Store a finished cell (its rows, or its failure) atomically."""
        key = outcome.cell.key
        if outcome.table is not None:
            table = outcome.table
            if self.use_parquet:
                _atomic_write(self.cell_path(key), lambda p: table.to_parquet(p, index=False))
            else:
                _atomic_write(self.cell_path(key), lambda p: table.to_csv(p, index=False))
            self.failure_path(key).unlink(missing_ok=True)
            return
        record = {"key": key, "error": outcome.error, "seconds": outcome.seconds,
                  **_cell_record(outcome.cell)}
        _atomic_write(self.failure_path(key),
                      lambda p: p.write_text(json.dumps(record, indent=1), encoding="utf-8"))

    def write_config(self, config: Any) -> None:
        payload = json.dumps(asdict(config), indent=1, default=list)
        _atomic_write(self.root / "config.json", lambda p: p.write_text(payload, "utf-8"))

    def load(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """The tidy table of the stored cells (all, or only ``keys``)."""
        wanted = None if keys is None else set(keys)
        frames = []
        folder = self.root / "cells"
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            key = path.name.split(".", 1)[0]
            if path.name.startswith(".") or (wanted is not None and key not in wanted):
                continue
            if path.suffix == ".parquet":
                frames.append(pd.read_parquet(path))
            elif path.suffix == ".csv":
                frames.append(pd.read_csv(path))
        if not frames:
            return pd.DataFrame({column: [] for column in COLUMNS})
        return pd.concat(frames, ignore_index=True)[COLUMNS]

    def failures(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """One row per failed cell: its fields and the error."""
        wanted = None if keys is None else set(keys)
        rows = []
        for path in sorted((self.root / "failed").glob("*.json")):
            if wanted is None or path.stem in wanted:
                rows.append(json.loads(path.read_text(encoding="utf-8")))
        columns = ["dataset", "model", "strategy", "seed", "initial", "batch", "error"]
        return pd.DataFrame(rows, columns=[*columns, "key", "seconds"])[columns] if rows \
            else pd.DataFrame({c: [] for c in columns})

    def write_combined(self, table: pd.DataFrame) -> Path:
        """Write every row together as ``results.parquet`` (or ``results.csv``)."""
        path = self.root / f"results{self.suffix}"
        if self.use_parquet:
            _atomic_write(path, lambda p: table.to_parquet(p, index=False))
        else:
            _atomic_write(path, lambda p: table.to_csv(p, index=False))
        return path


def _cell_record(cell: Cell) -> dict[str, Any]:
    return {"dataset": cell.dataset.label, "model": cell.model, "strategy": cell.strategy,
            "seed": cell.seed, "initial": cell.initial, "batch": cell.batch}
