"""The retraining worker as a separate process: requests, errors and heartbeats in the database.

The worker may run in another OS process (``worker_mode="process"``), so
everything the server and the worker tell each other goes through the
database: an admin's "retrain now" (``projects.retrain_requested``), the last
retrain error (``projects.train_error``) and the worker's heartbeat
(``worker_status``), which the dashboard reads to report a missing worker.

Also ``projects.featurizer``: ``auto`` (the task's default: TF-IDF, pixels or
numeric columns) or ``embeddings`` (sentence embeddings for text projects).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("retrain_requested", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("train_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("featurizer", sa.String(20), nullable=False,
                                   server_default="auto"))
    op.create_table(
        "worker_status",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("beat_at", sa.DateTime(), nullable=True),
        sa.Column("busy_project_id", sa.Integer(), nullable=True),
        sa.Column("restarts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("note", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("worker_status")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("featurizer")
        batch.drop_column("train_error")
        batch.drop_column("retrain_requested")
