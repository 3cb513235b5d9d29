"""Import: the label column is a pre-label (never a feature), and re-imports are idempotent.

On SQLite and PostgreSQL (``live_any_db``).
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator

import httpx
import pytest
from server_helpers import Live, make_project, upload
from sqlalchemy import select

from activelab.server.models import Item, Label, Role

IRIS = ("id,sepal_length,sepal_width,target\n"
        "1,5.1,3.5,setosa\n"
        "2,7.0,3.2,versicolor\n"
        "3,6.3,3.3,virginica\n"
        "4,5.0,3.6,\n")


@pytest.fixture
def root(live_any_db: Live) -> Iterator[httpx.Client]:
    _, token = live_any_db.user("root", Role.admin)
    with live_any_db.client(token) as client:
        yield client


def _items(live: Live, project_id: int) -> list[Item]:
    with live.factory() as session:
        return list(session.scalars(select(Item).where(Item.project_id == project_id)
                                    .order_by(Item.id)))


def _labels(live: Live, project_id: int) -> list[Label]:
    with live.factory() as session:
        return list(session.scalars(select(Label).where(Label.project_id == project_id)
                                    .order_by(Label.id)))


def test_the_label_column_of_a_table_is_a_prelabel_not_a_feature(live_any_db, root):
    project = make_project(root, task_type="tabular_classification",
                           labels=["setosa", "versicolor", "virginica"])
    pid = project["id"]
    report = upload(root, pid, "iris.csv", IRIS, label_column="target").json()
    assert report["inserted"] == 4 and report["n_errors"] == 0
    assert report["feature_columns"] == ["sepal_length", "sepal_width"]
    assert report["label_column"] == "target" and report["prelabels"] == 3
    items = _items(live_any_db, pid)
    assert all("target" not in item.data["columns"] for item in items)
    assert [item.n_labels for item in items] == [1, 1, 1, 0]
    labels = _labels(live_any_db, pid)
    assert [(label.value, label.source, label.user_id) for label in labels] == [
        ("setosa", "import", None), ("versicolor", "import", None),
        ("virginica", "import", None)]
    # Pre-labels count as labels: only the unlabelled row is served.
    served = root.get(f"/api/projects/{pid}/next").json()
    assert served["item"]["external_id"] == "4"
    assert "target" not in served["item"]["data"]["columns"]
    assert served["progress"]["done"] == 3
    stats = root.get(f"/api/projects/{pid}/stats").json()
    assert stats["label_sources"] == {"annotator": 0, "import": 3, "review": 0}
    assert stats["distribution"]["counts"] == {"setosa": 1, "versicolor": 1, "virginica": 1}


def test_without_the_label_column_a_likely_label_feature_is_warned_about(live_any_db, root):
    project = make_project(root, task_type="tabular_classification",
                           labels=["setosa", "versicolor", "virginica"])
    report = upload(root, project["id"], "iris.csv", IRIS).json()
    assert report["label_column"] is None and report["prelabels"] == 0
    # 'target' is not numeric in row 1..3: those rows are errors; the warning names it.
    numeric = upload(root, project["id"], "iris.csv",
                     "id,x,target\n10,1.0,0\n11,2.0,1\n").json()
    assert numeric["feature_columns"] == ["x", "target"]
    assert any("label_column=target" in warning for warning in numeric["warnings"])


def test_the_project_label_column_setting_is_used(live_any_db, root):
    project = make_project(root, task_type="tabular_classification", labels=["a", "b"],
                           label_column="y")
    assert project["label_column"] == "y"
    report = upload(root, project["id"], "t.csv", "x,y\n1,a\n2,b\n").json()
    assert report["feature_columns"] == ["x"] and report["prelabels"] == 2
    patched = root.patch(f"/api/projects/{project['id']}", json={"label_column": "answer"})
    assert patched.status_code == 200 and patched.json()["label_column"] == "answer"


def test_unknown_label_values_are_reported_per_row(live_any_db, root):
    project = make_project(root, labels=["pos", "neg"])
    pid = project["id"]
    content = "id,text,label\na,good,pos\nb,bad,negative\nc,meh,\nd,ok,POS\n"
    report = upload(root, pid, "t.csv", content).json()
    assert report["inserted"] == 2 and report["prelabels"] == 1
    assert [e["line"] for e in report["errors"]] == [3, 5]
    assert "label column 'label'" in report["errors"][0]["error"]
    assert "'negative'" in report["errors"][0]["error"]
    assert [item.external_id for item in _items(live_any_db, pid)] == ["a", "c"]
    strict = upload(root, pid, "t.csv", "id,text,label\nz,x,bogus\n", all_or_nothing="true")
    assert strict.status_code == 422 and strict.json()["errors"][0]["line"] == 2
    assert len(_items(live_any_db, pid)) == 2


def test_jsonl_text_and_multilabel_prelabels(live_any_db, root):
    text = make_project(root, labels=["pos", "neg"])
    lines = [json.dumps({"id": "a", "text": "fine", "label": "pos"}),
             json.dumps({"id": "b", "text": "hm"})]
    report = upload(root, text["id"], "t.jsonl", "\n".join(lines)).json()
    assert report["feature_columns"] == ["text"] and report["label_column"] == "label"
    assert report["prelabels"] == 1
    multi = make_project(root, task_type="multilabel_text", labels=["x", "y", "z"],
                         strategy_name="random")
    lines = [json.dumps({"text": "one", "label": ["z", "x"]}),
             json.dumps({"text": "two", "label": "y; z"})]
    assert upload(root, multi["id"], "m.jsonl", "\n".join(lines)).json()["prelabels"] == 2
    assert [label.value for label in _labels(live_any_db, multi["id"])] == [
        ["x", "z"], ["y", "z"]]


def test_prelabels_are_listed_confirmed_corrected_and_reopened(live_any_db, root):
    project = make_project(root, labels=["pos", "neg"])
    pid = project["id"]
    upload(root, pid, "t.csv", "id,text,label\na,good,pos\nb,bad,pos\nc,meh,neg\n")
    annotator_id, token = live_any_db.user("ann")
    assert root.put(f"/api/projects/{pid}/members/{annotator_id}").status_code == 204
    page = root.get(f"/api/projects/{pid}/prelabels").json()
    assert page["total"] == 3
    first, second, third = page["items"]
    assert (first["external_id"], first["value"]) == ("a", "pos")
    with live_any_db.client(token) as annotator:
        confirmed = annotator.post(f"/api/projects/{pid}/prelabels/{first['label_id']}/review")
        assert confirmed.status_code == 200 and confirmed.json()["value"] == "pos"
        corrected = annotator.post(f"/api/projects/{pid}/prelabels/{second['label_id']}/review",
                                   json={"value": "neg"})
        assert corrected.status_code == 200 and corrected.json()["value"] == "neg"
        bad = annotator.post(f"/api/projects/{pid}/prelabels/{third['label_id']}/review",
                             json={"value": "nope"})
        assert bad.status_code == 422
        again = annotator.post(f"/api/projects/{pid}/prelabels/{first['label_id']}/review")
        assert again.status_code == 404
        # Reopening is for admins.
        assert annotator.post(
            f"/api/projects/{pid}/prelabels/{third['label_id']}/reopen").status_code == 403
    reopened = root.post(f"/api/projects/{pid}/prelabels/{third['label_id']}/reopen")
    assert reopened.status_code == 200
    assert root.get(f"/api/projects/{pid}/prelabels").json()["total"] == 0
    assert root.get(f"/api/projects/{pid}/stats").json()["label_sources"] == {
        "annotator": 2, "import": 0, "review": 0}
    served = root.get(f"/api/projects/{pid}/next").json()["item"]
    assert served["external_id"] == "c"
    counts = {item.external_id: item.n_labels for item in _items(live_any_db, pid)}
    assert counts == {"a": 1, "b": 1, "c": 0}


def test_exports_mark_the_source(live_any_db, root):
    project = make_project(root, labels=["pos", "neg"])
    pid = project["id"]
    upload(root, pid, "t.csv", "id,text,label\na,good,pos\nb,bad,\n")
    item = root.get(f"/api/projects/{pid}/next").json()["item"]
    root.post(f"/api/projects/{pid}/labels", json={"item_id": item["id"], "value": "neg"})
    export = root.get(f"/api/projects/{pid}/export", params={"format": "jsonl"}).text
    records = [json.loads(line) for line in export.splitlines()]
    assert sorted((r["external_id"], r["source"], r["annotator"]) for r in records) == [
        ("a", "import", None), ("b", "annotator", "root")]
    rows = list(csv.DictReader(io.StringIO(
        root.get(f"/api/projects/{pid}/export", params={"format": "csv"}).text)))
    assert sorted((r["external_id"], r["source"]) for r in rows) == [
        ("a", "import"), ("b", "annotator")]
    tasks = root.get(f"/api/projects/{pid}/export", params={"format": "label-studio"}).json()
    by_id = {task["meta"]["external_id"]: task for task in tasks}
    assert by_id["a"]["annotations"] == []
    assert by_id["a"]["predictions"][0]["model_version"] == "import"
    assert by_id["b"]["predictions"] == [] and len(by_id["b"]["annotations"]) == 1


def test_reimporting_a_file_skips_known_ids_by_default(live_any_db, root):
    project = make_project(root, labels=["pos", "neg"])
    pid = project["id"]
    content = "id,text\na,one\nb,two\n,no id\n"
    first = upload(root, pid, "t.csv", content).json()
    assert (first["inserted"], first["duplicates"]) == (3, 0)
    second = upload(root, pid, "t.csv", content).json()
    assert (second["inserted"], second["duplicates"], second["updated"]) == (1, 2, 0)
    assert len(_items(live_any_db, pid)) == 4  # the row without an id is always new
    assert root.get(f"/api/projects/{pid}/next").json()["progress"]["total"] == 4


def test_reimporting_with_update_changes_items_and_prelabels(live_any_db, root):
    project = make_project(root, labels=["pos", "neg"])
    pid = project["id"]
    upload(root, pid, "t.csv", "id,text,label\na,one,pos\nb,two,\nc,three,neg\n")
    report = upload(root, pid, "t.csv", "id,text,label\na,ONE,neg\nb,TWO,pos\nc,three,neg\n",
                    on_duplicate="update").json()
    assert (report["inserted"], report["updated"], report["duplicates"]) == (0, 3, 0)
    assert report["prelabels"] == 2  # a changed, b new; c unchanged
    items = {item.external_id: item for item in _items(live_any_db, pid)}
    assert {k: (v.data["text"], v.n_labels) for k, v in items.items()} == {
        "a": ("ONE", 1), "b": ("TWO", 1), "c": ("three", 1)}
    active = [(label.item_id, label.value) for label in _labels(live_any_db, pid)
              if not label.undone]
    assert sorted(active) == sorted([(items["a"].id, "neg"), (items["b"].id, "pos"),
                                     (items["c"].id, "neg")])
    bad = upload(root, pid, "t.csv", "id,text\na,x\n", on_duplicate="merge")
    assert bad.status_code == 422


def test_a_repeated_id_within_one_file_is_reported(live_any_db, root):
    project = make_project(root, labels=["pos", "neg"])
    pid = project["id"]
    report = upload(root, pid, "t.csv", "id,text\na,one\nb,two\na,again\n").json()
    assert report["inserted"] == 2
    assert report["errors"] == [{"line": 4, "error": "id 'a' appears twice in this file "
                                 "(first at line 2); only the first is imported"}]


def test_ids_are_looked_up_batch_by_batch(live_any_db, root):
    # import_batch_size is 500: 1200 rows span three batches, on both imports.
    project = make_project(root, labels=["pos", "neg"])
    pid = project["id"]
    content = "id,text\n" + "".join(f"r{i},row {i}\n" for i in range(1200))
    assert upload(root, pid, "big.csv", content).json()["inserted"] == 1200
    again = upload(root, pid, "big.csv", content + "r1200,new\n").json()
    assert (again["inserted"], again["duplicates"]) == (1, 1200)
    assert len(_items(live_any_db, pid)) == 1201


def test_two_imports_of_one_file_at_once_add_each_id_once(live_any_db, root):
    project = make_project(root, labels=["pos", "neg"])
    pid = project["id"]
    content = "id,text\n" + "".join(f"r{i},row {i}\n" for i in range(1500))
    _, token = live_any_db.user("second-admin", Role.admin)
    reports: list[dict] = []

    def run(client: httpx.Client) -> None:
        reports.append(upload(client, pid, "big.csv", content).json())

    with live_any_db.client(token) as other:
        threads = [threading.Thread(target=run, args=(client,)) for client in (root, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert sorted(r["inserted"] + r["duplicates"] for r in reports) == [1500, 1500]
    assert sum(r["inserted"] for r in reports) == 1500
    assert len(_items(live_any_db, pid)) == 1500
