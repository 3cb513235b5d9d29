"""The label/undo/retrain path and the migrations on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydantic import ValidationError
from server_helpers import make_project, upload
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.exc import OperationalError

from activelab.server.config import Settings
from activelab.server.db import (
    ensure_secret_key,
    include_object,
    make_engine,
    make_session_factory,
    upgrade_database,
    write_block,
    write_transaction,
)
from activelab.server.models import (
    MIGRATION_ONLY_INDEXES,
    Base,
    Item,
    Label,
    ModelSnapshot,
    Project,
    Role,
)


@contextmanager
def migrated_engine(db_url: str, **settings) -> Iterator[Engine]:
    """An engine on ``db_url``, migrated to head, disposed afterwards."""
    engine = make_engine(Settings(db_url=db_url, **settings))
    try:
        upgrade_database(engine)
        yield engine
    finally:
        engine.dispose()


def test_label_undo_and_retrain_on_every_database(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project = make_project(admin, task_type="tabular_classification", labels=["a", "b"])
        pid = project["id"]
        rows = "".join(json.dumps({"id": i, "x": i, "y": -i}) + "\n" for i in range(20))
        assert upload(admin, pid, "t.jsonl", rows).json()["inserted"] == 20
        for _ in range(8):
            item = admin.get(f"/api/projects/{pid}/next").json()["item"]
            value = "a" if item["data"]["columns"]["x"] < 10 else "b"
            assert admin.post(f"/api/projects/{pid}/labels",
                              json={"item_id": item["id"], "value": value}).status_code == 201
        undone = admin.post(f"/api/projects/{pid}/undo").json()["item"]["id"]
        bad = admin.post(f"/api/projects/{pid}/labels", json={"item_id": undone, "value": "c"})
        assert bad.status_code == 422
        live.app.state.worker.notify(pid, force=True)
        assert live.app.state.worker.run_pending() == [pid]
        assert live.app.state.worker.last_error == {}
    with live.factory() as session:
        assert session.scalar(select(Label).where(Label.item_id == undone)).undone
        assert session.get(Item, undone).n_labels == 0
        snapshot = session.scalar(select(ModelSnapshot))
        assert snapshot.n_labeled == 7 and snapshot.n_scored == 13


def test_migrations_match_the_models(db_url):
    with migrated_engine(db_url) as engine:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_object})
            diff = [d for d in compare_metadata(context, Base.metadata)]
            assert diff == []
            indexes = {i["name"] for i in inspect(connection).get_indexes("items")}
            assert MIGRATION_ONLY_INDEXES <= indexes
            version = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar() == "0015"
        upgrade_database(engine)  # idempotent


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_url):
    engine = make_engine(Settings(db_url=sqlite_url, sqlite_busy_timeout_ms=1234))
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        upgrade_database(engine)
        assert "items" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    plain = create_engine(sqlite_url)
    try:
        with plain.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        plain.dispose()


def test_sqlite_syncs_every_commit_unless_told_otherwise(sqlite_url, monkeypatch):
    # FULL (2): an acknowledged write survives a power loss, not only a killed process.
    for env, expected in [(None, 2), ("normal", 1), ("FULL", 2)]:
        if env is not None:
            monkeypatch.setenv("ACTIVELAB_SQLITE_SYNCHRONOUS", env)
        with migrated_engine(sqlite_url) as engine, engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == expected
    monkeypatch.setenv("ACTIVELAB_SQLITE_SYNCHRONOUS", "OFF")
    with pytest.raises(ValidationError):
        Settings(db_url=sqlite_url)


def test_write_transactions_take_the_sqlite_write_lock_up_front(sqlite_url):
    with migrated_engine(sqlite_url, sqlite_busy_timeout_ms=0) as engine:
        factory = make_session_factory(engine)
        with write_transaction(factory) as session:
            session.execute(select(Item.id))  # a read only, yet the lock is held
            with factory() as other, pytest.raises(OperationalError, match="locked"):
                other.connection(execution_options={"activelab_sqlite_immediate": True})
        with factory() as reader:  # plain sessions do not lock
            reader.execute(select(Item.id))
            with write_transaction(factory) as writer:
                writer.execute(select(Item.id))


def test_a_write_block_on_a_kept_connection_takes_the_sqlite_write_lock(sqlite_url):
    with migrated_engine(sqlite_url, sqlite_busy_timeout_ms=0) as engine:
        factory = make_session_factory(engine)
        with engine.connect() as conn:
            conn.execute(select(Item.id))  # the request's reads: a deferred transaction
            with write_block(conn):
                conn.execute(select(Item.id))  # a read only, yet the lock is held
                with factory() as other, pytest.raises(OperationalError, match="locked"):
                    other.connection(execution_options={"activelab_sqlite_immediate": True})
            assert not conn.in_transaction()  # committed on the way out
            with write_transaction(factory) as writer:  # and released
                writer.execute(select(Item.id))


def test_a_write_never_waits_for_a_connection_that_hot_requests_hold(sqlite_url):
    # Annotation requests hold their connection while they queue for the writer lock;
    # the lock's holder must still get a connection (a capped pool deadlocked here).
    with migrated_engine(sqlite_url) as engine:
        held = [engine.connect() for _ in range(60)]
        for connection in held:
            connection.execute(select(Item.id))
        with write_block(held[0]):
            held[0].execute(select(Item.id))
        with write_transaction(make_session_factory(engine)) as session:
            session.execute(select(Item.id))
        for connection in held:
            connection.close()


def test_the_session_key_is_generated_once_and_kept(sqlite_url):
    with migrated_engine(sqlite_url) as engine:
        factory = make_session_factory(engine)
        first = ensure_secret_key(Settings(db_url=sqlite_url), factory)
        assert len(first) >= 40
        assert ensure_secret_key(Settings(db_url=sqlite_url), factory) == first
        assert ensure_secret_key(Settings(db_url=sqlite_url, secret_key="from-env"),
                                 factory) == "from-env"


def test_migration_0002_counts_the_items_of_existing_projects(db_url):
    engine = make_engine(Settings(db_url=db_url))
    try:
        upgrade_database(engine, "0001")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO projects (id, name, description, task_type, labels, model_name, "
                "strategy_name, overlap, created_at) VALUES (7, 'old', '', "
                "'text_classification', '[\"a\"]', 'logreg', 'margin', 1, '2026-01-01')"))
            for i in range(3):
                connection.execute(text(
                    "INSERT INTO items (project_id, data, random_key, n_labels, created_at) "
                    f"VALUES (7, '{{}}', {i / 10}, 0, '2026-01-01')"))
        upgrade_database(engine)
        factory = make_session_factory(engine)
        with factory() as session:
            assert session.get(Project, 7).n_items == 3
    finally:
        engine.dispose()
