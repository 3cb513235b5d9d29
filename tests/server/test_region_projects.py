"""Image regions projects train the detection task's region detector: the queue ranks
images (or single proposed regions) by detection uncertainty, the model's boxes come as
pre-annotations, answers record what was done with them, mAP@0.5 on the dashboard."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from region_helpers import LABELS, index_of, shapes_b64, shapes_jsonl, shapes_png, shapes_truth
from server_helpers import Live, make_project, refuse_answer, retrain, upload
from sqlalchemy import select

from activelab.client import Client, load_model
from activelab.server.models import Item, Role
from activelab.tasks.detection import RegionDetector, read_image

N_IMAGES = 14


def regions_project(admin: Any, n: int = N_IMAGES, **fields: Any) -> int:
    project = make_project(admin, task_type="image_regions", labels=LABELS, eval_fraction=0.0,
                           **fields)
    report = upload(admin, project["id"], "shapes.jsonl", shapes_jsonl(n)).json()
    assert report["inserted"] == n and report["n_errors"] == 0, report
    return project["id"]


def answer_truth(admin: Any, pid: int, n: int) -> None:
    """Annotate ``n`` images with their true boxes, drawn from scratch."""
    for _ in range(n):
        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        boxes = shapes_truth(index_of(item))
        response = admin.post(f"/api/projects/{pid}/labels", json={
            "item_id": item["id"], "value": boxes,
            "box_actions": {"origins": ["drawn"] * len(boxes), "rejected": 0}})
        assert response.status_code == 201, response.text


def test_the_worker_trains_a_detector_whose_boxes_are_served(live_any_db: Live):
    _, token = live_any_db.user("regions-admin", Role.admin)
    with live_any_db.client(token) as admin:
        pid = regions_project(admin)
        answer_truth(admin, pid, 6)
        retrain(live_any_db, pid)
        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        why = item["why"]
        assert why["model_version"] == 1
        assert why["detection_strategy"] == "margin-sum" and why["uncertainty"] > 0
        truth = shapes_truth(index_of(item))
        found = {box["label"]: box for box in why["boxes"]}
        assert set(found) == {"square", "bar"}
        for box in truth:
            near = found[box["label"]]
            assert abs(near["x"] - box["x"]) < 0.05 and abs(near["w"] - box["w"]) < 0.05
            assert 0.3 <= near["score"] <= 1.0
        stats = admin.get(f"/api/projects/{pid}/stats").json()
        point = stats["learning_curve"][-1]
        assert point["headline"] == "map50" and point["n_boxes"] == 12
        assert point["cv_folds"] == 5 and 0.5 < point["cv_map50"] <= 1.0
        assert stats["headline"]["metric"] == "map50"
        assert stats["box_actions"]["drawn"] == 12 and stats["box_actions"]["accepted"] == 0


def test_the_exported_detector_finds_the_boxes_the_endpoint_serves(live: Live):
    _, token = live.user("regions-export", Role.admin)
    with live.client(token) as admin:
        pid = regions_project(admin, n=10)
        assert admin.get(f"/api/projects/{pid}/model").status_code == 409  # no model yet
        answer_truth(admin, pid, 6)
        retrain(live, pid)
        info = admin.get(f"/api/projects/{pid}/model/info").json()
        assert info["version"] == 1 and info["exportable"] is True
        response = admin.get(f"/api/projects/{pid}/model")
        assert response.status_code == 200, response.text
        assert response.headers["x-model-labels"] == "6"
        detector = load_model(response.content)
        assert isinstance(detector, RegionDetector)
        new = [20, 21]
        served = admin.post(f"/api/projects/{pid}/predict",
                            json={"images": [shapes_b64(i) for i in new]})
        assert served.status_code == 200, served.text
        body = served.json()
        assert body["model_version"] == 1 and body["classes"] == LABELS
        for i, boxes in zip(new, body["boxes"], strict=True):
            found = detector.detect(read_image(shapes_png(i)))
            assert [b["label"] for b in boxes] == found.labels
            assert [b["score"] for b in boxes] == pytest.approx(found.scores.tolist())
            for box, (x0, y0, x1, y1) in zip(boxes, found.boxes.tolist(), strict=True):
                assert (box["x"], box["y"], box["w"], box["h"]) == pytest.approx(
                    (x0, y0, x1 - x0, y1 - y0))
            # The boxes are the shapes, in pixels of the 48x48 image.
            square = next(b for b in boxes if b["label"] == "square")
            truth = shapes_truth(i)[0]
            assert square["x"] == pytest.approx(truth["x"] * 48, abs=1.5)
            assert square["w"] == pytest.approx(10, abs=1.5)
        assert body["predictions"] == [[b["label"] for b in boxes] for boxes in body["boxes"]]
    with Client(live.url, token=token) as client:
        frame = client.predict(pid, [shapes_png(i) for i in new])
    assert frame.columns.tolist() == ["image", "x", "y", "w", "h", "label", "score"]
    assert frame["image"].tolist() == [i for i, boxes in enumerate(body["boxes"])
                                       for _ in boxes]
    assert frame["x"].tolist() == pytest.approx([b["x"] for bs in body["boxes"] for b in bs])


def test_region_queue_asks_about_one_proposed_box(live_any_db: Live):
    _, token = live_any_db.user("regions-queue", Role.admin)
    with live_any_db.client(token) as admin:
        pid = regions_project(admin)
        answer_truth(admin, pid, 5)
        changed = admin.patch(f"/api/projects/{pid}", json={"region_queue": "regions"})
        assert changed.status_code == 200 and changed.json()["region_queue"] == "regions"
        retrain(live_any_db, pid)
        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        why = item["why"]
        assert why["detection_strategy"] == "region-margin" and why["uncertainty"] > 0
        region = why["region"]
        assert region["label"] in LABELS and 0 < region["score"] <= 1
        box = {key: region[key] for key in ("x", "y", "w", "h", "label")}
        other = next(name for name in LABELS if name != region["label"])
        # Relabelled: the same box with the other class.
        relabelled = admin.post(f"/api/projects/{pid}/labels", json={
            "item_id": item["id"], "value": [{**box, "label": other}],
            "box_actions": {"verdict": "relabelled", "region": box}})
        assert relabelled.status_code == 201, relabelled.text
        # Rejected: the region shows none of the labels.
        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        region = item["why"]["region"]
        box = {key: region[key] for key in ("x", "y", "w", "h", "label")}
        rejected = admin.post(f"/api/projects/{pid}/labels", json={
            "item_id": item["id"], "value": [],
            "box_actions": {"verdict": "rejected", "region": box}})
        assert rejected.status_code == 201, rejected.text
        retrain(live_any_db, pid)  # the verdicts train the detector as single regions
        stats = admin.get(f"/api/projects/{pid}/stats").json()
        assert stats["box_actions"]["region_relabelled"] == 1
        assert stats["box_actions"]["region_rejected"] == 1
        assert stats["learning_curve"][-1]["n_images"] == 7
        assert admin.patch(f"/api/projects/{pid}", json={"region_queue": "images"}
                           ).status_code == 200


def _leased(admin: Any, pid: int) -> int:
    return admin.get(f"/api/projects/{pid}/next").json()["item"]["id"]


BOX = {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2, "label": "square"}


@pytest.mark.parametrize(("value", "actions", "message"), [
    ([{**BOX, "x": 0.9}], None, "inside the image"),
    ([{**BOX, "x": -0.1}], None, "number in [0, 1]"),
    ([{**BOX, "w": 0}], None, "positive size"),
    ([{**BOX, "h": -0.2}], None, "number in [0, 1]"),
    ([{**BOX, "label": "circle"}], None, "circle"),
    ([BOX], {"origins": [], "rejected": 0}, "one entry per box"),
    ([BOX], {"origins": ["guessed"], "rejected": 0}, "one of accepted, corrected, drawn"),
    ([BOX], {"origins": ["drawn"], "rejected": -1}, "whole number from 0"),
    ([BOX], {"verdict": "maybe", "region": BOX}, "verdict must be one of"),
    ([BOX], {"verdict": "rejected", "region": BOX}, "answered with 0 box"),
    ([BOX], {"verdict": "confirmed", "region": {**BOX, "label": "bar"}}, "keeps its label"),
    ([], {"verdict": "rejected", "region": {**BOX, "w": 2}}, "box_actions.region"),
])
def test_bad_boxes_and_box_actions_are_refused(live: Live, admin, value, actions, message):
    pid = regions_project(admin, n=2)
    item_id = _leased(admin, pid)
    if actions is None:
        refuse_answer(live, admin, pid, item_id, value, message)
        return
    response = admin.post(f"/api/projects/{pid}/labels",
                          json={"item_id": item_id, "value": value, "box_actions": actions})
    assert response.status_code == 422 and message in response.text, response.text


def test_bad_region_queue_and_predict_input_are_refused(live: Live, admin):
    pid = regions_project(admin, n=8)
    bad = admin.patch(f"/api/projects/{pid}", json={"region_queue": "boxes"})
    assert bad.status_code == 422 and "region_queue" in bad.text
    text = make_project(admin)
    other = admin.patch(f"/api/projects/{text['id']}", json={"region_queue": "regions"})
    assert other.status_code == 422 and "setting of image_regions projects" in other.text
    created = admin.post("/api/projects", json={
        "name": "wrong-queue", "task_type": "image_regions", "labels": LABELS,
        "region_queue": 3})
    assert created.status_code == 422
    answer_truth(admin, pid, 4)
    retrain(live, pid)
    corrupt = base64.b64encode(b"\x89PNG\r\n\x1a\nnot really a png").decode()
    response = admin.post(f"/api/projects/{pid}/predict", json={"images": [corrupt]})
    assert response.status_code == 422 and "item 0" in response.text, response.text
    response = admin.post(f"/api/projects/{pid}/predict", json={"images": ["%%%"]})
    assert response.status_code == 422 and "not valid base64" in response.text
    response = admin.post(f"/api/projects/{pid}/predict", json={"texts": ["a square"]})
    assert response.status_code == 422 and "predicts from 'images'" in response.text
    actions = admin.post(f"/api/projects/{text['id']}/labels", json={
        "item_id": 1, "value": "pos", "box_actions": {"origins": []}})
    assert actions.status_code in (409, 422)


def test_evaluation_images_are_asked_whole_in_the_region_queue(live: Live, admin):
    project = make_project(admin, task_type="image_regions", labels=LABELS, eval_fraction=0.3,
                           region_queue="regions")
    pid = project["id"]
    assert upload(admin, pid, "s.jsonl", shapes_jsonl(N_IMAGES)).json()["inserted"] == N_IMAGES
    with live.factory() as session:  # a fixed draw: images 10-13 are held out, 0-5 answered
        for item in session.scalars(select(Item).where(Item.project_id == pid)):
            item.random_key = index_of({"external_id": item.external_id}) / N_IMAGES
        session.commit()
    answer_truth(admin, pid, 6)
    retrain(live, pid)
    with live.factory() as session:
        rows = session.execute(select(Item.is_eval, Item.predicted).where(
            Item.project_id == pid, Item.n_labels == 0)).all()
    held_out = [guess for is_eval, guess in rows if is_eval]
    asked = [guess for is_eval, guess in rows if not is_eval]
    assert len(held_out) == 4 and len(asked) == 4
    assert all("region" not in g and g["detection_strategy"] == "margin-sum" for g in held_out)
    assert all("region" in g and g["detection_strategy"] == "region-margin" for g in asked)


def test_next_answers_while_the_detector_trains(live: Live, admin):
    """The worker fits and scores outside any transaction: annotators are served meanwhile."""
    import threading

    pid = regions_project(admin, n=60)
    answer_truth(admin, pid, 30)
    worker = live.app.state.worker
    worker.notify(pid, force=True)
    training = threading.Thread(target=worker.run_pending)
    training.start()
    served_meanwhile = 0
    while training.is_alive():
        item = admin.get(f"/api/projects/{pid}/next")
        assert item.status_code == 200 and item.json()["item"] is not None
        served_meanwhile += training.is_alive()
    training.join()
    assert worker.last_error == {}
    assert served_meanwhile >= 1, "no item was served while the detector trained"
    assert admin.get(f"/api/projects/{pid}/next").json()["item"]["why"]["model_version"] == 1
