"""What each task type accepts: item rows at import and label values at annotation."""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
from typing import Any

from PIL import Image, UnidentifiedImageError

from ...exceptions import DataError, InvalidAnswerError, UnknownLabelError
from ...tasks.answers import MAX_LABEL_LIST, AnswerSpace
from ...tasks.registry import get_task
from ..echo import echo
from ..models import TaskType
from ..strict_json import find_bad_text
from .task_types import ANSWER_TASK, DATA_KIND, takes_numbers

__all__ = ["ParsedItem", "parse_item_row", "parse_image_file", "validate_label_value",
           "is_image_task", "check_image_bytes", "MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS",
           "MAX_BOXES_PER_LABEL", "MAX_LABEL_LIST", "parse_prelabel"]

RESERVED_COLUMNS = frozenset({"id", "external_id"})
MAX_IMAGE_BYTES = 20 * 1024 * 1024
#: Decoded size limit (decompression bombs): 50 megapixels.
MAX_IMAGE_PIXELS = 50_000_000
#: Images up to this size are decoded in full at import; larger ones are checked
#: without holding all their pixels (see ``check_image_bytes``).
FULL_DECODE_PIXELS = 4_000_000
#: Regions one image-regions label may hold.
MAX_BOXES_PER_LABEL = 1_000
_MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp",
         "BMP": "image/bmp"}


def is_image_task(task_type: str) -> bool:
    return task_type in (TaskType.image_classification, TaskType.image_regions)


class ParsedItem:
    """One valid import row, ready to insert (``prelabel``: its label column's value, checked;
    ``gold``: its gold answer, checked, or None)."""

    __slots__ = ("external_id", "data", "image", "image_mime", "prelabel", "gold")

    def __init__(self, external_id: str | None, data: dict[str, Any],
                 image: bytes | None = None, image_mime: str | None = None,
                 prelabel: Any = None, gold: Any = None) -> None:
        self.external_id = external_id
        self.data = data
        self.image = image
        self.image_mime = image_mime
        self.prelabel = prelabel
        self.gold = gold


def _decode_image(value: Any) -> tuple[bytes, str, int, int]:
    if not isinstance(value, str) or not value.strip():
        raise DataError("column 'image' must hold base64-encoded image bytes (or a data: URI)")
    text = value.strip()
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DataError("column 'image' is not valid base64") from None
    mime, width, height = check_image_bytes(raw, "column 'image'")
    return raw, mime, width, height


def check_image_bytes(raw: bytes, what: str = "the file") -> tuple[str, int, int]:
    """(MIME type, width, height) of an encoded image; DataError when it is not one.

    An image of up to ``FULL_DECODE_PIXELS`` is decoded in full (``load``), so
    a truncated or corrupt file is caught here rather than when the model
    featurises it.  A larger one is checked without holding all its pixels:
    a JPEG is decoded at 1/8 scale (every byte of it is still read), a PNG has
    every chunk's checksum verified; other formats are decoded in full.  So
    importing many large images costs little memory, whatever their number.
    An image of more than ``MAX_IMAGE_PIXELS`` is refused as too large.
    """
    if len(raw) > MAX_IMAGE_BYTES:
        raise DataError(f"{what}: image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    too_large = DataError(f"{what}: the image is too large: it declares more than "
                          f"{MAX_IMAGE_PIXELS:,} pixels")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            kind, (width, height) = image.format, image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise DataError(f"{what}: image of {width}x{height} pixels is too large; at "
                                f"most {MAX_IMAGE_PIXELS:,} pixels are accepted")
            _check_decodes(image, width * height)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Raised by Image.open itself, before the size can be read.
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DataError(f"{what} does not decode to a readable image") from None
    mime = _MIME.get(kind or "")
    if mime is None:
        raise DataError(f"{what}: image format {kind} is not supported; use PNG, JPEG, GIF, "
                        "WEBP or BMP")
    return mime, width, height


