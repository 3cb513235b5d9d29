"""An annotated image as the file formats see it, and reading an image's pixels."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..._echo import echo
from ...exceptions import DataError, InvalidAnswerError, MissingDependencyError
from ..answers import AnswerSpace
from ._boxes import check_boxes

__all__ = ["AnnotatedImage", "read_image", "check_image_files"]


@dataclass(frozen=True)
class AnnotatedImage:
    """One image of an export: its file name, size in pixels and boxes.

    Attributes
    ----------
    name : str
        The image's file name (its id in an export).
    width, height : int
        Its size in pixels.
    boxes : list of dict
        ``{x, y, w, h, label}`` as fractions of the image's side (see
        :func:`~._boxes.check_boxes`).
    """

    name: str
    width: int
    height: int
    boxes: list[dict[str, Any]] = field(default_factory=list)

    def checked(self, space: AnswerSpace | None = None) -> AnnotatedImage:
        """The same image with its size and boxes checked (a DataError or
        InvalidAnswerError naming the image otherwise)."""
        if not isinstance(self.name, str) or not self.name:
            raise DataError(f"an image needs a file name, got {echo(self.name)}")
        for key in ("width", "height"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise DataError(f"image {echo(self.name)}: {key} must be a positive whole "
                                f"number of pixels, got {echo(value)}")
        try:
            boxes = check_boxes(self.boxes, space)
        except InvalidAnswerError as error:
            raise type(error)(f"image {echo(self.name)}: {error}") from None
        return AnnotatedImage(self.name, self.width, self.height, boxes)


def read_image(data: bytes, name: str = "image") -> np.ndarray:
    """The grey pixels of an image file's bytes: float32 (height, width) in [0, 1].

    Raises
    ------
    DataError
        The bytes are not an image Pillow can read (a corrupt or truncated file).

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> out = io.BytesIO(); Image.new("L", (4, 3), 255).save(out, "PNG")
    >>> read_image(out.getvalue()).shape
    (3, 4)
    """
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        raise MissingDependencyError("pillow", "server", "reading images") from None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            grey = opened.convert("L")
            grey.load()
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise DataError(f"image {echo(name)} is not a readable image ({error})") from None
    return np.asarray(grey, dtype=np.float32) / 255.0


def check_image_files(images: list[AnnotatedImage], files: Mapping[str, bytes]) -> None:
    """Check that every image of an import is among ``files``, readable, and of its size.

    Raises
    ------
    DataError
        An image file that is missing, corrupt, or of another size than declared.
    """
    for image in images:
        if image.name not in files:
            raise DataError(f"image {echo(image.name)} is named by the annotations but its "
                            "file is missing")
        pixels = read_image(files[image.name], image.name)
        if pixels.shape != (image.height, image.width):
            raise DataError(f"image {echo(image.name)} is {pixels.shape[1]}x{pixels.shape[0]} "
                            f"pixels, but the annotations say {image.width}x{image.height}")
