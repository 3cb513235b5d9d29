"""Finding the shared data folder (``../shared/data``) and describing what lives in it.

The files are never downloaded: they sit next to the repository, or wherever the
environment variable ``ACTIVELAB_DATA_DIR`` points.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .._random import RandomLike
from ..exceptions import DataError
from ._dataset import Dataset, DatasetInfo, Kind, Task

__all__ = ["ENV_VAR", "Loader", "SharedSpec", "data_folder_problem", "find_data_dir",
           "load_shared", "shared_info"]

ENV_VAR = "ACTIVELAB_DATA_DIR"

Loader = Callable[[Path, int | None, RandomLike], Dataset]


@dataclass(frozen=True)
class SharedSpec:
    """How to load one dataset of the shared folder.

    Parameters
    ----------
    name : str
        Registered name (``"spambase"``, ``"adbench:thyroid"``).
    folder : str
        Sub-folder of the data folder.
    files : tuple of str
        Files inside ``folder`` the loader reads; all must exist.
    kind, task : str
        As in :class:`Dataset`.
    n_samples : int
        Rows loaded by default (after ``default_max_samples``).
    n_classes : int or None
        Classes for classification sets.
    description : str
        One line for :func:`available_datasets`.
    loader : callable ``(folder, max_samples, random_state) -> Dataset``
        Reads the files and subsamples to ``max_samples`` rows when it is not None.
    default_max_samples : int or None, default=None
        Subsample used when the caller gives no ``max_samples`` (large sets).
    """

    name: str
    folder: str
    files: tuple[str, ...]
    kind: Kind
    task: Task
    n_samples: int
    n_classes: int | None
    description: str
    loader: Loader
    default_max_samples: int | None = None


def find_data_dir() -> Path | None:
    """The shared data folder, or None when there is none.

    ``ACTIVELAB_DATA_DIR`` wins when set (None if it is not a directory, so a wrong
    setting is never silently replaced by another folder). Otherwise the first
    ``shared/data`` folder found next to the current directory, this package, or one of
    their parents: the repository at ``<root>/main`` finds ``<root>/shared/data``.

    Returns
    -------
    pathlib.Path or None

    Examples
    --------
    >>> path = find_data_dir()
    >>> path is None or path.is_dir()
    True
    """
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        path = Path(configured).expanduser()
        return path.resolve() if path.is_dir() else None
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            candidate = folder / "shared" / "data"
            if candidate.is_dir():
                return candidate
    return None


def _root(data_dir: str | os.PathLike[str] | None) -> Path | None:
    if data_dir is not None:
        path = Path(data_dir).expanduser()
        return path if path.is_dir() else None
    return find_data_dir()


def _missing_files(spec: SharedSpec, root: Path | None) -> list[Path] | None:
    """Files of ``spec`` that are absent (None when there is no data folder at all)."""
    if root is None:
        return None
    return [root / spec.folder / f for f in spec.files if not (root / spec.folder / f).is_file()]


def shared_info(spec: SharedSpec, data_dir: str | os.PathLike[str] | None = None) -> DatasetInfo:
    """Catalogue entry of ``spec``: available when all its files are present, else why not."""
    missing = _missing_files(spec, _root(data_dir))
    reason = ("no data folder" if missing is None
              else f"missing {missing[0]}" if missing else None)
    return DatasetInfo(name=spec.name, kind=spec.kind, task=spec.task,
                       n_samples=spec.n_samples, available=reason is None,
                       description=spec.description, n_classes=spec.n_classes,
                       unavailable_reason=reason)


def data_folder_problem(data_dir: str | os.PathLike[str] | None = None) -> str | None:
    """Why there is no shared data folder (where it was looked for, how to set it), or None.

    Examples
    --------
    >>> data_folder_problem("/no/such/folder")
    "the shared data folder was not found (data_dir='/no/such/folder' is not a directory)"
    """
    if _root(data_dir) is not None:
        return None
    return f"the shared data folder was not found ({_looked_at(data_dir)})"


def load_shared(spec: SharedSpec, *, data_dir: str | os.PathLike[str] | None = None,
                max_samples: int | None = None, random_state: RandomLike = 0) -> Dataset:
    """Load ``spec`` from the data folder (``data_dir``, else :func:`find_data_dir`).

    Raises
    ------
    DataError
        The data folder or one of the dataset's files is absent.
    """
    root = _root(data_dir)
    missing = _missing_files(spec, root)
    if missing is None or root is None:
        raise DataError(f"dataset '{spec.name}' needs the shared data folder, which was not "
                        f"found ({_looked_at(data_dir)}); set {ENV_VAR} to the folder that "
                        f"holds '{spec.folder}/'")
    if missing:
        raise DataError(f"dataset '{spec.name}' needs {missing[0]}, which does not exist; put "
                        f"the '{spec.folder}' folder there, or set {ENV_VAR} to a data folder "
                        f"that holds it")
    limit = spec.default_max_samples if max_samples is None else max_samples
    return spec.loader(root / spec.folder, limit, random_state)


def _looked_at(data_dir: str | os.PathLike[str] | None) -> str:
    if data_dir is not None:
        return f"data_dir='{data_dir}' is not a directory"
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return f"{ENV_VAR}='{configured}' is not a directory"
    return (f"looked for shared/data next to {Path.cwd()}, "
            f"{Path(__file__).resolve().parent} and their parents")
