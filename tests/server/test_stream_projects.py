"""Stream-based selective sampling in the service: items POSTed one at a time are asked or
skipped under the project's rate and budget; asked ones enter the queue; the stream's
state is stored and survives a restart; bad items are clear 4xx errors."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
from server_helpers import Live, make_project, retrain, serve, upload
from sklearn.datasets import load_wine

from activelab.server import Settings
from activelab.server.db import (
    make_engine,
    make_session_factory,
    upgrade_database,
    write_transaction,
)
from activelab.server.models import Role
from activelab.server.services.projects import create_project

CLASSES = ["class_0", "class_1", "class_2"]


def wine_rows() -> list[dict]:
    """sklearn's wine data as rows: ``id``, 13 features and the true ``label``, shuffled."""
    X, y = load_wine(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y)).tolist()
    return [{"id": f"w{i}", **{f"f{j}": float(v) for j, v in enumerate(X[i])},
             "label": CLASSES[y[i]]} for i in order]


def as_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def stream_project(client: httpx.Client, **fields) -> dict:
    return make_project(client, task_type="tabular_classification", labels=CLASSES,
                        eval_fraction=0.0, **fields)


def send(client: httpx.Client, pid: int, row: dict) -> httpx.Response:
    item = {key: value for key, value in row.items() if key != "label"}
    return client.post(f"/api/projects/{pid}/stream", json={"item": item})


@pytest.mark.slow
def test_a_stream_asks_the_uncertain_items_and_survives_a_restart(live_any_db: Live, db_url):
    _, token = live_any_db.user("stream-admin", Role.admin)
    rows = wine_rows()
    with live_any_db.client(token) as admin:
        pid = stream_project(admin, stream_rate=0.3, stream_budget=20)["id"]
        # A labelled start (pre-labels), so that a model decides from the first item on.
        assert upload(admin, pid, "seed.csv", as_csv(rows[:24])).json()["prelabels"] == 24
        retrain(live_any_db, pid)
        decisions = [send(admin, pid, row).json() for row in rows[24:104]]
    asked = [d for d in decisions if d["decision"] == "ask"]
    assert all(d["model_version"] == 1 and d["guess"] in CLASSES for d in decisions)
    assert 0 < len(asked) <= 0.3 * 80 + 1
    # Asked items are the uncertain ones: their confidence is below the skipped ones'.
    skipped = [d["confidence"] for d in decisions if d["decision"] == "skip"]
    assert sum(d["confidence"] for d in asked) / len(asked) < sum(skipped) / len(skipped)
    state = decisions[-1]["state"]
    assert (state["seen"], state["asked"]) == (80, len(asked))
    assert state["skipped"] == 80 - len(asked) and state["budget_left"] == 20 - len(asked)

    # A fresh server on the same database carries on where the stream was.
    for restarted in serve(Settings(db_url=db_url, worker_enabled=False)):
        with restarted.client(token) as admin:
            stats = admin.get(f"/api/projects/{pid}/stats").json()
            assert stats["stream"] == state
            after = send(admin, pid, rows[104]).json()
            assert after["state"]["seen"] == 81
            # The queue serves the asked items, the most uncertain first, with why.
            item = admin.get(f"/api/projects/{pid}/next").json()["item"]
            first = min((d for d in asked), key=lambda d: d["confidence"])
            assert item["id"] == first["item_id"]
            assert item["why"]["score"] == pytest.approx(1 - first["confidence"])
            answered = admin.post(f"/api/projects/{pid}/labels", json={
                "item_id": item["id"], "value": CLASSES[0]})
            assert answered.status_code == 201


def test_before_a_model_the_rate_alone_decides(live, admin):
    pid = stream_project(admin, stream_rate=0.25)["id"]
    decisions = [send(admin, pid, row).json() for row in wine_rows()[:40]]
    asked = [d for d in decisions if d["decision"] == "ask"]
    assert len(asked) == 10 and decisions[0]["decision"] == "ask"
    assert all(d["confidence"] is None and d["model_version"] is None for d in decisions)
    assert {d["reason"] for d in decisions if d["decision"] == "skip"} == {
        "the rate is reached"}
    assert admin.get(f"/api/projects/{pid}/stats").json()["progress"]["total"] == 10


def test_a_spent_budget_skips_every_item(live, admin):
    pid = stream_project(admin, stream_rate=1.0, stream_budget=3)["id"]
    decisions = [send(admin, pid, row).json() for row in wine_rows()[:6]]
    assert [d["decision"] for d in decisions] == ["ask"] * 3 + ["skip"] * 3
    assert decisions[-1]["reason"] == "the budget of 3 labels is spent"
    assert decisions[-1]["state"]["budget_left"] == 0


