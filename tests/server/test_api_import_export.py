"""Import (CSV/JSONL, bad rows with line numbers, all-or-nothing) and export formats."""

from __future__ import annotations

import csv
import io
import json

from server_helpers import make_project, png_b64, upload
from sqlalchemy import func, select

from activelab.server.models import Item, Project


def _n_items(live) -> int:
    with live.factory() as session:
        return session.scalar(select(func.count()).select_from(Item))


def test_csv_import_reports_bad_rows_with_line_numbers(live, admin):
    project = make_project(admin)
    content = ('id,text\n'
               'a,"hello world"\n'
               'b,\n'                       # line 3: empty text
               'c,"a quoted\nmultiline text"\n'  # lines 4-5: one record
               'd,too,many\n'               # line 6: extra field
               'e,fine again\n')
    response = upload(admin, project["id"], "items.csv", content)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["inserted"] == 3
    assert report["n_errors"] == 2
    assert [e["line"] for e in report["errors"]] == [3, 6]
    assert "text" in report["errors"][0]["error"]
    assert _n_items(live) == 3


def test_jsonl_import_reports_bad_rows_with_line_numbers(live, admin):
    project = make_project(admin)
    lines = [json.dumps({"id": 1, "text": "one"}), "{not json", "",
             json.dumps(["a", "list"]), json.dumps({"text": "four"}), json.dumps({"txt": "x"})]
    response = upload(admin, project["id"], "items.jsonl", "\n".join(lines) + "\n")
    report = response.json()
    assert report["inserted"] == 2
    assert [e["line"] for e in report["errors"]] == [2, 4, 6]


def test_all_or_nothing_rejects_the_whole_file(live, admin):
    project = make_project(admin)
    content = "text\nfine\n\"\"\nalso fine\n"
    response = upload(admin, project["id"], "items.csv", content, all_or_nothing="true")
    assert response.status_code == 422
    body = response.json()
    assert body["n_errors"] == 1 and body["errors"][0]["line"] == 3
    assert _n_items(live) == 0
    good = upload(admin, project["id"], "items.csv", "text\nfine\nalso fine\n",
                  all_or_nothing="true")
    assert {k: good.json()[k] for k in ("inserted", "n_errors", "errors", "cancelled")} == {
        "inserted": 2, "n_errors": 0, "errors": [], "cancelled": False}


def test_import_in_batches_of_many_rows(live, admin):
    project = make_project(admin)
    content = "text\n" + "".join(f"row {i}\n" for i in range(1234))
    assert upload(admin, project["id"], "big.csv", content).json()["inserted"] == 1234
    assert _n_items(live) == 1234


def test_image_and_tabular_rows_are_validated(live, admin):
    images = make_project(admin, task_type="image_classification", labels=["dark", "light"])
    rows = [json.dumps({"id": "ok", "image": png_b64(10)}),
            json.dumps({"id": "uri", "image": "data:image/png;base64," + png_b64(200)}),
            json.dumps({"id": "bad", "image": "bm90IGFuIGltYWdl"})]
    report = upload(admin, images["id"], "images.jsonl", "\n".join(rows)).json()
    assert report["inserted"] == 2 and report["errors"][0]["line"] == 3
    item = admin.get(f"/api/projects/{images['id']}/next").json()["item"]
    picture = admin.get(item["image_url"])
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"

    table = make_project(admin, task_type="tabular_classification", labels=["a", "b"])
    content = "id,x,y\n1,0.5,2\n2,abc,3\n3,,4\n"
    report = upload(admin, table["id"], "table.csv", content).json()
    assert report["inserted"] == 2
    assert report["errors"] == [{"line": 3, "error": "column 'x' is not a number: 'abc'"}]


def test_lines_that_are_not_utf8_are_reported(live, admin):
    project = make_project(admin)
    content = b"text\n\xff\xfe broken\nfine\n"
    report = upload(admin, project["id"], "items.csv", content).json()
    assert report["inserted"] == 1
    assert report["errors"] == [{"line": 2, "error": "the row is not valid UTF-8"}]
    jsonl = upload(admin, project["id"], "items.jsonl", b'{"text": "ok"}\n\xff\n').json()
    assert jsonl["inserted"] == 1 and jsonl["errors"][0]["line"] == 2
    empty = upload(admin, project["id"], "empty.csv", b"")
    assert empty.status_code == 422 and empty.json()["errors"][0]["line"] == 1


