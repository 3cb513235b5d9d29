"""The queue's rank index again with its ``DESC`` on SQLite.

Migration 0011 as first released added its columns to ``items`` with a batch
copy-and-swap, which on SQLite recreated ``ix_items_rank`` from reflection without
``priority DESC``: every ``/next`` then sorted the project's unranked items while
holding the write lock. 0011 now adds them in place; this repairs databases that
were migrated by the old one. PostgreSQL was never affected.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS ix_items_rank")
    op.execute("CREATE INDEX ix_items_rank ON items "
               "(project_id, priority DESC, random_key, id, n_labels)")


def downgrade() -> None:
    # The repaired index is what 0002 meant; nothing to undo.
    pass
