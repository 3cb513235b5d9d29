"""Clustering projects: points to group, and the number of clusters.

- ``projects.n_clusters``: how many clusters a clustering project forms (None otherwise).
- ``cluster_points``: the imported rows of a clustering project and each one's cluster in
  the latest clustering; the project's items are pair questions about them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("n_clusters", sa.Integer(), nullable=True))
    op.create_table(
        "cluster_points",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(),
                  sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("cluster", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_cluster_points_external", "cluster_points",
                    ["project_id", "external_id"])


def downgrade() -> None:
    op.drop_index("ix_cluster_points_external", table_name="cluster_points")
    op.drop_table("cluster_points")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("n_clusters")
