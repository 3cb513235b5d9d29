"""COCO and Pascal VOC import and export of image-regions projects, and their bad input."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from server_helpers import Live, make_project, upload
from sqlalchemy import func, select
from test_label_studio_formats import png

from activelab.client import Client
from activelab.server.models import Item, Label, Role
from activelab.tasks.detection import AnnotatedImage, export_voc, import_coco, import_voc

LABELS = ["cat", "dog"]


@pytest.fixture
def root(live_any_db: Live) -> Iterator[httpx.Client]:
    """An admin of a server on SQLite, then on PostgreSQL."""
    _, token = live_any_db.user("root", Role.admin)
    with live_any_db.client(token) as client:
        yield client


def _zip(files: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def coco(boxes: dict[str, list[list[float]]], sizes: dict[str, tuple[int, int]],
         category: list[int] | None = None) -> dict[str, Any]:
    """A COCO document: image name -> [x, y, w, h, category id] pixel boxes."""
    names = list(sizes)
    doc: dict[str, Any] = {
        "images": [{"id": 10 + k, "file_name": name, "width": sizes[name][0],
                    "height": sizes[name][1]} for k, name in enumerate(names)],
        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
        "annotations": []}
    for name, listed in boxes.items():
        for *bbox, category_id in listed:
            doc["annotations"].append({"id": len(doc["annotations"]) + 1,
                                       "image_id": 10 + names.index(name),
                                       "category_id": int(category_id), "bbox": bbox,
                                       "area": bbox[2] * bbox[3], "iscrowd": 0})
    return doc


SIZES = {"a.png": (40, 20), "sub/b.png": (30, 30), "c.png": (10, 10)}
BOXES = {"a.png": [[4, 2, 20, 10, 1], [24, 0, 16, 20, 2]], "sub/b.png": [[3, 6, 9, 12, 2]],
         "c.png": []}


def _regions(admin) -> int:
    return make_project(admin, task_type="image_regions", labels=LABELS)["id"]


def _counts(live, pid: int) -> tuple[int, int]:
    with live.factory() as session:
        return (session.scalar(select(func.count()).select_from(Item)
                               .where(Item.project_id == pid)),
                session.scalar(select(func.count()).select_from(Label)
                               .where(Label.project_id == pid)))


def _boxes_by_image(document: dict[str, Any] | str) -> dict[str, list[dict[str, Any]]]:
    images, _ = import_coco(document if isinstance(document, str) else json.dumps(document))
    return {image.name: sorted(image.boxes, key=lambda b: (b["x"], b["y"]))
            for image in images}


def test_coco_zip_round_trip_gives_the_same_boxes(live_any_db, root):
    pid = _regions(root)
    document = coco(BOXES, SIZES)
    upload_zip = _zip({"annotations/instances.json": json.dumps(document),
                       **{f"images/{name}": png(*size) for name, size in SIZES.items()}})
    response = upload(root, pid, "dataset.zip", upload_zip, format="coco")
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in ("inserted", "labels", "matched")} == {
        "inserted": 3, "labels": 3, "matched": 0}
    exported = root.get(f"/api/projects/{pid}/export", params={"format": "coco"})
    assert exported.status_code == 200
    out = exported.json()
    assert {c["name"] for c in out["categories"]} == set(LABELS)
    assert {(i["file_name"], i["width"], i["height"]) for i in out["images"]} == {
        (name, *size) for name, size in SIZES.items()}
    assert _boxes_by_image(out) == _boxes_by_image(document)
    pixel = {(a["bbox"][0], a["bbox"][2]) for a in out["annotations"]}
    assert pixel == {(4.0, 20.0), (24.0, 16.0), (3.0, 9.0)}
    # The images are served as imported, under their file names.
    lines = root.get(f"/api/projects/{pid}/export", params={"format": "jsonl"}).text
    for record in map(json.loads, lines.splitlines()):
        image = root.get(f"/api/projects/{pid}/items/{record['item_id']}/image")
        assert image.content == png(*SIZES[record["external_id"]])


def test_coco_json_labels_images_the_project_has_already(live, admin):
    pid = _regions(admin)
    images = _zip({name: png(*size) for name, size in SIZES.items()})
    assert upload(admin, pid, "images.zip", images).json()["inserted"] == 3
    report = upload(admin, pid, "instances.json", json.dumps(coco(BOXES, SIZES))).json()
    assert (report["inserted"], report["matched"], report["labels"]) == (0, 3, 3)
    assert _boxes_by_image(admin.get(f"/api/projects/{pid}/export",
                                      params={"format": "coco"}).text) == _boxes_by_image(
        coco(BOXES, SIZES))
    events = admin.get("/api/projects/audit-events", params={"project_id": pid}).json()
    assert sum(e["action"] == "label" and e["username"] == "root-admin" for e in events) == 3


def test_coco_export_of_an_empty_project_is_valid(live, admin):
    pid = _regions(admin)
    document = admin.get(f"/api/projects/{pid}/export", params={"format": "coco"}).json()
    assert document == {"images": [], "annotations": [],
                        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]}
    assert import_coco(json.dumps(document)) == ([], LABELS)
    voc = admin.get(f"/api/projects/{pid}/export", params={"format": "voc"})
    assert zipfile.ZipFile(io.BytesIO(voc.content)).namelist() == []


def test_voc_round_trip_gives_the_same_boxes(live, admin):
    pid = _regions(admin)
    files: dict[str, bytes | str] = {}
    for image in import_coco(json.dumps(coco(BOXES, SIZES)))[0]:
        stem = image.name.rsplit(".", 1)[0]
        files[f"Annotations/{stem}.xml"] = export_voc(image)
        files[f"JPEGImages/{image.name}"] = png(image.width, image.height)
    response = upload(admin, pid, "voc.zip", _zip(files), format="voc")
    assert response.status_code == 200, response.text
    assert response.json()["labels"] == 3
    exported = admin.get(f"/api/projects/{pid}/export", params={"format": "voc"})
    assert exported.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    assert sorted(archive.namelist()) == ["Annotations/a.xml", "Annotations/c.xml",
                                          "Annotations/sub/b.xml"]
    back = {image.name: sorted(image.boxes, key=lambda b: (b["x"], b["y"]))
            for image in (import_voc(archive.read(n).decode(), LABELS)
                          for n in archive.namelist())}
    assert back == _boxes_by_image(coco(BOXES, SIZES))
    # One XML file alone labels an image the project has.
    single = export_voc(AnnotatedImage("c.png", 10, 10, [
        {"x": 0, "y": 0, "w": 0.5, "h": 0.5, "label": "cat"}]))
    report = upload(admin, pid, "c.xml", single).json()
    assert (report["matched"], report["labels"]) == (1, 1)


@pytest.mark.parametrize(("boxes", "sizes", "files", "expected"), [
    ({"a.png": [[30, 0, 20, 10, 1]]}, {"a.png": (40, 20)}, None, "inside the image"),
    ({"a.png": [[0, 0, 0, 10, 1]]}, {"a.png": (40, 20)}, None, "positive width"),
    ({"a.png": [[5, 5, -3, 4, 1]]}, {"a.png": (40, 20)}, None, "positive width"),
    ({"a.png": [[0, 0, 5, 5, 7]]}, {"a.png": (40, 20)}, None, "category 7"),
    ({"a.png": [[0, 0, 5, 5, 1]]}, {"a.png": (40, 20)}, {"a.png": b"\x89PNG broken"},
     "does not decode"),
    ({"a.png": [[0, 0, 5, 5, 1]]}, {"a.png": (40, 20)}, {"a.png": png(20, 40)},
     "20x40 pixels"),
    ({"a.png": [[0, 0, 5, 5, 1]]}, {"a.png": (40, 20)}, {}, "neither in the upload"),
])
def test_bad_coco_input_is_422_and_imports_nothing(live, admin, boxes, sizes, files,
                                                   expected):
    pid = _regions(admin)
    document = json.dumps(coco(boxes, sizes))
    body = _zip({"instances.json": document, **(files or {})}) if files is not None \
        else document
    response = upload(admin, pid, "upload.zip" if files is not None else "i.json", body,
                      format="coco")
    assert response.status_code == 422, response.text
    assert expected in response.json()["detail"], response.json()["detail"]
    assert _counts(live, pid) == (0, 0)


def test_coco_annotations_naming_missing_images_or_unknown_labels_are_422(live, admin):
    pid = _regions(admin)
    document = coco({"a.png": [[0, 0, 5, 5, 1]]}, {"a.png": (40, 20)})
    document["annotations"][0]["image_id"] = 99
    response = upload(admin, pid, "i.json", json.dumps(document))
    assert response.status_code == 422
    assert "names image 99, which is not among the file's images" in response.json()["detail"]
    other = coco({}, {"a.png": (40, 20)})
    other["categories"].append({"id": 3, "name": "horse"})
    response = upload(admin, pid, "i.json", json.dumps(other))
    assert response.status_code == 422 and "'horse'" in response.json()["detail"]
    deep = '{"images": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = upload(admin, pid, "i.json", deep, format="coco")
    assert response.status_code == 422 and "nested more than" in response.json()["detail"]
    listed_id = coco({"a.png": [[0, 0, 5, 5, 1]]}, {"a.png": (40, 20)})
    listed_id["annotations"][0]["image_id"] = [10]  # not an id: a clear 422, never a crash
    response = upload(admin, pid, "i.json", json.dumps(listed_id))
    assert response.status_code == 422 and "names image [10]" in response.json()["detail"]
    assert _counts(live, pid) == (0, 0)


def test_bad_voc_input_is_422(live, admin):
    pid = _regions(admin)
    outside = ("<annotation><filename>a.png</filename><size><width>40</width>"
               "<height>20</height></size><object><name>cat</name><bndbox><xmin>1</xmin>"
               "<ymin>1</ymin><xmax>50</xmax><ymax>10</ymax></bndbox></object></annotation>")
    response = upload(admin, pid, "voc.zip", _zip({"a.xml": outside, "a.png": png(40, 20)}),
                      format="voc")
    assert response.status_code == 422 and "inside the image" in response.json()["detail"]
    unknown = outside.replace("<name>cat</name>", "<name>horse</name>").replace(
        "<xmax>50</xmax>", "<xmax>30</xmax>")
    response = upload(admin, pid, "a.xml", unknown)
    assert response.status_code == 422 and "unknown label 'horse'" in response.json()["detail"]
    no_width = outside.replace("<width>40</width>", "<width>0</width>")
    response = upload(admin, pid, "a.xml", no_width)
    assert response.status_code == 422 and "positive whole numbers" in response.json()["detail"]
    response = upload(admin, pid, "a.xml", "<annotation><filename>a.png</filename>")
    assert response.status_code == 422 and "not XML" in response.json()["detail"]
    assert _counts(live, pid) == (0, 0)


def test_detection_formats_need_an_image_regions_project(live, admin):
    pid = make_project(admin)["id"]
    for fmt in ("coco", "voc"):
        response = admin.get(f"/api/projects/{pid}/export", params={"format": fmt})
        assert response.status_code == 422 and "image-regions" in response.json()["detail"]
        response = upload(admin, pid, "x", b"{}", format=fmt)
        assert response.status_code == 422 and "image-regions" in response.json()["detail"]


def test_the_client_sends_and_fetches_coco(live, tmp_path):
    _, token = live.user("client-admin", Role.admin)
    with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"}) as api:
        pid = _regions(api)
    dataset = tmp_path / "dataset.zip"
    dataset.write_bytes(_zip({"instances.json": json.dumps(coco(BOXES, SIZES)),
                              **{name: png(*size) for name, size in SIZES.items()}}))
    with Client(live.url, token=token) as client:
        report = client.import_items(pid, dataset, format="coco")
        assert (report["inserted"], report["labels"]) == (3, 3)
        exported = client.export(pid, "coco")
    assert _boxes_by_image(exported.decode()) == _boxes_by_image(coco(BOXES, SIZES))
