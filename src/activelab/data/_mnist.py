"""MNIST from its gzipped IDX files, read with numpy alone."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from .._random import RandomLike
from ..exceptions import DataError
from ._dataset import Dataset, subsample_indices, subsample_note
from ._shared import SharedSpec

__all__ = ["MNIST_SPEC", "read_idx"]

# IDX magic numbers: 0x0000 0803 = unsigned bytes in 3 dimensions, 0801 = in 1 dimension.
_IMAGES_MAGIC, _LABELS_MAGIC = 2051, 2049
_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
          "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
MNIST_DEFAULT_MAX_SAMPLES = 10_000


def read_idx(path: Path, magic: int) -> np.ndarray:
    """The uint8 array of a gzipped IDX file whose header must start with ``magic``.

    Parameters
    ----------
    path : pathlib.Path
        A ``*-ubyte.gz`` file.
    magic : int
        2051 for images (3-D), 2049 for labels (1-D).

    Returns
    -------
    ndarray of shape (n,) or (n, rows, cols), uint8

    Raises
    ------
    DataError
        The file is not gzip, has another magic number, or is shorter than its header says.
    """
    try:
        with gzip.open(path, "rb") as stream:
            data = stream.read()
    except (OSError, EOFError) as err:
        raise DataError(f"'{path}' is not a readable gzip file ({err}); replace it") from None
    if len(data) < 4 or struct.unpack(">I", data[:4])[0] != magic:
        found = struct.unpack(">I", data[:4])[0] if len(data) >= 4 else None
        raise DataError(f"'{path}' has IDX magic number {found}, expected {magic}; it is "
                        f"not the MNIST file its name says, replace it")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", data[4:header])
    if len(data) != header + int(np.prod(shape)):
        raise DataError(f"'{path}' holds {len(data) - header} bytes of data but its header "
                        f"announces shape {shape}; the file is truncated, replace it")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _load_mnist(folder: Path, max_samples: int | None, random_state: RandomLike) -> Dataset:
    train_x, train_y, test_x, test_y = (
        read_idx(folder / f, _LABELS_MAGIC if "labels" in f else _IMAGES_MAGIC) for f in _FILES)
    if train_x.shape[0] != train_y.shape[0] or test_x.shape[0] != test_y.shape[0]:
        raise DataError(f"MNIST images and labels in '{folder}' differ in count; "
                        f"replace the files")
    y = np.concatenate([train_y, test_y]).astype(np.int64)
    images = np.concatenate([train_x, test_x])
    # Subsample on the labels first, so only the kept images are converted to float.
    idx = subsample_indices(y, max_samples, stratify=True, random_state=random_state)
    description = _DESCRIPTION
    if idx is not None:
        images, y = images[idx], y[idx]
        description += " " + subsample_note(idx.size, len(train_y) + len(test_y), True,
                                            random_state)
    side_r, side_c = images.shape[1:]
    X = images.reshape(len(images), side_r * side_c).astype(np.float32) / np.float32(255)
    names = [f"pixel_{r}_{c}" for r in range(side_r) for c in range(side_c)]
    return Dataset(name="mnist", X=X, y=y, kind="image", task="classification",
                   feature_names=names, description=description)


_DESCRIPTION = ("MNIST handwritten digits: train 60,000 + test 10,000 combined, 28x28 grey "
                "images flattened to 784 pixels in [0, 1]; 10 classes.")

MNIST_SPEC = SharedSpec(
    name="mnist", folder="mnist", files=_FILES, kind="image", task="classification",
    n_samples=MNIST_DEFAULT_MAX_SAMPLES, n_classes=10,
    description=_DESCRIPTION + " Seeded stratified 10,000 by default "
                               "(max_samples=70_000 for all).",
    loader=_load_mnist, default_max_samples=MNIST_DEFAULT_MAX_SAMPLES)
