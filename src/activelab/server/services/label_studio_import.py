"""Reading a Label Studio JSON export: tasks with ``data``, ``annotations`` and ``predictions``.

Each task is one item, made from its ``data`` (``text``; ``image`` as a data URI,
or a URL naming an image the project has; ``table``, or the data's own numeric
fields, for a tabular project).  Its first annotation that was not cancelled is
its answer, its first prediction a pre-label; a task with neither is an
unlabelled item.  The results a project takes:

* choices (single and multi-label), anomaly: ``choices`` results;
* numbers: ``number`` results;
* image regions: ``rectanglelabels`` results, ``x``/``y``/``width``/``height`` in
  percent of the image's ``original_width`` and ``original_height``;
* every project but image regions: a ``textarea`` result, read as a typed answer
  (a label name, names separated by ``;``, or a number).

A result of another type (polygons, key points, ...) means the file comes from
another labelling template: the file is refused, saying what the project takes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from ...exceptions import DataError, InvalidAnswerError
from ...tasks.detection import check_boxes
from ..echo import echo
from ..models import Project, TaskType
from ..strict_json import loads_strict
from .annotated_records import NO_ANSWER, AnnotatedRecord, checked_answer
from .label_studio_config import object_name, result_type
from .task_types import answer_space, data_kind, takes_numbers
from .tasks import ParsedItem, parse_item_row, parse_prelabel

__all__ = ["read_label_studio", "taken_results"]


def taken_results(task_type: str) -> tuple[str, ...]:
    """The Label Studio result types a ``task_type`` project imports."""
    main = result_type(task_type)
    return (main,) if task_type == TaskType.image_regions else (main, "textarea")


def _given_id(task: Mapping[str, Any]) -> str | None:
    """The task's ``meta.external_id`` (which the export writes), or None."""
    meta = task.get("meta")
    given = meta.get("external_id") if isinstance(meta, Mapping) else None
    if isinstance(given, str | int) and not isinstance(given, bool) and str(given):
        return str(given)[:200]
    return None


def _task_id(task: Mapping[str, Any]) -> str | None:
    task_id = task.get("id")
    if isinstance(task_id, str | int) and not isinstance(task_id, bool):
        return f"label-studio-{task_id}"[:200]
    return None


