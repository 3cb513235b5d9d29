"""The :class:`Dataset` every loader returns, its catalogue entry, and seeded subsampling."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

from .._random import RandomLike, as_generator
from ..exceptions import ConfigError, DataError

__all__ = ["Dataset", "DatasetInfo", "Kind", "Task", "subsample", "subsample_indices"]

Kind = Literal["tabular", "text", "image"]
Task = Literal["classification", "regression", "anomaly", "detection"]
KINDS: tuple[str, ...] = get_args(Kind)
TASKS: tuple[str, ...] = get_args(Task)


# eq=False: fields hold arrays, so the generated __eq__/__hash__ would be wrong or raise.
@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A labelled dataset, as loaded: features, labels and what they are.

    Parameters
    ----------
    name : str
        How the dataset was asked for (``"spambase"``, ``"sklearn:iris"``, a file name).
    X : {ndarray, sparse matrix} of shape (n_samples, n_features) or ndarray of shape (n_samples,)
        Tabular sets: float64 features, categoricals one-hot encoded, not standardised.
        Image sets: float32 pixels flattened and scaled to [0, 1]; detection sets keep
        each image whole, shape (n_images, height, width).
        Text sets: a 1-D object array of raw ``str`` (featurisation happens in the model).
    y : ndarray of shape (n_samples,)
        Labels as the source gives them (``str`` or ``int``) for classification,
        ``float`` for regression, ``int`` 0/1 (1 = anomaly) for anomaly detection.
    kind : {"tabular", "text", "image"}
        What ``X`` holds.
    task : {"classification", "regression", "anomaly", "detection"}
        What ``y`` is (for detection: each image's list of boxes).
    feature_names : list of str or None, default=None
        One name per column of ``X`` (one-hot columns read ``column=value``); None for text.
    description : str, default=""
        Source, size, and every change made on loading (imputation, subsampling).

    Examples
    --------
    >>> from activelab.data import load_dataset
    >>> ds = load_dataset("sklearn:iris")
    >>> ds.X.shape, ds.n_classes, ds.kind
    ((150, 4), 3, 'tabular')
    """

    name: str
    X: Any
    y: np.ndarray
    kind: Kind
    task: Task
    feature_names: list[str] | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.task not in TASKS:
            raise ConfigError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        y = np.asarray(self.y)
        if y.ndim != 1:
            raise DataError(f"y must be 1-D, got shape {y.shape}")
        object.__setattr__(self, "y", y)  # frozen: the one normalisation we allow
        n_rows = self.X.shape[0] if hasattr(self.X, "shape") else len(self.X)
        if n_rows != y.shape[0]:
            raise DataError(f"X has {n_rows} rows but y has {y.shape[0]} labels")
        if self.feature_names is not None and hasattr(self.X, "shape") and len(self.X.shape) == 2 \
                and len(self.feature_names) != self.X.shape[1]:
            raise DataError(f"{len(self.feature_names)} feature names for "
                            f"{self.X.shape[1]} columns of X")

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.y.shape[0])

    @property
    def classes(self) -> np.ndarray | None:
        """Sorted distinct labels for classification; None otherwise."""
        return np.unique(self.y) if self.task == "classification" else None

    @property
    def n_classes(self) -> int | None:
        """Number of distinct labels for classification; None otherwise."""
        classes = self.classes
        return None if classes is None else int(classes.size)

    def __repr__(self) -> str:
        width = self.X.shape[1] if hasattr(self.X, "shape") and len(self.X.shape) == 2 else None
        parts = [f"name={self.name!r}", f"kind={self.kind!r}", f"task={self.task!r}",
                 f"n_samples={self.n_samples}"]
        if width is not None:
            parts.append(f"n_features={width}")
        if self.task == "classification":
            parts.append(f"n_classes={self.n_classes}")
        return f"Dataset({', '.join(parts)})"


@dataclass(frozen=True)
class DatasetInfo:
    """One entry of :func:`available_datasets`.

    Parameters
    ----------
    name : str
        What to pass to :func:`load_dataset`.
    kind, task : str
        As in :class:`Dataset`.
    n_samples : int
        Rows :func:`load_dataset` returns by default (a subset for mnist and sst2).
    available : bool
        Whether the files are there (scikit-learn sets always are).
    description : str
        One line: source and size.
    n_classes : int or None, default=None
        Number of classes for classification sets.
    unavailable_reason : str or None, default=None
        Why it cannot be loaded here (``"no data folder"``, ``"missing <file>"``);
        None when available.
    """

    name: str
    kind: Kind
    task: Task
    n_samples: int
    available: bool
    description: str
    n_classes: int | None = None
    unavailable_reason: str | None = None


def subsample_indices(y: np.ndarray, max_samples: int | None, *, stratify: bool,
                      random_state: RandomLike = 0) -> np.ndarray | None:
    """Sorted row indices of a seeded subsample, or None when no subsampling is needed.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Labels (used only when ``stratify``).
    max_samples : int or None
        Rows to keep; None or at least ``n_samples`` keeps everything.
    stratify : bool
        Keep class proportions (largest-remainder rounding, every class kept when
        ``max_samples`` allows it) instead of a plain random draw.
    random_state : int, Generator, SeedSequence or None, default=0
        Seed of the draw.

    Returns
    -------
    indices : ndarray of shape (max_samples,) or None
    """
    n = int(len(y))
    if max_samples is None or max_samples >= n:
        return None
    rng = as_generator(random_state)
    if not stratify:
        return np.sort(rng.choice(n, size=max_samples, replace=False))
    _, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    quota = _allocate(counts, max_samples)
    picks = [rng.choice(np.flatnonzero(codes == k), size=q, replace=False)
             for k, q in enumerate(quota) if q]
    return np.sort(np.concatenate(picks))


def _allocate(counts: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` over classes in proportion to ``counts``; one each first if it fits."""
    floor = np.ones_like(counts) if total >= counts.size else np.zeros_like(counts)
    rest, room = total - int(floor.sum()), counts - floor
    exact = room * (rest / room.sum())
    quota = np.floor(exact).astype(np.int64)
    # Largest remainders get the leftover rows; a stable sort keeps ties in class order.
    short = rest - int(quota.sum())
    quota[np.argsort(-(exact - quota), kind="stable")[:short]] += 1
    return floor + quota


def subsample(dataset: Dataset, max_samples: int | None,
              random_state: RandomLike = 0) -> Dataset:
    """``dataset`` cut to at most ``max_samples`` rows (stratified by class when y holds classes).

    Parameters
    ----------
    dataset : Dataset
    max_samples : int or None
        None, or a number at least ``dataset.n_samples``, returns ``dataset`` itself.
    random_state : int, Generator, SeedSequence or None, default=0

    Returns
    -------
    Dataset
    """
    stratify = dataset.task in ("classification", "anomaly")  # y holds classes
    idx = subsample_indices(dataset.y, max_samples, stratify=stratify,
                            random_state=random_state)
    if idx is None:
        return dataset
    note = subsample_note(idx.size, dataset.n_samples, stratify,
                          random_state)
    return dataclasses.replace(dataset, X=dataset.X[idx], y=dataset.y[idx],
                               description=f"{dataset.description} {note}".strip())


def subsample_note(kept: int, total: int, stratified: bool, random_state: RandomLike) -> str:
    """The sentence a subsampled dataset's description ends with."""
    how = "stratified " if stratified else ""
    seed = f" (random_state={random_state})" if isinstance(random_state, int) else ""
    return f"Seeded {how}subsample of {kept:,} of {total:,} rows{seed}."
