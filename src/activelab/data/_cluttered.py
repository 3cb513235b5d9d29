"""``cluttered-digits``: a detection set drawn on the fly from scikit-learn's digits.

Each canvas is a grey square with 1-5 digits at random positions and scales, fragments
of other digits as clutter (as in the cluttered MNIST of Mnih et al., 2014) and pixel
noise. Digits and fragments never overlap, so every digit's box is exact: the tight
box around its ink. Canvas ``i`` depends only on ``(random_state, i)``, so asking for
more canvases keeps the first ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits

from ..exceptions import ConfigError
from ._dataset import Dataset

__all__ = ["CLUTTERED_DIGITS", "CLUTTERED_SIZE", "ClutterStyle", "make_cluttered_digits",
           "load_cluttered_digits", "draw_canvases", "check_canvas_request", "boxes_array"]

#: The dataset's name, as ``activelab datasets`` lists it.
CLUTTERED_DIGITS = "cluttered-digits"
#: Canvases made by default, and their side in pixels.
CLUTTERED_SIZE, _DEFAULT_IMAGES = 96, 500
_INK = 0.15  # a pixel at least this bright belongs to a digit's box
_TRIES = 60


@dataclass(frozen=True)
class ClutterStyle:
    """How busy a canvas is: digit sizes and counts, clutter fragments, pixel noise.

    Sides are in pixels; a fragment is a square of ``fragment_sides`` source pixels cut
    from a random digit and zoomed by a factor drawn from ``fragment_zoom``.
    """

    min_side: int = 14
    max_side: int = 30
    max_digits: int = 5
    max_fragments: int = 6
    noise: float = 0.04
    fragment_sides: tuple[int, int] = (3, 4)
    fragment_zoom: tuple[float, float] = (1.75, 3.75)


_DIGITS_STYLE = ClutterStyle()


def _digit_images() -> tuple[np.ndarray, np.ndarray]:
    bunch = load_digits()
    return (bunch.images / 16.0).astype(np.float32), bunch.target.astype(np.int64)


def _free(taken: list[tuple[int, int, int, int]], box: tuple[int, int, int, int],
          gap: int = 4) -> bool:
    x0, y0, x1, y1 = box
    return all(x1 + gap <= a0 or a1 + gap <= x0 or y1 + gap <= b0 or b1 + gap <= y0
               for a0, b0, a1, b1 in taken)


def _place(canvas: np.ndarray, patch: np.ndarray, rng: np.random.Generator,
           taken: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int] | None:
    """Paste ``patch`` where it overlaps nothing taken; its ink's box, or None if no room."""
    ys, xs = np.nonzero(patch >= _INK)
    if ys.size == 0:
        return None
    ink = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    size = canvas.shape[0]
    h, w = patch.shape
    for _ in range(_TRIES):
        top, left = int(rng.integers(0, size - h + 1)), int(rng.integers(0, size - w + 1))
        box = (left + ink[0], top + ink[1], left + ink[2], top + ink[3])
        if _free(taken, box):
            region = canvas[top:top + h, left:left + w]
            np.maximum(region, patch, out=region)
            taken.append(box)
            return box
    return None


def _scaled(image: np.ndarray, side: int) -> np.ndarray:
    out = ndimage.zoom(image, side / image.shape[0], order=1)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _canvas(digits: np.ndarray, targets: np.ndarray, rng: np.random.Generator,
            size: int, style: ClutterStyle) -> tuple[np.ndarray, list[dict[str, float | str]]]:
    canvas = np.zeros((size, size), dtype=np.float32)
    taken: list[tuple[int, int, int, int]] = []
    boxes: list[dict[str, float | str]] = []
    for _ in range(int(rng.integers(1, style.max_digits + 1))):
        k = int(rng.integers(len(digits)))
        side = int(rng.integers(style.min_side, style.max_side + 1))
        box = _place(canvas, _scaled(digits[k], side), rng, taken)
        if box is not None:
            x0, y0, x1, y1 = box
            boxes.append({"x": x0 / size, "y": y0 / size, "w": (x1 - x0) / size,
                          "h": (y1 - y0) / size, "label": str(int(targets[k]))})
    source = digits.shape[1]
    low, high = style.fragment_sides
    for _ in range(int(rng.integers(0, style.max_fragments + 1))):
        k, side = int(rng.integers(len(digits))), int(rng.integers(low, high + 1))
        top, left = rng.integers(0, source - side + 1, size=2)
        piece = digits[k][top:top + side, left:left + side]
        _place(canvas, _scaled(piece, int(round(side * rng.uniform(*style.fragment_zoom)))),
               rng, taken)
    canvas += rng.normal(0.0, style.noise, size=canvas.shape).astype(np.float32)
    return np.clip(canvas, 0.0, 1.0), boxes


