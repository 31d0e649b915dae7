"""audit events form a hash chain (tamper evidence); existing events are numbered 1..N and chained

Revision ID: 0011
Revises: 0006
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0006"
branch_labels = None
depends_on = None

PG_TRIGGER = (
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION gongwen_audit_append_only()"
)


def _drop_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")


def _create_triggers(postgres: bool) -> None:
    if postgres:
        op.execute(PG_TRIGGER)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )


def upgrade() -> None:
    from services.audit.chain import ALGORITHM, GENESIS, digest

    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=True))
    op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    _drop_triggers(postgres)
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT * FROM audit_events ORDER BY id")).mappings().all()
    prev = GENESIS
    for number, row in enumerate(rows, 1):
        event = SimpleNamespace(**dict(row))
        event.id = number
        if isinstance(event.detail, str):
            event.detail = json.loads(event.detail)
        if isinstance(event.at, str):
            event.at = dt.datetime.fromisoformat(event.at)
        if event.at.tzinfo is None:
            event.at = event.at.replace(tzinfo=dt.UTC)
        event.hash = digest(event, prev)  # type: ignore[arg-type]
        bind.execute(
            sa.text("UPDATE audit_events SET id = :new, prev_hash = :prev, hash = :hash WHERE id = :old"),
            {"new": number, "prev": prev, "hash": event.hash, "old": row["id"]},
        )
        prev = event.hash
    bind.execute(
        sa.text("INSERT INTO audit_chain (id, last_id, last_hash, algorithm) VALUES (1, :last, :hash, :alg)"),
        {"last": len(rows), "hash": prev, "alg": ALGORITHM},
    )
    _create_triggers(postgres)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_table("audit_chain")
    _drop_triggers(postgres)
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
    _create_triggers(postgres)