def _label_everything(live, admin, project_id: int, values: list) -> None:
    for value in values:
        item = admin.get(f"/api/projects/{project_id}/next").json()["item"]
        body = {"item_id": item["id"], "skip": True} if value is None \
            else {"item_id": item["id"], "value": value}
        assert admin.post(f"/api/projects/{project_id}/labels", json=body).status_code == 201


def test_export_jsonl_csv_and_label_studio(live, admin):
    project = make_project(admin)
    pid = project["id"]
    upload(admin, pid, "items.csv", "id,text\nx1,first\nx2,second\nx3,third\n")
    _label_everything(live, admin, pid, ["pos", "neg", None])
    admin.post(f"/api/projects/{pid}/undo")  # the skip is undone: not exported
    lines = admin.get(f"/api/projects/{pid}/export", params={"format": "jsonl"}).text
    records = [json.loads(line) for line in lines.splitlines()]
    assert sorted(r["label"] for r in records) == ["neg", "pos"]
    assert {r["annotator"] for r in records} == {"root-admin"}
    assert all(r["created_at"] and r["external_id"].startswith("x") for r in records)

    response = admin.get(f"/api/projects/{pid}/export", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["label"] for r in rows) == ["neg", "pos"]
    assert set(rows[0]) == {"label_id", "item_id", "external_id", "label", "skipped",
                            "annotator", "source", "created_at"}

    tasks = admin.get(f"/api/projects/{pid}/export", params={"format": "label-studio"}).json()
    assert len(tasks) == 2
    result = tasks[0]["annotations"][0]["result"][0]
    assert result["type"] == "choices" and result["value"]["choices"][0] in ("pos", "neg")
    assert tasks[0]["data"]["text"] in ("first", "second", "third")


def test_label_studio_export_of_regions(live, admin):
    project = make_project(admin, task_type="image_regions", labels=["cat", "dog"])
    pid = project["id"]
    upload(admin, pid, "images.jsonl", json.dumps({"image": png_b64(30, 20)}) + "\n")
    box = {"x": 0.1, "y": 0.2, "w": 0.5, "h": 0.25, "label": "dog"}
    _label_everything(live, admin, pid, [[box]])
    (task,) = admin.get(f"/api/projects/{pid}/export", params={"format": "label-studio"}).json()
    assert task["data"]["image"].startswith("data:image/png;base64,")
    (region,) = task["annotations"][0]["result"]
    assert region["type"] == "rectanglelabels"
    assert region["value"]["rectanglelabels"] == ["dog"]
    assert region["value"]["x"] == 10.0 and region["value"]["width"] == 50.0
    assert region["original_width"] == 20


def test_bad_region_or_multilabel_values_are_422(live, admin):
    project = make_project(admin, task_type="image_regions", labels=["cat", "dog"])
    pid = project["id"]
    upload(admin, pid, "images.jsonl", json.dumps({"image": png_b64(30)}) + "\n")
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    for value in ([{"x": 0.5, "y": 0.5, "w": 0.9, "h": 0.1, "label": "cat"}],
                  [{"x": 0.1, "y": 0.1, "w": 0.1, "h": 0.1, "label": "cow"}], "cat"):
        response = admin.post(f"/api/projects/{pid}/labels",
                              json={"item_id": item["id"], "value": value})
        assert response.status_code == 422, value
    multi = make_project(admin, task_type="multilabel_text", labels=["a", "b", "c"])
    upload(admin, multi["id"], "t.csv", "text\nhello\n")
    item = admin.get(f"/api/projects/{multi['id']}/next").json()["item"]
    assert admin.post(f"/api/projects/{multi['id']}/labels",
                      json={"item_id": item["id"], "value": ["a", "z"]}).status_code == 422
    ok = admin.post(f"/api/projects/{multi['id']}/labels",
                    json={"item_id": item["id"], "value": ["c", "a"]})
    assert ok.status_code == 201 and ok.json()["value"] == ["a", "c"]


def test_the_project_item_count_follows_every_kind_of_import(live, admin):
    project = make_project(admin)
    pid = project["id"]
    assert upload(admin, pid, "a.csv", "text\none\n\"\"\ntwo\n").json()["inserted"] == 2
    assert upload(admin, pid, "b.csv", "text\nthree\nfour\nfive\n",
                  all_or_nothing="true").json()["inserted"] == 3
    assert upload(admin, pid, "c.csv", "text\nsix\n\"\"\n",
                  all_or_nothing="true").status_code == 422
    with live.factory() as session:
        assert session.get(Project, pid).n_items == _n_items(live) == 5
    assert admin.get(f"/api/projects/{pid}/next").json()["progress"]["total"] == 5
