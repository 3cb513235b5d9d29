"""Server settings: one pydantic-settings class, read from ``ACTIVELAB_*`` environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything the annotation server can be configured with.

    Every field can be set from the environment with the ``ACTIVELAB_`` prefix,
    e.g. ``ACTIVELAB_DB_URL=postgresql+psycopg://user@host/db``.

    Attributes
    ----------
    db_url : str
        SQLAlchemy URL.  SQLite (``sqlite:///path.db``) runs in WAL mode with a
        busy timeout; PostgreSQL uses ``postgresql+psycopg://...``.
    secret_key : str or None
        Signs session cookies.  When unset, a random key is generated at first
        start and stored in the database, so no secret ever lives in the repo.
    lease_seconds : int
        How long an item served by ``/next`` stays reserved for its annotator
        without a heartbeat.
    retrain_every_labels, retrain_every_seconds : int
        The background worker retrains a project after this many new label
        events, or after this many seconds when any label changed since.
    worker_enabled : bool
        Run the background retraining worker (tests switch it off and retrain
        explicitly).
    worker_mode : {"process", "thread"}
        ``"process"`` (default): retraining and re-scoring run in a separate OS
        process, started and restarted by the server, at lower CPU priority,
        talking to the server only through the database, so a retrain never
        takes the request handlers' interpreter lock.  ``"thread"``: a thread
        of the serving process (one process in all; slower ``/next`` during a
        retrain).  ``"external"``: this process starts no worker; another one
        (``python -m activelab.server.worker_process``) does the retraining.
    worker_nice : int
        Added to the worker process's nice value (lower CPU priority).
    worker_threads : int
        Threads the worker process's numerical libraries (BLAS, OpenMP) may
        use; 1 by default, so a retrain takes one core and the server keeps
        the others.
    worker_heartbeat_seconds : float
        How often the worker writes its heartbeat; the dashboard reports it
        missing after five missed beats.
    rescore_batch_size : int
        Items re-scored per write transaction after a retrain (short
        transactions keep SQLite's single write lock free for ``/next``).
    rescore_depth : int
        After a retrain every open item is scored, but only the head of the new
        queue (this many items) is written; the rest are served after it in
        random order.  0 writes every item.
    class_discovery : bool
        Until every class of a single-label project has 5 training labels, order
        its queue to find the missing ones (``services/discovery.py``) instead of
        by its strategy.  On by default.
    access_log : bool
        uvicorn's per-request access log (costs CPU per request).
    cors_origins : list of str
        Origins allowed by CORS; empty (closed) by default.
    max_upload_bytes : int
        Largest request body accepted (imports included); a larger one gets
        HTTP 413, checked while it streams in.  50 MB by default.
    sqlite_busy_timeout_ms : int
        SQLite: how long a write waits for the database's write lock, both in
        this process's queue of writers and in SQLite's busy handler (another
        process, such as the retraining worker).  A write that waits longer
        gets HTTP 503 with ``Retry-After``.  30 s by default.
    sqlite_synchronous : {"FULL", "NORMAL"}
        SQLite's ``PRAGMA synchronous``.  ``"FULL"`` (default) syncs the log at
        every commit, so an acknowledged label survives a power loss or an OS
        crash; ``"NORMAL"`` is faster but can lose the last commits then (it
        still survives the server process being killed).  See "Durability"
        in ``docs/service.md``.
    max_json_body_bytes : int
        Largest JSON or URL-encoded form request body (logins, projects,
        labels); imports are multipart and limited by ``max_upload_bytes``
        only.  1 MiB by default.
    import_max_field_chars : int
        Longest CSV field, JSONL line text or tabular value accepted at import
        (131,072 characters by default, Python's CSV limit).  A longer field is
        an error for its row; in a CSV file whose field runs past the limit the
        end of that field cannot be found safely, so reading stops there (rows
        before it are imported, the report says where it stopped).
    feature_store_dir : str or None
        Folder of the worker's feature files (``services/feature_store.py``):
        each project's features are written there once and memory-mapped at
        every retrain.  By default a SQLite database keeps them beside its file
        (``<database>.features``); with PostgreSQL set it to use one.
    """

    model_config = SettingsConfigDict(env_prefix="ACTIVELAB_", extra="ignore")

    db_url: str = "sqlite:///activelab.db"
    secret_key: str | None = None
    lease_seconds: int = Field(default=300, ge=1)
    retrain_every_labels: int = Field(default=10, ge=1)
    retrain_every_seconds: float = Field(default=60.0, gt=0)
    worker_enabled: bool = True
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_mode: Literal["process", "thread", "external"] = "process"
    worker_nice: int = Field(default=10, ge=0, le=19)
    worker_threads: int = Field(default=1, ge=1)
    worker_heartbeat_seconds: float = Field(default=2.0, gt=0)
    rescore_batch_size: int = Field(default=500, ge=1)
    rescore_depth: int = Field(default=2_000, ge=0)
    class_discovery: bool = True
    access_log: bool = True
    cors_origins: list[str] = Field(default_factory=list)
    session_cookie: str = "activelab_session"
    cookie_secure: bool = False
    session_max_age: int = Field(default=14 * 24 * 3600, ge=60)
    session_idle_timeout: int = Field(default=24 * 3600, ge=60)
    csrf_trusted_origins: list[str] = Field(default_factory=list)
    login_max_failures_per_account: int = Field(default=10, ge=1)
    login_max_failures_per_address: int = Field(default=100, ge=1)
    login_failure_window_seconds: int = Field(default=15 * 60, ge=1)
    login_max_concurrent_hashes: int = Field(default=4, ge=1)
    login_hash_wait_seconds: float = Field(default=5.0, gt=0)
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    import_batch_size: int = Field(default=500, ge=1)
    import_max_reported_errors: int = Field(default=100, ge=1)
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_json_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    import_max_field_chars: int = Field(default=131_072, ge=16)
    feature_store_dir: str | None = None

    @field_validator("sqlite_synchronous", mode="before")
    @classmethod
    def _upper_case(cls, value: object) -> object:
        """SQLite reads pragma values in any case; so does this setting."""
        return value.upper() if isinstance(value, str) else value