@pytest.mark.parametrize(("drop", "add", "message"), [
    ("f3", {}, "the item lacks feature(s) ['f3']"),
    (None, {"colour": 1}, "has unknown feature(s) ['colour']"),
    (None, {"f0": "red"}, "column 'f0' is not a number"),
])
def test_a_stream_item_with_bad_features_is_422_and_not_counted(live, admin, drop, add,
                                                                 message):
    pid = stream_project(admin, stream_rate=0.5)["id"]
    rows = wine_rows()
    assert send(admin, pid, rows[0]).status_code == 200
    bad = {key: value for key, value in rows[1].items() if key != drop} | add
    response = send(admin, pid, bad)
    assert response.status_code == 422 and message in response.text, response.text
    assert admin.get(f"/api/projects/{pid}/stats").json()["stream"]["seen"] == 1


def test_a_text_stream_item_needs_its_text(live, admin):
    pid = make_project(admin, task_type="text_classification", labels=["ham", "spam"],
                       stream_rate=0.5)["id"]
    response = admin.post(f"/api/projects/{pid}/stream", json={"item": {"id": "m1"}})
    assert response.status_code == 422 and "column 'text' is missing" in response.text
    ok = admin.post(f"/api/projects/{pid}/stream", json={"item": {"text": "free prize"}})
    assert ok.status_code == 200 and ok.json()["decision"] == "ask"


def test_a_project_without_a_stream_rate_takes_no_stream(live, admin):
    pid = stream_project(admin)["id"]
    response = send(admin, pid, wine_rows()[0])
    assert response.status_code == 409 and "takes no stream" in response.text
    changed = admin.patch(f"/api/projects/{pid}", json={"stream_rate": 0.5})
    assert changed.status_code == 200 and changed.json()["stream_rate"] == 0.5
    assert send(admin, pid, wine_rows()[0]).status_code == 200


@pytest.mark.parametrize(("fields", "message"), [
    ({"task_type": "tabular_regression", "labels": [], "stream_rate": 0.5},
     "for text and tabular classification projects"),
    ({"task_type": "tabular_classification", "labels": CLASSES, "stream_budget": 5},
     "stream_budget needs a stream_rate"),
    ({"task_type": "tabular_classification", "labels": CLASSES, "stream_rate": 0},
     "greater than 0"),
    ({"task_type": "tabular_classification", "labels": CLASSES, "stream_rate": 1.5},
     "less than or equal to 1"),
])
def test_bad_stream_settings_are_422(live, admin, fields, message):
    response = admin.post("/api/projects", json={"name": "s", **fields})
    assert response.status_code == 422 and message in response.text, response.text


def test_only_admins_feed_a_stream(live, admin):
    pid = stream_project(admin, stream_rate=0.5)["id"]
    user_id, token = live.user("annie")
    admin.put(f"/api/projects/{pid}/members/{user_id}")
    with live.client(token) as annie:
        assert send(annie, pid, wine_rows()[0]).status_code == 403


@pytest.mark.slow
def test_the_cli_feeds_a_file_through_the_stream(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'stream.db'}"
    engine = make_engine(Settings(db_url=db_url))
    try:
        upgrade_database(engine)
        with write_transaction(make_session_factory(engine)) as session:
            create_project(session, name="wine", task_type="tabular_classification",
                           labels=CLASSES, stream_rate=0.5, stream_budget=4)
    finally:
        engine.dispose()
    rows = [{k: v for k, v in row.items() if k != "label"} for row in wine_rows()[:10]]
    rows[3] = {**rows[3], "f0": "heavy"}
    source = tmp_path / "arrivals.csv"
    source.write_text(as_csv(rows))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "activelab.cli", "stream", *args],
                              capture_output=True, text=True, timeout=300)

    done = run(str(source), "--project", "wine", "--db", db_url)
    assert done.returncode == 0, done.stderr
    assert "line 2: ask" in done.stdout
    assert "asked 4, skipped 5, 1 bad; the stream has seen 9 item(s) and asked 4" in done.stdout
    assert "line 5: column 'f0' is not a number: 'heavy'" in done.stdout
    again = run(str(source), "--project", "wine", "--db", db_url)  # the state was stored
    assert "asked 0, skipped 9, 1 bad; the stream has seen 18 item(s) and asked 4" \
        in again.stdout
    missing = run(str(source), "--project", "nope", "--db", db_url)
    assert missing.returncode != 0 and "no project 'nope'" in missing.stdout + missing.stderr


def test_items_posted_at_once_are_each_counted_once(live_any_db: Live):
    _, token = live_any_db.user("feeder", Role.admin)
    rows = wine_rows()[:16]
    with live_any_db.client(token) as admin:
        pid = stream_project(admin, stream_rate=0.5)["id"]
        with ThreadPoolExecutor(8) as pool:
            decisions = list(pool.map(lambda row: send(admin, pid, row), rows))
        assert all(response.status_code == 200 for response in decisions)
        asked = sum(response.json()["decision"] == "ask" for response in decisions)
        stats = admin.get(f"/api/projects/{pid}/stats").json()
    assert (stats["stream"]["seen"], stats["stream"]["asked"]) == (16, asked)
    assert stats["progress"]["total"] == asked == 8
