"""How one item and the progress so far are shown: HTML for text and table rows,
PNG bytes for images, an inline SVG for the learning curve."""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import ConfigError, DataError

__all__ = ["ITEM_KINDS", "IMAGE_SUFFIXES", "item_kind", "text_html", "table_html",
           "image_bytes", "curve_svg"]

ITEM_KINDS = ("auto", "text", "image", "table")
#: Image arrays smaller than this many pixels a side are enlarged by whole pixels.
MIN_IMAGE_SIDE = 128
IMAGE_SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif",
                  ".webp": "webp", ".bmp": "bmp"}


def item_kind(item: Any) -> str:
    """``"text"``, ``"image"`` or ``"table"``: how an item with no declared kind is shown."""
    if isinstance(item, Path):
        return "image"
    if isinstance(item, str):
        return "image" if Path(item).suffix.lower() in IMAGE_SUFFIXES \
            and Path(item).is_file() else "text"
    if isinstance(item, np.ndarray) and item.ndim in (2, 3):
        return "image"
    return "table"


def text_html(text: Any) -> str:
    return f'<div class="activelab-item-text">{html.escape(str(text))}</div>'


def table_html(row: Any, columns: Sequence[Any] | None = None) -> str:
    """One row as a two-column table (feature, value)."""
    if hasattr(row, "items") and columns is None:  # a pandas Series or a dict
        pairs = list(row.items())
    else:
        values = np.asarray(row).ravel()
        names = list(columns) if columns is not None else list(range(len(values)))
        pairs = list(zip(names, values.tolist(), strict=True))
    cells = "".join(f"<tr><th>{html.escape(str(name))}</th><td>{html.escape(_short(value))}"
                    "</td></tr>" for name, value in pairs)
    return f'<table class="activelab-item-table">{cells}</table>'


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def image_bytes(item: Any) -> tuple[bytes, str]:
    """``(bytes, format)`` of an image given as a path or an array (H, W) or (H, W, 3|4)."""
    if isinstance(item, str | Path):
        path = Path(item)
        fmt = IMAGE_SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise DataError(f"{path}: not an image file ({', '.join(IMAGE_SUFFIXES)})")
        try:
            return path.read_bytes(), fmt
        except OSError as error:
            raise DataError(f"cannot read the image {path}: {error.strerror}") from None
    array = np.asarray(item)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise DataError(f"an image array must have shape (H, W) or (H, W, 3|4), "
                        f"got {array.shape}")
    from matplotlib.image import imsave

    # A tiny image (an 8x8 digit) is enlarged here, pixel by pixel: a browser would blur it.
    scale = max(1, MIN_IMAGE_SIDE // max(array.shape[:2]))
    array = np.repeat(np.repeat(array, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    imsave(buffer, array.astype(float), format="png", cmap="gray_r" if array.ndim == 2 else None)
    return buffer.getvalue(), "png"


def curve_svg(n_labeled: Sequence[int], values: Sequence[float], *, label: str,
              width: int = 240, height: int = 60) -> str:
    """A small line chart of ``values`` against labelled items, as inline SVG."""
    if len(n_labeled) != len(values):
        raise ConfigError("n_labeled and values must have the same length")
    points = [(x, y) for x, y in zip(n_labeled, values, strict=True) if np.isfinite(y)]
    if len(points) < 2:
        return ""
    xs, ys = np.array([p[0] for p in points], float), np.array([p[1] for p in points], float)
    span_x, span_y = max(np.ptp(xs), 1.0), max(np.ptp(ys), 1e-9)
    px = 4 + (xs - xs.min()) / span_x * (width - 8)
    py = height - 4 - (ys - ys.min()) / span_y * (height - 8)
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(px, py, strict=True))
    title = html.escape(f"{label}: {ys[-1]:.3f} at {int(xs[-1])} labels")
    return (f'<svg class="activelab-curve" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img"><title>{title}</title>'
            f'<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="{line}"/></svg>')
