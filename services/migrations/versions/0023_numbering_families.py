"""numbering by 文种 family (DOMAIN.md §2.3, §2.5): one table of gap-free counters for every sequence (发文字号 per
机关代字 and year, 收文号 per organ and year, 令号 and 纪要期号 per series) replaces number_sequences and
incoming_sequences, their numbers carried over; an organ's 令 and meeting series (name, restart yearly or not); the
series a 令 or 纪要 was numbered in.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.domain.models

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UTC = services.domain.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "number_counters",
        sa.Column("family", sa.String(length=8), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("family", "scope", "year", name=op.f("pk_number_counters")),
    )
    op.create_table(
        "number_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("restart_yearly", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_number_series_organ_id_organs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_series")),
        sa.UniqueConstraint("name", name=op.f("uq_number_series_name")),
    )
    op.create_index(op.f("ix_number_series_organ_id"), "number_series", ["organ_id"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_documents_series_id_number_series"), "number_series", ["series_id"], ["id"])
    op.execute(
        "INSERT INTO number_counters (family, scope, year, last_seq) "
        "SELECT '发文字号', prefix, year, last_seq FROM number_sequences"
    )
    op.execute(
        "INSERT INTO number_counters (family, scope, year, last_seq) "
        "SELECT '收文号', CAST(organ_id AS VARCHAR(64)), year, last_seq FROM incoming_sequences"
    )
    op.drop_table("number_sequences")
    op.drop_table("incoming_sequences")


def downgrade() -> None:
    op.create_table(
        "incoming_sequences",
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_incoming_sequences_organ_id_organs")),
        sa.PrimaryKeyConstraint("organ_id", "year", name=op.f("pk_incoming_sequences")),
    )
    op.create_table(
        "number_sequences",
        sa.Column("prefix", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year", name=op.f("pk_number_sequences")),
    )
    op.execute(
        "INSERT INTO number_sequences (prefix, year, last_seq) "
        "SELECT scope, year, last_seq FROM number_counters WHERE family = '发文字号'"
    )
    op.execute(
        "INSERT INTO incoming_sequences (organ_id, year, last_seq) "
        "SELECT CAST(scope AS INTEGER), year, last_seq FROM number_counters WHERE family = '收文号'"
    )
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint(op.f("fk_documents_series_id_number_series"), type_="foreignkey")
        batch.drop_column("series_id")
    op.drop_index(op.f("ix_number_series_organ_id"), table_name="number_series")
    op.drop_table("number_series")
    op.drop_table("number_counters")
