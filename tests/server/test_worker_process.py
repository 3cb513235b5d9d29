"""Retraining in a separate OS process: it retrains, survives kill -9, and is reported when gone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from server_helpers import ServerProcess, make_project, make_users, upload

from activelab.server.models import Role
from activelab.server.worker_process import SETTINGS_ENV

FAST = {"worker_enabled": True, "worker_mode": "process", "retrain_every_labels": 4,
        "retrain_every_seconds": 3600, "worker_poll_seconds": 0.2,
        # a beat a second: "missing" after 5 s without one, not a scheduling hiccup on a busy CI box
        "worker_heartbeat_seconds": 1.0}
TEXTS = [("goal match team", "sport"), ("bread cheese soup", "food")]


def _project_with_items(admin) -> int:
    project = make_project(admin, labels=["sport", "food"])
    lines = [json.dumps({"text": f"{text} {i}"}) for i in range(4) for text, _ in TEXTS]
    assert upload(admin, project["id"], "t.jsonl", "\n".join(lines)).status_code == 200
    return project["id"]


def _label(client, pid: int, n: int) -> None:
    for _ in range(n):
        item = client.get(f"/api/projects/{pid}/next").json()["item"]
        value = "sport" if "goal" in item["data"]["text"] else "food"
        response = client.post(f"/api/projects/{pid}/labels",
                               json={"item_id": item["id"], "value": value})
        assert response.status_code == 201, response.text


def _wait_for(condition, what: str, timeout: float = 180.0):  # a loaded machine is slow
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return value


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("server_settings", [FAST], indirect=True)
@pytest.mark.slow
def test_the_worker_process_retrains_and_is_restarted_after_kill_9(live, admin):
    pid = _project_with_items(admin)
    _label(admin, pid, 4)
    stats = _wait_for(lambda: (s := admin.get(f"/api/projects/{pid}/stats").json())
                      ["learning_curve"] and s, "the first retrain")
    worker = stats["worker"]
    assert worker["mode"] == "process" and worker["state"] in ("running", "retraining")
    assert worker["pid"] != os.getpid()  # not this (the server's) process
    why = admin.get(f"/api/projects/{pid}/next").json()["item"]["why"]
    assert why["model_version"] == 1 and why["guess"] in ("sport", "food")

    os.kill(worker["pid"], signal.SIGKILL)
    restarted = _wait_for(lambda: (w := admin.get(f"/api/projects/{pid}/stats").json()
                                   ["worker"])["pid"] != worker["pid"]
                          and w["state"] != "missing" and w, "the restarted worker")
    assert restarted["restarts"] == 1
    assert "exited with code -9" in restarted["note"]
    dashboard = admin.get(f"/projects/{pid}/dashboard")
    assert "restarted 1" in dashboard.text and "exited with code -9" in dashboard.text
    # The new process serves the next retrain (an admin's "retrain now" goes through the DB).
    assert admin.post(f"/api/projects/{pid}/retrain").status_code == 202
    _wait_for(lambda: len(admin.get(f"/api/projects/{pid}/stats").json()["learning_curve"])
              == 2, "the retrain by the restarted worker")


@pytest.mark.parametrize("server_settings", [{**FAST, "worker_mode": "external"}],
                         indirect=True)
def test_a_missing_external_worker_is_reported_on_the_dashboard(live, admin, sqlite_url):
    pid = _project_with_items(admin)
    stats = admin.get(f"/api/projects/{pid}/stats").json()
    assert stats["worker"]["state"] == "never started"
    assert 'data-state="never started"' in admin.get(f"/projects/{pid}/dashboard").text

    env = dict(os.environ, **{SETTINGS_ENV: json.dumps({**FAST, "db_url": sqlite_url})})
    worker = subprocess.Popen([sys.executable, "-m", "activelab.server.worker_process"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: admin.get(f"/api/projects/{pid}/stats").json()["worker"]["state"]
                  in ("running", "retraining"), "the hand-started worker")
        _label(admin, pid, 4)
        _wait_for(lambda: admin.get(f"/api/projects/{pid}/stats").json()["learning_curve"],
                  "a retrain by the hand-started worker")
    finally:
        worker.kill()
        worker.wait(30)
    gone = _wait_for(lambda: (w := admin.get(f"/api/projects/{pid}/stats").json()["worker"])
                     ["state"] == "missing" and w, "the worker to be reported missing")
    assert "has not reported" in gone["detail"]
    assert 'data-state="missing"' in admin.get(f"/projects/{pid}/dashboard").text


@pytest.mark.parametrize("server_settings", [{**FAST, "worker_mode": "external"}],
                         indirect=True)
@pytest.mark.timeout(900)
def test_activelab_worker_runs_the_worker_as_its_own_command(live_any_db, tmp_path):
    _, token = live_any_db.user("boss-cli", Role.admin)
    db_url = live_any_db.app.state.settings.db_url
    env = dict(os.environ, **{f"ACTIVELAB_{key.upper()}": str(value)
                              for key, value in FAST.items()},
               ACTIVELAB_FEATURE_STORE_DIR=str(tmp_path / "features"))
    with live_any_db.client(token) as admin:
        pid = _project_with_items(admin)
        worker = subprocess.Popen([sys.executable, "-m", "activelab.cli", "worker", "--db",
                                   db_url], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            _wait_for(lambda: admin.get(f"/api/projects/{pid}/stats").json()["worker"]["state"]
                      in ("running", "retraining"), "activelab worker to start", 300)
            _label(admin, pid, 4)
            _wait_for(lambda: admin.get(f"/api/projects/{pid}/stats").json()["learning_curve"],
                      "a retrain by activelab worker", 300)
            assert admin.get(f"/api/projects/{pid}/stats").json()["worker"]["pid"] == worker.pid
        finally:
            worker.terminate()
            assert worker.wait(60) == 0  # SIGTERM: it finishes its pass and exits cleanly
    assert (tmp_path / "features" / f"project-{pid}.json").exists()


def test_the_worker_process_exits_when_the_server_is_killed(sqlite_url):
    users = make_users(sqlite_url, [])
    server = ServerProcess(sqlite_url, worker_poll_seconds=0.2,
                           worker_heartbeat_seconds=0.2).start()
    try:
        with server.client(users["boss"][1]) as admin:
            pid = make_project(admin)["id"]
            worker = _wait_for(lambda: (w := admin.get(f"/api/projects/{pid}/stats").json()
                                        ["worker"]).get("pid") and w, "the worker process")
        assert _alive(worker["pid"])
        server.kill()  # kill -9: no shutdown hook stops the worker
        _wait_for(lambda: not _alive(worker["pid"]), "the orphaned worker to exit", 30)
    finally:
        server.stop()
