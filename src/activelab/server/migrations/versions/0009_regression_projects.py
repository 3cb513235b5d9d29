"""Regression projects: an answer range per project, a task's own metrics per retrain.

- ``projects.answer_min`` / ``answer_max``: the accepted range of a numeric answer
  (None: unbounded).
- ``model_snapshots.metrics``: the metrics of a task whose figure is not an accuracy
  (regression: RMSE and MAE), as JSON.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("answer_min", sa.Float(), nullable=True))
        batch.add_column(sa.Column("answer_max", sa.Float(), nullable=True))
    with op.batch_alter_table("model_snapshots") as batch:
        batch.add_column(sa.Column("metrics", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_snapshots") as batch:
        batch.drop_column("metrics")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("answer_max")
        batch.drop_column("answer_min")
