"""A folder of images: through the API as a zip upload, through the CLI as a folder."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from server_helpers import make_project, png_b64, upload
from sqlalchemy import func, select

from activelab.exceptions import DataError
from activelab.server import ImportRejectedError, NotFoundError, Settings, import_source
from activelab.server.db import make_engine, make_session_factory, upgrade_database
from activelab.server.models import Item
from activelab.server.services.features import load_features
from activelab.server.services.projects import create_project
from activelab.tasks.classification import IMAGE_SIDE

CORRUPT_PNG = base64.b64decode(png_b64(7, size=32))[:60]  # a PNG cut short: header, no data


def _png(value: int, size: int = 24) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((size, size), value, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


#: relative path -> bytes: three images (one in a sub-folder), one corrupt image, one text
#: file, and macOS/hidden files that are passed over silently.
FILES = {
    "cats/001.png": _png(10),
    "cats/002.png": _png(200),
    "dog.png": _png(90),
    "broken.png": CORRUPT_PNG,
    "notes.txt": b"not an image at all\n",
    ".DS_Store": b"\x00\x01",
    "__MACOSX/._dog.png": b"\x00\x05\x16\x07",
}
BAD = {"broken.png", "notes.txt"}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _items(factory) -> list[Item]:
    with factory() as session:
        return list(session.scalars(select(Item).order_by(Item.id)))


def test_a_zip_of_images_imports_the_images_and_names_the_bad_files(live, admin):
    project = make_project(admin, task_type="image_classification", labels=["cat", "dog"])
    response = upload(admin, project["id"], "photos.zip", _zip(FILES))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["inserted"] == 3 and report["n_errors"] == 2
    assert {e["file"] for e in report["errors"]} == BAD
    assert all("readable image" in e["error"] for e in report["errors"])
    items = _items(live.factory)
    assert [i.external_id for i in items] == ["cats/001.png", "cats/002.png", "dog.png"]
    image = admin.get(f"/api/projects/{project['id']}/items/{items[-1].id}/image")
    assert image.status_code == 200 and image.content == FILES["dog.png"]
    assert image.headers["content-type"] == "image/png"
    with live.factory() as session:  # featurised as downscaled pixels, like base64 images
        features = load_features(session, project["id"], "image_classification")
    assert features.X.shape == (3, IMAGE_SIDE * IMAGE_SIDE)
    assert np.allclose(features.X[2], 90 / 255, atol=0.01)


def test_all_or_nothing_rejects_a_zip_with_one_bad_file(live, admin):
    project = make_project(admin, task_type="image_classification", labels=["cat", "dog"])
    response = upload(admin, project["id"], "photos.zip", _zip(FILES), all_or_nothing="true")
    assert response.status_code == 422
    body = response.json()
    assert "nothing was imported" in body["detail"]
    assert {e["file"] for e in body["errors"]} == BAD
    assert _items(live.factory) == []
    good = {k: v for k, v in FILES.items() if k not in BAD}
    ok = upload(admin, project["id"], "photos.zip", _zip(good), all_or_nothing="true")
    assert {k: ok.json()[k] for k in ("inserted", "n_errors", "errors", "cancelled")} == {
        "inserted": 3, "n_errors": 0, "errors": [], "cancelled": False}


def test_bad_zips_get_a_clear_422_and_change_nothing(live, admin):
    images = make_project(admin, task_type="image_classification", labels=["cat", "dog"])
    texts = make_project(admin)
    cases = [
        (images, "photos.zip", b"PK\x03\x04 this is no zip", "not a readable zip"),
        (images, "photos.zip", _zip({"a.txt": b"x", "b.csv": b"y"}), "no file"),
        (images, "empty.zip", _zip({}), "holds no files"),
        (texts, "photos.zip", _zip({"dog.png": FILES["dog.png"]}), "no file"),
    ]
    for project, name, data, message in cases:
        response = upload(admin, project["id"], name, data)
        assert response.status_code == 422, (name, response.text)
        assert message in response.json()["detail"], response.json()
    text_error = upload(admin, texts["id"], "p.zip", _zip({"dog.png": FILES["dog.png"]}))
    assert "image project" in text_error.json()["errors"][0]["error"]
    assert _items(live.factory) == []


def test_a_zip_bomb_member_is_refused_without_being_inflated(live, admin):
    project = make_project(admin, task_type="image_classification", labels=["cat", "dog"])
    bomb = b"\x00" * (21 * 1024 * 1024)  # 21 MiB of zeros: a few KiB compressed
    data = _zip({"big.png": bomb, "dog.png": FILES["dog.png"]})
    assert len(data) < 100_000
    report = upload(admin, project["id"], "photos.zip", data).json()
    assert report["inserted"] == 1
    assert report["errors"] == [{"file": "big.png", "error": "image is larger than 20 MiB"}]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "activelab.cli", "import", *args],
                          capture_output=True, text=True, timeout=120)


def _image_db(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'labels.db'}"
    engine = make_engine(Settings(db_url=db_url))
    upgrade_database(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        for name, task in (("photos", "image_classification"), ("texts", "text_classification")):
            create_project(session, name=name, task_type=task, labels=["a", "b"])
        session.commit()
    return db_url, engine, factory


def _folder(tmp_path) -> Path:
    folder = tmp_path / "photos"
    for name, data in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.slow  # two `activelab import` subprocesses (the same code runs in-process below)
def test_the_cli_imports_a_folder_and_lists_bad_files(tmp_path):
    folder = _folder(tmp_path)
    db_url, engine, factory = _image_db(tmp_path)
    try:
        strict = _cli("photos", str(folder), "--db", db_url, "--all-or-nothing")
        assert strict.returncode == 1, strict.stdout + strict.stderr
        assert "nothing was imported" in strict.stderr
        assert "broken.png" in strict.stderr and "notes.txt" in strict.stderr
        assert _items(factory) == []

        done = _cli("photos", str(folder), "--db", db_url)
        assert done.returncode == 0, done.stderr
        assert "imported 3 item(s); 2 bad" in done.stdout
        assert "broken.png" in done.stdout and "notes.txt" in done.stdout
        assert [i.external_id for i in _items(factory)] == ["cats/001.png", "cats/002.png",
                                                            "dog.png"]
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(Item)) == 3
    finally:
        engine.dispose()


def test_import_source_checks_the_project_and_the_path(tmp_path):
    folder = _folder(tmp_path)
    db_url, engine, factory = _image_db(tmp_path)
    try:
        with pytest.raises(NotFoundError, match="no project 'nope'"):
            import_source("nope", folder, db_url)
        with pytest.raises(OSError):
            import_source("photos", folder / "missing.zip", db_url)
        with pytest.raises(DataError, match="unknown import format 'txt'"):
            import_source("photos", folder / "notes.txt", db_url)
        with pytest.raises(ImportRejectedError, match="no file") as rejected:
            import_source("texts", folder, db_url)  # images into a text project
        assert "image project" in rejected.value.errors[0]["error"]
        source = tmp_path / "items.csv"
        source.write_text("id,text\na,good\nb,\nc,fine\n")
        report = import_source("2", source, db_url)  # by id
        assert report["inserted"] == 2 and report["errors"] == [
            {"line": 3, "error": "column 'text' is missing or empty"}]
        assert len(_items(factory)) == 2
    finally:
        engine.dispose()
