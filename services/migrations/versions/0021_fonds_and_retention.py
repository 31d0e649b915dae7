"""each organ its own 全宗 (fonds) and the retention schedule kept in the database: a 件 is filed in a fonds and
numbered gap-free per fonds; a document is filed once per fonds (a joint document's copy goes to each co-issuer);
every change of the 保管期限表 is a version of its own. Existing 件 keep the 全宗号 their 档号 begins with.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.domain.models

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UTC = services.domain.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fonds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_fonds_organ_id_organs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fonds")),
        sa.UniqueConstraint("code", name=op.f("uq_fonds_code")),
        sa.UniqueConstraint("organ_id", name=op.f("uq_fonds_organ_id")),
    )
    op.create_table(
        "retention_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("changed_key", sa.String(length=16), nullable=False),
        sa.Column("previous", sa.String(length=4), nullable=True),
        sa.Column("period", sa.String(length=4), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_by_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_retention_schedules_changed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_schedules")),
    )
    with op.batch_alter_table("archive_runs") as batch_op:
        batch_op.add_column(sa.Column("fonds_code", sa.String(length=4), nullable=True))
    with op.batch_alter_table("archive_items") as batch_op:
        batch_op.add_column(sa.Column("fonds_code", sa.String(length=4), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("is_copy", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE archive_items SET fonds_code = substr(archival_code, 1, 4)")  # 档号 begin with the 全宗号
    with op.batch_alter_table("archive_items") as batch_op:
        batch_op.drop_index("ix_archive_items_browse")
        batch_op.drop_constraint("uq_archive_items_year", type_="unique")
        batch_op.create_unique_constraint(
            "uq_archive_items_fonds_code", ["fonds_code", "year", "retention", "organ_code", "item_no"]
        )
        batch_op.create_index("ix_archive_items_browse", ["fonds_code", "year", "retention", "organ_code"])
    _recreate_archived_documents()


def _recreate_archived_documents() -> None:
    """The key becomes (document, fonds): a document is filed once in each fonds that keeps it."""
    op.create_table(
        "archived_documents_new",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("fonds_code", sa.String(length=4), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_archived_documents_document_id_documents_v2"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["archive_items.id"], name="fk_archived_documents_item_id_archive_items_v2"
        ),
        sa.PrimaryKeyConstraint("document_id", "fonds_code", name="pk_archived_documents_v2"),
    )
    op.execute(
        "INSERT INTO archived_documents_new (document_id, fonds_code, item_id, role) "
        "SELECT d.document_id, i.fonds_code, d.item_id, d.role FROM archived_documents d "
        "JOIN archive_items i ON i.id = d.item_id"
    )
    op.drop_table("archived_documents")
    op.rename_table("archived_documents_new", "archived_documents")
    op.create_index("ix_archived_documents_item_id", "archived_documents", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_archived_documents_item_id", table_name="archived_documents")
    op.create_table(
        "archived_documents_old",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name="fk_archived_documents_document_id_documents"),
        sa.ForeignKeyConstraint(["item_id"], ["archive_items.id"], name="fk_archived_documents_item_id_archive_items"),
        sa.PrimaryKeyConstraint("document_id", name="pk_archived_documents"),
    )
    op.execute(
        "INSERT INTO archived_documents_old (document_id, item_id, role) "
        "SELECT document_id, min(item_id), min(role) FROM archived_documents GROUP BY document_id"
    )
    op.drop_table("archived_documents")
    op.rename_table("archived_documents_old", "archived_documents")
    op.create_index("ix_archived_documents_item_id", "archived_documents", ["item_id"])
    with op.batch_alter_table("archive_items") as batch_op:
        batch_op.drop_index("ix_archive_items_browse")
        batch_op.drop_constraint("uq_archive_items_fonds_code", type_="unique")
        batch_op.create_unique_constraint("uq_archive_items_year", ["year", "retention", "organ_code", "item_no"])
        batch_op.create_index("ix_archive_items_browse", ["year", "retention", "organ_code"])
        batch_op.drop_column("is_copy")
        batch_op.drop_column("fonds_code")
    with op.batch_alter_table("archive_runs") as batch_op:
        batch_op.drop_column("fonds_code")
    op.drop_table("retention_schedules")
    op.drop_table("fonds")
