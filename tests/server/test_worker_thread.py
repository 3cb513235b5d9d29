"""The background thread retrains on its own after N label events."""

from __future__ import annotations

import json
import time

import pytest
from server_helpers import make_project, upload


def _label_from_truth(client, project_id: int, n: int, truth) -> None:
    for _ in range(n):
        item = client.get(f"/api/projects/{project_id}/next").json()["item"]
        response = client.post(f"/api/projects/{project_id}/labels",
                               json={"item_id": item["id"], "value": truth(item)})
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("server_settings", [{
    "worker_enabled": True, "worker_mode": "thread", "retrain_every_labels": 6,
    "retrain_every_seconds": 3600,
    "worker_poll_seconds": 0.2}], indirect=True)
def test_the_worker_thread_retrains_after_n_labels(live, admin):
    project = make_project(admin, labels=["sport", "food"], strategy_name="entropy")
    pid = project["id"]
    # Four items per class: any six of them hold both classes.
    texts = [json.dumps({"text": f"{word} {i}"}) for i in range(4)
             for word in ("goal match team", "bread cheese soup")]
    upload(admin, pid, "t.jsonl", "\n".join(texts))
    _label_from_truth(admin, pid, 6,
                      lambda item: "sport" if "goal" in item["data"]["text"] else "food")
    deadline = time.monotonic() + 30
    while not admin.get(f"/api/projects/{pid}/stats").json()["learning_curve"]:
        assert time.monotonic() < deadline, live.app.state.worker.last_error
        time.sleep(0.2)
    why = admin.get(f"/api/projects/{pid}/next").json()["item"]["why"]
    assert why["strategy"] == "entropy" and why["model_version"] >= 1
    assert why["guess"] in ("sport", "food") and 0.5 <= why["probability"] <= 1.0


@pytest.mark.parametrize("server_settings", [{
    "worker_enabled": True, "worker_mode": "thread", "retrain_every_labels": 100,
    "retrain_every_seconds": 1.0,
    "worker_poll_seconds": 0.2}], indirect=True)
def test_the_worker_thread_retrains_after_t_seconds_with_fewer_labels(live, admin):
    project = make_project(admin, labels=["sport", "food"])
    pid = project["id"]
    upload(admin, pid, "t.csv", "text\ngoal match\nteam win\nbread cheese\nsoup pasta\n")
    # Any three of the four items cover both classes; three labels are fewer than six.
    _label_from_truth(admin, pid, 3, lambda item: "sport" if item["data"]["text"]
                      in ("goal match", "team win") else "food")
    started = time.monotonic()
    deadline = started + 30
    while not (curve := admin.get(f"/api/projects/{pid}/stats").json()["learning_curve"]):
        assert time.monotonic() < deadline, live.app.state.worker.last_error
        time.sleep(0.2)
    assert time.monotonic() - started >= 0.5
    assert curve[0]["n_labeled"] == 3
    assert curve[0]["accuracy"] is None  # too few labels to cross-validate
