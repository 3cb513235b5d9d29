"""Adaptive overlap: a second or third label only where the first is in doubt.

- ``projects.overlap_policy``: ``fixed`` (the default, as before) or ``adaptive``.
- ``projects.annotator_accuracy``: each annotator's estimated accuracy (adaptive only).
- ``items.labels_wanted``: the labels an item should get under adaptive overlap.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("overlap_policy", sa.String(20), nullable=False,
                                   server_default="fixed"))
        batch.add_column(sa.Column("annotator_accuracy", sa.JSON(), nullable=True))
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("labels_wanted", sa.Integer(), nullable=False,
                                   server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("labels_wanted")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("annotator_accuracy")
        batch.drop_column("overlap_policy")
