"""Bulk UPDATEs by primary key in short transactions, leaving room for the server's writers."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from ..db import is_postgres, write_transaction

__all__ = ["write_in_batches"]


def write_in_batches(factory: sessionmaker[Session], statement: Any,
                     rows: list[dict[str, Any]], batch_size: int) -> None:
    """Run ``statement`` (an ``update(Model)``) over ``rows``, ``batch_size`` rows per
    transaction.

    On SQLite a writer holds the database lock, and one long transaction would
    stall every ``/next`` meanwhile.  The queue sees old and new values side by
    side for that moment, which only affects the order of a few items.
    """
    sqlite = not is_postgres(factory.kw["bind"])
    for start in range(0, len(rows), batch_size):
        began = time.perf_counter()
        with write_transaction(factory) as session:
            session.execute(statement, rows[start:start + batch_size])
        if sqlite:
            # The server's writers wait for SQLite's lock in a busy handler that sleeps
            # and retries; without a gap, back-to-back batches could starve them.
            time.sleep(min(time.perf_counter() - began, 0.05))
