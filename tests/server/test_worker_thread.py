"""The background thread retrains on its own after N label events."""

from __future__ import annotations

import json
import time

import pytest
from server_helpers import label_from_truth, make_project, upload


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
    label_from_truth(admin, pid, 6,
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
    project = make_project(admin, labels=["sport", "food"], eval_fraction=0)
    pid = project["id"]
    texts = [f"goal match {i}" for i in range(10)] + [f"bread cheese {i}" for i in range(10)]
    upload(admin, pid, "t.csv", "text\n" + "\n".join(texts) + "\n")

    def truth(item: dict) -> str:
        return "sport" if "goal" in item["data"]["text"] else "food"

    def wait_for_point(n_labeled: int) -> None:
        deadline = time.monotonic() + 30
        while n_labeled not in [p["n_labeled"] for p in admin.get(
                f"/api/projects/{pid}/stats").json()["learning_curve"]]:
            assert time.monotonic() < deadline, live.app.state.worker.last_error
            time.sleep(0.2)

    # Any 15 of the 20 items hold 5 of each class: the cold start (a retrain after
    # every label) ends with them.
    label_from_truth(admin, pid, 15, truth)
    wait_for_point(15)
    label_from_truth(admin, pid, 1, truth)  # one label: far fewer than 100
    started = time.monotonic()
    wait_for_point(16)
    assert time.monotonic() - started >= 0.5
