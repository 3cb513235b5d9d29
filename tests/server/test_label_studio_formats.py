"""Label Studio JSON: the export and config checked by Label Studio's own SDK, the import,
and the round trip (export, import into a fresh project, the same labels)."""

from __future__ import annotations

import base64
import io
import json
import warnings
from typing import Any

import pytest
from PIL import Image
from server_helpers import label_from_truth, make_project, upload
from sqlalchemy import func, select

from activelab.server.models import Item, Label

with warnings.catch_warnings():  # the SDK's own pydantic deprecations
    warnings.simplefilter("ignore")
    label_interface = pytest.importorskip("label_studio_sdk.label_interface")


def png(width: int, height: int, value: int = 90) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), value).save(out, "PNG")
    return out.getvalue()


def data_uri(width: int, height: int, value: int = 90) -> str:
    return "data:image/png;base64," + base64.b64encode(png(width, height, value)).decode()


def _items(live, project_id: int) -> int:
    with live.factory() as session:
        return session.scalar(select(func.count()).select_from(Item)
                              .where(Item.project_id == project_id))


def _labels(client, project_id: int) -> dict[str, Any]:
    """external id -> (label, annotator, source) of every active label."""
    lines = client.get(f"/api/projects/{project_id}/export", params={"format": "jsonl"}).text
    return {r["external_id"]: (r["label"], r["annotator"], r["source"])
            for r in map(json.loads, lines.splitlines())}


#: One project of each type that has a Label Studio equivalent: its settings, an
#: import file of 4 items and the answer each item gets.
_BOX = {"x": 0.1, "y": 0.2, "w": 0.5, "h": 0.4}
CASES: dict[str, tuple[dict[str, Any], str, str, Any]] = {
    "choices": ({"task_type": "text_classification", "labels": ["pos", "neg"]},
                "t.csv", "id,text\n" + "".join(f"t{i},text {i}\n" for i in range(4)),
                lambda item: "pos" if item["data"]["text"] < "text 2" else "neg"),
    "multi-choice": ({"task_type": "multilabel_text", "labels": ["a", "b", "c"]},
                     "t.csv", "id,text\n" + "".join(f"t{i},text {i}\n" for i in range(4)),
                     lambda item: ["a", "c"] if item["data"]["text"] < "text 2" else ["b"]),
    "number": ({"task_type": "text_regression", "labels": [], "answer_min": 0,
                "answer_max": 10}, "t.csv",
               "id,text\n" + "".join(f"t{i},text {i}\n" for i in range(4)),
               lambda item: float(item["data"]["text"][-1]) + 0.5),
    "tabular": ({"task_type": "tabular_classification", "labels": ["low", "high"]},
                "t.csv", "id,x1,x2\n" + "".join(f"r{i},{i},{-i}\n" for i in range(4)),
                lambda item: "low"),
    "anomaly": ({"task_type": "anomaly", "labels": []}, "t.csv",
                "id,x1,x2\n" + "".join(f"r{i},{i},{i * i}\n" for i in range(4)),
                lambda item: "anomaly" if item["data"]["columns"]["x1"] > 1 else "normal"),
    "image": ({"task_type": "image_classification", "labels": ["dark", "light"]},
              "i.jsonl", "".join(json.dumps({"id": f"i{i}", "image": data_uri(6, 4, 50 * i)})
                                 + "\n" for i in range(4)),
              lambda item: "light"),
    "rectangles": ({"task_type": "image_regions", "labels": ["cat", "dog"]},
                   "i.jsonl", "".join(json.dumps({"id": f"i{i}", "image": data_uri(40, 20)})
                                      + "\n" for i in range(4)),
                   lambda item: [{**_BOX, "label": "dog"},
                                 {"x": 0.5, "y": 0.5, "w": 0.25, "h": 0.5, "label": "cat"}]),
}


def _labelled_project(admin, case: str) -> dict[str, Any]:
    settings, name, content, truth = CASES[case]
    project = make_project(admin, **settings)
    assert upload(admin, project["id"], name, content).json()["inserted"] == 4
    label_from_truth(admin, project["id"], 3, truth)  # the fourth stays unlabelled
    return project


def _label_studio_errors(config: str, tasks: list[dict[str, Any]]) -> list[str]:
    """What Label Studio's SDK finds wrong with the config and the tasks (empty: nothing)."""
    interface = label_interface.LabelInterface(config)
    interface.validate()  # raises on a config Label Studio refuses
    errors = []
    for task in tasks:
        errors += [f"task {task['id']}: no data.{o.value_name}" for o in interface.objects
                   if o.value_is_variable and task["data"].get(o.value_name) is None]
        for kind in ("annotations", "predictions"):
            for entry in task[kind]:
                errors += interface.validate_prediction(entry, return_errors=True)
    return errors


