"""a version on the user row, raised by every change to it: a process that cached who a login token names
checks it in the query that confirms the token, so a logout, a disable, a password or role change anywhere
takes effect on the very next request. And the same for the organs' names and aliases: a version in
cache_versions, raised by every change to them.

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("auth_version", sa.Integer(), nullable=False, server_default="0"))
    versions = op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_versions")),
    )
    op.bulk_insert(versions, [{"name": "organs", "version": 0}])


def downgrade() -> None:
    op.drop_table("cache_versions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("auth_version")
