"""process jobs: when a step started, why it failed (a dependency or the step), self-requeues; worker beats

Revision ID: 0016
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.domain.models

revision = "0016"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_jobs") as batch:
        batch.add_column(sa.Column("started_at", services.domain.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("failure_kind", sa.String(12), nullable=True))
        batch.add_column(sa.Column("requeues", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("worker", sa.String(120), nullable=True))
    op.create_table(
        "worker_beats",
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("seen_at", services.domain.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("prefect_ok", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_beats")),
    )


def downgrade() -> None:
    op.drop_table("worker_beats")
    with op.batch_alter_table("process_jobs") as batch:
        batch.drop_column("worker")
        batch.drop_column("requeues")
        batch.drop_column("failure_kind")
        batch.drop_column("started_at")
