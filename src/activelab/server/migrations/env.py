"""Alembic environment: runs against the connection handed over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from activelab.server.db import include_object
from activelab.server.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - migrations are only run through upgrade_database
    raise RuntimeError("run migrations with activelab.server.db.upgrade_database(engine)")



context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite",
                  include_object=include_object)
with context.begin_transaction():
    context.run_migrations()
