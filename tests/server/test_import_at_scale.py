"""Large imports, on SQLite (batched inserts) and PostgreSQL (``COPY``): bad input far into
a file is reported by its line and leaves whole batches or nothing; a killed import resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from server_helpers import count_items, make_cli_project, make_project, make_users, upload
from sqlalchemy import create_engine, func, select

from activelab.server.models import Item, Role

N_ROWS = 3_000
BAD_LINE = 2_900  # the header is line 1: row i (from 0) is on line i + 2


def _text_rows(n: int, bad_line: int | None = None) -> str:
    rows = [f"{i},row {i}\n" if i + 2 != bad_line else f"{i},\n" for i in range(n)]
    return "id,text\n" + "".join(rows)


def _import(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "activelab.cli", "import", *args],
                          capture_output=True, text=True, timeout=600, env=env)


def _distinct_ids(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count(func.distinct(Item.external_id))))
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_bad_row_late_in_a_file_is_reported_by_line_and_nothing_is_imported(db_url, tmp_path):
    make_users(db_url, [])  # migrates the database
    make_cli_project(db_url)
    source = tmp_path / "late.csv"
    source.write_text(_text_rows(N_ROWS, BAD_LINE))
    refused = _import("cli", str(source), "--db", db_url, "--all-or-nothing")
    assert refused.returncode != 0
    assert f"line {BAD_LINE}: column 'text' is missing or empty" in refused.stderr
    assert "nothing was imported" in refused.stderr
    assert count_items(db_url) == 0
    imported = _import("cli", str(source), "--db", db_url)
    assert imported.returncode == 0, imported.stderr
    assert f"imported {N_ROWS - 1} item(s); 1 bad" in imported.stdout
    assert f"line {BAD_LINE}: column 'text' is missing or empty" in imported.stdout
    assert count_items(db_url) == _distinct_ids(db_url) == N_ROWS - 1


def test_mixed_column_counts_are_reported_per_line(live_any_db):
    _, token = live_any_db.user("boss", Role.admin)
    content = "id,text,source\n1,a,x\n2,b,x,extra\n3,c,x\n4,d\n5,e,x\n"
    with live_any_db.client(token) as admin:
        project = make_project(admin)
        refused = upload(admin, project["id"], "mixed.csv", content, all_or_nothing=True)
        assert refused.status_code == 422, refused.text
        assert count_items(live_any_db.app.state.settings.db_url) == 0
        report = upload(admin, project["id"], "mixed.csv", content).json()
    assert report["inserted"] == 3
    assert report["errors"] == [
        {"line": 3, "error": "the row has more fields than the header's 3"},
        {"line": 5, "error": "the row has fewer fields than the header's 3"}]
    body = refused.json()
    assert [e["line"] for e in body["errors"]] == [3, 5]


def test_a_ten_megabyte_text_field_is_refused_with_its_line(live_any_db):
    _, token = live_any_db.user("boss", Role.admin)
    huge = "x" * (10 * 1024 * 1024)
    jsonl = "".join(['{"id": "1", "text": "a"}\n', f'{{"id": "2", "text": "{huge}"}}\n',
                     '{"id": "3", "text": "c"}\n'])
    csv_text = f"id,text\n1,a\n2,{huge}\n3,c\n"
    with live_any_db.client(token) as admin:
        project = make_project(admin)
        from_jsonl = upload(admin, project["id"], "huge.jsonl", jsonl).json()
        other = make_project(admin)
        from_csv = upload(admin, other["id"], "huge.csv", csv_text).json()
    assert from_jsonl["inserted"] == 2  # the lines before and after it
    [error] = from_jsonl["errors"]
    assert error["line"] == 2 and "holds 10485760 characters; at most 131072" in error["error"]
    assert from_csv["inserted"] == 1  # the end of that field cannot be found: reading stops
    [error] = from_csv["errors"]
    assert error["line"] == 3 and "longer than 131072 characters" in error["error"]
    assert count_items(live_any_db.app.state.settings.db_url) == 3


@pytest.mark.slow
@pytest.mark.timeout(1200)  # two imports run as commands, on a busy machine
def test_an_import_killed_midway_keeps_whole_batches_and_resumes(db_url, tmp_path):
    make_users(db_url, [])  # migrates the database
    make_cli_project(db_url)
    n = 10_000
    source = tmp_path / "many.csv"
    source.write_text(_text_rows(n))
    batch = 100
    env = {**os.environ, "ACTIVELAB_IMPORT_BATCH_SIZE": str(batch)}
    process = subprocess.Popen([sys.executable, "-m", "activelab.cli", "import", "cli",
                                str(source), "--db", db_url], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while count_items(db_url) < 2 * batch:
        assert process.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline, "the import did not start"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    kept = count_items(db_url)
    assert 0 < kept < n and kept % batch == 0
    resumed = _import("cli", str(source), "--db", db_url)
    assert resumed.returncode == 0, resumed.stderr
    assert f"imported {n - kept} item(s); 0 bad; {kept} known id(s) skipped" in resumed.stdout
    assert count_items(db_url) == _distinct_ids(db_url) == n


@pytest.mark.parametrize("server_settings", [{"worker_enabled": False,
                                              "import_batch_size": 1000}], indirect=True)
def test_an_upload_stores_every_row_in_batches(live_any_db):
    _, token = live_any_db.user("boss", Role.admin)
    with live_any_db.client(token) as admin:
        project = make_project(admin, task_type="tabular_classification", labels=["a", "b"])
        content = "id,x,y,label\n" + "".join(f"{i},{i / 7},{-i},{'ab'[i % 2]}\n"
                                              for i in range(5_500))
        report = upload(admin, project["id"], "rows.csv", content).json()
        assert report["inserted"] == 5_500 and report["prelabels"] == 5_500
    with live_any_db.factory() as session:
        rows = session.execute(select(Item.external_id, Item.data, Item.n_labels)
                               .order_by(Item.id)).all()
    assert [r.external_id for r in rows] == [str(i) for i in range(5_500)]
    assert rows[7].data == {"columns": {"x": 1.0, "y": -7.0}} and rows[7].n_labels == 1
