"""``cluttered-mnist``: a harder ``cluttered-digits``, drawn from MNIST digits.

The canvases are drawn on the fly, as ``cluttered-digits``' are, from the 10,000
MNIST test digits of the shared data folder (``mnist/t10k-*``): handwriting varies
far more than in scikit-learn's 8x8 digits, canvases hold up to 6 digits, and the
clutter is up to 10 pieces of real pen strokes cut from other MNIST digits, with
more pixel noise. Boxes stay exact (digits and clutter never overlap). Canvas ``i``
depends only on ``(random_state, i)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._random import RandomLike, as_generator, derive_seed
from ._cluttered import (
    CLUTTERED_SIZE,
    ClutterStyle,
    boxes_array,
    check_canvas_request,
    draw_canvases,
)
from ._dataset import Dataset
from ._mnist import read_idx
from ._shared import SharedSpec

__all__ = ["CLUTTERED_MNIST", "CLUTTERED_MNIST_SPEC", "make_cluttered_mnist"]

CLUTTERED_MNIST = "cluttered-mnist"
_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
_IMAGES_MAGIC, _LABELS_MAGIC = 2051, 2049
_DEFAULT_IMAGES = 500
#: MNIST digits sit in a 28-pixel square with a 4-pixel margin: sides are a bit larger
#: than cluttered-digits' for ink of a similar size.
MNIST_STYLE = ClutterStyle(min_side=16, max_side=34, max_digits=6, max_fragments=10,
                           noise=0.06, fragment_sides=(7, 12), fragment_zoom=(0.8, 1.5))


def _mnist_digits(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(folder / _FILES[0], _IMAGES_MAGIC)
    labels = read_idx(folder / _FILES[1], _LABELS_MAGIC)
    return (images.astype(np.float32) / np.float32(255)), labels.astype(np.int64)


def make_cluttered_mnist(folder: str | Path, n_images: int = _DEFAULT_IMAGES, *,
                         size: int = CLUTTERED_SIZE, random_state: int = 0
                         ) -> tuple[np.ndarray, list[list[dict[str, float | str]]]]:
    """Canvases of scattered MNIST digits with stroke clutter, and every digit's exact box.

    Parameters
    ----------
    folder : str or Path
        The shared data folder's ``mnist`` folder (it holds ``t10k-images-idx3-ubyte.gz``
        and ``t10k-labels-idx1-ubyte.gz``).
    n_images : int, default=500
    size : int, default=96
        Side of a canvas in pixels (at least 48).
    random_state : int, default=0
        Canvas ``i`` is drawn from ``SeedSequence(random_state, spawn_key=(i,))``.

    Returns
    -------
    images : ndarray of shape (n_images, size, size), float32 in [0, 1]
    boxes : list of list of dict
        As :func:`make_cluttered_digits`' boxes.
    """
    check_canvas_request(n_images, size)
    digits, targets = _mnist_digits(Path(folder))
    return draw_canvases(digits, targets, n_images, size=size, style=MNIST_STYLE,
                         random_state=random_state)


def _seed(random_state: RandomLike) -> int:
    if isinstance(random_state, int | np.integer) and not isinstance(random_state, bool):
        return int(random_state)
    return derive_seed(as_generator(random_state))


def _load(folder: Path, max_samples: int | None, random_state: RandomLike) -> Dataset:
    n_images = _DEFAULT_IMAGES if max_samples is None else max_samples
    seed = _seed(random_state)
    images, boxes = make_cluttered_mnist(folder, n_images, random_state=seed)
    return Dataset(name=CLUTTERED_MNIST, X=images, y=boxes_array(boxes), kind="image",
                   task="detection",
                   description=f"cluttered-mnist: {n_images:,} {CLUTTERED_SIZE}x"
                               f"{CLUTTERED_SIZE} canvases, 1-6 MNIST test digits each at "
                               "random positions and scales, up to 10 stroke fragments as "
                               f"clutter and pixel noise; exact boxes, 10 classes, drawn "
                               f"from seed {seed}.")


CLUTTERED_MNIST_SPEC = SharedSpec(
    name=CLUTTERED_MNIST, folder="mnist", files=_FILES, kind="image", task="detection",
    n_samples=_DEFAULT_IMAGES, n_classes=10,
    description=f"{_DEFAULT_IMAGES} 96x96 canvases of 1-6 MNIST digits with stroke clutter "
                "and exact boxes (harder than cluttered-digits); drawn on the fly "
                "(--task detection; max_samples = canvases).",
    loader=_load, default_max_samples=_DEFAULT_IMAGES)
