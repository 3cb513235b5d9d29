"""Queue speed: a rank index for ``/next`` and a per-project item count for progress.

``/next`` orders items by ``priority DESC NULLS LAST, random_key, id``.  SQLite
puts NULLs last in a ``DESC`` index already (and rejects ``NULLS LAST`` in
index definitions); PostgreSQL needs it spelled out.  ``n_labels`` rides along
on SQLite so finished items are skipped without reading their rows.

``projects.n_items`` replaces a count over every item of the project on each
``/next`` (tens of milliseconds at 100k items); it is filled here once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("n_items", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.execute("UPDATE projects SET n_items = "
               "(SELECT count(*) FROM items WHERE items.project_id = projects.id)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_items_rank ON items "
                   "(project_id, priority DESC NULLS LAST, random_key, id)")
    else:
        op.execute("CREATE INDEX ix_items_rank ON items "
                   "(project_id, priority DESC, random_key, id, n_labels)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_items_rank")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("n_items")
