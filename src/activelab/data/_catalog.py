"""One entry point for every dataset: names, the shared folder, and user files."""

from __future__ import annotations

import os
from pathlib import Path

from .._random import RandomLike
from .._spelling import parameter
from ..exceptions import ConfigError
from ._builtin import BUILTIN, TARGET, builtin_infos, load_builtin
from ._cluttered_mnist import CLUTTERED_MNIST_SPEC
from ._dataset import Dataset, DatasetInfo, subsample
from ._features import check_features, embed_dataset
from ._files import SUPPORTED_SUFFIXES, is_data_file_name, load_file
from ._mnist import MNIST_SPEC
from ._shared import SharedSpec, find_data_dir, load_shared, shared_info
from ._shared_tabular import TABULAR_SPECS, adbench_specs
from ._shared_text import TEXT_SPECS

__all__ = ["available_datasets", "load_dataset", "shared_specs"]

_SHARED_PREFIX = "shared:"


def shared_specs(data_dir: str | os.PathLike[str] | None = None) -> dict[str, SharedSpec]:
    """Every registered dataset of the shared folder, by name (ADBench files found there too)."""
    root = Path(data_dir).expanduser() if data_dir is not None else find_data_dir()
    specs = (*TABULAR_SPECS, *TEXT_SPECS, MNIST_SPEC, CLUTTERED_MNIST_SPEC,
             *adbench_specs(root))
    return {spec.name: spec for spec in specs}


def available_datasets(data_dir: str | os.PathLike[str] | None = None) -> list[DatasetInfo]:
    """The datasets :func:`load_dataset` knows by name, and whether each can be loaded.

    Parameters
    ----------
    data_dir : str or path-like, optional
        The shared data folder; default :func:`find_data_dir`.

    Returns
    -------
    list of DatasetInfo
        The scikit-learn sets (always available), then the shared sets.

    Examples
    --------
    >>> names = [info.name for info in available_datasets()]
    >>> "sklearn:iris" in names and "spambase" in names
    True
    """
    specs = shared_specs(data_dir).values()
    return [*builtin_infos(), *(shared_info(spec, data_dir) for spec in specs)]


def load_dataset(spec: str | os.PathLike[str], target: str | None = None,
                 text_column: str | None = None, *,
                 data_dir: str | os.PathLike[str] | None = None,
                 max_samples: int | None = None, random_state: RandomLike = 0,
                 features: str | None = None) -> Dataset:
    """Load a dataset by name or from a file.

    Parameters
    ----------
    spec : str or path-like
        ``"sklearn:digits"``, ``"sklearn:breast_cancer"``, ``"sklearn:wine"``,
        ``"sklearn:iris"``, ``"sklearn:diabetes"``; a shared dataset name such as
        ``"spambase"``, ``"sms_spam"``, ``"mnist"``, ``"adbench:thyroid"`` (optionally
        prefixed ``"shared:"``; see :func:`available_datasets`); or the path of a
        ``.csv``/``.tsv``/``.jsonl``/``.json``/``.parquet`` file.
    target : str, optional
        Label column; required for files. Named datasets have a fixed target: None, or
        ``"target"`` for the scikit-learn sets (its name in their data frames).
    text_column : str, optional
        Column of raw text, for files only (see :func:`load_file`).
    data_dir : str or path-like, optional
        The shared data folder; default :func:`find_data_dir`.
    max_samples : int, optional
        Keep at most this many rows: a seeded subsample, stratified by class except for
        regression. mnist and sst2 default to 10,000; pass a larger number for all rows.
    random_state : int, Generator, SeedSequence or None, default=0
        Seed of that subsample.
    features : {"minilm"} or None, default=None
        For text datasets: ``"minilm"`` replaces the raw strings by all-MiniLM-L6-v2
        sentence embeddings (384 float64 columns, kind ``"tabular"``; needs the
        ``embeddings`` extra).  None keeps raw text for the model's TF-IDF.

    Returns
    -------
    Dataset
        ``X`` of shape (n_samples, n_features), or (n_samples,) raw strings for text.

    Raises
    ------
    ConfigError
        Unknown name, a bad ``max_samples``, or ``target`` given for a named dataset.
    DataError
        The file or shared folder is missing or malformed (see :func:`load_file`).

    Examples
    --------
    >>> ds = load_dataset("sklearn:digits", max_samples=500)
    >>> ds.X.shape, ds.kind, ds.n_classes
    ((500, 64), 'image', 10)
    """
    if not isinstance(spec, str | os.PathLike):
        raise ConfigError(f"spec must be a dataset name or a file path, got "
                          f"{type(spec).__name__}")
    if max_samples is not None and (isinstance(max_samples, bool)
                                    or not isinstance(max_samples, int) or max_samples < 1):
        raise ConfigError(f"max_samples must be a positive integer or None, got {max_samples!r}")
    key = check_features(features)
    if key is not None:
        raw = load_dataset(spec, target, text_column, data_dir=data_dir,
                           max_samples=max_samples, random_state=random_state)
        return embed_dataset(raw, key)
    text = os.fspath(spec).strip()
    key = text.lower().removeprefix(_SHARED_PREFIX)
    if key in BUILTIN or key in (shared := shared_specs(data_dir)):
        _check_fixed_target(text, target, text_column, TARGET if key in BUILTIN else None)
        if key in BUILTIN:
            return subsample(load_builtin(key), max_samples, random_state)
        return load_shared(shared[key], data_dir=data_dir, max_samples=max_samples,
                           random_state=random_state)
    if _looks_like_path(text):
        # An empty target makes load_file explain that files need one.
        return subsample(load_file(text, target or "", text_column), max_samples, random_state)
    raise ConfigError(f"unknown dataset '{text}'; use a file path "
                      f"({', '.join(SUPPORTED_SUFFIXES[:6])}), one of "
                      f"{', '.join(BUILTIN)}, or a shared dataset: {', '.join(shared)}")


def _check_fixed_target(name: str, target: str | None, text_column: str | None,
                        fixed: str | None) -> None:
    """A named dataset's target is fixed: ``target`` may only name it (``"target"``)."""
    if text_column is None and (target is None or target == fixed):
        return
    named = f" ('{fixed}')" if fixed else ""
    raise ConfigError(f"'{name}' has a fixed target{named}; leave out {parameter('target')} "
                      f"and {parameter('text_column')}, which name columns of files")


def _looks_like_path(text: str) -> bool:
    return (is_data_file_name(text) or os.sep in text or "/" in text
            or Path(text).expanduser().exists())