def draw_canvases(digits: np.ndarray, targets: np.ndarray, n_images: int, *, size: int,
                  style: ClutterStyle, random_state: int
                  ) -> tuple[np.ndarray, list[list[dict[str, float | str]]]]:
    """``n_images`` canvases of ``digits`` (n, side, side) in [0, 1] with ``targets``.

    Canvas ``i`` is drawn from ``SeedSequence(random_state, spawn_key=(i,))``.
    """
    images = np.empty((n_images, size, size), dtype=np.float32)
    boxes = []
    for i in range(n_images):
        rng = np.random.default_rng(np.random.SeedSequence(random_state, spawn_key=(i,)))
        images[i], found = _canvas(digits, targets, rng, size, style)
        boxes.append(found)
    return images, boxes


def check_canvas_request(n_images: int, size: int) -> None:
    """A clear error for a canvas count that is not a positive int or a side under 48."""
    if isinstance(n_images, bool) or not isinstance(n_images, int) or n_images < 1:
        raise ConfigError(f"n_images must be a positive integer, got {n_images!r}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 48:
        raise ConfigError(f"size must be an integer of at least 48 pixels, got {size!r}")


def boxes_array(boxes: list[list[dict[str, float | str]]]) -> np.ndarray:
    """An object array holding each canvas's list of boxes (a Dataset's ``y``)."""
    y = np.empty(len(boxes), dtype=object)
    for i, found in enumerate(boxes):  # one by one: numpy would broadcast equal lengths
        y[i] = found
    return y


def make_cluttered_digits(n_images: int = _DEFAULT_IMAGES, *, size: int = CLUTTERED_SIZE,
                          random_state: int = 0
                          ) -> tuple[np.ndarray, list[list[dict[str, float | str]]]]:
    """Canvases of scattered digits with clutter, and every digit's exact box.

    Parameters
    ----------
    n_images : int, default=500
        Canvases to draw.
    size : int, default=96
        Side of a canvas in pixels (at least 48).
    random_state : int, default=0
        Canvas ``i`` is drawn from ``SeedSequence(random_state, spawn_key=(i,))``.

    Returns
    -------
    images : ndarray of shape (n_images, size, size), float32 in [0, 1]
    boxes : list of list of dict
        Per canvas, its digits as ``{"x", "y", "w", "h", "label"}``: the ink's box as
        fractions of the side (left, top, width, height) and the digit as a string.

    Examples
    --------
    >>> images, boxes = make_cluttered_digits(3)
    >>> images.shape
    (3, 96, 96)
    >>> 1 <= len(boxes[0]) <= 5 and boxes[0][0]["label"] in "0123456789"
    True
    """
    check_canvas_request(n_images, size)
    digits, targets = _digit_images()
    return draw_canvases(digits, targets, n_images, size=size, style=_DIGITS_STYLE,
                         random_state=random_state)


def load_cluttered_digits(n_images: int = _DEFAULT_IMAGES) -> Dataset:
    """``cluttered-digits`` as a :class:`Dataset`: ``X`` the canvases, ``y`` their boxes.

    Parameters
    ----------
    n_images : int, default=500

    Returns
    -------
    Dataset
        ``X`` of shape (n_images, 96, 96); ``y`` an object array holding each canvas's
        list of boxes; kind ``"image"``, task ``"detection"``.

    Examples
    --------
    >>> ds = load_cluttered_digits(4)
    >>> ds.X.shape, ds.task
    ((4, 96, 96), 'detection')
    """
    images, boxes = make_cluttered_digits(n_images)
    return Dataset(name=CLUTTERED_DIGITS, X=images, y=boxes_array(boxes), kind="image",
                   task="detection",
                   description=f"cluttered-digits: {n_images:,} {CLUTTERED_SIZE}x"
                               f"{CLUTTERED_SIZE} canvases, 1-5 scikit-learn digits each at "
                               "random positions and scales, digit fragments as clutter and "
                               "pixel noise; exact boxes, 10 classes, drawn from seed 0.")
