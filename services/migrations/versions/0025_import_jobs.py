"""imports run as jobs off the request thread: an upload's files wait in the store, the worker reads, recognises
and stores them, and the job keeps its stage, files done of total, and the per-file report.

Revision ID: 0025
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.domain.models

revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None

UTC = services.domain.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "owner_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_import_jobs_owner_id_users"), nullable=False
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("message_zh", sa.Text(), nullable=True),
        sa.Column("message_en", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("started_at", UTC, nullable=True),
        sa.Column("finished_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_import_jobs"),
    )
    op.create_index("ix_import_jobs_owner_id", "import_jobs", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_import_jobs_owner_id", table_name="import_jobs")
    op.drop_table("import_jobs")
