"""Every query of the audit trail: the chain head (locked while this transaction's events are sealed), the events
in order for a walk of the whole chain, one event, a document's timeline and the administrative events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, select

from services.domain.models import AuditChain, AuditEvent
from services.domain.repository import SessionRepository

TimelineEvent = Row[Any]  # an event's columns, by name, as a timeline shows them
_OF_DOCUMENT = (
    select(*AuditEvent.__table__.columns)
    .where(AuditEvent.document_id == bindparam("document_id"))
    .order_by(AuditEvent.id)
)
_HEAD = select(AuditChain).where(AuditChain.id == 1).execution_options(populate_existing=True)


class AuditRepository(SessionRepository):
    def locked_head(self) -> AuditChain | None:
        """The chain-head row, read afresh and locked until the transaction ends (PostgreSQL; SQLite writes one
        transaction at a time)."""
        query = _HEAD.with_for_update() if self.session.get_bind().dialect.name == "postgresql" else _HEAD
        return self.session.scalar(query)

    def head(self) -> AuditChain | None:
        return self.session.get(AuditChain, 1)

    def event(self, event_id: int) -> AuditEvent | None:
        return self.session.get(AuditEvent, event_id)

    def events_after(self, last: int, batch: int) -> list[AuditEvent]:
        """The next ``batch`` events after event ``last``, in chain order."""
        query = select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch)
        return list(self.session.scalars(query))

    def forget_loaded(self) -> None:
        """Let go of the rows read so far (a walk of the whole chain reads every event once)."""
        self.session.expunge_all()

    def of_document(self, document_id: int) -> Sequence[TimelineEvent]:
        """The document's events in order, as rows with the event's columns (a timeline is read, never changed)."""
        return self.session.execute(_OF_DOCUMENT, {"document_id": document_id}).all()

    def latest_of(self, actions: Sequence[str], limit: int) -> list[AuditEvent]:
        """The latest events of these actions, newest first."""
        query = select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id.desc())
        return list(self.session.scalars(query.limit(limit)))
