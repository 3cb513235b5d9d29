"""Adaptive overlap: a second or third label only where the first is in doubt.

- ``projects.overlap_policy``: ``fixed`` (the default, as before) or ``adaptive``.
- ``projects.annotator_accuracy``: each annotator's estimated accuracy (adaptive only).
- ``items.labels_wanted``: the labels an item should get under adaptive overlap.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("overlap_policy", sa.String(20), nullable=False,
                                   server_default="fixed"))
        batch.add_column(sa.Column("annotator_accuracy", sa.JSON(), nullable=True))
    # A plain ADD COLUMN: a batch (copy-and-swap) on SQLite would rebuild ix_items_rank
    # without its DESC (see 0014).
    op.add_column("items", sa.Column("labels_wanted", sa.Integer(), nullable=False,
                                     server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("labels_wanted")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("annotator_accuracy")
        batch.drop_column("overlap_policy")
