"""Stream-based selective sampling: a project's label budget and rate, and the stream's state.

- ``projects.stream_rate``: the largest share of streamed items asked (None: the
  project takes no stream); ``projects.stream_budget``: the most items the stream
  may ask in all (None: no cap).
- ``stream_states``: items seen and asked so far and the sampler's threshold, one
  row per project, so a restart carries on where the stream was.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("stream_rate", sa.Float(), nullable=True))
        batch.add_column(sa.Column("stream_budget", sa.Integer(), nullable=True))
    op.create_table(
        "stream_states",
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("n_seen", sa.Integer(), nullable=False),
        sa.Column("n_asked", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stream_states")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("stream_budget")
        batch.drop_column("stream_rate")
