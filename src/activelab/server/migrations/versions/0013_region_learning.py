"""Region-level active learning on image regions projects.

- ``projects.region_queue``: ``images`` (the annotator draws every box of an image) or
  ``regions`` (the annotator confirms, relabels or rejects one proposed box).
- ``labels.box_actions``: what the annotator did with the model's proposed boxes (each
  stored box accepted, corrected or drawn; proposals rejected), or the verdict on one
  proposed region.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("region_queue", sa.String(16), nullable=False,
                                   server_default="images"))
    with op.batch_alter_table("labels") as batch:
        batch.add_column(sa.Column("box_actions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("labels") as batch:
        batch.drop_column("box_actions")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("region_queue")
