"""Evaluation items: an unbiased test set for the dashboard's accuracy.

``projects.eval_fraction`` is the share of items drawn uniformly at random as
evaluation items; ``items.is_eval`` marks them (their labels test the model and
never train it); ``model_snapshots.eval_n`` and ``eval_correct`` hold each
retrain's result on them, from which the dashboard shows the accuracy with a
Wilson interval.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("eval_fraction", sa.Float(), nullable=False,
                                   server_default="0.1"))
    # A plain ADD COLUMN: a batch (copy-and-swap) on SQLite would drop ix_items_rank.
    op.add_column("items", sa.Column("is_eval", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    with op.batch_alter_table("model_snapshots") as batch:
        batch.add_column(sa.Column("eval_n", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("eval_correct", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_snapshots") as batch:
        batch.drop_column("eval_correct")
        batch.drop_column("eval_n")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("is_eval")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("eval_fraction")