def _check_decodes(image: Image.Image, pixels: int) -> None:
    if pixels <= FULL_DECODE_PIXELS:
        image.load()
    elif image.format == "JPEG":
        image.draft(image.mode, (image.width // 8, image.height // 8))
        image.load()
    elif image.format == "PNG":
        image.verify()
    else:
        image.load()


def parse_image_file(task_type: str, name: str, raw: bytes) -> ParsedItem:
    """One image file of a folder or zip import; its relative path is the external id.

    Raises
    ------
    DataError
        The project is not an image task, or the bytes are not a supported image.
    """
    if not is_image_task(task_type):
        raise DataError("a folder of images can only be imported into an image project")
    problem = find_bad_text(name)
    if problem is not None:  # e.g. a file name that is not UTF-8 (surrogate-escaped)
        raise DataError(f"the file name {problem}")
    mime, width, height = check_image_bytes(raw)
    return ParsedItem(name[:200], {"width": width, "height": height, "file": name}, raw, mime)


def _number(name: str, value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # missing: imputed at featurisation
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise DataError(f"column {echo(name)} is not a number: {echo(value)}") from None
    else:
        raise DataError(f"column {echo(name)} is not a number: {type(value).__name__}")
    if not math.isfinite(number):
        raise DataError(f"column {echo(name)} is not a finite number: {echo(value)}")
    return number


def _numbers(row: dict[str, Any]) -> dict[str, float | None]:
    """The numeric columns of a tabular row: plain ``float`` first, :func:`_number` to explain.

    ``float`` accepts what :func:`_number` accepts (surrounding spaces, ``True``)
    and refuses a blank or missing value, which :func:`_number` reads as missing.
    """
    try:  # the common case at a million rows per import: every value a finite number
        values = {str(k): float(v) for k, v in row.items()
                  if k not in RESERVED_COLUMNS and k is not None}
        if all(map(math.isfinite, values.values())):
            return values  # type: ignore[return-value]
    except (TypeError, ValueError):
        pass
    return {str(k): _number(str(k), v) for k, v in row.items()
            if k not in RESERVED_COLUMNS and k is not None}


def parse_item_row(task_type: str, row: dict[str, Any]) -> ParsedItem:
    """Validate one import row (a CSV record or a JSON object) for ``task_type``.

    Text tasks need a non-empty ``text``; image tasks an ``image`` (base64 or a
    data: URI of PNG/JPEG/...); tabular tasks numeric columns.  ``id`` (or
    ``external_id``) is kept as the item's external id.

    Raises
    ------
    DataError
        With a message saying which column is wrong and why.
    """
    if not isinstance(row, dict):
        raise DataError(f"expected an object per line, got {type(row).__name__}")
    if task_type not in DATA_KIND:
        raise DataError(f"unknown task type {echo(task_type)}")
    raw_id = row.get("id", row.get("external_id"))
    external_id = None if raw_id in (None, "") else str(raw_id)[:200]
    if DATA_KIND[TaskType(task_type)] == "text":
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            raise DataError("column 'text' is missing or empty")
        return ParsedItem(external_id, {"text": text})
    if is_image_task(task_type):
        raw, mime, width, height = _decode_image(row.get("image"))
        return ParsedItem(external_id, {"width": width, "height": height}, raw, mime)
    if DATA_KIND.get(TaskType(task_type)) == "tabular":
        values = _numbers(row)
        if not values:
            raise DataError("a tabular row needs at least one numeric column besides 'id'")
        return ParsedItem(external_id, {"columns": values})
    raise DataError(f"unknown task type {echo(task_type)}")


def _check_class(label: Any, classes: list[str]) -> str:
    if not isinstance(label, str) or label not in classes:
        raise UnknownLabelError(f"unknown label {echo(label)}; the project's labels are "
                                f"{echo(classes, 400)}")
    return label


def _check_box(box: Any, classes: list[str]) -> dict[str, Any]:
    if not isinstance(box, dict):
        raise UnknownLabelError("each region must be an object {x, y, w, h, label}")
    out: dict[str, Any] = {"label": _check_class(box.get("label"), classes)}
    for key in ("x", "y", "w", "h"):
        value = box.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or not 0.0 <= value <= 1.0:
            raise UnknownLabelError(f"region field {key!r} must be a number in [0, 1], "
                                    f"got {echo(value)}")
        out[key] = float(value)
    if out["w"] <= 0 or out["h"] <= 0 or out["x"] + out["w"] > 1.0 + 1e-9 \
            or out["y"] + out["h"] > 1.0 + 1e-9:
        raise UnknownLabelError("a region must have a positive size and lie inside the image")
    return out


def validate_label_value(task_type: str, classes: list[str], value: Any,
                         space: AnswerSpace | None = None) -> Any:
    """The label ``value`` normalised for storage.

    Class, multi-label and number values are checked by their task's
    ``validate_answer`` (through the task registry) against ``space`` (the
    project's labels and answer range; by default ``classes``); image regions here.
    A number answer arrives as a JSON number: a string is refused here, though the
    task reads one from a file.

    Raises
    ------
    InvalidAnswerError
        When the value has the wrong shape for the task; UnknownLabelError (one of
        them) when it names a class outside the project's label set.
    """
    if task_type == TaskType.image_regions:
        if not isinstance(value, list):
            raise UnknownLabelError("an image-regions value must be a list of boxes")
        if len(value) > MAX_BOXES_PER_LABEL:
            raise UnknownLabelError(f"a label holds {len(value)} regions; at most "
                                    f"{MAX_BOXES_PER_LABEL} are accepted per image")
        return [_check_box(box, classes) for box in value]
    if takes_numbers(task_type) and isinstance(value, str):
        raise InvalidAnswerError(f"the answer is a number, not a string: send {echo(value)} "
                                 "without quotes")
    task = get_task(ANSWER_TASK[TaskType(task_type)])
    return task.validate_answer(value, space or AnswerSpace(labels=tuple(classes)))


def parse_prelabel(task_type: str, classes: list[str], raw: Any,
                   space: AnswerSpace | None = None) -> Any:
    """The value of an import row's label column as a stored label value.

    Classification: a label name (a JSON integer is read as its digits).
    Multi-label: a list of names, or one string of names separated by ``;``.
    Image regions: a list of boxes, or that list as a JSON string (a CSV cell).
    Regression: a number, or its digits (a CSV cell), within ``space``'s range.

    Raises
    ------
    UnknownLabelError
        A name outside the project's label set, or the wrong shape for the task.
    """
    value = raw
    if takes_numbers(task_type):  # a CSV cell is text: the task reads numbers from it
        return get_task(ANSWER_TASK[TaskType(task_type)]).validate_answer(
            value.strip() if isinstance(value, str) else value, space)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if task_type == TaskType.multilabel_text and isinstance(value, str):
        value = [name.strip() for name in value.split(";") if name.strip()]
    elif task_type == TaskType.image_regions and isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise UnknownLabelError("image regions must be a JSON list of boxes "
                                    "{x, y, w, h, label}") from None
    elif isinstance(value, str):
        value = value.strip()
    return validate_label_value(task_type, classes, value, space)
