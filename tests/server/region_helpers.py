"""Small synthetic images for image regions projects: white squares and bars on black.

Image ``i`` is 48x48 pixels with one 10x10 square and one 18x4 bar, placed by ``i``;
:func:`shapes_truth` gives their true boxes as fractions of the image.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import numpy as np
from PIL import Image

SIDE = 48
LABELS = ["square", "bar"]


def _places(i: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Top-left corners (x, y) of the square and the bar of image ``i``."""
    square = (2 + (i * 7) % 14, 2 + (i * 5) % 12)
    bar = (24 + (i * 3) % 6, 30 + (i * 11) % 12)
    return square, bar


def shapes_pixels(i: int) -> np.ndarray:
    image = np.zeros((SIDE, SIDE), dtype=np.uint8)
    (sx, sy), (bx, by) = _places(i)
    image[sy:sy + 10, sx:sx + 10] = 255
    image[by:by + 4, bx:bx + 18] = 255
    return image


def shapes_png(i: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(shapes_pixels(i)).save(out, format="PNG")
    return out.getvalue()


def shapes_b64(i: int) -> str:
    return base64.b64encode(shapes_png(i)).decode("ascii")


def shapes_truth(i: int) -> list[dict[str, Any]]:
    (sx, sy), (bx, by) = _places(i)
    return [{"x": sx / SIDE, "y": sy / SIDE, "w": 10 / SIDE, "h": 10 / SIDE, "label": "square"},
            {"x": bx / SIDE, "y": by / SIDE, "w": 18 / SIDE, "h": 4 / SIDE, "label": "bar"}]


def shapes_jsonl(n: int) -> str:
    return "\n".join(json.dumps({"id": f"s{i}", "image": shapes_b64(i)}) for i in range(n))


def index_of(item: dict[str, Any]) -> int:
    return int(item["external_id"][1:])
