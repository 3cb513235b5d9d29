"""Label state for real-valued targets: floats, with NaN meaning "no label yet"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ...exceptions import DataError, EmptyPoolError
from ...pool import LabelState, validate_features

__all__ = ["RegressionPool", "check_targets"]


def check_targets(values: Any, *, where: str = "targets") -> np.ndarray:
    """``values`` as a 1-D float64 array, or :class:`DataError` saying what is wrong.

    Strings, booleans, objects and non-finite numbers are refused: a regression
    target is a finite real number.

    Parameters
    ----------
    values : array-like of shape (n,)

    Returns
    -------
    targets : ndarray of float64 of shape (n,)
    """
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"{where} must be 1-D, got shape {array.shape}")
    if array.dtype.kind == "b":
        raise DataError(f"{where} are booleans; a regression target must be a real number "
                        "(use classification for yes/no labels)")
    if array.dtype.kind not in "iuf":
        if array.dtype.kind == "O":
            try:
                array = array.astype(np.float64)
            except (TypeError, ValueError):
                bad = next(v for v in array.tolist() if not _is_real(v))
                raise DataError(f"{where} must be numbers; got {bad!r} "
                                f"({type(bad).__name__})") from None
        else:
            example = array.flat[0] if array.size else ""
            raise DataError(f"{where} must be numbers, got dtype {array.dtype} (e.g. "
                            f"{example!r}); regression needs real-valued targets")
    array = array.astype(np.float64, copy=False)
    bad = ~np.isfinite(array)
    if bad.any():
        raise DataError(f"{where} contain {int(bad.sum())} NaN or infinite value(s) (first at "
                        f"position {int(np.flatnonzero(bad)[0])}); use skip() for items "
                        "that cannot be labelled")
    return array


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool)


class RegressionPool(LabelState):
    """An unchanging feature matrix and real-valued labels over it.

    The regression counterpart of :class:`activelab.Pool`, with the same view
    API (``labeled_indices``, ``unlabeled_mask``, ``take``, ``skip`` ...), so
    every task-agnostic strategy (random sampling, greedy sampling) and the
    shared query contract work on it unchanged.  Labels are stored as float64
    with NaN meaning "no label"; ``X`` is never copied.

    Parameters
    ----------
    X : {ndarray, sparse matrix, DataFrame} of shape (n_samples, n_features)
        Finite numeric features (validated as :class:`activelab.Pool` does).

    Examples
    --------
    >>> import numpy as np
    >>> pool = RegressionPool(np.arange(10.0).reshape(5, 2))
    >>> pool.teach([0, 3], [1.5, -2.0])
    >>> pool.labeled_indices.tolist(), pool.targets_of([3]).tolist()
    ([0, 3], [-2.0])
    """

    def __init__(self, X: Any) -> None:
        X = validate_features(X)
        n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
        if n_samples == 0:
            raise EmptyPoolError("the pool is empty: give at least one item")
        self.X = X
        self._y = np.full(n_samples, np.nan)
        self._ignored = np.zeros(n_samples, dtype=bool)

    # ------------------------------------------------------------------ views
    @property
    def targets(self) -> np.ndarray:
        """Target of every item (NaN = unlabelled), read-only view of shape (n_samples,)."""
        view = self._y.view()
        view.flags.writeable = False
        return view

    @property
    def labeled_mask(self) -> np.ndarray:
        return ~np.isnan(self._y)

    def _clear(self, idx: np.ndarray) -> None:
        self._y[idx] = np.nan

    def targets_of(self, indices: Iterable[int]) -> np.ndarray:
        """Targets of labelled items, shape (len(indices),)."""
        idx = self._check_indices(indices)
        values = self._y[idx]
        if np.isnan(values).any():
            raise DataError(f"items {idx[np.isnan(values)][:5].tolist()} have no label")
        return values.copy()

    def training_data(self) -> tuple[Any, np.ndarray]:
        """``(X_labeled, y_labeled)`` for fitting a regressor."""
        idx = self.labeled_indices
        return self.take(idx), self._y[idx].copy()

    # ------------------------------------------------------------------ edits
    def teach(self, indices: Iterable[int], targets: Sequence[float] | np.ndarray) -> None:
        """Give real-valued labels to items (nothing changes if any value is invalid)."""
        idx = self._check_indices(indices, unique=True)
        values = check_targets(list(targets) if not isinstance(targets, np.ndarray)
                               else targets)
        if len(values) != len(idx):
            raise DataError(f"got {len(idx)} indices but {len(values)} targets")
        self._y[idx] = values
        self._ignored[idx] = False

    def relabel(self, indices: Iterable[int], targets: Sequence[float] | np.ndarray) -> None:
        """Change the targets of items that already have one."""
        idx = self._check_indices(indices, unique=True)
        unlabeled = idx[np.isnan(self._y[idx])]
        if unlabeled.size:
            raise DataError(f"cannot relabel items {unlabeled[:5].tolist()}: they have no label")
        self.teach(idx, targets)

    def __repr__(self) -> str:
        shape = getattr(self.X, "shape", (len(self),))
        return (f"RegressionPool(shape={tuple(shape)}, labeled={self.n_labeled}, "
                f"skipped={int(self._ignored.sum())})")
