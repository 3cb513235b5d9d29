"""Projects: validation of name and labels, archive, delete, members by name, audit trail.

On SQLite and PostgreSQL (``live_any_db``).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from server_helpers import Live, make_project, upload
from sqlalchemy import func, select

from activelab.server.models import Item, Label, Lease, ModelSnapshot, Project, Role


@pytest.fixture
def root(live_any_db: Live) -> Iterator[httpx.Client]:
    _, token = live_any_db.user("root", Role.admin)
    with live_any_db.client(token) as client:
        yield client


def _count(live: Live, model: type) -> int:
    with live.factory() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_a_blank_name_is_refused(live_any_db, root, name):
    response = root.post("/api/projects", json={"name": name, "task_type": "text_classification",
                                                "labels": ["a", "b"]})
    assert response.status_code == 422
    assert "name" in str(response.json()["detail"])
    project = make_project(root)
    patched = root.patch(f"/api/projects/{project['id']}", json={"name": name})
    assert patched.status_code == 422
    assert root.get(f"/api/projects/{project['id']}").json()["name"] == project["name"]
    assert _count(live_any_db, Project) == 1


def test_names_are_stripped_and_stay_unique(live_any_db, root):
    project = make_project(root, name="  reviews ")
    assert project["name"] == "reviews"
    twin = root.post("/api/projects", json={"name": "reviews  ", "labels": ["a", "b"],
                                            "task_type": "text_classification"})
    assert twin.status_code == 409


@pytest.mark.parametrize("task_type", ["text_classification", "image_classification",
                                       "tabular_classification", "multilabel_text"])
def test_one_label_is_refused_where_there_is_nothing_to_choose(live_any_db, root, task_type):
    response = root.post("/api/projects", json={
        "name": "one", "task_type": task_type, "labels": ["only"], "strategy_name": "random"})
    assert response.status_code == 422
    assert "at least 2 labels" in str(response.json()["detail"])
    assert _count(live_any_db, Project) == 0


def test_one_kind_of_box_is_a_valid_regions_project(live_any_db, root):
    project = make_project(root, task_type="image_regions", labels=["car"],
                           strategy_name="random")
    assert project["labels"] == ["car"]


def test_archive_stops_the_queue_keeps_exports_and_unarchive_restores(live_any_db, root):
    project = make_project(root)
    pid = project["id"]
    upload(root, pid, "t.csv", "id,text,label\na,one,pos\nb,two,\n")
    annotator_id, token = live_any_db.user("ann")
    root.put(f"/api/projects/{pid}/members/{annotator_id}")
    archived = root.post(f"/api/projects/{pid}/archive")
    assert archived.status_code == 200
    assert archived.json()["archived"] is True and archived.json()["archived_at"]
    with live_any_db.client(token) as annotator:
        refused = annotator.get(f"/api/projects/{pid}/next")
        assert refused.status_code == 409
        assert "archived" in refused.json()["detail"]
        assert annotator.post(f"/api/projects/{pid}/archive").status_code == 403
        assert annotator.post(f"/api/projects/{pid}/unarchive").status_code == 403
    export = root.get(f"/api/projects/{pid}/export", params={"format": "jsonl"})
    assert export.status_code == 200 and '"source": "import"' in export.text
    assert upload(root, pid, "t.csv", "text\nthree\n").status_code == 409
    assert [p["id"] for p in root.get("/api/projects", params={"archived": True}).json()] \
        == [pid]
    assert root.get("/api/projects", params={"archived": False}).json() == []
    restored = root.post(f"/api/projects/{pid}/unarchive")
    assert restored.status_code == 200 and restored.json()["archived"] is False
    with live_any_db.client(token) as annotator:
        assert annotator.get(f"/api/projects/{pid}/next").json()["item"]["external_id"] == "b"
    actions = [e["action"] for e in root.get("/api/projects/audit-events",
                                             params={"project_id": pid}).json()]
    assert actions == ["unarchive", "export", "archive", "add member", "pre-label"]


def test_delete_needs_the_name_and_removes_everything(live_any_db, root):
    keep = make_project(root)
    upload(root, keep["id"], "t.csv", "text\nkept\n")
    project = make_project(root)
    pid = project["id"]
    upload(root, pid, "t.csv", "id,text,label\na,one,pos\nb,two,\nc,three,\n")
    item = root.get(f"/api/projects/{pid}/next").json()["item"]  # a lease
    with live_any_db.factory.begin() as session:  # a model snapshot, as a retrain writes
        session.add(ModelSnapshot(project_id=pid, version=1, label_events=1, n_labeled=1,
                                  n_scored=3, model_name="logreg", strategy_name="margin"))
    assert item is not None and _count(live_any_db, Lease) == 1
    annotator_id, token = live_any_db.user("ann")
    root.put(f"/api/projects/{pid}/members/{annotator_id}")
    with live_any_db.client(token) as annotator:
        assert annotator.request("DELETE", f"/api/projects/{pid}",
                                 params={"confirm": project["name"]}).status_code == 403
    for attempt in ({}, {"params": {"confirm": "wrong"}}, {"json": {"confirm": "wrong"}}):
        refused = root.request("DELETE", f"/api/projects/{pid}", **attempt)
        assert refused.status_code == 422, attempt
        assert project["name"] in refused.json()["detail"]
    assert _count(live_any_db, Item) == 4
    deleted = root.request("DELETE", f"/api/projects/{pid}", json={"confirm": project["name"]})
    assert deleted.status_code == 204
    assert root.get(f"/api/projects/{pid}").status_code == 404
    assert _count(live_any_db, Item) == 1  # the other project's
    assert _count(live_any_db, Label) == 0
    assert _count(live_any_db, Lease) == 0
    assert _count(live_any_db, ModelSnapshot) == 0
    (event,) = [e for e in root.get("/api/projects/audit-events").json()
                if e["action"] == "delete"]
    assert (event["project_id"], event["project_name"], event["username"]) == (
        pid, project["name"], "root")
    assert event["detail"] == {"items": 3, "labels": 1}
    by_query = make_project(root)
    assert root.delete(f"/api/projects/{by_query['id']}",
                       params={"confirm": by_query["name"]}).status_code == 204


def test_members_by_name_listed_and_removed(live_any_db, root):
    project = make_project(root)
    pid = project["id"]
    ann_id, _ = live_any_db.user("ann")
    live_any_db.user("bob")
    assert root.put(f"/api/projects/{pid}/members/by-name/ann").status_code == 204
    assert root.put(f"/api/projects/{pid}/members/by-name/ann").status_code == 204  # idempotent
    assert root.put(f"/api/projects/{pid}/members/by-name/bob").status_code == 204
    missing = root.put(f"/api/projects/{pid}/members/by-name/nobody")
    assert missing.status_code == 404 and "nobody" in missing.json()["detail"]
    members = root.get(f"/api/projects/{pid}/members").json()
    assert [(m["username"], m["role"]) for m in members] == [("ann", "annotator"),
                                                             ("bob", "annotator")]
    assert members[0]["id"] == ann_id
    assert root.delete(f"/api/projects/{pid}/members/by-name/bob").status_code == 204
    assert root.delete(f"/api/projects/{pid}/members/{ann_id}").status_code == 204
    assert root.get(f"/api/projects/{pid}/members").json() == []
    actions = [(e["action"], e["detail"]["member"]) for e in root.get(
        "/api/projects/audit-events", params={"project_id": pid}).json()]
    assert actions == [("remove member", "ann"), ("remove member", "bob"),
                       ("add member", "bob"), ("add member", "ann")]
