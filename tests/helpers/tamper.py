"""What someone with the database password can do to the audit trail behind the application's back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select, text

from services.audit import chain
from services.domain.models import AuditEvent
from services.runtime import Runtime


@contextmanager
def behind_the_back(runtime: Runtime) -> Iterator[Any]:
    """A connection with the append-only triggers dropped, as someone with the database password could."""
    postgres = runtime.db.engine.dialect.name == "postgresql"
    with runtime.db.engine.begin() as conn:
        if postgres:
            conn.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        yield conn
        if postgres:
            conn.execute(
                text(
                    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                    "FOR EACH ROW EXECUTE FUNCTION gongwen_audit_append_only()"
                )
            )
        else:
            for verb in ("UPDATE", "DELETE"):
                conn.execute(
                    text(
                        f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
                    )
                )


def event_id(runtime: Runtime, action: str) -> int:
    with runtime.db.engine.connect() as conn:
        return int(conn.execute(text("SELECT min(id) FROM audit_events WHERE action = :a"), {"a": action}).scalar_one())


def rewrite_consistently(runtime: Runtime, target: int, actor_name: str) -> None:
    """Change who did event ``target`` and recompute every digest from it to the end, and the chain head: the
    chain alone then verifies."""
    with runtime.context(write=False) as ctx:
        events = list(ctx.session.scalars(select(AuditEvent).where(AuditEvent.id >= target).order_by(AuditEvent.id)))
    before = events[0].prev_hash or chain.GENESIS
    with behind_the_back(runtime) as conn:
        for event in events:
            if event.id == target:
                event.actor_name = actor_name
            event.prev_hash, event.hash = before, chain.digest(event, before)
            conn.execute(
                text("UPDATE audit_events SET actor_name = :name, prev_hash = :prev, hash = :hash WHERE id = :id"),
                {"name": event.actor_name, "prev": event.prev_hash, "hash": event.hash, "id": event.id},
            )
            before = event.hash
        conn.execute(text("UPDATE audit_chain SET last_hash = :hash WHERE id = 1"), {"hash": before})
