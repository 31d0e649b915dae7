"""electronic seals: each organ's seal versions (public key, picture, validity, maker), and the version pressed at
用印.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organ_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("es_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("public_key", sa.String(length=130), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("image_sm3", sa.String(length=64), nullable=False),
        sa.Column("eseal", sa.LargeBinary(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_organ_seals_organ_id_organs")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_organ_seals_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organ_seals")),
        sa.UniqueConstraint("es_id", name=op.f("uq_organ_seals_es_id")),
        sa.UniqueConstraint("organ_id", "version", name=op.f("uq_organ_seals_organ_id")),
    )
    with op.batch_alter_table("organ_seals") as batch:
        batch.create_index(batch.f("ix_organ_seals_organ_id"), ["organ_id"], unique=False)
    with op.batch_alter_table("seal_records") as batch:
        batch.add_column(sa.Column("seal_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_seal_records_seal_id_organ_seals"), "organ_seals", ["seal_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("seal_records") as batch:
        batch.drop_constraint(batch.f("fk_seal_records_seal_id_organ_seals"), type_="foreignkey")
        batch.drop_column("seal_id")
    with op.batch_alter_table("organ_seals") as batch:
        batch.drop_index(batch.f("ix_organ_seals_organ_id"))
    op.drop_table("organ_seals")
