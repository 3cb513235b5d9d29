"""Helpers for the session, CSRF and login-limit tests: cookie clients and project setup."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from server_helpers import PASSWORD, Live, make_project, upload
from sqlalchemy import func, select

from activelab.server.models import Role, UserSession


@contextmanager
def cookie_client(live: Live, username: str, password: str = PASSWORD,
                  **client_options: Any) -> Iterator[httpx.Client]:
    """A client logged in through ``/api/auth/login`` (session cookie, no token)."""
    with httpx.Client(base_url=live.url, timeout=60, **client_options) as client:
        response = client.post("/api/auth/login",
                               json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        yield client


def can_log_in(live: Live, username: str, password: str = PASSWORD) -> bool:
    with httpx.Client(base_url=live.url, timeout=60) as client:
        response = client.post("/api/auth/login",
                               json={"username": username, "password": password})
        assert response.status_code in (200, 401), response.text
        return response.status_code == 200


def admin_client(live: Live) -> httpx.Client:
    """A client with the API token of a new admin."""
    _, token = live.user(f"admin-{uuid.uuid4().hex[:8]}", Role.admin)
    return live.client(token)


def session_cookie(client: httpx.Client) -> str:
    return client.cookies["activelab_session"]


def with_cookie(live: Live, cookie: str) -> httpx.Client:
    """A fresh client that sends only this session cookie (e.g. one kept after logout)."""
    return httpx.Client(base_url=live.url, timeout=60, cookies={"activelab_session": cookie})


def n_sessions(live: Live, user_id: int | None = None) -> int:
    statement = select(func.count()).select_from(UserSession)
    if user_id is not None:
        statement = statement.where(UserSession.user_id == user_id)
    with live.factory() as session:
        return session.scalar(statement)


def project_with_member(live: Live, admin: httpx.Client, user_id: int,
                        n_items: int = 3) -> dict[str, Any]:
    """A text project with ``n_items`` items and ``user_id`` as an annotator."""
    project = make_project(admin)
    lines = "".join(f'{{"text": "item {i}"}}\n' for i in range(n_items))
    assert upload(admin, project["id"], "items.jsonl", lines).status_code == 200
    assert admin.put(f"/api/projects/{project['id']}/members/{user_id}").status_code == 204
    return project


@contextmanager
def foreign_site(pages: dict[str, str]) -> Iterator[str]:
    """Another origin of the same site (another port on 127.0.0.1) serving ``pages``.

    Yields its base URL; ``pages`` maps a path to the HTML served there.
    """

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "").encode("utf-8"))

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
