"""the registrar's gate before issuing: a per-organ setting, the registrar's record (复核, 登记 with 分送范围,
印制份数 and 份号, 核发), one seal record per issuing organ (用印) and the key of a document's 发文稿纸 PDF, made
when it is printed. Organs that exist keep the automatic path (the gate is off for them); organs created from now
on have it on.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.domain.models

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organs") as batch:
        batch.add_column(sa.Column("registrar_gate", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("issuing_sheet_key", sa.Text(), nullable=True))
    op.create_table(
        "issue_records",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("rechecked_by_id", sa.Integer(), nullable=True),
        sa.Column("rechecked_at", services.domain.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recheck_opinion", sa.Text(), nullable=True),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("registered_at", services.domain.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=True),
        sa.Column("copy_numbers", sa.JSON(), nullable=False),
        sa.Column("sealed_at", services.domain.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("released_at", services.domain.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_issue_records_document_id_documents")),
        sa.ForeignKeyConstraint(["rechecked_by_id"], ["users.id"], name=op.f("fk_issue_records_rechecked_by_id_users")),
        sa.ForeignKeyConstraint(
            ["registered_by_id"], ["users.id"], name=op.f("fk_issue_records_registered_by_id_users")
        ),
        sa.ForeignKeyConstraint(["released_by_id"], ["users.id"], name=op.f("fk_issue_records_released_by_id_users")),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_issue_records")),
    )
    op.create_table(
        "seal_records",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("applied_by", sa.String(length=50), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("applied_at", services.domain.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["issue_records.document_id"], name=op.f("fk_seal_records_document_id_issue_records")
        ),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_seal_records_organ_id_organs")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_seal_records_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("document_id", "organ_id", name=op.f("pk_seal_records")),
    )


def downgrade() -> None:
    op.drop_table("seal_records")
    op.drop_table("issue_records")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("issuing_sheet_key")
    with op.batch_alter_table("organs") as batch:
        batch.drop_column("registrar_gate")
