"""An annotator's history: their recent answers, and reopening any of them to change it."""

from __future__ import annotations

import json

import pytest
from server_helpers import make_project, png_b64, upload

from activelab.server.models import Role


@pytest.fixture
def setup(live_any_db):
    """A project with four texts, its admin's client and a member annotator's client."""
    _, admin_token = live_any_db.user("boss", Role.admin)
    user_id, token = live_any_db.user("ann")
    with live_any_db.client(admin_token) as admin, live_any_db.client(token) as ann:
        project = make_project(admin, labels=["pos", "neg"])
        rows = "".join(f"review {i}\n" for i in range(4))
        assert upload(admin, project["id"], "t.csv", "text\n" + rows).status_code == 200
        admin.put(f"/api/projects/{project['id']}/members/{user_id}")
        yield project["id"], admin, ann


def _label(client, pid: int, value: str | None, text: bool = True) -> dict:
    item = client.get(f"/api/projects/{pid}/next").json()["item"]
    body = {"item_id": item["id"], "value": value, "skip": value is None}
    response = client.post(f"/api/projects/{pid}/labels", json=body)
    assert response.status_code == 201, response.text
    return {**response.json(), "text": item["data"]["text"] if text else None}


def test_history_lists_the_callers_answers_newest_first(setup):
    pid, admin, ann = setup
    answers = [_label(ann, pid, v) for v in ("pos", None, "neg")]
    _label(admin, pid, "pos")  # another user's label is not in ann's history
    history = ann.get(f"/api/projects/{pid}/history").json()
    assert [h["label_id"] for h in history] == [a["id"] for a in reversed(answers)]
    assert [h["summary"] for h in history] == [a["text"] for a in reversed(answers)]
    assert [(h["value"], h["is_skip"]) for h in history] == [("neg", False), (None, True),
                                                             ("pos", False)]
    assert len(ann.get(f"/api/projects/{pid}/history", params={"limit": 2}).json()) == 2
    for bad in (0, -1, 10_000, "x"):
        assert ann.get(f"/api/projects/{pid}/history", params={"limit": bad}).status_code == 422


def test_reopening_an_older_answer_serves_it_again_and_keeps_counts_right(setup):
    pid, admin, ann = setup
    first, second = _label(ann, pid, "pos"), _label(ann, pid, "neg")
    held = ann.get(f"/api/projects/{pid}/next").json()["item"]  # a third item, leased
    assert ann.get(f"/api/projects/{pid}/next").json()["progress"]["done"] == 2

    reopened = ann.post(f"/api/projects/{pid}/labels/{first['id']}/reopen")
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert body["item"]["id"] == first["item_id"]
    assert body["item"]["previous"] == {"value": "pos", "skipped": False}
    assert body["progress"]["done"] == 1 and body["progress"]["mine"] == 1
    # Still reopened (the lease is the caller's): /next serves the same item again.
    assert ann.get(f"/api/projects/{pid}/next").json()["item"]["id"] == first["item_id"]
    history = ann.get(f"/api/projects/{pid}/history").json()
    assert [h["label_id"] for h in history] == [second["id"]]

    changed = ann.post(f"/api/projects/{pid}/labels",
                       json={"item_id": first["item_id"], "value": "neg"})
    assert changed.status_code == 201
    after = ann.get(f"/api/projects/{pid}/next").json()
    assert after["progress"]["done"] == 2 and after["progress"]["mine"] == 2
    # The item held before the reopen went back to the queue and is served again.
    assert after["item"]["id"] == held["id"]
    stats = admin.get(f"/api/projects/{pid}/stats").json()
    assert stats["distribution"]["counts"] == {"pos": 0, "neg": 2}


def test_you_cannot_reopen_another_users_label_or_one_reopened_already(setup):
    pid, admin, ann = setup
    theirs = _label(admin, pid, "pos")
    mine = _label(ann, pid, "neg")
    before = admin.get(f"/api/projects/{pid}/history").json()
    response = ann.post(f"/api/projects/{pid}/labels/{theirs['id']}/reopen")
    assert response.status_code == 404
    assert response.json()["detail"] == (f"you have no label {theirs['id']} to reopen in "
                                         "this project")
    assert admin.get(f"/api/projects/{pid}/history").json() == before  # nothing changed
    assert ann.post(f"/api/projects/{pid}/labels/{mine['id']}/reopen").status_code == 200
    assert ann.post(f"/api/projects/{pid}/labels/{mine['id']}/reopen").status_code == 404
    assert ann.post(f"/api/projects/{pid}/labels/999999/reopen").status_code == 404
    assert ann.post(f"/api/projects/{pid}/labels/abc/reopen").status_code == 422
    other = make_project(admin, labels=["a", "b"])  # a label of another project
    assert ann.post(f"/api/projects/{other['id']}/labels/{theirs['id']}/reopen").status_code \
        == 404


def test_history_needs_a_member(live_any_db, setup):
    pid, _, _ = setup
    _, token = live_any_db.user("stranger")
    with live_any_db.client(token) as stranger:
        assert stranger.get(f"/api/projects/{pid}/history").status_code == 404
    with live_any_db.client() as anonymous:
        assert anonymous.get(f"/api/projects/{pid}/history").status_code == 401


def test_history_names_image_and_table_items(live_any_db, setup):
    _, admin, _ = setup
    images = make_project(admin, task_type="image_classification", labels=["a", "b"])
    lines = json.dumps({"image": png_b64(9), "id": "scan-7"}) + "\n"
    assert upload(admin, images["id"], "i.jsonl", lines).status_code == 200
    table = make_project(admin, task_type="tabular_classification", labels=["a", "b"])
    assert upload(admin, table["id"], "t.csv", "width,height\n1.5,2\n").status_code == 200
    for project, summary in ((images, "item scan-7"), (table, "width=1.5, height=2.0")):
        pid = project["id"]
        _label(admin, pid, "a", text=False)
        (entry,) = admin.get(f"/api/projects/{pid}/history").json()
        assert entry["summary"] == summary
        if project is images:
            assert entry["image_url"] == f"/api/projects/{pid}/items/{entry['item_id']}/image"
            assert admin.get(entry["image_url"]).status_code == 200
        else:
            assert entry["image_url"] is None
