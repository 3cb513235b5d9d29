"""The active queue: exclusive leases (also under concurrency), labels, skips, undo."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from server_helpers import make_project, upload
from sqlalchemy import func, select

from activelab.server.models import Item, Label, Lease, Role


def _texts(n: int) -> str:
    return "".join(json.dumps({"id": f"t{i}", "text": f"text number {i}"}) + "\n"
                   for i in range(n))


def _project_with_items(live, admin_client, n: int, **fields) -> dict:
    project = make_project(admin_client, **fields)
    response = upload(admin_client, project["id"], "items.jsonl", _texts(n))
    assert response.status_code == 200 and response.json()["inserted"] == n
    return project


def _annotators(live, project_id: int, n: int, admin_client) -> list[str]:
    tokens = []
    for i in range(n):
        user_id, token = live.user(f"annotator{i}")
        admin_client.put(f"/api/projects/{project_id}/members/{user_id}")
        tokens.append(token)
    return tokens


def _next_id(client: httpx.Client, project_id: int) -> int | None:
    response = client.get(f"/api/projects/{project_id}/next")
    assert response.status_code == 200, response.text
    item = response.json()["item"]
    return None if item is None else item["id"]


def _count(live, model, *where) -> int:
    with live.factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_next_serves_one_item_with_why_and_progress(live, admin):
    project = _project_with_items(live, admin, 5)
    body = admin.get(f"/api/projects/{project['id']}/next").json()
    item = body["item"]
    assert item["data"]["text"].startswith("text number")
    assert item["why"] == {"strategy": "random", "strategy_note": None, "score": None,
                           "guess": None, "probability": None, "model_version": None}
    assert body["progress"] == {"done": 0, "total": 5, "mine": 0}
    # Asking again returns the lease already held, not a second item.
    assert _next_id(admin, project["id"]) == item["id"]


@pytest.mark.parametrize("n_clients", [24])
def test_concurrent_next_never_hands_out_an_item_twice(live_any_db, n_clients):
    live = live_any_db
    _, admin_token = live.user("boss", Role.admin)
    with live.client(admin_token) as admin_client:
        project = _project_with_items(live, admin_client, 40)
        tokens = _annotators(live, project["id"], n_clients, admin_client)

    def grab(token: str) -> int | None:
        with live.client(token) as client:
            return _next_id(client, project["id"])

    with ThreadPoolExecutor(max_workers=n_clients) as pool:
        got = list(pool.map(grab, tokens))
    assert None not in got
    assert len(set(got)) == n_clients
    assert _count(live, Lease) == n_clients


def test_concurrent_next_respects_overlap_two(live_any_db):
    live = live_any_db
    _, admin_token = live.user("boss", Role.admin)
    with live.client(admin_token) as admin_client:
        project = _project_with_items(live, admin_client, 5, overlap=2)
        tokens = _annotators(live, project["id"], 12, admin_client)

    def grab(token: str) -> int | None:
        with live.client(token) as client:
            return _next_id(client, project["id"])

    with ThreadPoolExecutor(max_workers=12) as pool:
        got = list(pool.map(grab, tokens))
    served = [i for i in got if i is not None]
    assert len(served) == 10  # 5 items x 2 annotators; two people get nothing
    assert all(served.count(i) == 2 for i in set(served))


def test_one_user_asking_concurrently_gets_one_lease(live_any_db):
    live = live_any_db
    _, admin_token = live.user("boss", Role.admin)
    with live.client(admin_token) as admin_client:
        project = _project_with_items(live, admin_client, 10)

    def grab(_: int) -> int | None:
        with live.client(admin_token) as client:
            return _next_id(client, project["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(grab, range(8)))
    assert len(set(got)) == 1 and None not in got
    assert _count(live, Lease) == 1


def test_label_is_durable_and_the_next_item_differs(live, admin):
    project = _project_with_items(live, admin, 3)
    pid = project["id"]
    first = _next_id(admin, pid)
    response = admin.post(f"/api/projects/{pid}/labels", json={"item_id": first, "value": "pos"})
    assert response.status_code == 201
    # Committed before the answer: a fresh session sees it.
    with live.factory() as session:
        label = session.scalar(select(Label).where(Label.item_id == first))
        assert label.value == "pos" and not label.is_skip and not label.undone
        assert session.get(Item, first).n_labels == 1
    second = _next_id(admin, pid)
    assert second != first
    progress = admin.get(f"/api/projects/{pid}/next").json()["progress"]
    assert progress == {"done": 1, "total": 3, "mine": 1}


def test_unknown_label_is_422_and_changes_nothing(live, admin):
    project = _project_with_items(live, admin, 2)
    pid = project["id"]
    item = _next_id(admin, pid)
    response = admin.post(f"/api/projects/{pid}/labels", json={"item_id": item, "value": "maybe"})
    assert response.status_code == 422
    assert "pos" in response.json()["detail"]
    assert _count(live, Label) == 0
    assert _count(live, Lease, Lease.item_id == item) == 1  # still leased to the caller
    assert admin.post(f"/api/projects/{pid}/labels",
                      json={"item_id": item, "value": "pos"}).status_code == 201


def test_label_for_an_item_not_leased_to_the_caller_is_409(live, admin):
    project = _project_with_items(live, admin, 3)
    pid = project["id"]
    user_id, token = live.user("ann")
    admin.put(f"/api/projects/{pid}/members/{user_id}")
    mine = _next_id(admin, pid)
    with live.client(token) as other:
        response = other.post(f"/api/projects/{pid}/labels", json={"item_id": mine, "value": "pos"})
        assert response.status_code == 409
        never_served = other.post(f"/api/projects/{pid}/labels",
                                  json={"item_id": 10_000, "value": "pos"})
        assert never_served.status_code == 409
    assert _count(live, Label) == 0


def test_skip_moves_on_and_the_item_goes_to_someone_else(live, admin):
    project = _project_with_items(live, admin, 1)
    pid = project["id"]
    item = _next_id(admin, pid)
    assert admin.post(f"/api/projects/{pid}/labels",
                      json={"item_id": item, "skip": True}).status_code == 201
    assert _next_id(admin, pid) is None  # the skipper is not asked again
    user_id, token = live.user("ann")
    admin.put(f"/api/projects/{pid}/members/{user_id}")
    with live.client(token) as other:
        assert _next_id(other, pid) == item


def test_undo_reverts_the_last_label_and_serves_the_item_again(live, admin):
    project = _project_with_items(live, admin, 3)
    pid = project["id"]
    first = _next_id(admin, pid)
    admin.post(f"/api/projects/{pid}/labels", json={"item_id": first, "value": "neg"})
    second = _next_id(admin, pid)
    undone = admin.post(f"/api/projects/{pid}/undo")
    assert undone.status_code == 200
    body = undone.json()
    assert body["item"]["id"] == first
    assert body["item"]["previous"] == {"value": "neg", "skipped": False}
    assert body["progress"]["done"] == 0
    with live.factory() as session:
        label = session.scalar(select(Label).where(Label.item_id == first))
        assert label.undone and label.undone_at is not None  # kept, flagged: append-only
        assert session.get(Item, first).n_labels == 0
    # The lease on the second item was given up for the undone one.
    assert admin.post(f"/api/projects/{pid}/labels",
                      json={"item_id": second, "value": "pos"}).status_code == 409
    assert admin.post(f"/api/projects/{pid}/labels",
                      json={"item_id": first, "value": "pos"}).status_code == 201
    assert admin.post(f"/api/projects/{pid}/undo").json()["item"]["id"] == first
    assert admin.post(f"/api/projects/{pid}/undo").status_code == 404  # all undone


@pytest.mark.parametrize("server_settings", [{"worker_enabled": False, "lease_seconds": 2}],
                         indirect=True)
def test_leases_expire_and_heartbeats_keep_them(live, admin):
    project = _project_with_items(live, admin, 1)
    pid = project["id"]
    user_id, token = live.user("ann")
    admin.put(f"/api/projects/{pid}/members/{user_id}")
    item = _next_id(admin, pid)
    with live.client(token) as other:
        assert _next_id(other, pid) is None
        for _ in range(3):
            time.sleep(1)
            beat = admin.post(f"/api/projects/{pid}/leases/{item}/heartbeat")
            assert beat.status_code == 200
        assert _next_id(other, pid) is None  # 3 s > lease, but kept alive
        time.sleep(2.5)
        assert _next_id(other, pid) == item  # expired: reclaimed
        beat = admin.post(f"/api/projects/{pid}/leases/{item}/heartbeat")
        assert beat.status_code == 409
        late = admin.post(f"/api/projects/{pid}/labels", json={"item_id": item, "value": "pos"})
        assert late.status_code == 409
