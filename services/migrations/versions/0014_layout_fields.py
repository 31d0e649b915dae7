"""layout fields: 主送 as written, 印制份数, a user's 姓名 and 职务

Revision ID: 0014
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("main_recipients_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("printed_copies", sa.Integer(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("person_name", sa.String(length=50), nullable=True))
        batch.add_column(sa.Column("job_title", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("job_title")
        batch.drop_column("person_name")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("printed_copies")
        batch.drop_column("main_recipients_text")
