"""How a project turns several annotators' labels into one.

- ``projects.aggregation``: ``majority`` (the default, as before),
  ``dawid-skene`` or ``model-consensus``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("aggregation", sa.String(20), nullable=False,
                                   server_default="majority"))


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("aggregation")
