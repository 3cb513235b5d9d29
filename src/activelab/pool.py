"""The pool: an unchanging feature matrix plus the label state over it."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .exceptions import (
    DataError,
    EmptyPoolError,
    InvalidFeaturesError,
    UnknownLabelError,
)

__all__ = ["Pool", "LabelState", "UNLABELED", "check_indices", "take_rows",
           "validate_features"]

#: Encoded value of an item without a label.
UNLABELED = -1


def _is_dataframe(X: Any) -> bool:
    return hasattr(X, "iloc") and hasattr(X, "columns")


def _check_finite(values: np.ndarray, where: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        raise InvalidFeaturesError(
            f"{where} contain {int(bad.sum())} NaN or infinite value(s); "
            "impute or drop them before building the pool."
        )


def check_dense_features(X: Any, *, task: str) -> np.ndarray:
    """``X`` as a finite float matrix of shape (n_samples, n_features), or a clear error.

    For estimators that need dense numbers (isolation forests, k-means); ``task``
    names the job in the messages ("anomaly detection", "clustering").
    """
    if sp.issparse(X):
        raise DataError(f"{task} needs dense features; reduce a sparse matrix first "
                        "(e.g. TruncatedSVD)")
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidFeaturesError(f"{task} needs numeric features; encode text or "
                                   "categorical columns first") from None
    if array.ndim != 2:
        raise DataError(f"features must be 2-D (n_samples, n_features), got shape {array.shape}")
    if array.shape[0] == 0:
        raise EmptyPoolError(f"no items for {task}: the feature matrix has 0 rows")
    if array.shape[1] == 0:
        raise DataError("the feature matrix has 0 columns")
    finite = np.isfinite(array)
    if not finite.all():
        empty = np.flatnonzero(~finite.any(axis=0))
        if empty.size:
            raise InvalidFeaturesError(f"column(s) {empty[:5].tolist()} are entirely NaN or "
                                       "infinite (no finite value); drop them")
        first = int(np.flatnonzero(~finite.all(axis=1))[0])
        raise InvalidFeaturesError(f"features contain {int((~finite).sum())} NaN or infinite "
                                   f"value(s) (first at row {first}); impute or drop them")
    return array


def validate_features(X: Any) -> Any:
    """Return ``X`` (never a copy of a numeric matrix) after checking it can be used."""
    if _is_dataframe(X):
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        non_numeric = [c for c, t in X.dtypes.items()
                       if not (is_numeric_dtype(t) or is_bool_dtype(t))]
        if non_numeric:
            raise InvalidFeaturesError(
                f"DataFrame columns {non_numeric[:5]} are not numeric; encode them "
                "(e.g. one-hot) or use a Pipeline on an object array."
            )
        n = len(X)
        if n and X.shape[1]:
            for column in X.columns:
                values = X[column].to_numpy()
                bad = ~np.isfinite(values.astype(float, copy=False))
                if bad.any():
                    raise InvalidFeaturesError(
                        f"column {column!r} has {int(bad.sum())} NaN or infinite value(s) "
                        f"(first at row {int(np.flatnonzero(bad)[0])}); impute or drop them."
                    )
        return X
    if sp.issparse(X):
        if X.ndim != 2:
            raise DataError("a sparse feature matrix must be 2-D")
        _check_finite(X.data, "sparse features")
        # CSR gives cheap row slicing, the only access pattern a pool needs.
        return X if X.format == "csr" else X.tocsr()
    if hasattr(X, "iter_row_chunks") and getattr(X, "ndim", None) == 2:
        return _validate_chunked(X)
    if isinstance(X, np.ndarray | np.memmap):
        array = X
    elif isinstance(X, Sequence) and not isinstance(X, str):
        # Raw items (e.g. texts for a TF-IDF Pipeline): keep them as an object array.
        array = np.asarray(X, dtype=object) if X and isinstance(X[0], str) else np.asarray(X)
    else:
        raise DataError(
            f"cannot build a pool from {type(X).__name__}; give a numpy array, a scipy "
            "sparse matrix, a pandas DataFrame or a list of raw items"
        )
    if array.ndim == 0:
        raise DataError("features must be at least 1-D, got a scalar")
    if len(array) == 0:
        raise EmptyPoolError("the pool is empty: give at least one item")
    if np.issubdtype(array.dtype, np.number):
        if array.ndim != 2:
            raise DataError(
                f"numeric features must be 2-D (n_samples, n_features), got shape {array.shape}"
            )
        if np.issubdtype(array.dtype, np.floating):
            for start in range(0, len(array), 1 << 16):  # chunked: memmaps stay out of RAM
                chunk = array[start:start + (1 << 16)]
                if not np.isfinite(chunk).all():
                    bad_rows = np.flatnonzero(~np.isfinite(chunk).all(axis=tuple(
                        range(1, chunk.ndim))))
                    raise InvalidFeaturesError(
                        f"features contain NaN or infinite values (first at row "
                        f"{start + int(bad_rows[0])}, {len(bad_rows)} row(s) in that chunk); "
                        "impute or drop them before building the pool."
                    )
    return array


def _validate_chunked(X: Any) -> Any:
    """Check a chunked feature source (e.g. Parquet-backed) block by block, without loading it."""
    if X.shape[0] == 0:
        raise EmptyPoolError("the pool is empty: give at least one item")
    if X.dtype.kind not in "biuf":
        raise InvalidFeaturesError(f"a chunked feature source must be numeric, got {X.dtype}")
    for start, chunk in X.iter_row_chunks():
        finite = np.isfinite(chunk).all(axis=1)
        if not finite.all():
            bad_rows = np.flatnonzero(~finite)
            raise InvalidFeaturesError(
                f"features contain NaN or infinite values (first at row "
                f"{start + int(bad_rows[0])}, {len(bad_rows)} row(s) in that chunk); "
                "impute or drop them before building the pool."
            )
    return X


def check_indices(indices: Iterable[int], n_samples: int, *, unique: bool = False) -> np.ndarray:
    """Validated 1-D integer positions into ``n_samples`` items (shared by every pool kind)."""
    idx = np.asarray(list(indices) if not isinstance(indices, np.ndarray) else indices)
    if idx.ndim != 1:
        raise DataError(f"indices must be 1-D, got shape {idx.shape}")
    if idx.size and not np.issubdtype(idx.dtype, np.integer):
        raise DataError(f"indices must be integers, got dtype {idx.dtype}")
    idx = idx.astype(np.intp, copy=False)
    if idx.size and (idx.min() < 0 or idx.max() >= n_samples):
        bad = idx[(idx < 0) | (idx >= n_samples)][:5].tolist()
        raise DataError(f"indices {bad} are out of range for a pool of {n_samples}")
    if unique and len(np.unique(idx)) != len(idx):
        raise DataError("indices contain duplicates")
    return idx


def take_rows(X: Any, indices: Iterable[int] | np.ndarray) -> Any:
    """Rows ``indices`` of a feature matrix (a copy of those rows only)."""
    idx = np.asarray(indices, dtype=np.intp)
    return X.iloc[idx] if _is_dataframe(X) else X[idx]


class LabelState:
    """What every pool kind shares: a skip mask, the views derived from it and from
    ``labeled_mask``, row access, and skip/unskip/remove.

    Subclasses set ``X`` and ``_ignored`` (bool, shape (n_samples,)) and define
    ``labeled_mask`` and ``_clear(idx)``, which forgets the labels of ``idx``.
    """

    X: Any
    _ignored: np.ndarray

    @property
    def labeled_mask(self) -> np.ndarray:
        raise NotImplementedError

    def _clear(self, idx: np.ndarray) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ views
    @property
    def n_samples(self) -> int:
        return len(self._ignored)

    def __len__(self) -> int:
        return len(self._ignored)

    @property
    def ignored_mask(self) -> np.ndarray:
        """Boolean mask of skipped items, shape (n_samples,) (read-only view)."""
        view = self._ignored.view()
        view.flags.writeable = False
        return view

    @property
    def unlabeled_mask(self) -> np.ndarray:
        """Items that can still be queried: neither labelled nor skipped."""
        return ~self.labeled_mask & ~self._ignored

    @property
    def labeled_indices(self) -> np.ndarray:
        return np.flatnonzero(self.labeled_mask)

    @property
    def unlabeled_indices(self) -> np.ndarray:
        return np.flatnonzero(self.unlabeled_mask)

    @property
    def ignored_indices(self) -> np.ndarray:
        return np.flatnonzero(self._ignored)

    @property
    def n_labeled(self) -> int:
        return int(np.count_nonzero(self.labeled_mask))

    @property
    def n_unlabeled(self) -> int:
        return int(np.count_nonzero(self.unlabeled_mask))

    def take(self, indices: Iterable[int] | np.ndarray) -> Any:
        """Rows ``indices`` of ``X`` (a copy of those rows only)."""
        return take_rows(self.X, indices)

    def _check_indices(self, indices: Iterable[int], *, unique: bool = False) -> np.ndarray:
        return check_indices(indices, self.n_samples, unique=unique)

    # ------------------------------------------------------------------ edits
    def skip(self, indices: Iterable[int]) -> None:
        """Mark items as skipped: they keep no label and are never queried again."""
        idx = self._check_indices(indices)
        self._clear(idx)
        self._ignored[idx] = True

    def unskip(self, indices: Iterable[int]) -> None:
        """Return skipped items to the unlabelled pool."""
        self._ignored[self._check_indices(indices)] = False

    def remove_labels(self, indices: Iterable[int]) -> None:
        """Forget the labels of items; they become unlabelled and queryable again."""
        idx = self._check_indices(indices)
        self._clear(idx)
        self._ignored[idx] = False


class Pool(LabelState):
    """An unchanging feature matrix and the label state over it.

    The pool never copies ``X``: rows are read with :meth:`take` when a model
    needs them.  Labels are kept as integer codes against ``classes_``
    (declared up front or discovered in the order they are first taught),
    plus a mask of items a person chose to skip.

    Parameters
    ----------
    X : {ndarray, sparse matrix, DataFrame, list} of shape (n_samples, ...)
        Features.  Numeric arrays must be 2-D and finite; a list of strings
        (raw texts for a ``Pipeline``) is kept as a 1-D object array.  A
        memory-mapped array and a chunked source such as
        :class:`~activelab.large_pool.ParquetFeatures` (anything 2-D with
        ``iter_row_chunks()`` and row indexing) are validated chunk by chunk
        and never loaded whole.
    classes : sequence of hashable, default=None
        The label set.  When given, teaching any other label raises
        :class:`~activelab.exceptions.UnknownLabelError`; when ``None``,
        classes are discovered as labels arrive.

    Attributes
    ----------
    X : the feature matrix, exactly as given (sparse input converted to CSR once).

    Examples
    --------
    >>> import numpy as np
    >>> from activelab import Pool
    >>> pool = Pool(np.arange(10.0).reshape(5, 2), classes=["cat", "dog"])
    >>> pool.teach([0, 3], ["dog", "cat"])
    >>> pool.labeled_indices.tolist(), pool.unlabeled_indices.tolist()
    ([0, 3], [1, 2, 4])
    >>> pool.labels_of([0, 3]).tolist()
    ['dog', 'cat']
    """

    def __init__(self, X: Any, *, classes: Iterable[Hashable] | None = None) -> None:
        X = validate_features(X)
        n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
        if n_samples == 0:
            raise EmptyPoolError("the pool is empty: give at least one item")
        self.X = X
        self._codes = np.full(n_samples, UNLABELED, dtype=np.intp)
        self._ignored = np.zeros(n_samples, dtype=bool)
        self._declared = classes is not None
        self._classes: list[Hashable] = []
        self._code_of: dict[Hashable, int] = {}
        if classes is not None:
            for label in classes:
                self._add_class(label)
            if not self._classes:
                raise DataError("classes was given but is empty")

    # ------------------------------------------------------------------ classes
    def _add_class(self, label: Hashable) -> int:
        try:
            code = self._code_of.get(label)
        except TypeError:
            raise UnknownLabelError(f"label {label!r} is not hashable") from None
        if code is None:
            code = len(self._classes)
            self._classes.append(label)
            self._code_of[label] = code
        return code

    @property
    def classes_(self) -> np.ndarray:
        """The label set, in code order, as a 1-D array of shape (n_classes,)."""
        kinds = {type(label) for label in self._classes}
        # A homogeneous set of str or int reads better with its natural dtype; mixed
        # types stay objects so that 1 and "1" are never merged.
        if len(kinds) == 1 and issubclass(kinds.pop(), str | int | np.integer | np.str_):
            return np.asarray(self._classes)
        values = np.empty(len(self._classes), dtype=object)
        values[:] = self._classes
        return values

    @property
    def n_classes(self) -> int:
        return len(self._classes)

    @property
    def classes_declared(self) -> bool:
        """Whether the label set was declared up front (``classes=``)."""
        return self._declared

    def class_counts(self) -> np.ndarray:
        """Labelled items per class, in code order, shape (n_classes,).

        Examples
        --------
        >>> pool = Pool(np.zeros((4, 1)), classes=["a", "b", "c"])
        >>> pool.teach([0, 1, 3], ["a", "c", "a"])
        >>> pool.class_counts().tolist()
        [2, 0, 1]
        """
        codes = self._codes[self._codes != UNLABELED]
        return np.bincount(codes, minlength=len(self._classes))

    def encode(self, labels: Iterable[Hashable]) -> np.ndarray:
        """Integer codes of ``labels``; new labels are added unless classes were declared."""
        codes = []
        for label in labels:
            if label is None:
                raise UnknownLabelError("None is not a label; use skip() for items to pass over")
            if isinstance(label, float) and np.isnan(label):
                raise UnknownLabelError("NaN is not a label")
            try:
                code = self._code_of.get(label)
            except TypeError:
                raise UnknownLabelError(f"label {label!r} is not hashable") from None
            if code is None:
                if self._declared:
                    raise UnknownLabelError(
                        f"unknown label {label!r}; the declared classes are "
                        f"{self._classes!r}"
                    )
                code = self._add_class(label)
            codes.append(code)
        return np.asarray(codes, dtype=np.intp)

    def decode(self, codes: Iterable[int]) -> np.ndarray:
        """Labels of integer ``codes``."""
        codes = np.asarray(codes, dtype=np.intp)
        return self.classes_[codes]

    # ------------------------------------------------------------------ views
    @property
    def labeled_mask(self) -> np.ndarray:
        """Boolean mask of labelled items, shape (n_samples,) (a fresh array)."""
        return self._codes != UNLABELED

    def _clear(self, idx: np.ndarray) -> None:
        self._codes[idx] = UNLABELED

    @property
    def codes(self) -> np.ndarray:
        """Encoded label of every item (``UNLABELED`` = -1), read-only view."""
        view = self._codes.view()
        view.flags.writeable = False
        return view

    def labels_of(self, indices: Iterable[int]) -> np.ndarray:
        """Decoded labels of labelled items."""
        idx = self._check_indices(indices)
        codes = self._codes[idx]
        if (codes == UNLABELED).any():
            missing = idx[codes == UNLABELED][:5].tolist()
            raise DataError(f"items {missing} have no label")
        return self.decode(codes)

    def training_data(self) -> tuple[Any, np.ndarray]:
        """``(X_labeled, y_codes)`` for fitting a model on the labelled items."""
        idx = self.labeled_indices
        return self.take(idx), self._codes[idx].copy()

    # ------------------------------------------------------------------ edits
    def teach(self, indices: Iterable[int], labels: Sequence[Hashable]) -> None:
        """Give labels to items (overwriting any earlier label; un-skips skipped items).

        Nothing changes when any label is unknown or any index is invalid.
        """
        idx = self._check_indices(indices, unique=True)
        labels = list(labels)
        if len(labels) != len(idx):
            raise DataError(f"got {len(idx)} indices but {len(labels)} labels")
        if self._declared:
            codes = self.encode(labels)
        else:
            # Validate every label before discovering any, so a bad batch adds no class.
            n_before = len(self._classes)
            try:
                codes = self.encode(labels)
            except UnknownLabelError:
                for label in self._classes[n_before:]:
                    del self._code_of[label]
                del self._classes[n_before:]
                raise
        self._codes[idx] = codes
        self._ignored[idx] = False

    def relabel(self, indices: Iterable[int], labels: Sequence[Hashable]) -> None:
        """Change the labels of items that already have one."""
        idx = self._check_indices(indices, unique=True)
        unlabeled = idx[self._codes[idx] == UNLABELED]
        if unlabeled.size:
            raise DataError(f"cannot relabel items {unlabeled[:5].tolist()}: they have no label")
        self.teach(idx, labels)

    def __repr__(self) -> str:
        shape = getattr(self.X, "shape", (len(self),))
        return (f"Pool(shape={tuple(shape)}, labeled={self.n_labeled}, "
                f"skipped={int(self._ignored.sum())}, classes={self._classes!r})")
