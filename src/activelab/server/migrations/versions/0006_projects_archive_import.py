"""Project life cycle and idempotent imports with pre-labels.

- ``projects.archived_at``: an archived project serves no items and takes no
  labels; its exports still work.
- ``projects.label_column``: the import column read as a pre-label (``label``).
- ``labels.source`` (``annotator`` or ``import``) and a nullable
  ``labels.user_id``: a pre-label read from an imported file has no user.
- ``ix_items_external`` on ``items (project_id, external_id)``: a re-import
  looks its ids up per batch.  Not unique, since items imported earlier may
  repeat an id.
- ``audit_events``: who archived, unarchived or deleted a project, or changed
  its members, and when.  No foreign keys, so a record outlives its project.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("label_column", sa.String(80), nullable=False,
                                   server_default="label"))
        batch.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("labels") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False,
                                   server_default="annotator"))
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
    op.create_index("ix_items_external", "items", ["project_id", "external_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("project_name", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_audit_events_project", "audit_events", ["project_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_project", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_items_external", table_name="items")
    # Pre-labels have no user, and the column cannot be NOT NULL again while they exist.
    op.execute("DELETE FROM labels WHERE user_id IS NULL")
    with op.batch_alter_table("labels") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("source")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("archived_at")
        batch.drop_column("label_column")
