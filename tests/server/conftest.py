"""Fixtures: a real uvicorn server on 127.0.0.1 over SQLite or PostgreSQL, and API clients."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from server_helpers import Live, serve

from activelab.server import Settings
from activelab.server.models import Role

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_reachable() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test",
                            connect_timeout=2):
            return True
    except psycopg.Error:
        return False


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'server.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not _postgres_reachable():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Marked here rather than with pytest.param(marks=...): that would look the marker up
    # when this file is imported, before pytest_configure above has registered it.
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgres":
            item.add_marker("postgres")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using it runs on a fresh SQLite file and on a fresh PostgreSQL schema."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def server_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings of the live server; the worker is off unless a test asks for it.

    Change them per test with
    ``@pytest.mark.parametrize("server_settings", [{...}], indirect=True)``.
    """
    return getattr(request, "param", {"worker_enabled": False})


@pytest.fixture
def live(sqlite_url: str, server_settings: dict[str, Any]) -> Iterator[Live]:
    yield from serve(Settings(db_url=sqlite_url, **server_settings))


@pytest.fixture
def live_any_db(db_url: str, server_settings: dict[str, Any]) -> Iterator[Live]:
    yield from serve(Settings(db_url=db_url, **server_settings))


@pytest.fixture
def admin(live: Live) -> Iterator[httpx.Client]:
    _, token = live.user("root-admin", Role.admin)
    with live.client(token) as client:
        yield client
