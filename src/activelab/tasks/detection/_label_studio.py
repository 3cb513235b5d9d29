"""Label Studio tasks with rectangle labels (``RectangleLabels`` results).

A result's ``value`` gives ``x``, ``y``, ``width`` and ``height`` as percentages of
the image's size, and ``rectanglelabels`` the label; ``original_width`` and
``original_height`` give the size in pixels. An export holds one task per image
with one annotation; an import reads each task's first annotation that was not
cancelled.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..._echo import echo
from ...exceptions import DataError, InvalidAnswerError
from ..answers import AnswerSpace
from ._images import AnnotatedImage

__all__ = ["export_label_studio", "import_label_studio"]


def export_label_studio(images: Sequence[AnnotatedImage], labels: Sequence[str] | None = None,
                        *, from_name: str = "label", to_name: str = "image"
                        ) -> list[dict[str, Any]]:
    """The images and their boxes as Label Studio tasks (``json.dumps`` writes the file).

    Parameters
    ----------
    images : sequence of AnnotatedImage
    labels : sequence of str, optional
        The labels allowed (default: any).
    from_name, to_name : str
        The names of the labelling config's ``RectangleLabels`` and ``Image`` tags.

    Returns
    -------
    list of dict

    Examples
    --------
    >>> tasks = export_label_studio([AnnotatedImage("a.png", 100, 50, [
    ...     {"x": 0.1, "y": 0.2, "w": 0.5, "h": 0.4, "label": "7"}])])
    >>> tasks[0]["annotations"][0]["result"][0]["value"]["width"]
    50.0
    """
    space = AnswerSpace(labels=tuple(labels or ()))
    tasks = []
    for raw in images:
        image = raw.checked(space)
        result = [{"type": "rectanglelabels", "from_name": from_name, "to_name": to_name,
                   "original_width": image.width, "original_height": image.height,
                   "image_rotation": 0,
                   "value": {"x": box["x"] * 100, "y": box["y"] * 100, "width": box["w"] * 100,
                             "height": box["h"] * 100, "rotation": 0,
                             "rectanglelabels": [box["label"]]}}
                  for box in image.boxes]
        tasks.append({"data": {to_name: image.name}, "annotations": [{"result": result}]})
    return tasks


def _size(result: Mapping[str, Any], key: str, where: str) -> int:
    value = result.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DataError(f"{where}: {key} must be a positive whole number of pixels, got "
                        f"{echo(value)}")
    return value


def _box(result: Any, where: str) -> tuple[dict[str, Any], int, int]:
    if not isinstance(result, Mapping) or not isinstance(result.get("value"), Mapping):
        raise DataError(f"{where}: a result has a 'value', got {echo(result)}")
    value = result["value"]
    if value.get("rotation", 0) not in (0, 0.0):
        raise DataError(f"{where}: rotated rectangles are not supported (rotation "
                        f"{echo(value.get('rotation'))})")
    names = value.get("rectanglelabels")
    if not isinstance(names, list) or len(names) != 1:
        raise InvalidAnswerError(f"{where}: rectanglelabels must name exactly one label, got "
                                 f"{echo(names)}")
    box: dict[str, Any] = {"label": names[0]}
    for key, out in (("x", "x"), ("y", "y"), ("width", "w"), ("height", "h")):
        number = value.get(key)
        if isinstance(number, bool) or not isinstance(number, int | float) \
                or not math.isfinite(number):
            raise InvalidAnswerError(f"{where}: {key} must be a percentage, got {echo(number)}")
        box[out] = number / 100
    return box, _size(result, "original_width", where), _size(result, "original_height", where)


def import_label_studio(document: str | Sequence[Any], labels: Sequence[str] | None = None,
                        *, to_name: str = "image") -> list[AnnotatedImage]:
    """The images and rectangle labels of a Label Studio export (text or parsed).

    Parameters
    ----------
    document : str or list
        The JSON export: a list of tasks.
    labels : sequence of str, optional
        The labels allowed (default: any).
    to_name : str, default="image"
        The ``data`` key that holds each task's image.

    Returns
    -------
    list of AnnotatedImage
        One per task; a task without a rectangle has no box and its size from
        nothing, so it is left out.

    Raises
    ------
    DataError
        Not JSON, a task without its image, a rotated rectangle, or a missing size.
    InvalidAnswerError
        A box outside the image or of zero or negative size; UnknownLabelError (one of
        them) for a label outside ``labels``.

    Examples
    --------
    >>> image = AnnotatedImage("a.png", 100, 50, [
    ...     {"x": 0.1, "y": 0.2, "w": 0.5, "h": 0.4, "label": "7"}])
    >>> import_label_studio(json.dumps(export_label_studio([image]))) == [image]
    True
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as error:
            raise DataError(f"the Label Studio file is not JSON ({error})") from None
    if not isinstance(document, list):
        raise DataError(f"a Label Studio export is a list of tasks, got {echo(document)}")
    space = AnswerSpace(labels=tuple(labels or ()))
    images = []
    for number, task in enumerate(document, start=1):
        data = task.get("data") if isinstance(task, Mapping) else None
        name = data.get(to_name) if isinstance(data, Mapping) else None
        if not isinstance(name, str) or not name:
            raise DataError(f"task {number} has no image under data.{to_name}")
        done = [a for a in task.get("annotations") or []
                if isinstance(a, Mapping) and not a.get("was_cancelled")]
        results = [r for r in (done[0].get("result") or [] if done else [])
                   if isinstance(r, Mapping) and r.get("type") == "rectanglelabels"]
        boxes, sizes = [], set()
        for k, result in enumerate(results, start=1):
            box, width, height = _box(result, f"task {number}, result {k}")
            boxes.append(box)
            sizes.add((width, height))
        if len(sizes) > 1:
            raise DataError(f"task {number}: its results give different image sizes "
                            f"{sorted(sizes)}")
        if sizes:
            (width, height), = sizes
            images.append(AnnotatedImage(name, width, height, boxes).checked(space))
    return images
