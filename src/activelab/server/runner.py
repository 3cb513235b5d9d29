"""Starting the server from Python or the command line."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ..exceptions import ConfigError, DataError
from .app import create_app
from .config import Settings
from .db import make_engine, make_session_factory, upgrade_database
from .echo import echo
from .errors import NotFoundError
from .models import Project
from .services.annotated_import import (
    ANNOTATED_FORMATS,
    import_annotated,
    importing_admin,
    json_format,
)
from .services.cluster_points import import_rows
from .services.demo import ensure_demo
from .services.importing import import_folder, read_rows
from .services.model_export import ModelCache, build_model, dump_model
from .services.projects import require_active
from .services.stream import stream_item
from .stop_signals import watch_stop_signals

__all__ = ["run_server", "run_worker_command", "import_source", "export_model", "main",
           "reset_hint", "RESET_DEMO_PASSWORD_ENV"]

#: Set to 1 to give the demo admin a fresh password at start (for ``activelab serve --demo``).
RESET_DEMO_PASSWORD_ENV = "ACTIVELAB_RESET_DEMO_PASSWORD"
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
MODULE_PROGRAM = "python -m activelab.server"
ENV_PREFIX = "ACTIVELAB_"
_HEALTH_CHECK_SECONDS = 120


def reset_hint(program: str, db_url: str, host: str = DEFAULT_HOST,
               port: int = DEFAULT_PORT) -> str:
    """The command that restarts this server, on the same database, with a new demo password.

    Parameters
    ----------
    program : how the server was started, e.g. ``"activelab serve"``
    db_url : the database in use; a relative SQLite path is made absolute (so the
        command works from any folder) and a password is shown as ``***``
    host, port : where the server listens; named only when not the default

    Examples
    --------
    >>> reset_hint("activelab serve", "postgresql+psycopg://me:secret@db/al")
    "activelab serve --demo --db 'postgresql+psycopg://me:***@db/al' --reset-demo-password"
    """
    url = make_url(db_url)
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database not in ("", ":memory:") \
            and not database.startswith("file:") and not Path(database).is_absolute():
        url = url.set(database=str(Path(database).resolve()))
    words = [*shlex.split(program), "--demo", "--db", url.render_as_string(hide_password=True)]
    if host != DEFAULT_HOST:
        words += ["--host", host]
    if port != DEFAULT_PORT:
        words += ["--port", str(port)]
    return shlex.join([*words, "--reset-demo-password"])


def run_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, db_url: str | None = None,
               demo: bool = False, reset_demo_password: bool | None = None,
               worker_mode: str | None = None, program: str = MODULE_PROGRAM,
               workers: int = 1) -> None:
    """Migrate the database, optionally create the demo, print the URL and serve.

    Parameters
    ----------
    host, port : where to listen
    db_url : SQLAlchemy URL; default from ``ACTIVELAB_DB_URL`` or ``sqlite:///activelab.db``
    demo : create (idempotently) the digits demo project and an ``admin`` user whose
        generated password is printed when the user is created
    reset_demo_password : with ``demo``, give the existing demo admin a fresh password
        and print it; default from the ``ACTIVELAB_RESET_DEMO_PASSWORD`` environment
        variable (``1``/``true``)
    worker_mode : ``process`` (retrain in a separate, supervised process), ``thread``
        or ``external``; default from ``ACTIVELAB_WORKER_MODE`` or ``process``
    program : the command that started the server (``activelab serve``), for the
        printed command that resets the demo password
    workers : API processes (uvicorn's workers) serving one PostgreSQL database; with
        more than one, this process runs the retraining worker (``worker_mode``
        ``process``) and every API process starts with ``worker_mode="external"``

    Raises
    ------
    ConfigError
        ``workers`` above 1 on SQLite (its one write lock would serialise them).
    """
    import uvicorn

    overrides = {key: value for key, value in
                 (("db_url", db_url), ("worker_mode", worker_mode)) if value}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if workers > 1 and not settings.db_url.startswith("postgresql"):
        raise ConfigError("several API processes (--workers) need PostgreSQL; SQLite has one "
                          "write lock for the whole database: run one process")
    app = create_app(settings)  # migrates once, before any API process starts
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    if demo:
        if reset_demo_password is None:
            reset_demo_password = os.environ.get(RESET_DEMO_PASSWORD_ENV, "").strip().lower() \
                in ("1", "true", "yes", "on")
        created = ensure_demo(app.state.session_factory, reset_password=reset_demo_password)
        hint = reset_hint(program, settings.db_url, host, port)
        if "***" in hint:
            hint += " (with the database password in place of ***)"
        if created["password"] and reset_demo_password:
            print(f"Demo admin {created['admin']!r}: new password {created['password']!r}")
        elif created["password"]:
            print(f"Demo admin created: user {created['admin']!r}, "
                  f"password {created['password']!r} (shown once; to get a new one "
                  f"later run: {hint})")
        else:
            print(f"Demo admin {created['admin']!r} exists already; its password is unchanged "
                  f"(only its hash is stored). Lost it? Restart with: {hint} "
                  f"(or set {RESET_DEMO_PASSWORD_ENV}=1)")
        print(f"Demo project: {url}/projects/{created['project_id']}/annotate")
    print(f"activelab annotation server: {url}", flush=True)
    if workers > 1:
        _run_processes(settings, host, port, workers)
        return
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=settings.access_log)


def _run_processes(settings: Settings, host: str, port: int, workers: int) -> None:
    """``workers`` uvicorn API processes; the retraining worker is supervised from here."""
    import uvicorn

    from .worker_process import WorkerSupervisor  # see create_app: not at import time

    os.environ[f"{ENV_PREFIX}DB_URL"] = settings.db_url  # read by each API process
    os.environ[f"{ENV_PREFIX}WORKER_MODE"] = "external"
    engine = make_engine(settings)
    supervisor = WorkerSupervisor(settings, make_session_factory(engine))
    if settings.worker_enabled and settings.worker_mode == "process":
        supervisor.start()
    try:
        uvicorn.run("activelab.server.app:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level="info", access_log=settings.access_log,
                    # A process still importing the app (seconds on a busy machine) answers
                    # no health check: uvicorn's 5 s default would kill it again and again.
                    timeout_worker_healthcheck=_HEALTH_CHECK_SECONDS)
    finally:
        supervisor.stop()
        engine.dispose()


def run_worker_command(db_url: str | None = None) -> None:
    """Run the retraining worker in this process until SIGTERM or SIGINT.

    For a server started with ``worker_mode="external"`` (or ``--workers N``
    with the worker elsewhere): the worker may run on another machine, as it
    talks to the server only through the database.

    Parameters
    ----------
    db_url : SQLAlchemy URL; default from ``ACTIVELAB_DB_URL`` or ``sqlite:///activelab.db``
    """
    settings = Settings(db_url=db_url) if db_url else Settings()
    engine = make_engine(settings)
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()
    from .worker_process import run_worker  # see create_app: not at import time

    run_worker(settings)


def import_source(project: str, source: str | os.PathLike[str], db_url: str | None = None, *,
                  fmt: str | None = None, all_or_nothing: bool = False,
                  on_duplicate: str = "skip", label_column: str | None = None,
                  progress: Callable[[int, int | None], None] | None = None,
                  as_user: str | None = None) -> dict[str, Any]:
    """Import a CSV, JSONL, zip of images or folder of images into a project, from the server side.

    Writes to the database directly (migrating it first), as an admin on the
    server's machine; the running server (if any) picks the items up at once.

    Parameters
    ----------
    project : the project's id or name
    source : a file (``.csv``, ``.jsonl``/``.ndjson``, ``.zip``) or a folder of images
    db_url : SQLAlchemy URL; default from ``ACTIVELAB_DB_URL`` or ``sqlite:///activelab.db``
    fmt : ``csv``, ``jsonl``, ``zip``, ``label-studio``, ``coco`` or ``voc`` to override
        the file's extension (``.json``: Label Studio, or COCO into an image-regions
        project; ``.xml``: VOC)
    all_or_nothing : import nothing when any record is bad
    on_duplicate : ``skip`` or ``update`` a row whose id the project has already
    label_column : the CSV/JSONL column read as pre-labels (default: the project's)
    progress : called about twice a second as ``progress(done, total)`` with the bytes
        of the file read so far and its size (``total`` None for a folder, whose
        ``done`` is 0)
    as_user : the admin whose labels a Label Studio, COCO or VOC file's answers become
        (default: the database's only admin)

    The file is not limited in size (as an upload is), but each field is
    (setting ``import_max_field_chars``).  SIGINT (Ctrl-C) or SIGTERM stops the
    import between two batches: the batches committed stay and the report has
    ``cancelled: True``.

    Returns
    -------
    report : dict with ``inserted``, ``n_errors``, ``errors`` and ``cancelled``
        (see ``import_items``; a clustering project's rows are points, ``import_points``)

    Raises
    ------
    NotFoundError
        No such project.
    ImportRejectedError
        Nothing imported; ``errors`` says which lines or files were bad.
    """
    with _project_in_database(project, db_url) as (settings, factory, row):
        require_active(row)
        with _stop_signals() as stopping:
            options: dict[str, Any] = {
                "all_or_nothing": all_or_nothing, "batch_size": settings.import_batch_size,
                "max_errors": settings.import_max_reported_errors,
                "on_duplicate": on_duplicate, "should_stop": stopping.is_set}
            path = Path(source)
            if path.is_dir():
                if progress is not None:
                    options["should_stop"] = _reporting(stopping.is_set, lambda: (0, None),
                                                        progress)
                report = import_folder(factory, row, path, **options)
            else:
                suffix = path.suffix.lower().lstrip(".")
                with path.open("rb") as stream:
                    fmt = fmt or {"ndjson": "jsonl", "xml": "voc"}.get(suffix) or (
                        json_format(stream, row.task_type) if suffix == "json" else suffix)
                    if fmt in ANNOTATED_FORMATS:
                        return import_annotated(factory, row, importing_admin(factory, as_user),
                                                stream, fmt)
                    size = os.fstat(stream.fileno()).st_size
                    if progress is not None:
                        # Asked between records, on the thread that reads the file.
                        options["should_stop"] = _reporting(
                            stopping.is_set, lambda: (stream.tell(), size), progress)
                    report = import_rows(factory, row, stream, fmt, label_column=label_column,
                                         max_field_chars=settings.import_max_field_chars,
                                         **options)
                if progress is not None and not report["cancelled"]:
                    progress(size, size)
        if report["cancelled"]:
            print(f"import cancelled by a signal: {report['inserted']} item(s) committed "
                  "before it stopped", file=sys.stderr)
        return report


def _reporting(should_stop: Callable[[], bool], position: Callable[[], tuple[int, int | None]],
               progress: Callable[[int, int | None], None]) -> Callable[[], bool]:
    """``should_stop`` that also reports ``position()`` to ``progress`` each time it is asked."""
    def check() -> bool:
        progress(*position())
        return should_stop()
    return check


@contextmanager
def _project_in_database(project: str, db_url: str | None
                         ) -> Iterator[tuple[Settings, sessionmaker[Session], Project]]:
    """(settings, session factory, the project with this id or name, detached) of a
    database, migrated first; NotFoundError when there is no such project."""
    settings = Settings(db_url=db_url) if db_url else Settings()
    engine = make_engine(settings)
    try:
        upgrade_database(engine)
        factory = make_session_factory(engine)
        with factory() as session:
            key = Project.id == int(project) if project.isdigit() else Project.name == project
            row = session.scalar(select(Project).where(key))
            if row is None:
                raise NotFoundError(f"no project {echo(project)} in {settings.db_url}")
            session.expunge(row)
        yield settings, factory, row
    finally:
        engine.dispose()


def stream_file(project: str, source: str | os.PathLike[str], db_url: str | None = None, *,
                fmt: str | None = None, on_item: Callable[[int, dict[str, Any]], None]
                | None = None) -> dict[str, Any]:
    """Feed a CSV or JSONL file through a project's stream, one item at a time, in order.

    Each row is decided as ``POST /api/projects/{id}/stream`` decides it (the same
    state, stored after every item); a bad row is reported by its line and the rest
    go on. ``on_item(line, decision)`` is called after each decided row.

    Parameters
    ----------
    project : the project's id or name
    source : a ``.csv`` or ``.jsonl`` file
    db_url : SQLAlchemy URL; default from ``ACTIVELAB_DB_URL`` or ``sqlite:///activelab.db``
    fmt : ``csv`` or ``jsonl`` to override the file's extension
    on_item : called with each row's line and decision

    Returns
    -------
    report : dict with ``asked``, ``skipped``, ``n_errors``, ``errors`` (``{"line",
        "error"}``) and ``state`` (the stream's, after the file)
    """
    with _project_in_database(project, db_url) as (settings, factory, row):
        path = Path(source)
        suffix = path.suffix.lower().lstrip(".")
        fmt = fmt or {"ndjson": "jsonl"}.get(suffix, suffix)
        models = ModelCache(size=1)
        report: dict[str, Any] = {"asked": 0, "skipped": 0, "n_errors": 0, "errors": [],
                                  "state": None}
        with path.open("rb") as stream:
            for line, record in read_rows(stream, fmt, settings.import_max_field_chars):
                try:
                    if isinstance(record, str):
                        raise DataError(record)
                    decision = stream_item(factory, row, models, record)
                except DataError as error:
                    report["n_errors"] += 1
                    report["errors"].append({"line": line, "error": str(error)})
                    continue
                report["asked" if decision["decision"] == "ask" else "skipped"] += 1
                report["state"] = decision["state"]
                if on_item is not None:
                    on_item(line, decision)
        return report


def export_model(project: str, out: str | os.PathLike[str], db_url: str | None = None
                 ) -> dict[str, Any]:
    """Write a project's model (the pipeline from raw items to labels) to a skops file.

    The same model as ``GET /api/projects/{id}/model``, read from the database
    directly (migrating it first).

    Parameters
    ----------
    project : the project's id or name
    out : the file to write
    db_url : SQLAlchemy URL; default from ``ACTIVELAB_DB_URL`` or ``sqlite:///activelab.db``

    Returns
    -------
    info : dict with ``version`` (the latest model snapshot), ``n_labels``, ``bytes``, ``path``

    Raises
    ------
    NotFoundError
        No such project.
    ConflictError
        The project has no model yet, or its model cannot be exported (multi-label,
        embeddings featurizer, torch models).
    """
    with _project_in_database(project, db_url) as (_, factory, row):
        with factory() as session:
            model = build_model(session, row)
        data = dump_model(model)
        Path(out).write_bytes(data)
        return {"version": model.version, "n_labels": model.n_labels, "bytes": len(data),
                "path": str(out)}


@contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the block runs (main thread only)."""
    stopping = threading.Event()
    unwatch = watch_stop_signals(stopping, chain=False)
    try:
        yield stopping
    finally:
        unwatch()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=MODULE_PROGRAM,
                                     description="Run the activelab annotation server.")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--db", dest="db_url", default=None, help="SQLAlchemy database URL")
    parser.add_argument("--demo", action="store_true", help="create the digits demo project")
    parser.add_argument("--reset-demo-password", action="store_true", default=None,
                        help="with --demo: give the demo admin a fresh password and print it")
    parser.add_argument("--worker", dest="worker_mode", default=None,
                        choices=["process", "thread", "external"],
                        help="where retraining runs (default: a separate process)")
    args = parser.parse_args(argv)
    if args.reset_demo_password and not args.demo:
        parser.error("--reset-demo-password needs --demo")
    run_server(args.host, args.port, args.db_url, args.demo,
               reset_demo_password=args.reset_demo_password, worker_mode=args.worker_mode)
