"""search and import: organ aliases, issuers kept as text, year-only dates, compilation titles, imports per
owner organ, search outbox rows set aside

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 07:29:26.468584
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.domain.models

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organ_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_organ_aliases_organ_id_organs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organ_aliases")),
        sa.UniqueConstraint("alias", name=op.f("uq_organ_aliases_alias")),
    )
    with op.batch_alter_table("organ_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organ_aliases_organ_id"), ["organ_id"], unique=False)

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("written_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("issuer_names", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("collection_title", sa.Text(), nullable=True))

    with op.batch_alter_table("imported_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_organ_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_imported_files_sha256"), type_="unique")
        batch_op.create_unique_constraint("uq_imported_files_sha256_owner", ["sha256", "owner_organ_id"])
        batch_op.create_index(batch_op.f("ix_imported_files_sha256"), ["sha256"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_imported_files_owner_organ_id_organs"), "organs", ["owner_organ_id"], ["id"]
        )
    # A file imported before belongs to the records of the organ of the user who imported it.
    op.execute(
        "UPDATE imported_files SET owner_organ_id = "
        "(SELECT users.organ_id FROM users WHERE users.id = imported_files.imported_by_id)"
    )

    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("set_aside_at", services.domain.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.drop_column("set_aside_at")

    with op.batch_alter_table("imported_files", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_imported_files_owner_organ_id_organs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_imported_files_sha256"))
        batch_op.drop_constraint("uq_imported_files_sha256_owner", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_imported_files_sha256"), ["sha256"])
        batch_op.drop_column("owner_organ_id")

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("collection_title")
        batch_op.drop_column("issuer_names")
        batch_op.drop_column("written_year")

    with op.batch_alter_table("organ_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organ_aliases_organ_id"))

    op.drop_table("organ_aliases")
