"""No client can leave this process's SQLite write lock held: writers never hang the server.

FastAPI runs a dependency's setup and its teardown as separate calls into its
thread pool, so a write session can end on another thread than the one that
began it; the lock must be released whatever thread ends it.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from server_helpers import ServerProcess, make_users, upload
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from activelab.server.config import Settings
from activelab.server.db import (
    make_engine,
    make_session_factory,
    upgrade_database,
    write_block,
    write_transaction,
)
from activelab.server.errors import ServiceBusyError
from activelab.server.models import Item

HAMMER_SECONDS = 10.0
#: The defect is a hang with no end; this bound is loose because the machine may be busy.
ANSWER_WITHIN = 5.0
STOP_WITHIN = 30.0


def _hammer(url: str, token: str, stop: float, statuses: Counter[str],
            lock: threading.Lock) -> None:
    """Create API tokens back to back until ``stop`` (each one a write session)."""
    seen: Counter[str] = Counter()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                      timeout=ANSWER_WITHIN + HAMMER_SECONDS) as client:
        while time.monotonic() < stop:
            try:
                response = client.post("/api/auth/tokens", json={"name": "hammer"})
                seen[str(response.status_code)] += 1
            except httpx.TransportError as error:
                seen[type(error).__name__] += 1
    with lock:
        statuses.update(seen)


@pytest.mark.parametrize("writers,role", [(16, "admin"), (4, "annotator")])
def test_concurrent_writers_leave_every_route_answering(db_url, writers, role):
    users = make_users(db_url, ["ann"])
    token = users["boss" if role == "admin" else "ann"][1]
    server = ServerProcess(db_url, worker_enabled="false").start()
    try:
        with server.client(users["boss"][1]) as admin:
            project = admin.post("/api/projects", json={
                "name": "locks", "task_type": "text_classification", "labels": ["a", "b"],
                "members": [users["ann"][0]]}).json()
            rows = "".join(json.dumps({"id": i, "text": f"t{i}"}) + "\n" for i in range(5))
            assert upload(admin, project["id"], "x.jsonl", rows).json()["inserted"] == 5

        statuses: Counter[str] = Counter()
        lock = threading.Lock()
        stop = time.monotonic() + HAMMER_SECONDS
        threads = [threading.Thread(target=_hammer, args=(server.url, token, stop, statuses,
                                                          lock)) for _ in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert set(statuses) <= {"201", "503"} and statuses["201"] > 0, statuses

        with httpx.Client(base_url=server.url, timeout=ANSWER_WITHIN) as anonymous, \
                httpx.Client(base_url=server.url, timeout=ANSWER_WITHIN,
                             headers={"Authorization": f"Bearer {users['ann'][1]}"}) as ann:
            assert anonymous.get("/api/options").status_code == 200
            assert anonymous.get("/login").status_code == 200
            served = ann.get(f"/api/projects/{project['id']}/next")
            assert served.status_code == 200 and served.json()["item"] is not None
            assert ann.post("/api/auth/tokens", json={"name": "after"}).status_code == 201

        assert server.process is not None
        server.process.terminate()
        try:
            server.process.wait(STOP_WITHIN)
        except subprocess.TimeoutExpired:
            pytest.fail(f"SIGTERM did not stop the server within {STOP_WITHIN} s")
    finally:
        server.kill()


def _on_a_thread(call, *args):
    """``call(*args)`` on a new thread; its result, or the exception it raised."""
    out: list[object] = []

    def run() -> None:
        try:
            out.append(call(*args))
        except BaseException as error:  # handed back to the test
            out.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if isinstance(out[0], BaseException):
        raise out[0]
    return out[0]


@pytest.fixture
def sqlite_factory(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite database whose writers wait at most 0.3 s for the write lock."""
    engine = make_engine(Settings(db_url=sqlite_url, sqlite_busy_timeout_ms=300))
    try:
        upgrade_database(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def test_a_write_session_ended_on_another_thread_releases_the_lock(sqlite_factory):
    transaction = write_transaction(sqlite_factory)
    _on_a_thread(transaction.__enter__)
    with pytest.raises(ServiceBusyError):  # held while the session is open
        with write_transaction(sqlite_factory):
            pass
    _on_a_thread(transaction.__exit__, None, None, None)
    with write_transaction(sqlite_factory) as again:  # released by the other thread
        again.execute(select(Item.id))


def test_a_writer_waits_a_bounded_time_then_gets_a_busy_error(sqlite_factory):
    with write_transaction(sqlite_factory):
        began = time.monotonic()
        with pytest.raises(ServiceBusyError) as caught:
            _on_a_thread(lambda: write_transaction(sqlite_factory).__enter__())
        assert time.monotonic() - began >= 0.3
    assert caught.value.retry_after >= 1
    with write_transaction(sqlite_factory) as session:  # the holder released it on exit
        session.execute(select(Item.id))


def busy_timeout_ms(ms: int) -> pytest.MarkDecorator:
    """Run the test's live server with this ``sqlite_busy_timeout_ms``."""
    return pytest.mark.parametrize("server_settings", [
        {"worker_enabled": False, "sqlite_busy_timeout_ms": ms}], indirect=True)


@busy_timeout_ms(300)
def test_a_write_that_waits_too_long_gets_503_with_retry_after(live):
    _, token = live.user("writer")
    with live.client(token) as client:
        with write_transaction(live.factory):  # another writer holds the lock meanwhile
            busy = client.post("/api/auth/tokens", json={"name": "t"})
        assert busy.status_code == 503, busy.text
        assert int(busy.headers["retry-after"]) >= 1
        assert busy.json()["error"] == "ServiceBusyError"
        names = [row["name"] for row in client.get("/api/auth/tokens").json()]
        assert names == ["tests"]  # the refused write left nothing behind
        assert client.post("/api/auth/tokens", json={"name": "t"}).status_code == 201


@busy_timeout_ms(5000)
def test_a_client_that_gives_up_while_queued_leaves_no_lock_behind(live):
    _, token = live.user("writer")
    with live.client(token) as client:
        with write_transaction(live.factory):  # the request queues behind this writer
            with pytest.raises(httpx.ReadTimeout):
                client.post("/api/auth/tokens", json={"name": "gone"}, timeout=0.5)
        # The abandoned request gets the lock once it is free, and must give it back.
        assert client.post("/api/auth/tokens", json={"name": "next"}).status_code == 201
        assert client.post("/api/auth/tokens", json={"name": "again"}).status_code == 201


def test_a_write_blocked_by_another_process_gets_a_busy_error(sqlite_url):
    # Two engines on one file stand for two processes: the lock in between is SQLite's.
    engines = [make_engine(Settings(db_url=sqlite_url, sqlite_busy_timeout_ms=200))
               for _ in range(2)]
    try:
        upgrade_database(engines[0])
        mine, other = (make_session_factory(engine) for engine in engines)
        with write_transaction(other):
            with pytest.raises(ServiceBusyError):
                with write_transaction(mine):
                    pass
            with engines[0].connect() as conn, pytest.raises(ServiceBusyError):
                with write_block(conn):
                    pass
        with write_transaction(mine) as session:  # free again once the other is done
            session.execute(select(Item.id))
    finally:
        for engine in engines:
            engine.dispose()