def _source(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    """``data[key]``, or the one value of type ``kind`` that ``data`` holds."""
    if isinstance(data.get(key), kind):
        return data[key]
    values = [value for value in data.values() if isinstance(value, kind)]
    if len(values) == 1:
        return values[0]
    raise DataError(f"{where}: the project reads data.{key}, which is missing; got data keys "
                    f"{echo(sorted(data), 200)}")


def _item(project: Project, task: Mapping[str, Any], data: Mapping[str, Any], where: str
          ) -> tuple[ParsedItem | None, str | None]:
    """The item a task's ``data`` makes, and its external id.

    The item is None for an image given by URL: the project must have it (by the
    task's external id, or else by the URL's file name).
    """
    kind = data_kind(project.task_type)
    external_id = _given_id(task) or _task_id(task)
    row: dict[str, Any] = {"id": external_id}
    if kind == "image":
        source = _source(data, object_name(project.task_type), str, where)
        if not source.startswith("data:"):
            name = PurePosixPath(unquote(urlparse(source).path)).name[:200]
            return None, _given_id(task) or name or None
        row["image"] = source
    elif kind == "tabular":
        columns = data.get("table")
        row.update(columns if isinstance(columns, Mapping) else
                   {k: v for k, v in data.items() if k != "id"})
    else:
        row["text"] = _source(data, "text", str, where)
    try:
        return parse_item_row(project.task_type, row), external_id
    except DataError as error:
        raise DataError(f"{where}: {error}") from None


def _results(container: Any, where: str, project: Project) -> list[Mapping[str, Any]]:
    results = container.get("result") if isinstance(container, Mapping) else None
    if not isinstance(results, list) or not all(isinstance(r, Mapping) for r in results):
        raise DataError(f"{where}: 'result' is a list of results, got {echo(results)}")
    taken = taken_results(project.task_type)
    for result in results:
        if result.get("type") not in taken:
            raise DataError(
                f"{where}: a {echo(result.get('type'))} result: this file comes from another "
                f"Label Studio template; a {project.task_type.replace('_', ' ')} project "
                f"takes {' or '.join(taken)} results (its config: GET "
                f"/api/projects/{project.id}/export?format=label-studio-config)")
    return results


def _boxes(results: list[Mapping[str, Any]], where: str
           ) -> tuple[list[dict[str, Any]], tuple[int, int] | None]:
    boxes, sizes = [], set()
    for k, result in enumerate(results, start=1):
        value = result.get("value")
        here = f"{where}, result {k}"
        if not isinstance(value, Mapping):
            raise DataError(f"{here}: a rectangle has a 'value', got {echo(value)}")
        if value.get("rotation", 0) not in (0, 0.0):
            raise InvalidAnswerError(f"{here}: a rotated rectangle (rotation "
                                     f"{echo(value.get('rotation'))}) is not a box")
        names = value.get("rectanglelabels")
        if not isinstance(names, list) or len(names) != 1:
            raise InvalidAnswerError(f"{here}: rectanglelabels names exactly one label, got "
                                     f"{echo(names)}")
        box: dict[str, Any] = {"label": names[0]}
        for key, out in (("x", "x"), ("y", "y"), ("width", "w"), ("height", "h")):
            number = value.get(key)
            if isinstance(number, bool) or not isinstance(number, int | float) \
                    or not math.isfinite(number):
                raise InvalidAnswerError(f"{here}: {key} is a percentage, got {echo(number)}")
            box[out] = number / 100
        boxes.append(box)
        width, height = result.get("original_width"), result.get("original_height")
        if isinstance(width, int) and isinstance(height, int):
            sizes.add((width, height))
    if len(sizes) > 1:
        raise DataError(f"{where}: the rectangles give different image sizes {sorted(sizes)}")
    try:
        checked = check_boxes(boxes)
    except InvalidAnswerError as error:
        raise type(error)(f"{where}: {error}") from None
    return checked, next(iter(sizes), None)


def _answer(project: Project, results: list[Mapping[str, Any]], where: str) -> Any:
    task_type = project.task_type
    values: list[Mapping[str, Any]] = [
        r["value"] if isinstance(r.get("value"), Mapping) else {} for r in results]
    typed = [v.get("text") for r, v in zip(results, values, strict=True)
             if r.get("type") == "textarea"]
    if typed:
        text = typed[0][0] if isinstance(typed[0], list) and typed[0] else typed[0]
        try:
            return parse_prelabel(task_type, list(project.labels or ()), text,
                                  answer_space(project))
        except InvalidAnswerError as error:
            raise type(error)(f"{where}: {error}") from None
    if takes_numbers(task_type):
        return checked_answer(project, values[0].get("number"), where)
    choices = []
    for value in values:
        given = value.get("choices")
        if not isinstance(given, list):
            raise InvalidAnswerError(f"{where}: 'choices' is a list of label names, got "
                                     f"{echo(given)}")
        choices += given
    if task_type == TaskType.multilabel_text:
        return checked_answer(project, choices, where)
    if len(choices) != 1:
        raise InvalidAnswerError(f"{where}: {len(choices)} choices; a single-choice project "
                                 f"takes one, got {echo(choices)}")
    return checked_answer(project, choices[0], where)


def _value(project: Project, container: Any, where: str, item: ParsedItem | None
           ) -> tuple[Any, tuple[int, int] | None]:
    results = _results(container, where, project)
    if project.task_type == TaskType.image_regions:
        boxes, size = _boxes(results, where)
        if item is not None and size is not None \
                and size != (item.data["width"], item.data["height"]):
            raise DataError(f"{where}: the rectangles are drawn on a {size[0]}x{size[1]} image"
                            f", but the task's image is {item.data['width']}x"
                            f"{item.data['height']} pixels")
        return checked_answer(project, boxes, where), size
    if not results:
        return NO_ANSWER, None
    return _answer(project, results, where), None


def _entries(task: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    """A task's ``annotations`` or ``predictions``: a list of objects (none when absent)."""
    entries = task.get(key)
    if entries is None:
        return []
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise DataError(f"{where}: {key!r} is a list of objects, got {echo(entries)}")
    return entries


def read_label_studio(project: Project, raw: bytes) -> list[AnnotatedRecord]:
    """The items and answers of a Label Studio JSON export (a list of tasks).

    Raises
    ------
    DataError
        Not JSON, not a list of tasks, a task whose ``data`` the project cannot
        take, or a result of a type the project does not take (another template).
    InvalidAnswerError
        A bad answer: an unknown label, a box outside its image, two choices
        for a single-choice project, ...
    """
    document = loads_strict(raw, "the Label Studio file")
    if isinstance(document, Mapping) and "data" in document:
        document = [document]
    if not isinstance(document, list) or not document:
        raise DataError("a Label Studio export is a list of tasks {data, annotations}, got "
                        f"{echo(document)}")
    records = []
    for number, task in enumerate(document, start=1):
        where = f"task {number}"
        data = task.get("data") if isinstance(task, Mapping) else None
        if not isinstance(data, Mapping):
            raise DataError(f"{where}: a task has 'data' (the Label Studio JSON export, not "
                            f"JSON-MIN or CSV), got {echo(task)}")
        item, external_id = _item(project, task, data, where)
        record = AnnotatedRecord(where, external_id, item)
        annotations = [a for a in _entries(task, "annotations", where)
                       if not a.get("was_cancelled")]
        if annotations:
            record.answer, record.size = _value(project, annotations[0],
                                                f"{where}, annotation 1", item)
        predictions = _entries(task, "predictions", where)
        if predictions:
            record.prelabel, size = _value(project, predictions[0],
                                           f"{where}, prediction 1", item)
            record.size = record.size or size
        records.append(record)
    return records
