"""Label state for multi-label items: a binary indicator row per labelled item."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np

from ...exceptions import DataError, EmptyPoolError, UnknownLabelError
from ...pool import LabelState, validate_features

__all__ = ["MultiLabelPool", "encode_label_sets"]


def encode_label_sets(label_sets: Iterable[Iterable[Hashable]], labels: Sequence[Hashable],
                      *, code_of: dict[Hashable, int] | None = None) -> np.ndarray:
    """Indicator matrix of ``label_sets`` over ``labels`` (MultiLabelBinarizer semantics).

    Parameters
    ----------
    label_sets : iterable of iterables of labels
        One collection per item; an empty one means "none of the labels".
    labels : sequence of hashable
        The declared labels, in column order.

    Returns
    -------
    Y : ndarray of int8 of shape (n_items, n_labels)

    Raises
    ------
    UnknownLabelError
        A label not in ``labels`` (or a bare string given instead of a list of labels).
    """
    code_of = code_of if code_of is not None else {label: j for j, label in enumerate(labels)}
    rows = []
    for position, item in enumerate(label_sets):
        if isinstance(item, str | bytes) or not isinstance(item, Iterable):
            raise UnknownLabelError(
                f"item {position}: expected a list of labels, got {type(item).__name__} "
                f"{item!r} (wrap a single label as [{item!r}])")
        row = np.zeros(len(labels), dtype=np.int8)
        for label in item:
            try:
                code = code_of.get(label)
            except TypeError:
                raise UnknownLabelError(f"item {position}: label {label!r} is not hashable"
                                        ) from None
            if code is None:
                raise UnknownLabelError(f"item {position}: unknown label {label!r}; the "
                                        f"declared labels are {list(labels)!r}")
            row[code] = 1
        rows.append(row)
    return np.vstack(rows) if rows else np.zeros((0, len(labels)), dtype=np.int8)


class MultiLabelPool(LabelState):
    """An unchanging feature matrix and, per labelled item, the set of its labels.

    The multi-label counterpart of :class:`activelab.Pool` with the same view
    API, so task-agnostic strategies (random sampling) work on it unchanged.
    The label set is declared up front; a labelled item stores one binary
    indicator row over it (an item may have none of the labels).

    Parameters
    ----------
    X : {ndarray, sparse matrix, DataFrame, list of str} of shape (n_samples, ...)
    labels : sequence of hashable
        The label set, in column order (at least one, no duplicates).

    Examples
    --------
    >>> import numpy as np
    >>> pool = MultiLabelPool(np.zeros((4, 2)), labels=["news", "sport", "tech"])
    >>> pool.teach([0, 2], [["sport"], ["news", "tech"]])
    >>> pool.indicators_of([2]).tolist()
    [[1, 0, 1]]
    >>> pool.labels_of([0, 2])
    [['sport'], ['news', 'tech']]
    """

    def __init__(self, X: Any, *, labels: Sequence[Hashable]) -> None:
        X = validate_features(X)
        n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
        if n_samples == 0:
            raise EmptyPoolError("the pool is empty: give at least one item")
        if isinstance(labels, str) or labels is None:
            raise DataError("labels must be a list of the declared labels, not "
                            f"{type(labels).__name__}")
        labels = list(labels)
        if not labels:
            raise DataError("labels is empty: declare at least one label")
        try:
            code_of = {label: j for j, label in enumerate(labels)}
        except TypeError:
            raise UnknownLabelError("every label must be hashable") from None
        if len(code_of) != len(labels):
            raise DataError("labels contain duplicates")
        self.X = X
        self._labels = labels
        self._code_of = code_of
        self._Y = np.zeros((n_samples, len(labels)), dtype=np.int8)
        self._labeled = np.zeros(n_samples, dtype=bool)
        self._ignored = np.zeros(n_samples, dtype=bool)

    @property
    def labels_(self) -> list[Hashable]:
        """The declared labels, in column order."""
        return list(self._labels)

    @property
    def n_labels(self) -> int:
        return len(self._labels)

    @property
    def labeled_mask(self) -> np.ndarray:
        return self._labeled.copy()

    def _clear(self, idx: np.ndarray) -> None:
        self._Y[idx] = 0
        self._labeled[idx] = False

    def encode(self, label_sets: Iterable[Iterable[Hashable]]) -> np.ndarray:
        """Indicator rows of ``label_sets``, shape (n, n_labels)."""
        return encode_label_sets(label_sets, self._labels, code_of=self._code_of)

    def decode(self, Y: np.ndarray) -> list[list[Hashable]]:
        """Label lists of indicator rows."""
        return [[self._labels[j] for j in np.flatnonzero(row)] for row in np.asarray(Y)]

    def indicators_of(self, indices: Iterable[int]) -> np.ndarray:
        """Indicator rows of labelled items, shape (len(indices), n_labels)."""
        idx = self._check_indices(indices)
        if not self._labeled[idx].all():
            raise DataError(f"items {idx[~self._labeled[idx]][:5].tolist()} have no label")
        return self._Y[idx].copy()

    def labels_of(self, indices: Iterable[int]) -> list[list[Hashable]]:
        return self.decode(self.indicators_of(indices))

    def training_data(self) -> tuple[Any, np.ndarray]:
        """``(X_labeled, Y_labeled)``, Y of shape (n_labeled, n_labels)."""
        idx = self.labeled_indices
        return self.take(idx), self._Y[idx].copy()

    def teach(self, indices: Iterable[int], label_sets: Sequence[Iterable[Hashable]]) -> None:
        """Give each item its set of labels (nothing changes if any label is unknown)."""
        idx = self._check_indices(indices, unique=True)
        label_sets = list(label_sets)
        if len(label_sets) != len(idx):
            raise DataError(f"got {len(idx)} indices but {len(label_sets)} label sets")
        self.teach_indicators(idx, self.encode(label_sets))

    def teach_indicators(self, indices: Iterable[int], Y: Any) -> None:
        """Give items labels as 0/1 indicator rows of shape (len(indices), n_labels)."""
        idx = self._check_indices(indices, unique=True)
        Y = np.asarray(Y)
        if Y.shape != (len(idx), self.n_labels):
            raise DataError(f"indicator rows must have shape {(len(idx), self.n_labels)}, "
                            f"got {Y.shape}")
        if Y.size and not np.isin(Y, (0, 1)).all():
            raise DataError("indicator rows must hold only 0 and 1")
        self._Y[idx] = Y
        self._labeled[idx] = True
        self._ignored[idx] = False

    def __repr__(self) -> str:
        shape = getattr(self.X, "shape", (len(self),))
        return (f"MultiLabelPool(shape={tuple(shape)}, labeled={self.n_labeled}, "
                f"labels={self._labels!r})")
