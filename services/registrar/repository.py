"""Every query of the registrar's gate: the queue, the record of a document, its registered 份号."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import Session

from services import access
from services.access import Level, Reader
from services.domain.enums import REGISTRAR_STEPS
from services.domain.models import AuditEvent, Document, IssueRecord, Signoff

WAITING = tuple(s.value for s in REGISTRAR_STEPS)


@dataclass(frozen=True, slots=True)
class QueuedDocument:
    """A document waiting for its lead organ's registrar, as the 待办 lists it."""

    id: int
    title: str
    classification: str
    written_on: dt.date | None
    status: str


@lru_cache(maxsize=4096)
def _queued_statement(reader: Reader) -> Select[Any]:
    """:meth:`RegistrarRepository.queue` for the 待办, built once per reader: the documents of the reader's organ
    waiting for 复核, 登记, 用印 or 核发 that the reader may read as an issuing organ, oldest first; limit bound."""
    queue = (
        select(Document.id, Document.title, Document.classification, Document.written_on, Document.status)
        .add_columns(Document.updated_at)
        .where(Document.lead_organ_id == reader.organ_id, Document.status.in_(WAITING))
        .subquery()
    )
    return (
        select(queue.c.id, queue.c.title, queue.c.classification, queue.c.written_on, queue.c.status)
        .where(access.readable_row(reader, Level.internal, queue.c))
        .order_by(queue.c.updated_at, queue.c.id)
        .limit(bindparam("limit"))
    )


def registered_copy_numbers(session: Session, document_id: int) -> list[str]:
    """The 份号 registered at 登记, in print order (empty when none were registered)."""
    numbers = session.scalar(select(IssueRecord.copy_numbers).where(IssueRecord.document_id == document_id))
    return [str(n) for n in numbers or []]


class RegistrarRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def queue(self, organ_id: int, readable: ColumnElement[bool], limit: int = 200) -> Sequence[Document]:
        """Documents of this lead organ waiting for its registrar (复核, 登记, 用印 or 核发), oldest first."""
        query = (
            select(Document)
            .where(readable, Document.lead_organ_id == organ_id, Document.status.in_(WAITING))
            .order_by(Document.updated_at, Document.id)
            .limit(limit)
        )
        return self.session.scalars(query).all()

    def queued(self, reader: Reader, limit: int = 200) -> list[QueuedDocument]:
        """The queue as plain rows (the 待办's): the same documents in the same order as :meth:`queue`."""
        rows = self.session.connection().execute(_queued_statement(reader), {"limit": limit})
        return [QueuedDocument(*row) for row in rows]

    def record(self, document_id: int) -> IssueRecord | None:
        return self.session.get(IssueRecord, document_id)

    def record_for_update(self, document: Document) -> IssueRecord:
        """The document's record, created on first use (the caller holds the document's row lock)."""
        record = self.session.get(IssueRecord, document.id, populate_existing=True)
        if record is None:
            record = IssueRecord(document_id=document.id, recipients=[], copy_numbers=[])
            self.session.add(record)
            self.session.flush()
        return record

    def last_event(self, document_id: int, action: str) -> AuditEvent | None:
        """The latest event of this kind on the document (the 核稿 of the round that was signed)."""
        query = select(AuditEvent).where(AuditEvent.document_id == document_id, AuditEvent.action == action)
        return self.session.scalar(query.order_by(AuditEvent.id.desc()).limit(1))

    def signoffs(self, document: Document) -> Sequence[Signoff]:
        """The signatures of the round that was signed (the current one), in organ order of signing slots."""
        query = select(Signoff).where(Signoff.document_id == document.id, Signoff.round == document.signing_round)
        return self.session.scalars(query.order_by(Signoff.id)).all()
