"""Bad requests get a clear 4xx and change nothing in the database.

Each case compares the row count of every table before and after the request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from server_helpers import make_project, png_b64, upload
from sqlalchemy import func, select

from activelab.server.models import (
    ApiToken,
    Item,
    Label,
    Lease,
    ModelSnapshot,
    Project,
    ProjectMember,
    Role,
    User,
)

LIMIT = 64 * 1024
SMALL_LIMIT = {"worker_enabled": False, "max_upload_bytes": LIMIT}
TABLES = (User, ApiToken, Project, ProjectMember, Item, Label, Lease, ModelSnapshot)


def _counts(live) -> dict[str, int]:
    with live.factory() as session:
        return {table.__tablename__: session.scalar(select(func.count()).select_from(table))
                for table in TABLES}


def _rejected(live, send, status: int, *words: str) -> dict:
    """Send a request; it must get ``status``, mention ``words`` and change no table."""
    before = _counts(live)
    response = send()
    assert response.status_code == status, response.text
    body = response.json()
    detail = json.dumps(body["detail"]).lower()
    for word in words:
        assert word.lower() in detail, body
    assert _counts(live) == before
    return body


@pytest.fixture
def project(admin) -> dict:
    project = make_project(admin, labels=["pos", "neg"])
    rows = "".join(json.dumps({"id": i, "text": f"text {i}"}) + "\n" for i in range(5))
    assert upload(admin, project["id"], "x.jsonl", rows).json()["inserted"] == 5
    return project


def test_malformed_label_bodies_are_422(live, admin, project):
    url = f"/api/projects/{project['id']}/labels"
    admin.get(f"/api/projects/{project['id']}/next")  # hold a lease, so only the body is wrong
    headers = {"Content-Type": "application/json"}
    _rejected(live, lambda: admin.post(url, content=b"{not json", headers=headers), 422,
              "json")
    _rejected(live, lambda: admin.post(url, content=b"\xff\xfe\x00", headers=headers), 422,
              "utf-8")
    _rejected(live, lambda: admin.post(url, json=["a", "list"]), 422)
    _rejected(live, lambda: admin.post(url, json={"value": "pos"}), 422, "item_id")
    _rejected(live, lambda: admin.post(url, json={"item_id": "abc", "value": "pos"}), 422,
              "item_id")
    _rejected(live, lambda: admin.post(url, json={"item_id": 1, "skip": "maybe"}), 422, "skip")
    _rejected(live, lambda: admin.post(url, content=b"item_id=1",
                                       headers={"Content-Type": "text/plain"}), 422)
    # Ids beyond the database's integer range are rejected before any query.
    _rejected(live, lambda: admin.post(url, json={"item_id": 2**70, "value": "pos"}), 422,
              "item_id")
    _rejected(live, lambda: admin.get(f"/api/projects/{2**70}/next"), 422, "project_id")
    _rejected(live, lambda: admin.put(f"/api/projects/{project['id']}/members/0"), 422,
              "user_id")


def test_unknown_labels_are_422(live, admin, project):
    pid = project["id"]
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    url = f"/api/projects/{pid}/labels"
    _rejected(live, lambda: admin.post(url, json={"item_id": item["id"], "value": "maybe"}),
              422, "unknown label", "pos")
    _rejected(live, lambda: admin.post(url, json={"item_id": item["id"], "value": ["pos"]}),
              422)
    _rejected(live, lambda: admin.post(url, json={"item_id": item["id"], "value": None}),
              422, "skip")
    _rejected(live, lambda: admin.post(url, json={"item_id": item["id"], "value": "pos",
                                                  "skip": True}), 422, "skip")
    # The lease is still held: the right label is accepted afterwards.
    assert admin.post(url, json={"item_id": item["id"], "value": "pos"}).status_code == 201


def test_labels_for_items_not_leased_are_409(live, admin, project):
    pid = project["id"]
    other_id, other_token = live.user("other")
    admin.put(f"/api/projects/{pid}/members/{other_id}")
    with live.client(other_token) as other:
        theirs = other.get(f"/api/projects/{pid}/next").json()["item"]["id"]
    mine = admin.get(f"/api/projects/{pid}/next").json()["item"]["id"]
    with live.factory() as session:
        free = session.scalar(select(Item.id).where(Item.project_id == pid,
                                                    Item.id.not_in([theirs, mine])))
    url = f"/api/projects/{pid}/labels"
    for item_id in (theirs, free, 10**9):  # someone else's, nobody's, no such item
        _rejected(live, lambda i=item_id: admin.post(url, json={"item_id": i, "value": "pos"}),
                  409, "not leased to you")
    _rejected(live, lambda: admin.post(f"/api/projects/{pid}/leases/{theirs}/heartbeat"), 409,
              "not leased to you")


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "activelab-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("server_settings", [SMALL_LIMIT], indirect=True)
def test_oversized_uploads_are_413(live, admin, project):
    pid = project["id"]
    line = json.dumps({"text": "x" * 200}) + "\n"
    big = (line * (2 * LIMIT // len(line))).encode()
    _rejected(live, lambda: upload(admin, pid, "big.jsonl", big), 413, "max_upload_bytes")
    body, content_type = _multipart("big.jsonl", big)

    def chunked() -> Iterator[bytes]:  # no Content-Length: the limit is checked as it streams
        for start in range(0, len(body), 8192):
            yield body[start:start + 8192]

    _rejected(live, lambda: admin.post(f"/api/projects/{pid}/import", content=chunked(),
                                       headers={"Content-Type": content_type}),
              413, "max_upload_bytes")
    _rejected(live, lambda: admin.post(f"/api/projects/{pid}/labels", content=b" " * (LIMIT + 1),
                                       headers={"Content-Type": "application/json"}), 413)
    # Just under the limit still imports, streamed or not.
    fits = (line * (LIMIT // 2 // len(line))).encode()
    assert upload(admin, pid, "fits.jsonl", fits).status_code == 200
    body, content_type = _multipart("fits.jsonl", fits)
    response = admin.post(f"/api/projects/{pid}/import", content=iter([body]),
                          headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text


def test_bad_files_are_rejected(live, admin, project):
    pid = project["id"]
    png = png_b64(10).encode()
    cases = [
        ("items.csv", b"", 422, "empty"),
        ("items.csv", b"\xff\xfe\x00\x01garbage\n\x00\x00", 422, "utf-8"),
        ("items.jsonl", b"{\"text\": \n[1, 2]\n", 422, "no row"),
        ("items.jsonl", b"\x89PNG\r\n\x1a\n" + png, 422, ""),
        ("items.txt", b"text\nhello\n", 422, "format"),
        ("items.csv", b"id,id\n1,2\n", 422, "repeats"),
    ]
    for name, content, status, word in cases:
        _rejected(live, lambda n=name, c=content: upload(admin, pid, n, c), status, word)
    _rejected(live, lambda: upload(admin, pid, "x.csv", b"text\nok\n", format="xml"), 422,
              "format")
    _rejected(live, lambda: admin.post(f"/api/projects/{pid}/import",
                                       files={"other": ("x.csv", b"text\nok\n")}), 422, "file")
    _rejected(live, lambda: admin.post(f"/api/projects/{pid}/import", content=b"text\nok\n",
                                       headers={"Content-Type": "text/csv"}), 422, "file")
    # A bad row in an otherwise good file: all-or-nothing rejects the whole file.
    _rejected(live, lambda: upload(admin, pid, "x.jsonl", b'{"text": "a"}\n{"text": ""}\n',
                                   all_or_nothing="true"), 422, "nothing was imported")


def test_bad_project_and_user_bodies_change_nothing(live, admin):
    _rejected(live, lambda: admin.post("/api/projects", json={"name": "x"}), 422, "task_type")
    _rejected(live, lambda: admin.post("/api/projects", json={
        "name": "x", "task_type": "text_classification", "labels": []}), 422, "labels")
    _rejected(live, lambda: admin.post("/api/projects", json={
        "name": "x", "task_type": "nonsense", "labels": ["a"]}), 422, "task_type")
    _rejected(live, lambda: admin.post("/api/projects", json={
        "name": "x", "task_type": "text_classification", "labels": ["a", "b"],
        "overlap": 0}), 422, "overlap")
    _rejected(live, lambda: admin.post("/api/users", json={"username": "a b", "password": "x"}),
              422, "username")
    _, token = live.user("annie", Role.annotator)
    with live.client(token) as annotator:
        _rejected(live, lambda: annotator.post("/api/projects", json={
            "name": "x", "task_type": "text_classification", "labels": ["a"]}), 403)
