"""Telling long requests at once that the server was asked to stop (SIGINT, SIGTERM).

uvicorn lets running requests finish before it shuts the application down,
so a request that runs for minutes (a large import) would keep a stopped
server alive.  :func:`watch_stop_signals` chains onto the signal handlers
(uvicorn's, or whatever is installed) so that the signal also sets an event;
the import checks it between batches and ends, and the server exits.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__ = ["watch_stop_signals", "STOP_SIGNALS"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def watch_stop_signals(stopping: threading.Event, *, chain: bool = True
                       ) -> Callable[[], None]:
    """Make SIGINT and SIGTERM set ``stopping``; returns the function that undoes it.

    With ``chain`` (the server) the handlers installed before still run;
    without it (``activelab import``) the signal only sets the event, so the
    work can end between two batches.  Signal handlers can only be installed
    from the main thread; elsewhere (a server run in a thread, as in tests)
    nothing is changed.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}

    def handler(sig: int, frame: FrameType | None) -> None:
        stopping.set()
        if chain:
            _call(previous[signal.Signals(sig)], sig, frame)

    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)

    def undo() -> None:
        for sig, old in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, old)

    return undo


def _call(old: Any, sig: int, frame: FrameType | None) -> None:
    if callable(old):
        old(sig, frame)
    elif old == signal.SIG_DFL:  # what would have happened without us
        signal.signal(sig, signal.SIG_DFL)
        signal.raise_signal(sig)
