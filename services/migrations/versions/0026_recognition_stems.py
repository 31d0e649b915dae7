"""what recognition knows: the other names of a 单位分组 (各市直部门 for 市直各部门: an alias names one group), and the
time a web page published an imported document (发布时间), kept apart from its 成文日期.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recipient_group_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["recipient_groups.id"], name=op.f("fk_recipient_group_aliases_group_id_recipient_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient_group_aliases")),
        sa.UniqueConstraint("alias", name=op.f("uq_recipient_group_aliases_alias")),
    )
    with op.batch_alter_table("recipient_group_aliases") as batch:
        batch.create_index(batch.f("ix_recipient_group_aliases_group_id"), ["group_id"], unique=False)
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("published_at")
    with op.batch_alter_table("recipient_group_aliases") as batch:
        batch.drop_index(batch.f("ix_recipient_group_aliases_group_id"))
    op.drop_table("recipient_group_aliases")
