"""Hostile input: each case once answered 500, inserted junk, or hung the server.

Every attack gets a clear 4xx (or a row error in the import report) and
changes nothing it should not; SQLite and PostgreSQL where storage matters.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import struct
import subprocess
import sys
import zlib

import httpx
import pytest
from server_helpers import count_items, make_cli_project, make_project, make_users, upload
from sqlalchemy import func, select

from activelab.server import ImportRejectedError, import_source
from activelab.server.db import write_transaction
from activelab.server.models import ApiToken, Item, Label, Project, Role, User, utcnow
from activelab.server.services.tasks import MAX_BOXES_PER_LABEL

FORMULA = '=HYPERLINK("http://evil.example","x")'


def _counts(live) -> dict[str, int]:
    with live.factory() as session:
        return {table.__tablename__: session.scalar(select(func.count()).select_from(table))
                for table in (User, ApiToken, Project, Item, Label)}


def _refused(live, send, status: int, *words: str) -> httpx.Response:
    """``send()`` gets ``status`` (naming ``words``) and changes no table."""
    before = _counts(live)
    response = send()
    assert response.status_code == status, response.text
    for word in words:
        assert word.lower() in response.text.lower(), response.text
    assert _counts(live) == before
    return response


def _raw(client: httpx.Client, method: str, url: str, body: str) -> httpx.Response:
    """Send ``body`` as written (escapes such as ``\\ud800`` included) as JSON."""
    return client.request(method, url, content=body.encode("ascii"),
                          headers={"Content-Type": "application/json"})


# --- defect 2: an oversized quoted CSV field ---------------------------------------------

def _runaway_field(lines: int = 100_000) -> str:
    """A quoted field of ``lines`` short lines: past Python's 131,072-character CSV limit."""
    return '"' + "\n".join(f"l{i % 10}" for i in range(lines)) + '"\n'


def test_an_oversized_csv_field_inserts_no_fragments(live_any_db):
    _, token = live_any_db.user("boss", Role.admin)
    with live_any_db.client(token) as admin:
        project = make_project(admin)
        response = upload(admin, project["id"], "x.csv", "text\n" + _runaway_field())
        assert response.status_code == 422, response.text
        assert "import_max_field_chars" in response.text
        assert _counts(live_any_db)["items"] == 0
        # Rows before the field are imported; reading stops at it, and says so.
        content = "text\nfirst\nsecond\n" + _runaway_field() + "after\n"
        report = upload(admin, project["id"], "x.csv", content).json()
        assert report["inserted"] == 2 and report["n_errors"] == 1
        assert report["errors"][0]["line"] == 4
        assert "reading stopped" in report["errors"][0]["error"]
        assert _counts(live_any_db)["items"] == 2


@pytest.mark.parametrize("server_settings", [{"worker_enabled": False,
                                              "import_max_field_chars": 100}], indirect=True)
def test_a_field_over_the_setting_is_an_error_for_its_row(live):
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project = make_project(admin)
        content = f'text\nshort\n"{"y" * 101}"\nalso short\n'
        report = upload(admin, project["id"], "x.csv", content).json()
        assert report["inserted"] == 2 and report["errors"][0]["line"] == 3
        assert "101 characters" in report["errors"][0]["error"]
        lines = json.dumps({"text": "z" * 101}) + "\n" + json.dumps({"text": "fine"}) + "\n"
        report = upload(admin, project["id"], "x.jsonl", lines).json()
        assert report["inserted"] == 1 and report["errors"][0]["line"] == 1


def test_the_cli_import_stops_at_an_oversized_field(tmp_path, sqlite_url):
    make_users(sqlite_url, [])
    make_cli_project(sqlite_url)
    source = tmp_path / "items.csv"
    source.write_text("text\n" + _runaway_field())
    with pytest.raises(ImportRejectedError) as raised:
        import_source("cli", source, sqlite_url)
    assert "import_max_field_chars" in raised.value.errors[0]["error"]
    assert count_items(sqlite_url) == 0
    # A file with no line break after a point is not read whole into memory either.
    source.write_text("text\nshort\n" + "z" * 3_000_000)
    report = import_source("cli", source, sqlite_url)
    assert report["inserted"] == 1 and report["errors"][0]["line"] == 3
    assert "reading stopped" in report["errors"][0]["error"]