@pytest.mark.parametrize("case", sorted(CASES))
def test_export_and_config_are_accepted_by_label_studio(live, admin, case):
    project = _labelled_project(admin, case)
    pid = project["id"]
    config = admin.get(f"/api/projects/{pid}/export",
                       params={"format": "label-studio-config"})
    assert config.status_code == 200 and config.headers["content-type"].startswith(
        "application/xml")
    tasks = admin.get(f"/api/projects/{pid}/export", params={"format": "label-studio"}).json()
    assert len(tasks) == 3 and all(len(t["annotations"]) == 1 for t in tasks)
    assert _label_studio_errors(config.text, tasks) == []
    # The check is real: an answer outside the project's labels is caught.
    if case not in ("number",):
        result = tasks[0]["annotations"][0]["result"][0]
        key = "rectanglelabels" if case == "rectangles" else "choices"
        result["value"][key] = ["not-a-label"]
        assert _label_studio_errors(config.text, tasks) != []


@pytest.mark.parametrize("case", sorted(CASES))
def test_label_studio_round_trip_gives_the_same_labels(live, admin, case):
    source = _labelled_project(admin, case)
    exported = admin.get(f"/api/projects/{source['id']}/export",
                         params={"format": "label-studio"}).content
    fresh = make_project(admin, **CASES[case][0])
    response = upload(admin, fresh["id"], "export.json", exported)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["inserted"], report["labels"], report["matched"]) == (3, 3, 0)
    assert _labels(admin, fresh["id"]) == _labels(admin, source["id"])
    again = upload(admin, fresh["id"], "export.json", exported).json()  # idempotent
    assert (again["inserted"], again["matched"], again["labels"], again["unchanged"]) == (
        0, 3, 0, 3)
    assert _items(live, fresh["id"]) == 3


def test_a_matching_export_and_config_are_accepted_by_label_studio(live, admin):
    pid = make_project(admin, task_type="matching", labels=[])["id"]
    left = "id,name,city\nL1,Ada Lovelace,London\nL2,Alan Turing,Wilmslow\n"
    right = "id,name,city\nR1,Ada Lovelace,London\nR2,A. Turing,Wilmslow\n"
    response = admin.post(f"/api/projects/{pid}/import-tables", files={
        "left": ("left.csv", left.encode()), "right": ("right.csv", right.encode())})
    assert response.status_code == 200, response.text
    label_from_truth(admin, pid, 2, lambda item: "same")
    config = admin.get(f"/api/projects/{pid}/export", params={"format": "label-studio-config"})
    tasks = admin.get(f"/api/projects/{pid}/export", params={"format": "label-studio"}).json()
    assert len(tasks) == 2 and {"left", "right"} <= set(tasks[0]["data"])
    assert _label_studio_errors(config.text, tasks) == []
    refused = upload(admin, pid, "ls.json", json.dumps(tasks))  # pairs come as two tables
    assert refused.status_code == 422 and "CSV or JSONL tables" in refused.json()["detail"]


def test_hand_written_label_studio_file_makes_items_labels_and_prelabels(live, admin):
    pid = make_project(admin, labels=["pos", "neg"])["id"]
    tasks = [
        {"id": 1, "data": {"text": "great"}, "annotations": [{"result": [
            {"from_name": "sentiment", "to_name": "text", "type": "choices",
             "value": {"choices": ["pos"]}}]}]},
        {"id": 2, "data": {"text": "typed"}, "annotations": [{"result": [
            {"from_name": "answer", "to_name": "text", "type": "textarea",
             "value": {"text": ["neg"]}}]}]},
        {"id": 3, "data": {"text": "cancelled, then predicted"},
         "annotations": [{"was_cancelled": True, "result": []}],
         "predictions": [{"result": [{"from_name": "sentiment", "to_name": "text",
                                      "type": "choices", "value": {"choices": ["neg"]}}]}]},
        {"id": 4, "data": {"text": "not annotated"}},
    ]
    report = upload(admin, pid, "ls.json", json.dumps(tasks)).json()
    assert {k: report[k] for k in ("inserted", "labels", "prelabels")} == {
        "inserted": 4, "labels": 2, "prelabels": 1}
    assert _labels(admin, pid) == {"label-studio-1": ("pos", "root-admin", "annotator"),
                                   "label-studio-2": ("neg", "root-admin", "annotator"),
                                   "label-studio-3": ("neg", None, "import")}
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    assert item["data"]["text"] == "not annotated"  # the only item left to label
    events = admin.get("/api/projects/audit-events", params={"project_id": pid}).json()
    actions = [(e["action"], e["username"]) for e in events]
    assert actions.count(("label", "root-admin")) == 2 and ("import", "root-admin") in actions


