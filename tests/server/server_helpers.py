"""Helpers for the server tests: a live uvicorn server, clients, small fixtures of data."""

from __future__ import annotations

import base64
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import numpy as np
import uvicorn
from PIL import Image
from sqlalchemy import create_engine, func, select

from activelab.server import Settings, create_app
from activelab.server.db import (
    make_engine,
    make_session_factory,
    upgrade_database,
    write_transaction,
)
from activelab.server.models import Item, Role, User
from activelab.server.security import hash_password
from activelab.server.services.projects import create_project
from activelab.server.services.users import create_token

PASSWORD = "correct horse battery"


@cache
def _password_hash() -> str:
    """One argon2 hash of PASSWORD for every test user (hashing is slow on purpose)."""
    return hash_password(PASSWORD)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Live:
    """A running server: its app, base URL and helpers to make users and clients."""

    app: Any
    url: str

    @property
    def factory(self) -> Any:
        return self.app.state.session_factory

    def user(self, username: str, role: Role = Role.annotator) -> tuple[int, str]:
        """Create a user directly in the database; returns (user id, API token)."""
        with write_transaction(self.factory) as session:
            user = User(username=username, password_hash=_password_hash(), role=role.value,
                        is_active=True)
            session.add(user)
            session.flush()
            _, token = create_token(session, user, "tests")
            return user.id, token

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def serve(settings: Settings) -> Iterator[Live]:
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           ws="none", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield Live(app, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(20)


def png_b64(value: int, size: int = 8) -> str:
    """A small grayscale PNG of one flat value, base64-encoded."""
    buffer = io.BytesIO()
    Image.fromarray(np.full((size, size), value, dtype=np.uint8)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def make_project(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"name": f"p-{uuid.uuid4().hex[:8]}", "task_type": "text_classification",
            "labels": ["pos", "neg"]}
    body.update(fields)
    response = client.post("/api/projects", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def upload(client: httpx.Client, project_id: int, name: str, content: str | bytes,
           **params: Any) -> httpx.Response:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(f"/api/projects/{project_id}/import", params=params,
                       files={"file": (name, data)})


def label_from_truth(client: httpx.Client, project_id: int, n: int, truth: Any) -> None:
    """Lease and label ``n`` items through the API, each with ``truth(item)``."""
    for _ in range(n):
        item = client.get(f"/api/projects/{project_id}/next").json()["item"]
        response = client.post(f"/api/projects/{project_id}/labels",
                               json={"item_id": item["id"], "value": truth(item)})
        assert response.status_code == 201, response.text


def refuse_answer(live: Live, client: httpx.Client, project_id: int, item_id: int,
                  value: Any, message: str) -> None:
    """Answering ``value`` is a 422 that says ``message``, and no label is stored."""
    from activelab.server.models import Label

    response = client.post(f"/api/projects/{project_id}/labels",
                           json={"item_id": item_id, "value": value})
    assert response.status_code == 422, response.text
    assert message in response.text
    with live.factory() as session:
        assert session.scalar(select(func.count()).select_from(Label).where(
            Label.project_id == project_id)) == 0


def retrain(live: Live, pid: int) -> None:
    """Retrain project ``pid`` now, in the test's thread, and check the retrain succeeded."""
    worker = live.app.state.worker
    worker.notify(pid, force=True)
    assert worker.run_pending() == [pid]
    assert worker.last_error == {}


def make_users(db_url: str, names: list[str], admin: str | None = "boss") -> dict[str, Any]:
    """Migrate ``db_url`` and create users directly in it: ``{name: (user id, token)}``.

    For servers run as a subprocess, where there is no in-process app to use.
    """
    engine = make_engine(Settings(db_url=db_url))
    try:
        upgrade_database(engine)
        factory = make_session_factory(engine)
        made: dict[str, Any] = {}
        with write_transaction(factory) as session:
            roles = [(admin, Role.admin)] if admin else []
            for name, role in roles + [(n, Role.annotator) for n in names]:
                user = User(username=name, password_hash=_password_hash(), role=role.value,
                            is_active=True)
                session.add(user)
                session.flush()
                made[name] = (user.id, create_token(session, user, "tests")[1])
        return made
    finally:
        engine.dispose()


class ServerProcess:
    """``python -m activelab.server`` as a real subprocess (so it can be SIGKILLed).

    Settings go through ``ACTIVELAB_*`` environment variables, as in production.
    """

    def __init__(self, db_url: str, workers: int = 1, **settings: Any) -> None:
        self.db_url = db_url
        self.workers = workers  # above 1: ``activelab serve --workers N``
        self.env = dict(os.environ)
        for key, value in settings.items():
            self.env[f"ACTIVELAB_{key.upper()}"] = str(value)
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, timeout: float = 60.0) -> ServerProcess:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = ["activelab.server"] if self.workers == 1 else \
            ["activelab.cli", "serve", "--workers", str(self.workers)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", *command, "--db", self.db_url, "--port", str(port)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/api/options", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("the server subprocess did not start")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"},
                            timeout=60)


def make_cli_project(db_url: str, task_type: str = "text_classification") -> None:
    """A project named ``cli`` made directly in the database, as for ``activelab import``."""
    engine = make_engine(Settings(db_url=db_url))
    try:
        with write_transaction(make_session_factory(engine)) as session:
            create_project(session, name="cli", task_type=task_type, labels=["a", "b"])
    finally:
        engine.dispose()


def count_items(db_url: str) -> int:
    """Items in the database at ``db_url`` (all projects), read in a connection of its own."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Item))
    finally:
        engine.dispose()
