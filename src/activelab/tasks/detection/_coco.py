"""COCO object-detection files: ``images``, ``annotations`` and ``categories``.

A COCO ``bbox`` is ``[x, y, width, height]`` in pixels from the image's top-left
corner; categories are numbered from 1 in the order of the labels.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..._echo import echo
from ...exceptions import DataError, InvalidAnswerError, UnknownLabelError
from ..answers import AnswerSpace
from ._images import AnnotatedImage, check_image_files

__all__ = ["export_coco", "import_coco"]


def export_coco(images: Sequence[AnnotatedImage], labels: Sequence[str]) -> dict[str, Any]:
    """The images and their boxes as a COCO document (valid when there is no image).

    Parameters
    ----------
    images : sequence of AnnotatedImage
    labels : sequence of str
        Every label, in the order of their category ids (1, 2, ...).

    Returns
    -------
    dict
        ``{"images", "annotations", "categories"}``; ``json.dumps`` writes the file.

    Examples
    --------
    >>> doc = export_coco([AnnotatedImage("a.png", 100, 50, [
    ...     {"x": 0.1, "y": 0.2, "w": 0.5, "h": 0.4, "label": "7"}])], ["3", "7"])
    >>> doc["annotations"][0]["bbox"], doc["annotations"][0]["category_id"]
    ([10.0, 10.0, 50.0, 20.0], 2)
    >>> export_coco([], ["7"])["images"]
    []
    """
    space = AnswerSpace(labels=tuple(labels))
    category = {label: k for k, label in enumerate(space.labels, start=1)}
    doc: dict[str, Any] = {
        "images": [], "annotations": [],
        "categories": [{"id": k, "name": label} for label, k in category.items()]}
    for image_id, raw in enumerate(images, start=1):
        image = raw.checked(space)
        doc["images"].append({"id": image_id, "file_name": image.name, "width": image.width,
                              "height": image.height})
        for box in image.boxes:
            bbox = [box["x"] * image.width, box["y"] * image.height, box["w"] * image.width,
                    box["h"] * image.height]
            doc["annotations"].append({
                "id": len(doc["annotations"]) + 1, "image_id": image_id,
                "category_id": category[box["label"]], "bbox": bbox,
                "area": bbox[2] * bbox[3], "iscrowd": 0})
    return doc


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key)
    if not isinstance(value, list):
        raise DataError(f"a COCO file has a list {key!r}, got {echo(value)}")
    return value


def _key(value: Any) -> bool:
    """Whether ``value`` can be an image or category id (a number or a string)."""
    return isinstance(value, int | float | str) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def import_coco(document: str | Mapping[str, Any], *, labels: Sequence[str] | None = None,
                files: Mapping[str, bytes] | None = None
                ) -> tuple[list[AnnotatedImage], list[str]]:
    """The images, boxes and labels of a COCO document (text or parsed).

    Parameters
    ----------
    document : str or mapping
    labels : sequence of str, optional
        The labels allowed; a category outside them is an error. Default: the file's.
    files : mapping of str to bytes, optional
        Image files by file name: each image must be there, readable and of its size.

    Returns
    -------
    images : list of AnnotatedImage
        In the file's order, boxes checked.
    labels : list of str
        The category names, in the order of their ids.

    Raises
    ------
    DataError
        Not JSON, a missing list, an annotation naming a missing image or category,
        a bad image entry, or (with ``files``) a missing or corrupt image.
    InvalidAnswerError
        A box outside its image, or of zero or negative size.
    UnknownLabelError
        A category outside ``labels``.

    Examples
    --------
    >>> doc = export_coco([AnnotatedImage("a.png", 100, 50, [
    ...     {"x": 0.1, "y": 0.2, "w": 0.5, "h": 0.4, "label": "7"}])], ["7"])
    >>> images, labels = import_coco(json.dumps(doc))
    >>> images[0].boxes, labels
    ([{'x': 0.1, 'y': 0.2, 'w': 0.5, 'h': 0.4, 'label': '7'}], ['7'])
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as error:
            raise DataError(f"the COCO file is not JSON ({error})") from None
    if not isinstance(document, Mapping):
        raise DataError(f"a COCO file is a JSON object, got {echo(document)}")
    categories: dict[Any, str] = {}
    for entry in _list(document, "categories"):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str) \
                or not _key(entry.get("id")):
            raise DataError(f"a COCO category has an id and a name, got {echo(entry)}")
        categories[entry["id"]] = entry["name"]
    names = list(categories.values())
    space = AnswerSpace(labels=tuple(labels) if labels is not None else tuple(names))
    outside = [name for name in names if name not in space.labels]
    if outside:
        raise UnknownLabelError(f"unknown label {echo(outside[0])} among the categories; the "
                                f"labels are {echo(list(space.labels), 400)}")
    images: dict[Any, AnnotatedImage] = {}
    for entry in _list(document, "images"):
        if not isinstance(entry, Mapping) or not _key(entry.get("id")):
            raise DataError(f"a COCO image has an id, file_name, width and height, got "
                            f"{echo(entry)}")
        if entry["id"] in images:
            raise DataError(f"two COCO images have the id {echo(entry['id'])}")
        # checked() refuses a missing or wrong name or size with the image's name
        images[entry["id"]] = AnnotatedImage(entry.get("file_name"),  # type: ignore[arg-type]
                                             entry.get("width"),  # type: ignore[arg-type]
                                             entry.get("height"),  # type: ignore[arg-type]
                                             []).checked(space)
    for number, entry in enumerate(_list(document, "annotations"), start=1):
        where = f"annotation {number}"
        if not isinstance(entry, Mapping):
            raise DataError(f"{where} is not an object: {echo(entry)}")
        if not _key(entry.get("image_id")) or entry["image_id"] not in images:
            raise DataError(f"{where} names image {echo(entry.get('image_id'))}, which is not "
                            "among the file's images")
        if not _key(entry.get("category_id")) or entry["category_id"] not in categories:
            raise UnknownLabelError(f"{where} names category {echo(entry.get('category_id'))}"
                                    ", which is not among the file's categories")
        bbox = entry.get("bbox")
        if not isinstance(bbox, list) or len(bbox) != 4 or not all(map(_number, bbox)):
            raise InvalidAnswerError(f"{where}: bbox must be 4 numbers [x, y, width, height], "
                                     f"got {echo(bbox)}")
        image = images[entry["image_id"]]
        image.boxes.append({"x": bbox[0] / image.width, "y": bbox[1] / image.height,
                            "w": bbox[2] / image.width, "h": bbox[3] / image.height,
                            "label": categories[entry["category_id"]]})
    found = [image.checked(space) for image in images.values()]
    if files is not None:
        check_image_files(found, files)
    return found, names
