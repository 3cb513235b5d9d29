"""Images from a folder (CLI) or a zip archive (API), one file at a time.

Both yield ``(relative path, ParsedItem or error message)`` in path order, so
memory holds one image at a time whatever the folder's size.  Hidden files
(``.DS_Store``), macOS's ``__MACOSX/`` resource forks and folders are passed
over silently; every other file that is not a readable image is reported by
its path.  Files are taken from sub-folders too; the relative path
(``cats/001.jpg``) becomes the item's external id.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ...exceptions import DataError
from ..echo import echo
from .tasks import MAX_IMAGE_BYTES, ParsedItem, parse_image_file

__all__ = ["folder_records", "zip_records", "MAX_ZIP_MEMBERS"]

#: A zip with more entries than this is refused before any is read.
MAX_ZIP_MEMBERS = 1_000_000


def _ignored(relative: str) -> bool:
    parts = relative.replace("\\", "/").split("/")
    return parts[0] == "__MACOSX" or any(part.startswith(".") for part in parts)


def _parse(task_type: str, name: str, read: BinaryIO | None, size: int
           ) -> ParsedItem | str:
    if size > MAX_IMAGE_BYTES:
        return f"image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB"
    if read is None:
        return "cannot be read"
    try:
        # One byte over the limit is enough to tell a lying size header.
        raw = read.read(MAX_IMAGE_BYTES + 1)
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        return f"cannot be read: {error}"
    if len(raw) > MAX_IMAGE_BYTES:
        return f"image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB"
    try:
        return parse_image_file(task_type, name, raw)
    except DataError as error:
        return str(error)


def folder_records(folder: str | os.PathLike[str], task_type: str
                   ) -> Iterator[tuple[str, ParsedItem | str]]:
    """The images under ``folder`` (recursively), in path order.

    Raises
    ------
    DataError
        ``folder`` is not a directory.
    """
    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"{echo(str(folder))} is not a folder")
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if _ignored(relative) or path.is_dir():
            continue
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                record = _parse(task_type, relative, handle, size)
        except OSError as error:
            record = f"cannot be read: {error.strerror or error}"
        yield relative, record


def zip_records(stream: BinaryIO, task_type: str) -> Iterator[tuple[str, ParsedItem | str]]:
    """The images in a zip archive (a seekable binary stream), in path order.

    Each member is decompressed on its own, at most ``MAX_IMAGE_BYTES`` of it,
    so a zip bomb costs no more memory than one image.

    Raises
    ------
    DataError
        The stream is not a zip archive, or has too many members.
    """
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise DataError("the upload is not a readable zip archive") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise DataError(f"the zip holds {len(members)} entries; at most "
                            f"{MAX_ZIP_MEMBERS} are accepted")
        for info in sorted(members, key=lambda member: member.filename):
            name = info.filename
            if info.is_dir() or _ignored(name):
                continue
            if info.flag_bits & 0x1:
                yield name, "the file is encrypted"
                continue
            try:
                handle = archive.open(info)
            except (zipfile.BadZipFile, NotImplementedError, OSError, RuntimeError) as error:
                yield name, f"cannot be read: {error}"
                continue
            with handle:
                record = _parse(task_type, name, handle, info.file_size)  # type: ignore[arg-type]
            yield name, record