def test_label_studio_rectangles_in_percent_of_the_original_size(live, admin):
    pid = make_project(admin, task_type="image_regions", labels=["cat", "dog"])["id"]
    result = {"from_name": "label", "to_name": "image", "type": "rectanglelabels",
              "original_width": 40, "original_height": 20,
              "value": {"x": 25, "y": 50, "width": 50, "height": 25,
                        "rectanglelabels": ["cat"]}}
    tasks = [{"data": {"image": data_uri(40, 20)}, "meta": {"external_id": "photo"},
              "annotations": [{"result": [result]}]}]
    assert upload(admin, pid, "ls.json", json.dumps(tasks)).json()["labels"] == 1
    assert _labels(admin, pid)["photo"][0] == [
        {"x": 0.25, "y": 0.5, "w": 0.5, "h": 0.25, "label": "cat"}]
    # An image given by URL is the project's item of that name.
    by_url = [{"data": {"image": "/data/upload/3/photo"}, "annotations": [
        {"result": [{**result, "value": {**result["value"], "rectanglelabels": ["dog"]}}]}]}]
    report = upload(admin, pid, "ls.json", json.dumps(by_url)).json()
    assert (report["matched"], report["labels"]) == (1, 1)
    assert _labels(admin, pid)["photo"][0][0]["label"] == "dog"


def _refused(live, admin, pid: int, tasks: Any, *expected: str) -> None:
    before = _items(live, pid)
    response = upload(admin, pid, "ls.json", json.dumps(tasks))
    assert response.status_code == 422, response.text
    for text in expected:
        assert text in response.json()["detail"], response.json()["detail"]
    assert _items(live, pid) == before
    with live.factory() as session:
        assert session.scalar(select(func.count()).select_from(Label)
                              .where(Label.project_id == pid)) == 0


def test_a_file_from_another_template_is_refused_whole(live, admin):
    regions = make_project(admin, task_type="image_regions", labels=["cat"])["id"]
    good = {"data": {"image": data_uri(10, 10)}}
    polygon = {"data": {"image": data_uri(10, 10)}, "annotations": [{"result": [
        {"from_name": "p", "to_name": "image", "type": "polygonlabels",
         "value": {"points": [[1, 1], [5, 5], [1, 5]], "polygonlabels": ["cat"]}}]}]}
    _refused(live, admin, regions, [good, polygon], "task 2", "'polygonlabels'",
             "takes rectanglelabels results", "label-studio-config")
    numbers = make_project(admin, task_type="text_regression", labels=[])["id"]
    choices = [{"data": {"text": "one"}}, {"data": {"text": "two"}, "annotations": [
        {"result": [{"from_name": "label", "to_name": "text", "type": "choices",
                     "value": {"choices": ["pos"]}}]}]}]
    _refused(live, admin, numbers, choices, "'choices'", "takes number or textarea results")


def test_bad_label_studio_answers_are_422(live, admin):
    pid = make_project(admin, labels=["pos", "neg"])["id"]

    def task(choices: list[str]) -> dict[str, Any]:
        return {"data": {"text": "x"}, "annotations": [{"result": [
            {"from_name": "label", "to_name": "text", "type": "choices",
             "value": {"choices": choices}}]}]}

    _refused(live, admin, pid, [task(["maybe"])], "task 1", "unknown label 'maybe'")
    _refused(live, admin, pid, [task(["pos", "neg"])], "2 choices")
    _refused(live, admin, pid, {"not": "tasks"}, "list of tasks")
    _refused(live, admin, pid, [{"text": "JSON-MIN"}], "'data'")
    deep = upload(admin, pid, "ls.json", "[" * 100_000 + "]" * 100_000)
    assert deep.status_code == 422 and "nested more than" in deep.json()["detail"]
    _refused(live, admin, pid, [{"data": {"text": "x"}, "predictions": 5}],
             "'predictions' is a list of objects")
    _refused(live, admin, pid, [{"data": {"text": "x"}, "annotations": [{"result": [
        {"type": "choices", "value": {"choices": 7}}]}]}], "'choices' is a list")
    regions = make_project(admin, task_type="image_regions", labels=["cat"])["id"]
    outside = {"data": {"image": data_uri(10, 10)}, "annotations": [{"result": [
        {"from_name": "label", "to_name": "image", "type": "rectanglelabels",
         "original_width": 10, "original_height": 10,
         "value": {"x": 60, "y": 0, "width": 50, "height": 10,
                   "rectanglelabels": ["cat"]}}]}]}
    _refused(live, admin, regions, [outside], "inside the image")
    wrong_size = json.loads(json.dumps(outside))
    wrong_size["annotations"][0]["result"][0].update(original_width=30)
    wrong_size["annotations"][0]["result"][0]["value"]["x"] = 0
    _refused(live, admin, regions, [wrong_size], "30x10")
    unknown_url = {"data": {"image": "https://example.org/missing.png"}}
    _refused(live, admin, regions, [unknown_url], "'missing.png'", "neither in the upload")