# --- defect 5: inputs that gave 500 -----------------------------------------------------

def test_non_finite_numbers_are_422(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    with live.client() as anonymous:
        for number in ("NaN", "Infinity", "-Infinity", "1e999"):
            body = f'{{"username":"boss","password":{number}}}'
            _refused(live, lambda body=body: _raw(anonymous, "POST", "/api/auth/login", body),
                     422)
    with live.client(token) as admin:
        project = make_project(admin)
        url = f"/api/projects/{project['id']}/labels"
        _refused(live, lambda: _raw(admin, "POST", url, '{"item_id": NaN, "value": "pos"}'),
                 422, "NaN")
        _refused(live, lambda: _raw(admin, "POST", url, '{"item_id": 1e999}'), 422, "large")
        _refused(live, lambda: _raw(admin, "PATCH", f"/api/projects/{project['id']}",
                                    '{"overlap": Infinity}'), 422)
        _refused(live, lambda: _raw(admin, "POST", url, '{"item_id": 1' + "0" * 5000 + "}"),
                 422, "large")


def test_lone_surrogates_are_422(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        _refused(live, lambda: _raw(admin, "POST", "/api/users",
                                    '{"username": "ann\\ud800", "password": "long enough"}'),
                 422, "surrogate")
        _refused(live, lambda: _raw(admin, "POST", "/api/projects",
                                    '{"name": "p", "description": "\\udfff", "task_type": '
                                    '"text_classification", "labels": ["a", "b"]}'),
                 422, "surrogate")
        project = make_project(admin)
        _refused(live, lambda: _raw(admin, "PATCH", f"/api/projects/{project['id']}",
                                    '{"description": "x\\ud83d"}'), 422, "surrogate")
        assert admin.get(f"/api/projects/{project['id']}").json()["description"] == ""


def test_nul_characters_are_422(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        _refused(live, lambda: admin.post("/api/auth/tokens", json={"name": "a\x00b"}),
                 422, "NUL")
        _refused(live, lambda: admin.post("/api/projects", json={
            "name": "p\x00", "task_type": "text_classification", "labels": ["a", "b"]}),
            422, "NUL")
        with live.client() as anonymous:
            _refused(live, lambda: anonymous.post("/api/auth/login", json={
                "username": "boss\x00", "password": "x"}), 422, "NUL")
            _refused(live, lambda: anonymous.post("/login", data={
                "username": "boss\x00", "password": "x"}), 422, "NUL")
        _refused(live, lambda: admin.get("/api/projects", params={"x": "\x00"}), 422, "NUL")
        project = make_project(admin)
        rows = json.dumps({"text": "a\x00b"}) + "\n" + json.dumps({"text": "ok"}) + "\n"
        report = upload(admin, project["id"], "x.jsonl", rows).json()
        assert report["inserted"] == 1 and "NUL" in report["errors"][0]["error"]
        report = upload(admin, project["id"], "x.csv", "text\nnul\x00here\nfine\n").json()
        assert report["inserted"] == 1 and report["errors"][0]["line"] == 2


def test_json_nested_1500_deep_is_422(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    deep = "[" * 1500 + "]" * 1500
    with live.client(token) as admin:
        project = make_project(admin)
        _refused(live, lambda: _raw(admin, "POST", f"/api/projects/{project['id']}/labels",
                                    f'{{"item_id": 1, "value": {deep}}}'), 422, "nested")
        rows = f'{{"text": "deep", "x": {deep}}}\n' + json.dumps({"text": "fine"}) + "\n"
        report = upload(admin, project["id"], "x.jsonl", rows).json()
        assert report["inserted"] == 1 and "nested" in report["errors"][0]["error"]


def test_jsonl_text_with_a_lone_surrogate_is_refused_at_import(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project = make_project(admin)
        rows = '{"id": "bad", "text": "a\\ud800b"}\n{"id": "good", "text": "fine"}\n'
        report = upload(admin, project["id"], "x.jsonl", rows).json()
        assert report["inserted"] == 1
        assert report["errors"][0]["line"] == 1 and "surrogate" in report["errors"][0]["error"]
        served = admin.get(f"/api/projects/{project['id']}/next")
        assert served.status_code == 200 and served.json()["item"]["external_id"] == "good"


def test_an_item_stored_with_a_lone_surrogate_does_not_block_the_queue(live):
    # As imported before the check existed (SQLite stores the escape; PostgreSQL refuses it).
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project = make_project(admin)
        with write_transaction(live.factory) as session:
            session.add(Item(project_id=project["id"], external_id="x", random_key=0.5,
                             data={"text": "a\ud800b"}, n_labels=0, created_at=utcnow()))
        for _ in range(2):
            served = admin.get(f"/api/projects/{project['id']}/next")
            assert served.status_code == 200, served.text
        item = served.json()["item"]
        assert item["data"]["text"] == "a\ufffdb"
        assert admin.post(f"/api/projects/{project['id']}/labels",
                          json={"item_id": item["id"], "value": "pos"}).status_code == 201


# --- defect 8: CSV formula injection ----------------------------------------------------

def test_csv_export_neutralises_formulas(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project = make_project(admin, labels=[FORMULA, "-1"])
        rows = "".join(json.dumps({"id": external, "text": FORMULA}) + "\n"
                       for external in (FORMULA, "@SUM(A1)", "plain"))
        assert upload(admin, project["id"], "x.jsonl", rows).json()["inserted"] == 3
        for value in (FORMULA, "-1", FORMULA):
            item = admin.get(f"/api/projects/{project['id']}/next").json()["item"]
            admin.post(f"/api/projects/{project['id']}/labels",
                       json={"item_id": item["id"], "value": value}).raise_for_status()
        exported = admin.get(f"/api/projects/{project['id']}/export", params={"format": "csv"})
        rows = {row["external_id"]: row for row in csv.DictReader(io.StringIO(exported.text))}
        assert set(rows) == {"'" + FORMULA, "'@SUM(A1)", "plain"}
        labels = sorted(row["label"] for row in rows.values())
        assert labels == sorted(["'" + FORMULA, "'" + FORMULA, "-1"])  # a number stays
        lines = admin.get(f"/api/projects/{project['id']}/export").text.splitlines()
        assert {json.loads(line)["external_id"] for line in lines} == \
            {FORMULA, "@SUM(A1)", "plain"}  # JSONL keeps values as they are


# --- defect 9: echoed values, loose types, answer and image sizes ------------------------

def test_echoed_values_are_cut(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    huge = "m" * 1_000_000
    with live.client(token) as admin:
        project = make_project(admin)
        upload(admin, project["id"], "x.jsonl", json.dumps({"text": "t"}) + "\n")
        item = admin.get(f"/api/projects/{project['id']}/next").json()["item"]
        url = f"/api/projects/{project['id']}/labels"
        response = _refused(live, lambda: admin.post(url, json={"item_id": item["id"],
                                                                "value": huge}),
                            422, "unknown label", "1000000 characters")
        assert len(response.content) < 2_000
        response = _refused(live, lambda: admin.post("/api/users", json={
            "username": huge, "password": "long enough"}), 422)
        assert len(response.content) < 2_000
        tabular = make_project(admin, task_type="tabular_classification")
        report = upload(admin, tabular["id"], "x.csv", f"a\n1\n{'q' * 100_000}\n").json()
        assert report["inserted"] == 1 and len(report["errors"][0]["error"]) < 300


def test_request_types_are_strict(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project = make_project(admin)
        upload(admin, project["id"], "x.jsonl", json.dumps({"text": "t"}) + "\n")
        item = admin.get(f"/api/projects/{project['id']}/next").json()["item"]
        url = f"/api/projects/{project['id']}/labels"
        _refused(live, lambda: admin.post(url, json={"item_id": item["id"], "skip": "yes"}),
                 422, "skip")
        _refused(live, lambda: admin.post(url, json={"item_id": True, "value": "pos"}),
                 422, "item_id")
        _refused(live, lambda: admin.post(url, json={"item_id": str(item["id"]),
                                                     "value": "pos"}), 422, "item_id")
        _refused(live, lambda: admin.patch(f"/api/projects/{project['id']}",
                                           json={"overlap": "2"}), 422, "overlap")
        # Enum values are still given as their JSON strings.
        created = admin.post("/api/users", json={"username": "ann", "password": "long enough",
                                                 "role": "annotator"})
        assert created.status_code == 201, created.text
        assert admin.post(url, json={"item_id": item["id"], "skip": True}).status_code == 201


def test_answers_are_bounded(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    box = {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2, "label": "cat"}
    with live.client(token) as admin:
        project = make_project(admin, task_type="image_regions", labels=["cat", "dog"])
        upload(admin, project["id"], "x.jsonl", json.dumps({"image": _png(8, 8)}) + "\n")
        item = admin.get(f"/api/projects/{project['id']}/next").json()["item"]
        url = f"/api/projects/{project['id']}/labels"
        _refused(live, lambda: admin.post(url, json={
            "item_id": item["id"], "value": [box] * (MAX_BOXES_PER_LABEL + 1)}),
            422, f"at most {MAX_BOXES_PER_LABEL}")
        _refused(live, lambda: admin.post(url, json={"item_id": item["id"],
                                                     "value": [box] * 200_000}),
                 413, "max_json_body_bytes")
        assert admin.post(url, json={"item_id": item["id"], "value": [box] * 3}
                          ).status_code == 201


def _png(width: int, height: int, rows: bool = True) -> str:
    """A black RGB PNG, base64; built row by row, so a huge one costs no memory to make.

    Without ``rows`` it declares its size but holds no pixel data.
    """
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    pack = zlib.compressobj(6)
    row = bytes(1 + 3 * width)
    pixels = b"".join(pack.compress(row) for _ in range(height if rows else 0)) + pack.flush()
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                              0, 0, 0))
           + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode("ascii")


def test_a_png_declaring_50000x50000_is_too_large(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project = make_project(admin, task_type="image_classification", labels=["a", "b"])
        rows = (json.dumps({"image": _png(50_000, 50_000, rows=False)}) + "\n"
                + json.dumps({"image": _png(8, 8)}) + "\n")
        report = upload(admin, project["id"], "x.jsonl", rows).json()
        assert report["inserted"] == 1
        assert "too large" in report["errors"][0]["error"]
        assert "does not decode" not in report["errors"][0]["error"]


def test_an_image_file_name_that_is_not_utf8_is_reported(tmp_path, sqlite_url):
    make_users(sqlite_url, [])
    make_cli_project(sqlite_url, "image_classification")
    folder = tmp_path / "images"
    folder.mkdir()
    for name in (b"good.png", b"bad\xff.png"):  # the second one is not UTF-8
        with open(bytes(folder) + b"/" + name, "wb") as handle:
            handle.write(base64.b64decode(_png(8, 8)))
    report = import_source("cli", folder, sqlite_url)
    assert report["inserted"] == 1 and report["n_errors"] == 1
    assert "surrogate" in report["errors"][0]["error"]


def test_checking_a_large_image_does_not_hold_its_pixels(tmp_path):
    # A 7000x7000 RGB image is 147 MB decoded; twenty of them raised the server by 200 MB.
    path = tmp_path / "big.png"
    path.write_bytes(base64.b64decode(_png(7000, 7000)))
    code = ("import resource, sys\n"
            "from activelab.server.services.tasks import check_image_bytes\n"
            "raw = open(sys.argv[1], 'rb').read()\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "assert check_image_bytes(raw) == ('image/png', 7000, 7000)\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n")
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) < 40_000  # KiB: far below the 147 MB of its pixels
