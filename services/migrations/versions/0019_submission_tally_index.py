"""a covering index for reading the reports of a plan's periods: the dashboard, a unit's 待办 and the 催办 run fold
them per obligation × unit × period from the index alone (a year of weekly reports from 200 units); and one for
the few reports still waiting to be 签收 among them; and the chases of a period (a daily 催办 run adds hundreds).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

COLUMNS = ["obligation_id", "period_due", "organ_id", "status", "submitted_on"]


def upgrade() -> None:
    op.create_index("ix_submissions_tally", "submissions", COLUMNS)
    op.create_index("ix_submissions_waiting", "submissions", ["status", "obligation_id"])
    op.create_index("ix_chases_period", "chases", ["obligation_id", "period_due", "organ_id"])


def downgrade() -> None:
    op.drop_index("ix_chases_period", table_name="chases")
    op.drop_index("ix_submissions_waiting", table_name="submissions")
    op.drop_index("ix_submissions_tally", table_name="submissions")
