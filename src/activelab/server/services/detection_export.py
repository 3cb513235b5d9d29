"""COCO and Pascal VOC exports of an image-regions project's boxes.

Each labelled item is one image: its file name is its external id (the file's
path in the zip or folder it was imported from), so a COCO or VOC file exported
here names the same images as the one imported, and imports again.  An item's
boxes are its latest active label (a skip is no answer and is left out); an
image labelled with no box is listed with no annotation.  The pixel conversions
are the library's (:mod:`activelab.tasks.detection`).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...exceptions import DataError
from ...tasks.detection import AnnotatedImage, export_coco, export_voc
from ..models import Item, Label, Project, TaskType

__all__ = ["coco_export", "voc_export", "image_name"]

_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
               "image/webp": ".webp", "image/bmp": ".bmp"}


def image_name(item_id: int, external_id: str | None, mime: str | None) -> str:
    """The file name an exported image goes by: its external id, or ``item-<id>.<ext>``."""
    if external_id:
        return external_id
    return f"item-{item_id}{_EXTENSIONS.get(mime or '', '.png')}"


def _require_regions(project: Project, fmt: str) -> None:
    if project.task_type != TaskType.image_regions:
        raise DataError(f"the {fmt} export is for image-regions projects (boxes on images); "
                        f"project {project.name!r} is {project.task_type.replace('_', ' ')}")


def _annotated(session: Session, project: Project) -> Iterator[AnnotatedImage]:
    query = (select(Label.item_id, Label.value, Item.external_id, Item.image_mime, Item.data)
             .join(Item, Item.id == Label.item_id)
             .where(Label.project_id == project.id, Label.undone.is_(False),
                    Label.is_skip.is_(False))
             .order_by(Label.item_id, Label.id))
    latest: dict[int, AnnotatedImage] = {}
    for item_id, value, external_id, mime, data in session.execute(query):
        latest[item_id] = AnnotatedImage(image_name(item_id, external_id, mime),
                                         int(data["width"]), int(data["height"]),
                                         list(value or []))
    yield from latest.values()


def coco_export(session: Session, project: Project) -> str:
    """The project's boxes as a COCO document (``images``, ``annotations``, ``categories``)."""
    _require_regions(project, "COCO")
    document = export_coco(list(_annotated(session, project)), project.labels)
    return json.dumps(document, ensure_ascii=False)


def _xml_path(name: str, taken: set[str]) -> str:
    # A name such as ../../x.png must not climb out of the folder it is unzipped into.
    parts = [part for part in PurePosixPath(name.replace("\\", "/")).parts
             if part not in ("", ".", "..", "/")]
    stem = str(PurePosixPath(*parts).with_suffix("")) if parts else "image"
    path, n = f"Annotations/{stem}.xml", 1
    while path in taken:
        n += 1
        path = f"Annotations/{stem}-{n}.xml"
    taken.add(path)
    return path


def voc_export(session: Session, project: Project) -> bytes:
    """A zip of Pascal VOC XML files, ``Annotations/<image name>.xml``, one per image."""
    _require_regions(project, "VOC")
    buffer = io.BytesIO()
    taken: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for image in _annotated(session, project):
            archive.writestr(_xml_path(image.name, taken), export_voc(image, project.labels))
    return buffer.getvalue()
