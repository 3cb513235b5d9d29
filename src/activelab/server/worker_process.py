"""The retraining worker as a separate OS process, and the supervisor that keeps it alive.

Why a process: fitting and re-scoring 100k items is CPU work in Python; in
a thread of the server it holds the interpreter lock the request handlers
need, and ``/next`` waited seconds during a retrain.  In a process of its own,
at a higher nice value (lower CPU priority), it only competes for cores.

The server and the worker talk only through the database (labels in,
scores, snapshots, errors and a heartbeat out), so a ``kill -9`` of either
loses nothing that was committed: scores are rewritten by the next retrain,
labels are the server's and durable before it answers.

Run by hand (e.g. on another machine, with ``worker_mode="external"`` in the
server)::

    ACTIVELAB_DB_URL=postgresql+psycopg://... python -m activelab.server.worker_process
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

from sqlalchemy.orm import Session, sessionmaker
from threadpoolctl import threadpool_limits

from .config import Settings
from .db import make_engine, make_session_factory, write_transaction
from .models import WorkerStatus, utcnow
from .services.worker import WORKER_NAME, Heartbeat, TrainingWorker

__all__ = ["run_worker", "WorkerSupervisor", "SETTINGS_ENV", "main"]

logger = logging.getLogger("activelab.server")

#: The server hands its settings (JSON) to the worker process in this variable.
SETTINGS_ENV = "ACTIVELAB_WORKER_SETTINGS"
#: Restart delays after a crash: doubled on each crash soon after a start.
_FIRST_DELAY, _MAX_DELAY, _STABLE_SECONDS = 1.0, 60.0, 30.0


def run_worker(settings: Settings, parent_pid: int | None = None) -> None:
    """Retrain due projects until SIGTERM/SIGINT (or until ``parent_pid`` is gone)."""
    if settings.worker_nice:
        os.nice(settings.worker_nice)
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    worker = TrainingWorker(factory, settings)

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        worker.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    heartbeat = Heartbeat(factory, settings.worker_heartbeat_seconds, "process", worker)
    heartbeat.start()
    orphaned = (lambda: os.getppid() != parent_pid) if parent_pid else None
    try:
        # BLAS and OpenMP would otherwise use every core in bursts and leave the server none.
        with threadpool_limits(limits=settings.worker_threads):
            worker.loop(should_stop=orphaned)  # a server killed with -9 leaves us orphaned
    finally:
        heartbeat.stop()
        engine.dispose()


def _note(factory: sessionmaker[Session], message: str, *, restarted: bool) -> None:
    """Record a worker exit/restart on its status row (best effort)."""
    try:
        with write_transaction(factory) as session:
            row = session.get(WorkerStatus, WORKER_NAME)
            if row is None:
                row = WorkerStatus(name=WORKER_NAME, mode="process", restarts=0)
                session.add(row)
            row.note = f"{utcnow():%Y-%m-%d %H:%M:%S} UTC: {message}"
            if restarted:
                row.restarts = (row.restarts or 0) + 1
    except Exception:
        logger.warning("could not record the worker's status", exc_info=True)


class WorkerSupervisor:
    """Starts the worker process, restarts it when it dies, stops it with the server.

    A crash (``kill -9``, out of memory) is noted on the worker's status row,
    which the dashboard shows, and the process is started again after a
    delay that doubles while it keeps dying soon after starting.
    """

    def __init__(self, settings: Settings, factory: sessionmaker[Session]) -> None:
        self.settings = settings
        self.factory = factory
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env[SETTINGS_ENV] = self.settings.model_dump_json()
        return subprocess.Popen(
            [sys.executable, "-m", "activelab.server.worker_process",
             "--parent-pid", str(os.getpid())], env=env)

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self.process = self._spawn()
            self._thread = threading.Thread(target=self._watch, name="activelab-supervisor",
                                            daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        delay, started = _FIRST_DELAY, time.monotonic()
        while not self._stop.wait(0.5):
            process = self.process
            if process is None or process.poll() is None:
                continue
            code = process.returncode
            delay = _FIRST_DELAY if time.monotonic() - started > _STABLE_SECONDS \
                else min(2 * delay, _MAX_DELAY)
            logger.warning("the retraining worker (pid %s) exited with %s; restarting in "
                           "%.0f s", process.pid, code, delay)
            _note(self.factory, f"worker pid {process.pid} exited with code {code}; "
                  f"restarted after {delay:.0f} s", restarted=True)
            if self._stop.wait(delay):
                return
            self.process = self._spawn()
            self.restarts += 1
            started = time.monotonic()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()  # finishes the current batch of scores, then exits
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m activelab.server.worker_process",
                                     description="Run the activelab retraining worker.")
    parser.add_argument("--db", dest="db_url", default=None, help="SQLAlchemy database URL")
    parser.add_argument("--parent-pid", type=int, default=None,
                        help="exit when this process (the server) is gone")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    given = os.environ.get(SETTINGS_ENV)
    settings = Settings(**json.loads(given)) if given else Settings()
    if args.db_url:
        settings = settings.model_copy(update={"db_url": args.db_url})
    run_worker(settings, parent_pid=args.parent_pid)


if __name__ == "__main__":
    main()
