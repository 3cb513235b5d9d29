"""Long imports end when asked: client gone, server stopping (SIGTERM), Ctrl-C of the CLI.

Each stops between two batches; the batches committed before stay.  Before,
a 49 MB file went on inserting for minutes after SIGTERM.
"""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time

import httpx
import pytest
from server_helpers import (
    ServerProcess,
    count_items,
    make_cli_project,
    make_project,
    make_users,
    upload,
)
from sqlalchemy import func, select

from activelab.server.models import Item, Project, Role
from activelab.server.services.importing import import_items


def _items(live) -> int:
    with live.factory() as session:
        return session.scalar(select(func.count()).select_from(Item))


def _many_rows(n: int) -> str:
    return "text\n" + "".join(f"row {i}\n" for i in range(n))


def _wait_for_items(count, at_least: int = 1, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while (n := count()) < at_least:
        assert time.monotonic() < deadline, "the import did not start"
        time.sleep(0.05)
    return n


def test_an_import_ends_between_batches_when_the_server_stops(live):
    _, token = live.user("boss", Role.admin)
    total = 400_000
    with live.client(token) as admin:
        project = make_project(admin)
        answer: list[httpx.Response] = []
        sender = threading.Thread(target=lambda: answer.append(
            upload(admin, project["id"], "big.csv", _many_rows(total))))
        sender.start()
        _wait_for_items(lambda: _items(live))
        live.app.state.stopping.set()
        sender.join(120)
    report = answer[0].json()
    assert report["cancelled"] is True
    assert 0 < report["inserted"] < total
    assert _items(live) == report["inserted"]  # committed batches stay, no more


def test_an_import_ends_when_the_client_goes_away(live):
    _, token = live.user("boss", Role.admin)
    total = 400_000
    with live.client(token) as admin:
        project = make_project(admin)
    impatient = httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"},
                             timeout=httpx.Timeout(120, read=1.0))
    with impatient, pytest.raises(httpx.ReadTimeout):
        # Gives up one second after sending the file, closing the connection.
        upload(impatient, project["id"], "big.csv", _many_rows(total))
    deadline = time.monotonic() + 60
    while True:  # the import stops within a batch or two of the disconnect
        before = _items(live)
        time.sleep(2)
        after = _items(live)
        if after == before:
            break
        assert time.monotonic() < deadline, "the import went on after the client left"
    assert 0 < after < total


@pytest.mark.slow
def test_sigterm_stops_a_server_in_the_middle_of_an_import(db_url):
    users = make_users(db_url, [])
    server = ServerProcess(db_url, worker_enabled="false").start()
    total = 1_000_000
    try:
        with server.client(users["boss"][1]) as admin:
            project = make_project(admin)
            sender = threading.Thread(target=lambda: _upload_quietly(
                admin, project["id"], _many_rows(total)), daemon=True)
            sender.start()
            _wait_for_items(lambda: count_items(db_url))
            started = time.monotonic()
            server.process.terminate()
            server.process.wait(60)  # before: the whole import ran first (minutes)
            assert time.monotonic() - started < 60
            sender.join(30)
    finally:
        server.kill()
    assert 0 < count_items(db_url) < total


def _upload_quietly(client: httpx.Client, project_id: int, content: str) -> None:
    try:
        upload(client, project_id, "big.csv", content)
    except httpx.TransportError:
        pass  # the server went away: what the test wants


@pytest.mark.slow
def test_sigterm_cancels_a_cli_import(tmp_path, sqlite_url):
    make_users(sqlite_url, [])
    make_cli_project(sqlite_url)
    total = 1_000_000
    source = tmp_path / "items.csv"
    source.write_text(_many_rows(total))
    command = [sys.executable, "-c", "from activelab.server.runner import import_source; "
               f"import sys; r = import_source('cli', {str(source)!r}, {sqlite_url!r}); "
               "sys.exit(3 if r['cancelled'] else 0)"]
    log = tmp_path / "stderr.txt"
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            _wait_for_items(lambda: count_items(sqlite_url))
            process.terminate()
            assert process.wait(60) == 3  # 3: the report says cancelled
        finally:
            process.kill()
            process.wait()
    assert "cancelled" in log.read_text()
    assert 0 < count_items(sqlite_url) < total


@pytest.mark.parametrize("all_or_nothing", [False, True])
def test_a_cancelled_import_reports_it_and_keeps_only_whole_batches(live, all_or_nothing):
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project_id = make_project(admin)["id"]
    with live.factory() as session:
        project = session.get(Project, project_id)
        session.expunge(project)
    total = 300_000
    report = import_items(live.factory, project, io.BytesIO(_many_rows(total).encode()), "csv",
                          all_or_nothing=all_or_nothing, batch_size=500,
                          should_stop=lambda: True)
    assert report["cancelled"] is True and report["inserted"] < total
    assert report["inserted"] % 500 == 0 and _items(live) == report["inserted"]
    if all_or_nothing:
        assert report["inserted"] == 0  # one transaction: rolled back whole
