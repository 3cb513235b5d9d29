"""A strategy's state kept between retrains, and what it did at each.

- ``strategy_states``: per project, the JSON state a strategy exports after a
  retrain's query and restores before the next (``auto``'s test of whether
  uncertainty points at the model's errors), with the context it belongs to
  (strategy, model, features, classes): a change of any starts afresh.
- ``model_snapshots.strategy_note``: what the strategy did at that retrain, for
  the dashboard.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "strategy_states",
        sa.Column("project_id", sa.Integer(),
                  sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table("model_snapshots") as batch:
        batch.add_column(sa.Column("strategy_note", sa.String(200), nullable=True))
    # /next reads the note of the snapshot that scored the served item.
    op.create_index("ix_model_snapshots_project_version", "model_snapshots",
                    ["project_id", "version"])


def downgrade() -> None:
    op.drop_index("ix_model_snapshots_project_version", table_name="model_snapshots")
    with op.batch_alter_table("model_snapshots") as batch:
        batch.drop_column("strategy_note")
    op.drop_table("strategy_states")
