"""Multi-label datasets: a user's JSONL file, and 20 Newsgroups with hierarchy labels."""

from __future__ import annotations

import json
import os
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..._random import RandomLike
from ...exceptions import DataError, EmptyPoolError, UnknownLabelError
from ._pool import encode_label_sets

__all__ = ["MultiLabelDataset", "load_multilabel_jsonl", "newsgroups_multilabel"]


@dataclass(frozen=True, eq=False)
class MultiLabelDataset:
    """Items, their label sets as an indicator matrix, and the label names.

    Parameters
    ----------
    name : str
    X : ndarray of object (raw texts) of shape (n_samples,) or numeric (n_samples, n_features)
    Y : ndarray of int8 of shape (n_samples, n_labels)
    labels : list of hashable
        Column names of ``Y``.
    kind : {"text", "tabular"}
    """

    name: str
    X: Any
    Y: np.ndarray
    labels: list[Hashable]
    kind: str = "text"

    def __post_init__(self) -> None:
        Y = np.asarray(self.Y)
        n_rows = self.X.shape[0] if hasattr(self.X, "shape") else len(self.X)
        if Y.ndim != 2 or Y.shape != (n_rows, len(self.labels)):
            raise DataError(f"Y must have shape ({n_rows}, {len(self.labels)}), got {Y.shape}")

    @property
    def n_samples(self) -> int:
        return int(self.Y.shape[0])

    def label_sets(self, indices: Sequence[int] | np.ndarray | None = None) -> list[list[Any]]:
        """The label list of each item (all items by default)."""
        rows = self.Y if indices is None else self.Y[np.asarray(indices, dtype=np.intp)]
        return [[self.labels[j] for j in np.flatnonzero(row)] for row in rows]


def load_multilabel_jsonl(path: str | os.PathLike[str], *, text_field: str = "text",
                          labels_field: str = "labels",
                          labels: Sequence[Hashable] | None = None) -> MultiLabelDataset:
    """Read ``{"text": ..., "labels": [...]}`` lines into a :class:`MultiLabelDataset`.

    Parameters
    ----------
    path : str or path-like
        One JSON object per line; blank lines are ignored.
    text_field, labels_field : str
    labels : sequence, default=None
        The declared label set (column order).  Default: every label seen, sorted.

    Raises
    ------
    DataError
        Unreadable file, invalid JSON, a missing field, text that is not a string or
        labels that are not a list; the message names the line.
    UnknownLabelError
        A label outside ``labels`` (when declared), with its line number.
    EmptyPoolError
        No items in the file.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise DataError(f"cannot read {path}: {error}") from None
    except UnicodeDecodeError:
        raise DataError(f"{path} is not UTF-8 text") from None
    texts: list[str] = []
    sets: list[list[Hashable]] = []
    line_of: list[int] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name}, line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"{where}: invalid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise DataError(f"{where}: expected a JSON object, got {type(record).__name__}")
        for field in (text_field, labels_field):
            if field not in record:
                raise DataError(f"{where}: missing field {field!r}")
        text, item_labels = record[text_field], record[labels_field]
        if not isinstance(text, str):
            raise DataError(f"{where}: {text_field!r} must be a string, got "
                            f"{type(text).__name__}")
        if not isinstance(item_labels, list):
            raise DataError(f"{where}: {labels_field!r} must be a list of labels, got "
                            f"{type(item_labels).__name__}")
        for label in item_labels:
            if not isinstance(label, str | int) or isinstance(label, bool):
                raise DataError(f"{where}: label {label!r} must be a string or an integer")
        texts.append(text)
        sets.append(item_labels)
        line_of.append(number)
    if not texts:
        raise EmptyPoolError(f"{path} holds no items")
    if labels is None:
        labels = sorted({label for item in sets for label in item}, key=str)
        if not labels:
            raise DataError(f"{path}: no item has any label; declare labels= to use it")
    labels = list(labels)
    declared = set(labels)
    for item, number in zip(sets, line_of, strict=True):
        for label in item:
            if label not in declared:
                raise UnknownLabelError(f"{path.name}, line {number}: unknown label {label!r}; "
                                        f"the declared labels are {labels!r}")
    Y = encode_label_sets(sets, labels)
    return MultiLabelDataset(path.stem, np.asarray(texts, dtype=object), Y, labels, "text")


def newsgroups_multilabel(*, max_samples: int | None = 3000, random_state: RandomLike = 0,
                          data_dir: str | os.PathLike[str] | None = None) -> MultiLabelDataset:
    """20 Newsgroups as multi-label text: each post has its group and its hierarchy prefix.

    ``comp.graphics`` gives the labels ``{"comp.graphics", "comp"}``, so the
    label set is the 20 groups plus the 7 top-level prefixes (alt, comp, misc,
    rec, sci, soc, talk).  Raw texts; features are made in the simulation.

    Parameters
    ----------
    max_samples : int or None, default=3000
        A seeded stratified subsample (None = all 18,846 posts).
    random_state : int, Generator or None, default=0
    data_dir : path, optional
        The shared data folder.
    """
    from ...data import load_dataset

    dataset = load_dataset("20newsgroups", data_dir=data_dir, max_samples=max_samples,
                           random_state=random_state)
    groups = sorted(set(dataset.y.tolist()))
    prefixes = sorted({group.split(".")[0] for group in groups})
    labels: list[Hashable] = [*groups, *prefixes]
    sets = [[group, group.split(".")[0]] for group in dataset.y.tolist()]
    return MultiLabelDataset("20newsgroups-hierarchy", np.asarray(dataset.X, dtype=object),
                             encode_label_sets(sets, labels), labels, "text")
