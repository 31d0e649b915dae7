"""keeping people and organs: a password an admin reset must be changed at the next login; the names an issued
document's issuers and recipients bore when its 文号 was given (a later rename changes no issued document).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

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
    # Documents already numbered were issued under the names their organs bear now.
    for table in ("document_issuers", "document_recipients"):
        op.execute(
            f"UPDATE {table} SET issued_name = (SELECT name FROM organs WHERE organs.id = {table}.organ_id) "
            f"WHERE document_id IN (SELECT id FROM documents WHERE doc_number IS NOT NULL)"
        )


def downgrade() -> None:
    for table in ("document_recipients", "document_issuers"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("issued_name")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
