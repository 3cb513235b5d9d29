"""Engine, sessions, write transactions and migrations.

Nothing here runs at import time: :func:`make_engine` is called by
``create_app(settings)`` so tests can point the server at any database.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings
from .errors import ServiceBusyError
from .models import MIGRATION_ONLY_INDEXES, ServerSecret

__all__ = [
    "make_engine",
    "make_session_factory",
    "write_transaction",
    "write_block",
    "upgrade_database",
    "ensure_secret_key",
    "is_postgres",
    "include_object",
]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

#: Execution option asking the SQLite ``begin`` hook for ``BEGIN IMMEDIATE``.
_IMMEDIATE = "activelab_sqlite_immediate"
#: What a writer that waited its full bound for the lock is told to wait before retrying.
BUSY_RETRY_AFTER_SECONDS = 2


class WriteLock:
    """This process's queue of SQLite writers, waited on for at most ``timeout`` seconds.

    Writers queue here instead of in SQLite's busy handler, which sleeps in
    steps of up to 100 ms between retries.  Any thread may release it (a plain
    lock, not an ``RLock``): FastAPI may end a write session on another thread
    than the one that began it, and an ``RLock`` refuses that release and stays
    held for good.  Not reentrant: a writer never nests another write.
    """

    __slots__ = ("_lock", "timeout")

    def __init__(self, timeout: float) -> None:
        self._lock = threading.Lock()
        self.timeout = min(timeout, threading.TIMEOUT_MAX)

    def __enter__(self) -> None:
        if not self._lock.acquire(timeout=self.timeout):
            raise busy_error(self.timeout)

    def __exit__(self, *_exc: object) -> None:
        self._lock.release()


def busy_error(waited: float) -> ServiceBusyError:
    """The error of a write that waited ``waited`` seconds for the write lock in vain."""
    return ServiceBusyError(f"the server is busy: a write waited {waited:g} s for the "
                            "database; try again shortly", BUSY_RETRY_AFTER_SECONDS)


def _is_sqlite_busy(error: OperationalError) -> bool:
    """SQLite's busy handler gave up: another process held the write lock throughout."""
    return "database is locked" in str(error.orig)


#: One lock per SQLite engine.
_SQLITE_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, WriteLock] = weakref.WeakKeyDictionary()


def is_postgres(bind: Engine | Connection | Session) -> bool:
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return engine.dialect.name == "postgresql"


def make_engine(settings: Settings) -> Engine:
    """An engine for ``settings.db_url``; SQLite gets WAL, a busy timeout and FK checks."""
    url = settings.db_url
    if not url.startswith("sqlite"):
        # More connections than request threads (40): a request keeps one throughout.
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40)
    # No cap on connections (SQLite has no server to protect): a request on the hot path
    # holds its connection while it waits for this process's writer lock, and a capped
    # pool would let the lock's holder wait for a connection that never comes back.
    engine = create_engine(
        url,
        connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000,
                      "check_same_thread": False},
        pool_size=10, max_overflow=-1,
    )
    busy_ms = int(settings.sqlite_busy_timeout_ms)
    synchronous = settings.sqlite_synchronous

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself, so writers can ask for BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if ":memory:" not in url:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    # In-process writers wait as long as SQLite's busy handler would for another process.
    _SQLITE_WRITE_LOCKS[engine] = WriteLock(busy_ms / 1000)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def write_transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose transaction holds the write lock from its first statement.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE`` so two writers
    never interleave read-then-write sequences; on PostgreSQL it is an
    ordinary transaction and callers lock rows (``FOR UPDATE``) themselves.
    Commits on success, rolls back on any exception.  On SQLite, writers of
    this process take turns on an in-process lock first (a fair queue instead
    of SQLite's sleeping busy handler); other processes (the retraining
    worker) still meet the busy handler.  A writer that waits longer than
    ``sqlite_busy_timeout_ms`` for that lock gets :class:`ServiceBusyError`
    (HTTP 503).  The session may be ended on another thread than the one
    that began it.
    """
    lock = _SQLITE_WRITE_LOCKS.get(factory.kw["bind"])
    if lock is None:
        with _write_session(factory) as session:
            yield session
        return
    with lock, _write_session(factory, lock.timeout) as session:
        yield session


@contextmanager
def _write_session(factory: sessionmaker[Session], busy_s: float = 0.0) -> Iterator[Session]:
    with factory() as session:
        try:
            session.connection(execution_options={_IMMEDIATE: True})
        except OperationalError as error:
            if not _is_sqlite_busy(error):
                raise
            raise busy_error(busy_s) from error
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def write_block(connection: Connection) -> Iterator[Connection]:
    """A write transaction on a connection the caller keeps for a whole request.

    The same rules as :func:`write_transaction` (SQLite: ``BEGIN IMMEDIATE``
    after this process's writer lock), without checking a connection out of
    the pool again: on PostgreSQL each checkout costs a round trip (pre-ping).
    A read transaction still open on ``connection`` is ended first on SQLite
    and continued on PostgreSQL.
    """
    lock = _SQLITE_WRITE_LOCKS.get(connection.engine)
    if lock is None:
        if not connection.in_transaction():
            with connection.begin():
                yield connection
            return
        # PostgreSQL, after the request's reads: carry on in their transaction (each
        # statement sees what is committed by then), a round trip fewer than restarting.
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()
        return
    if connection.in_transaction():
        connection.rollback()  # reads only; SQLite's BEGIN IMMEDIATE must start afresh
    with lock:
        connection.execution_options(**{_IMMEDIATE: True})  # in place (SQLAlchemy 2)
        try:
            try:
                transaction = connection.begin()
            except OperationalError as error:
                if not _is_sqlite_busy(error):
                    raise
                raise busy_error(lock.timeout) from error
            with transaction:
                yield connection
        finally:
            connection.execution_options(**{_IMMEDIATE: False})


def alembic_config(connection: Any) -> Config:
    """An Alembic ``Config`` built in code (no alembic.ini) bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    """Alembic filter: per-database indexes made by hand in a migration are not compared."""
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Apply the packaged migrations up to ``revision``."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def ensure_secret_key(settings: Settings, factory: sessionmaker[Session]) -> str:
    """The session-signing key: from settings, else stored in the DB (generated once)."""
    if settings.secret_key:
        return settings.secret_key
    with write_transaction(factory) as session:
        row = session.get(ServerSecret, "session_key")
        if row is None:
            row = ServerSecret(name="session_key", value=secrets.token_urlsafe(48))
            session.add(row)
        return row.value

