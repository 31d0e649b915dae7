"""keeping people and organs: a password an admin reset must be changed at the next login; the names an issued
document's issuers and recipients bore when its 文号 was given (a later rename changes no issued document); the
addresses each user logged in from, which the login throttle never blocks for that user.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.domain.models

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
    for table in ("document_issuers", "document_recipients"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("issued_name", sa.String(200), nullable=True))
    op.create_table(
        "known_logins",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(150), nullable=False),
        sa.Column("last_at", services.domain.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", "address", name=op.f("pk_known_logins")),
    )
    with op.batch_alter_table("login_throttle") as batch:
        batch.alter_column("key", type_=sa.String(400), existing_type=sa.String(200), existing_nullable=False)
    # Documents already numbered were issued under the names their organs bear now.
    for table in ("document_issuers", "document_recipients"):
        op.execute(
            f"UPDATE {table} SET issued_name = (SELECT name FROM organs WHERE organs.id = {table}.organ_id) "
            f"WHERE document_id IN (SELECT id FROM documents WHERE doc_number IS NOT NULL)"
        )


def downgrade() -> None:
    op.drop_table("known_logins")
    for table in ("document_recipients", "document_issuers"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("issued_name")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
