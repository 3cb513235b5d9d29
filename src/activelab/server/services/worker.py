"""The background thread that retrains projects after N label events or T seconds."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ..config import Settings
from ..models import ModelSnapshot, Project
from .training import FeatureCache, label_events, retrain_project

__all__ = ["TrainingWorker"]

logger = logging.getLogger("activelab.server")


class TrainingWorker:
    """Retrains projects in one daemon thread; ``/next`` never waits for it.

    A project is due when ``retrain_every_labels`` label events (labels, skips,
    undos) arrived since its last model, or when any arrived and
    ``retrain_every_seconds`` passed.  :meth:`notify` wakes the thread early;
    :meth:`run_pending` does one pass synchronously (used by tests and tools).
    """

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self.factory = factory
        self.settings = settings
        self.cache = FeatureCache()
        self.last_error: dict[int, str] = {}
        self._attempted: dict[int, int] = {}
        self._since: dict[int, float] = {}
        self._forced: set[int] = set()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one retrain at a time (thread and run_pending)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="activelab-trainer",
                                            daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def notify(self, project_id: int | None = None, *, force: bool = False) -> None:
        """A label arrived (or, with ``force``, an admin asked for a retrain now)."""
        if force and project_id is not None:
            self._forced.add(project_id)
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.settings.worker_poll_seconds)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.run_pending()
            except Exception:  # keep the thread alive whatever a pass raises
                logger.exception("retraining pass failed")

    def _due(self, session: Session, project_id: int, now: float) -> int | None:
        """The label-event count to train at, or None when not due."""
        events = label_events(session, project_id)
        trained = self._attempted.get(project_id)
        if trained is None:
            trained = session.scalar(select(func.max(ModelSnapshot.label_events))
                                     .where(ModelSnapshot.project_id == project_id)) or 0
            self._attempted[project_id] = trained
        if project_id in self._forced:
            return events
        if events == trained:
            self._since.pop(project_id, None)
            return None
        first_change = self._since.setdefault(project_id, now)
        if events - trained >= self.settings.retrain_every_labels \
                or now - first_change >= self.settings.retrain_every_seconds:
            return events
        return None

    def run_pending(self) -> list[int]:
        """Retrain every due project once; returns the ids retrained."""
        done = []
        with self._lock:
            with self.factory() as session:
                project_ids = list(session.scalars(select(Project.id).order_by(Project.id)))
                now = time.monotonic()
                due = {pid: ev for pid in project_ids
                       if (ev := self._due(session, pid, now)) is not None}
            for project_id, events in due.items():
                self._forced.discard(project_id)
                self._attempted[project_id] = events
                self._since.pop(project_id, None)
                try:
                    retrain_project(self.factory, project_id, self.cache)
                    self.last_error.pop(project_id, None)
                    done.append(project_id)
                except Exception as error:  # a bad project must not stop the others
                    logger.exception("retraining project %s failed", project_id)
                    self.last_error[project_id] = f"{type(error).__name__}: {error}"
        return done
