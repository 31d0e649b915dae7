"""收文: departments (科室) inside organs, users in at most one; the 收文 register with its gap-free 收文号 per organ
and year, the handling parts (承办), 传阅 readers and the timeline of decisions.

Revision ID: 0017
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.domain.models

revision = "0017"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC = services.domain.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_departments_organ_id_organs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("organ_id", "name", name=op.f("uq_departments_organ_id")),
    )
    op.create_index(op.f("ix_departments_organ_id"), "departments", ["organ_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_users_department_id_departments"), "departments", ["department_id"], ["id"])
        batch.create_index(op.f("ix_users_department_id"), ["department_id"])
    op.create_table(
        "incoming_sequences",
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_incoming_sequences_organ_id_organs")),
        sa.PrimaryKeyConstraint("organ_id", "year", name=op.f("pk_incoming_sequences")),
    )
    op.create_table(
        "incoming_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("origin", sa.String(length=12), nullable=False),
        sa.Column("source_organ_id", sa.Integer(), nullable=True),
        sa.Column("source_name", sa.String(length=200), nullable=False),
        sa.Column("doc_number", sa.String(length=80), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("classification", sa.String(length=8), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("nature", sa.String(length=4), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("scan_key", sa.Text(), nullable=True),
        sa.Column("scan_name", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("lead_department_id", sa.Integer(), nullable=True),
        sa.Column("supervised_on", sa.Date(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("reply_document_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", UTC(timezone=True), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_incoming_records_organ_id_organs")),
        sa.ForeignKeyConstraint(
            ["source_organ_id"], ["organs.id"], name=op.f("fk_incoming_records_source_organ_id_organs")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_incoming_records_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["lead_department_id"],
            ["departments.id"],
            name=op.f("fk_incoming_records_lead_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["reply_document_id"], ["documents.id"], name=op.f("fk_incoming_records_reply_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incoming_records")),
        sa.UniqueConstraint("organ_id", "year", "seq", name=op.f("uq_incoming_records_organ_id")),
        sa.UniqueConstraint("organ_id", "document_id", name="uq_incoming_records_organ_document"),
    )
    op.create_index(op.f("ix_incoming_records_document_id"), "incoming_records", ["document_id"])
    op.create_index(op.f("ix_incoming_records_state"), "incoming_records", ["state"])
    op.create_index("ix_incoming_records_register", "incoming_records", ["organ_id", "state", "year"])
    op.create_table(
        "incoming_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=4), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("done_at", UTC(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["incoming_records.id"], name=op.f("fk_incoming_parts_record_id_incoming_records")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_incoming_parts_department_id_departments")
        ),
        sa.ForeignKeyConstraint(["done_by_id"], ["users.id"], name=op.f("fk_incoming_parts_done_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incoming_parts")),
        sa.UniqueConstraint("record_id", "department_id", name=op.f("uq_incoming_parts_record_id")),
    )
    op.create_index(op.f("ix_incoming_parts_record_id"), "incoming_parts", ["record_id"])
    op.create_table(
        "incoming_readers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTC(timezone=True), nullable=False),
        sa.Column("read_at", UTC(timezone=True), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["incoming_records.id"], name=op.f("fk_incoming_readers_record_id_incoming_records")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_incoming_readers_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incoming_readers")),
        sa.UniqueConstraint("record_id", "user_id", name=op.f("uq_incoming_readers_record_id")),
    )
    op.create_index(op.f("ix_incoming_readers_record_id"), "incoming_readers", ["record_id"])
    op.create_index(op.f("ix_incoming_readers_user_id"), "incoming_readers", ["user_id"])
    op.create_table(
        "incoming_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["incoming_records.id"], name=op.f("fk_incoming_steps_record_id_incoming_records")
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_incoming_steps_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incoming_steps")),
    )
    op.create_index(op.f("ix_incoming_steps_record_id"), "incoming_steps", ["record_id"])


def downgrade() -> None:
    for table in ("incoming_steps", "incoming_readers", "incoming_parts", "incoming_records", "incoming_sequences"):
        op.drop_table(table)
    with op.batch_alter_table("users") as batch:
        batch.drop_index(op.f("ix_users_department_id"))
        batch.drop_constraint(op.f("fk_users_department_id_departments"), type_="foreignkey")
        batch.drop_column("department_id")
    op.drop_table("departments")
