"""what an obligation asks, to the last period: the materials a unit may leave out (every other material is a
required part of a report); whether a cadence's first period may be a partial one (by default it is the first whole
week, month or quarter on or after the start); and the day the issuing office stopped an open-ended cadence, and
who stopped it.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("obligations") as batch:
        batch.add_column(sa.Column("optional_materials", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("partial_first", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("stopped_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("stopped_by_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_obligations_stopped_by"))
        )


def downgrade() -> None:
    with op.batch_alter_table("obligations") as batch:
        batch.drop_column("stopped_by_id")
        batch.drop_column("stopped_on")
        batch.drop_column("partial_first")
        batch.drop_column("optional_materials")
