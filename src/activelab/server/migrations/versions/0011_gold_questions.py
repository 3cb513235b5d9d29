"""Gold questions: items with a known answer, mixed into every annotator's queue.

- ``items.is_gold`` and ``items.gold_answer``: the item's known answer.
- ``projects.gold_rate``: the share of each annotator's items that are gold (0: none).
- ``projects.gold_min_accuracy``: annotators below it on gold are flagged to admins.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch (copy-and-swap) on SQLite rebuilds ix_items_rank from
    # reflection, without its DESC, and every /next then sorts the unranked items.
    op.add_column("items", sa.Column("is_gold", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column("items", sa.Column("gold_answer", sa.JSON(), nullable=True))
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("gold_rate", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("gold_min_accuracy", sa.Float(), nullable=False,
                                   server_default="0.7"))


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("gold_min_accuracy")
        batch.drop_column("gold_rate")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("gold_answer")
        batch.drop_column("is_gold")
