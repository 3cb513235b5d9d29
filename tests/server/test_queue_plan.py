"""``/next`` reads the best open item from ``ix_items_rank`` without sorting the project.

The index is created by migration only, and a later migration that rebuilds the
items table on SQLite (a batch copy-and-swap) recreates it from reflection without
its ``DESC``; every ``/next`` then sorts the unranked items while holding the write lock.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from activelab.server.config import Settings
from activelab.server.db import make_engine, upgrade_database
from activelab.server.services.queue import _PICK


def test_sqlite_next_item_query_uses_the_rank_index_without_a_sort(sqlite_url):
    engine = make_engine(Settings(db_url=sqlite_url))
    try:
        upgrade_database(engine)
        compiled = _PICK.compile(dialect=engine.dialect)
        values = {**compiled.params, "project_id": 1, "overlap": 1, "user_id": 1,
                  "now": datetime.now(UTC).replace(tzinfo=None)}
        params = tuple(values[name] for name in compiled.positiontup or ())
        with engine.connect() as connection:
            index = connection.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_items_rank'")).scalar()
            plan = [row[-1] for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}", params)]
    finally:
        engine.dispose()
    assert "priority DESC" in index
    assert any("USING INDEX ix_items_rank" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_sqlite_databases_migrated_with_a_rank_index_without_desc_are_repaired(sqlite_url):
    engine = make_engine(Settings(db_url=sqlite_url))
    try:
        upgrade_database(engine, "0013")
        with engine.begin() as connection:  # the index as the first 0011 left it
            connection.execute(text("DROP INDEX ix_items_rank"))
            connection.execute(text("CREATE INDEX ix_items_rank ON items "
                                    "(project_id, priority, random_key, id, n_labels)"))
        upgrade_database(engine)
        with engine.connect() as connection:
            index = connection.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_items_rank'")).scalar()
    finally:
        engine.dispose()
    assert "priority DESC" in index
