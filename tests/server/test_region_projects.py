"""Image regions projects train the detection task's region detector: the queue ranks
images (or single proposed regions) by detection uncertainty, the model's boxes come as
pre-annotations, answers record what was done with them, mAP@0.5 on the dashboard."""

from __future__ import annotations

from typing import Any

from region_helpers import LABELS, index_of, shapes_jsonl, shapes_truth
from server_helpers import Live, make_project, retrain, upload

from activelab.server.models import Role

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
