"""Reading COCO and Pascal VOC files into an image-regions project.

COCO: one JSON document, alone or in a zip with the images it names.  VOC: one
XML document per image, alone or in a zip (with the images or without).  Each
image is matched by its file name: an image in the zip becomes a new item (its
file name is its external id); an image not in the zip must be an item of the
project already (its external id is that file name, as a zip or folder import
gives it).  Every image the file lists is an annotated image: one with no box
is labelled "nothing to mark" (an empty list of boxes).

The conversions and checks of boxes (inside the image, a positive size, a known
label or category) are the library's (:mod:`activelab.tasks.detection`).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from ...exceptions import DataError
from ...tasks.detection import AnnotatedImage, import_coco, import_voc
from ..echo import echo
from ..models import Project, TaskType
from ..strict_json import loads_strict
from .annotated_records import AnnotatedRecord, checked_answer
from .image_folder import MAX_ZIP_MEMBERS
from .tasks import MAX_IMAGE_BYTES, parse_image_file

__all__ = ["read_coco", "read_voc"]

#: The largest annotation document (COCO JSON, VOC XML) read from a zip.
_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp")


class _Upload:
    """The uploaded file: one document, or a zip of documents and images."""

    def __init__(self, raw: bytes, suffix: str) -> None:
        self.archive: zipfile.ZipFile | None = None
        self.documents: list[tuple[str, bytes]] = []
        self.images: dict[str, zipfile.ZipInfo] = {}
        if not zipfile.is_zipfile(io.BytesIO(raw)):
            self.documents = [("(the upload)", raw)]
            return
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(raw))
            members = self.archive.infolist()
        except (zipfile.BadZipFile, OSError, EOFError):
            raise DataError("the upload is not a readable zip archive") from None
        if len(members) > MAX_ZIP_MEMBERS:
            raise DataError(f"the zip holds {len(members)} entries; at most "
                            f"{MAX_ZIP_MEMBERS} are accepted")
        for info in sorted(members, key=lambda member: member.filename):
            name = info.filename
            parts = name.split("/")
            if info.is_dir() or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts):
                continue
            lower = name.lower()
            if lower.endswith(suffix):
                self.documents.append((name, self._read(info, _MAX_DOCUMENT_BYTES)))
            elif lower.endswith(_IMAGE_SUFFIXES):
                self.images[name] = info

    def _read(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        if info.flag_bits & 0x1:
            raise DataError(f"{echo(info.filename)} in the zip is encrypted")
        if info.file_size > limit:
            raise DataError(f"{echo(info.filename)} in the zip is larger than "
                            f"{limit // 2**20} MiB")
        try:
            with self.archive.open(info) as handle:  # type: ignore[union-attr]
                raw = handle.read(limit + 1)  # a lying size header stops here
        except (zipfile.BadZipFile, NotImplementedError, OSError, RuntimeError,
                EOFError) as error:
            raise DataError(f"{echo(info.filename)} in the zip cannot be read ({error})"
                            ) from None
        if len(raw) > limit:
            raise DataError(f"{echo(info.filename)} in the zip is larger than "
                            f"{limit // 2**20} MiB")
        return raw

    def image(self, name: str) -> tuple[str, bytes] | None:
        """The zip's file for an image named ``name`` (its path, or a path ending in it)."""
        if name in self.images:
            return name, self._read(self.images[name], MAX_IMAGE_BYTES)
        ends = [path for path in self.images if path.endswith("/" + name)]
        if len(ends) > 1:
            raise DataError(f"image {echo(name)} matches several files of the zip: "
                            f"{echo(ends, 200)}")
        return (ends[0], self._read(self.images[ends[0]], MAX_IMAGE_BYTES)) if ends else None


def _require_regions(project: Project, fmt: str) -> None:
    if project.task_type != TaskType.image_regions:
        raise DataError(f"{fmt} files hold boxes on images: they import into image-regions "
                        f"projects; project {project.name!r} is "
                        f"{project.task_type.replace('_', ' ')}")


def _records(project: Project, upload: _Upload, images: list[AnnotatedImage]
             ) -> Iterator[AnnotatedRecord]:
    for image in images:
        where = f"image {echo(image.name)}"
        record = AnnotatedRecord(where, image.name[:200], None,
                                 checked_answer(project, image.boxes, where),
                                 size=(image.width, image.height))
        found = upload.image(image.name)
        if found is not None:
            path, raw = found
            try:
                record.item = parse_image_file(project.task_type, image.name, raw)
            except DataError as error:
                raise DataError(f"{where} ({echo(path)} in the zip): {error}") from None
            size = (record.item.data["width"], record.item.data["height"])
            if size != record.size:
                raise DataError(f"{where} is {size[0]}x{size[1]} pixels, but the annotations "
                                f"say {image.width}x{image.height}")
        yield record


def _text(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{what} is not UTF-8 text") from None


def read_coco(project: Project, raw: bytes) -> list[AnnotatedRecord]:
    """The images and boxes of a COCO file, or of a zip of one with its images.

    Raises
    ------
    DataError
        Not an image-regions project, no or several JSON files in the zip, a bad
        COCO document (an annotation naming a missing image, ...), a corrupt image.
    InvalidAnswerError
        A box outside its image or of no size; UnknownLabelError (one of them) for
        a category that is not one of the project's labels.
    """
    _require_regions(project, "COCO")
    upload = _Upload(raw, ".json")
    if len(upload.documents) != 1:
        raise DataError(f"a COCO zip holds one .json annotation file, found "
                        f"{len(upload.documents)}")
    name, document = upload.documents[0]
    images, _ = import_coco(loads_strict(document, echo(name)), labels=project.labels)
    return list(_records(project, upload, images))


def read_voc(project: Project, raw: bytes) -> list[AnnotatedRecord]:
    """The images and boxes of a Pascal VOC XML file, or of a zip of them (and images).

    Raises
    ------
    DataError, InvalidAnswerError
        As :func:`read_coco`; an error names the XML file it is in.
    """
    _require_regions(project, "VOC")
    upload = _Upload(raw, ".xml")
    if not upload.documents:
        raise DataError("the VOC zip holds no .xml annotation file")
    images: list[Any] = []
    for name, document in upload.documents:
        try:
            images.append(import_voc(_text(document, echo(name)), labels=project.labels))
        except DataError as error:  # InvalidAnswerError is not one: it names the image
            raise DataError(f"{echo(name)}: {error}") from None
    return list(_records(project, upload, images))
