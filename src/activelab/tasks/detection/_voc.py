"""Pascal VOC annotation files: one XML document per image.

VOC writes pixel corners 1-based and inclusive: a box over pixels 0..9 (x0 = 0,
x1 = 10 here) is ``xmin = 1``, ``xmax = 10``.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence

from ..._echo import echo
from ...exceptions import DataError
from ..answers import AnswerSpace
from ._images import AnnotatedImage

__all__ = ["export_voc", "import_voc"]


def _text(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def export_voc(image: AnnotatedImage, labels: Sequence[str] | None = None) -> str:
    """One image and its boxes as a Pascal VOC XML document.

    Parameters
    ----------
    image : AnnotatedImage
    labels : sequence of str, optional
        The labels allowed (default: any).

    Returns
    -------
    str

    Examples
    --------
    >>> text = export_voc(AnnotatedImage("a.png", 100, 50, [
    ...     {"x": 0.1, "y": 0.2, "w": 0.5, "h": 0.4, "label": "7"}]))
    >>> "<xmin>11</xmin>" in text and "<xmax>60</xmax>" in text
    True
    """
    image = image.checked(AnswerSpace(labels=tuple(labels or ())))
    root = ElementTree.Element("annotation")
    ElementTree.SubElement(root, "filename").text = image.name
    size = ElementTree.SubElement(root, "size")
    for key, value in (("width", image.width), ("height", image.height), ("depth", 1)):
        ElementTree.SubElement(size, key).text = str(value)
    for box in image.boxes:
        item = ElementTree.SubElement(root, "object")
        ElementTree.SubElement(item, "name").text = box["label"]
        ElementTree.SubElement(item, "difficult").text = "0"
        corners = ElementTree.SubElement(item, "bndbox")
        x0, y0 = box["x"] * image.width, box["y"] * image.height
        x1, y1 = x0 + box["w"] * image.width, y0 + box["h"] * image.height
        for key, value in (("xmin", x0 + 1), ("ymin", y0 + 1), ("xmax", x1), ("ymax", y1)):
            ElementTree.SubElement(corners, key).text = _text(value)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode") + "\n"


def _number(parent: ElementTree.Element, key: str, where: str) -> float:
    node = parent.find(key)
    try:
        value = float(node.text or "") if node is not None else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise DataError(f"{where}: <{key}> must be a number, got "
                        f"{echo(None if node is None else node.text)}")
    return value


def import_voc(text: str, labels: Sequence[str] | None = None) -> AnnotatedImage:
    """The image and boxes of one Pascal VOC XML document.

    Parameters
    ----------
    text : str
    labels : sequence of str, optional
        The labels allowed (default: any).

    Returns
    -------
    AnnotatedImage

    Raises
    ------
    DataError
        Not XML, or a missing file name, size or box corner.
    InvalidAnswerError
        A box outside the image or of zero or negative size; UnknownLabelError (one of
        them) for a label outside ``labels``.

    Examples
    --------
    >>> image = AnnotatedImage("a.png", 100, 50, [
    ...     {"x": 0.1, "y": 0.2, "w": 0.5, "h": 0.4, "label": "7"}])
    >>> import_voc(export_voc(image)) == image
    True
    """
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise DataError(f"the VOC file is not XML ({error})") from None
    name = root.findtext("filename")
    size = root.find("size")
    if not name or size is None:
        raise DataError("a VOC file has a <filename> and a <size>")
    width, height = (_number(size, key, f"image {echo(name)}") for key in ("width", "height"))
    if width != int(width) or height != int(height) or width < 1 or height < 1:
        raise DataError(f"image {echo(name)}: width and height are positive whole numbers of "
                        f"pixels, got {width:g}x{height:g}")
    boxes = []
    for number, item in enumerate(root.findall("object"), start=1):
        where = f"image {echo(name)}, object {number}"
        corners = item.find("bndbox")
        if corners is None:
            raise DataError(f"{where} has no <bndbox>")
        x0, y0 = (_number(corners, key, where) - 1 for key in ("xmin", "ymin"))
        x1, y1 = (_number(corners, key, where) for key in ("xmax", "ymax"))
        boxes.append({"x": x0 / width, "y": y0 / height, "w": (x1 - x0) / width,
                      "h": (y1 - y0) / height, "label": item.findtext("name")})
    return AnnotatedImage(name, int(width), int(height), boxes).checked(
        AnswerSpace(labels=tuple(labels or ())))
