"""Where objects may be, and what a region looks like to the classifier.

Proposals are the connected blobs of bright pixels of an image (after a one-pixel
dilation that joins broken strokes), each boxed tightly around its own pixels. A
region's features are its pixels resampled onto a fixed square grid centred on it,
plus its size and shape, so one classifier reads regions of every scale.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["propose_regions", "region_features", "non_max_suppression", "GRID"]

#: Side of the square grid a region is resampled onto.
GRID = 12
_THRESHOLD = 0.2
_MIN_PIXELS = 8
_EIGHT = np.ones((3, 3), dtype=bool)


def propose_regions(image: np.ndarray, threshold: float = _THRESHOLD,
                    min_pixels: int = _MIN_PIXELS) -> np.ndarray:
    """Boxes (pixel corners, shape (k, 4)) around the bright blobs of a grey ``image``.

    Parameters
    ----------
    image : ndarray of shape (height, width)
        Grey levels in [0, 1], objects brighter than the background.
    threshold : float, default=0.2
        A pixel at least this bright is part of a blob.
    min_pixels : int, default=8
        Blobs with fewer bright pixels are noise.

    Returns
    -------
    ndarray of shape (k, 4)
        ``(x0, y0, x1, y1)``, ``x1`` and ``y1`` one past the last pixel.

    Examples
    --------
    >>> image = np.zeros((20, 20)); image[2:6, 3:9] = 1.0
    >>> propose_regions(image).tolist()
    [[3.0, 2.0, 9.0, 6.0]]
    """
    bright = image >= threshold
    joined = ndimage.binary_dilation(bright, structure=_EIGHT)
    blobs, n = ndimage.label(joined, structure=_EIGHT)
    if n == 0:
        return np.zeros((0, 4))
    blobs = np.where(bright, blobs, 0)  # each blob boxed around its own bright pixels
    counts = np.bincount(blobs.ravel(), minlength=n + 1)
    boxes = []
    for k, where in enumerate(ndimage.find_objects(blobs, max_label=n), start=1):
        if where is None or counts[k] < min_pixels:
            continue
        rows, cols = where
        boxes.append((cols.start, rows.start, cols.stop, rows.stop))
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4)


def region_features(image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Features of each box of ``image``: its pixels on a GRID x GRID square, and its shape.

    Parameters
    ----------
    image : ndarray of shape (height, width)
    boxes : ndarray of shape (k, 4)
        Pixel corners.

    Returns
    -------
    ndarray of shape (k, GRID * GRID + 4), float32
        The resampled pixels (the square around the box's longer side, centred on it),
        then width and height as fractions of the image, the aspect ratio (height /
        width) and the box's mean brightness.

    Examples
    --------
    >>> image = np.zeros((20, 20)); image[2:6, 3:9] = 1.0
    >>> region_features(image, np.array([[3, 2, 9, 6.]])).shape
    (1, 148)
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    k = len(boxes)
    if k == 0:
        return np.zeros((0, GRID * GRID + 4), dtype=np.float32)
    height, width = image.shape
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    steps = (np.arange(GRID) + 0.5) / GRID - 0.5  # cell centres across a unit square
    xs = cx[:, None] + steps[None, :] * side[:, None] - 0.5  # pixel centres sit at +0.5
    ys = cy[:, None] + steps[None, :] * side[:, None] - 0.5
    rows = np.broadcast_to(ys[:, :, None], (k, GRID, GRID))
    cols = np.broadcast_to(xs[:, None, :], (k, GRID, GRID))
    pixels = ndimage.map_coordinates(image, [rows.ravel(), cols.ravel()], order=1,
                                     mode="constant", cval=0.0).reshape(k, GRID * GRID)
    mean = np.array([image[int(y0):int(y1), int(x0):int(x1)].mean() if x1 > x0 and y1 > y0
                     else 0.0 for x0, y0, x1, y1 in boxes])
    shape = np.column_stack([w / width, h / height, h / np.maximum(w, 1e-9), mean])
    return np.hstack([pixels, shape]).astype(np.float32)


def non_max_suppression(boxes: np.ndarray, scores: np.ndarray, iou: float = 0.5) -> np.ndarray:
    """Indices of the boxes kept, best first: each overlaps no better box by more than ``iou``.

    Examples
    --------
    >>> boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30.]])
    >>> non_max_suppression(boxes, np.array([0.9, 0.8, 0.7])).tolist()
    [0, 2]
    """
    from ._boxes import box_iou

    order = np.argsort(-np.asarray(scores), kind="stable")
    kept: list[int] = []
    for index in order:
        if not kept or box_iou(boxes[[index]], boxes[kept]).max() <= iou:
            kept.append(int(index))
    return np.asarray(kept, dtype=np.intp)
