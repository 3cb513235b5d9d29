"""The retraining loop: retrain projects after N label events or T seconds.

:class:`TrainingWorker` holds the loop's logic.  It runs either in a thread of
the serving process (``worker_mode="thread"``) or, by default, in a separate
OS process (``worker_process.py``).  Either way it learns everything from the
database (label counts, an admin's "retrain now" flag) and writes everything
back there (scores, snapshots, errors, its heartbeat), so the server and the
worker share no memory.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..config import Settings
from ..db import write_transaction
from ..models import ModelSnapshot, Project, WorkerStatus, utcnow
from .discovery import under_covered
from .feature_store import FeatureStore, store_folder
from .training import FeatureCache, label_events, retrain_project

__all__ = ["TrainingWorker", "Heartbeat", "worker_state", "WORKER_NAME"]

logger = logging.getLogger("activelab.server")

#: The ``worker_status`` row of the (single) retraining worker.
WORKER_NAME = "retrainer"
#: Missed heartbeats after which the dashboard reports the worker missing.
MISSED_BEATS = 5


class TrainingWorker:
    """Retrains due projects; ``/next`` never waits for it.

    A project is due when ``retrain_every_labels`` label events (labels, skips,
    undos) arrived since its last model, when any arrived and
    ``retrain_every_seconds`` passed, or when an admin asked for a retrain
    (``projects.retrain_requested``).  During the cold start (no model yet, or
    a class with fewer than :data:`~.discovery.DISCOVERY_K` training labels)
    any new label event makes it due: the first model comes with the first
    label of a second class, and the class search follows every label.
    :meth:`notify` wakes the thread early; :meth:`run_pending` does one pass
    synchronously (the worker process's loop, tests and tools).
    """

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self.factory = factory
        self.settings = settings
        folder = store_folder(settings)
        self.cache = FeatureCache(FeatureStore(folder) if folder is not None else None)
        self.last_error: dict[int, str] = {}
        self.busy_project_id: int | None = None
        self._attempted: dict[int, int] = {}
        self._since: dict[int, float] = {}
        self._cold: dict[int, bool] = {}  # unknown (a new worker): cold until a retrain
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one retrain at a time (thread and run_pending)
        self._thread: threading.Thread | None = None
        self._heartbeat: Heartbeat | None = None

    def start(self) -> None:
        """Run the loop in a daemon thread of this process (``worker_mode="thread"``)."""
        if self._thread is None:
            self._stop.clear()
            self._heartbeat = Heartbeat(self.factory, self.settings.worker_heartbeat_seconds,
                                        "thread", self)
            self._heartbeat.start()
            self._thread = threading.Thread(target=self.loop, name="activelab-trainer",
                                            daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None

    def notify(self, project_id: int | None = None, *, force: bool = False) -> None:
        """A label arrived (or, with ``force``, an admin asked for a retrain now).

        The request is stored in the database, so a worker in another process
        sees it at its next poll.
        """
        if force and project_id is not None:
            with write_transaction(self.factory) as session:
                session.execute(update(Project).where(Project.id == project_id)
                                .values(retrain_requested=True))
        self._wake.set()

    def loop(self, should_stop: Any = None) -> None:
        """Poll every ``worker_poll_seconds`` (or when woken) until stopped."""
        while not self._stop.is_set() and not (should_stop and should_stop()):
            try:
                self.run_pending()
            except Exception:  # keep the loop alive whatever a pass raises
                logger.exception("retraining pass failed")
            self._wake.wait(self.settings.worker_poll_seconds)
            self._wake.clear()

    def request_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _due(self, session: Session, project_id: int, forced: bool, now: float) -> int | None:
        """The label-event count to train at, or None when not due."""
        events = label_events(session, project_id)
        trained = self._attempted.get(project_id)
        if trained is None:
            trained = session.scalar(select(func.max(ModelSnapshot.label_events))
                                     .where(ModelSnapshot.project_id == project_id)) or 0
            self._attempted[project_id] = trained
        if forced:
            return events
        if events == trained:
            self._since.pop(project_id, None)
            return None
        first_change = self._since.setdefault(project_id, now)
        every = 1 if self._cold.get(project_id, True) else self.settings.retrain_every_labels
        if events - trained >= every \
                or now - first_change >= self.settings.retrain_every_seconds:
            return events
        return None

    def _is_cold(self, project_id: int, snapshot: ModelSnapshot | None) -> bool:
        if snapshot is None:
            return True
        with self.factory() as session:
            classes = session.scalar(select(Project.labels).where(Project.id == project_id))
        return bool(under_covered(snapshot.class_counts, classes or []))

    def run_pending(self) -> list[int]:
        """Retrain every due project once; returns the ids retrained."""
        done = []
        with self._lock:
            with self.factory() as session:
                projects = session.execute(select(Project.id, Project.retrain_requested)
                                           .order_by(Project.id)).all()
                now = time.monotonic()
                due = {pid: (ev, forced) for pid, forced in projects
                       if (ev := self._due(session, pid, bool(forced), now)) is not None}
            for project_id, (events, forced) in due.items():
                if self._stop.is_set():
                    break
                if forced:  # cleared before training: a request made meanwhile stays set
                    with write_transaction(self.factory) as session:
                        session.execute(update(Project).where(Project.id == project_id)
                                        .values(retrain_requested=False))
                self._attempted[project_id] = events
                self._since.pop(project_id, None)
                self.busy_project_id = project_id
                error = None
                try:
                    snapshot = retrain_project(self.factory, project_id, self.cache,
                                               batch_size=self.settings.rescore_batch_size,
                                               depth=self.settings.rescore_depth,
                                               discovery=self.settings.class_discovery)
                    self._cold[project_id] = self._is_cold(project_id, snapshot)
                    self.last_error.pop(project_id, None)
                    done.append(project_id)
                except Exception as exc:  # a bad project must not stop the others
                    logger.exception("retraining project %s failed", project_id)
                    error = f"{type(exc).__name__}: {exc}"
                    self.last_error[project_id] = error
                finally:
                    self.busy_project_id = None
                with write_transaction(self.factory) as session:
                    session.execute(update(Project).where(Project.id == project_id)
                                    .values(train_error=error))
        return done


class Heartbeat:
    """A daemon thread writing the worker's ``worker_status`` row every few seconds.

    A thread of its own, so the beat goes on while a long fit runs.
    """

    def __init__(self, factory: sessionmaker[Session], interval: float, mode: str,
                 worker: TrainingWorker | None = None) -> None:
        self.factory = factory
        self.interval = interval
        self.mode = mode
        self.worker = worker
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_at = utcnow()

    def beat(self) -> None:
        busy = self.worker.busy_project_id if self.worker is not None else None
        with write_transaction(self.factory) as session:
            row = session.get(WorkerStatus, WORKER_NAME)
            if row is None:
                row = WorkerStatus(name=WORKER_NAME, restarts=0)
                session.add(row)
            row.pid, row.mode, row.started_at = os.getpid(), self.mode, self._started_at
            row.beat_at, row.busy_project_id = utcnow(), busy

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.beat()
            except Exception:  # the database may be briefly unavailable; try again
                logger.warning("worker heartbeat failed", exc_info=True)
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="activelab-heartbeat",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)


def worker_state(session: Session, settings: Settings) -> dict[str, Any]:
    """What the dashboard says about the retraining worker.

    ``state`` is ``off`` (disabled), ``never started``, ``running``,
    ``retraining`` or ``missing`` (no heartbeat for five intervals: the worker
    died and was not, or not yet, restarted).
    """
    if not settings.worker_enabled:
        return {"state": "off", "detail": "the retraining worker is disabled "
                "(ACTIVELAB_WORKER_ENABLED=false); scores do not change"}
    row = session.get(WorkerStatus, WORKER_NAME)
    if row is None or row.beat_at is None:
        return {"state": "never started", "detail": "no retraining worker has reported yet",
                "restarts": 0}
    age = (utcnow() - row.beat_at).total_seconds()
    info: dict[str, Any] = {"pid": row.pid, "mode": row.mode, "last_seen_seconds": round(age, 1),
                            "restarts": row.restarts, "note": row.note,
                            "busy_project_id": row.busy_project_id}
    if age > MISSED_BEATS * settings.worker_heartbeat_seconds:
        info.update(state="missing", detail=f"the retraining worker has not reported for "
                    f"{age:.0f} s; scores are not being updated")
    elif row.busy_project_id is not None:
        info.update(state="retraining", detail=f"retraining project {row.busy_project_id}")
    else:
        info.update(state="running", detail="idle, waiting for labels")
    return info
