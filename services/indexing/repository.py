"""Every query of the search outbox and of the documents a rebuild or a batch reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from services.domain.models import Document, DocumentIssuer, DocumentVersion, Organ, SearchOutbox

# What the index reads of a document besides its row: its issuers with every name of each
_INDEXED = (selectinload(Document.issuers).selectinload(DocumentIssuer.organ).selectinload(Organ.aliases),)
_WAITING = SearchOutbox.set_aside_at.is_(None)
_PENDING = select(func.count()).select_from(SearchOutbox).where(_WAITING)


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: SearchOutbox) -> None:
        self.session.add(row)

    def pending(self) -> int:
        """Rows waiting to be indexed (not set aside)."""
        return int(self.session.scalar(_PENDING) or 0)

    def due(self, limit: int) -> list[SearchOutbox]:
        """The oldest rows waiting, at most ``limit``."""
        return list(self.session.scalars(select(SearchOutbox).where(_WAITING).order_by(SearchOutbox.id).limit(limit)))

    def set_aside(self) -> list[SearchOutbox]:
        query = select(SearchOutbox).where(SearchOutbox.set_aside_at.is_not(None)).order_by(SearchOutbox.id)
        return list(self.session.scalars(query))

    def remove(self, row_ids: Sequence[int]) -> None:
        self.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(row_ids)))

    def put_aside(self, row_id: int, at: dt.datetime, error: str) -> None:
        self.session.execute(
            update(SearchOutbox).where(SearchOutbox.id == row_id).values(set_aside_at=at, last_error=error)
        )

    def documents(self, document_ids: Sequence[int]) -> Sequence[Document]:
        query = select(Document).where(Document.id.in_(document_ids)).options(*_INDEXED)
        return self.session.scalars(query).all()

    def current_versions(self, document_ids: Sequence[int]) -> dict[int, DocumentVersion]:
        """The current version of each document, with its attachments."""
        if not document_ids:
            return {}
        query = (
            select(DocumentVersion)
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(Document.id.in_(document_ids), DocumentVersion.number == Document.current_version)
            .options(selectinload(DocumentVersion.attachments))
        )
        return {v.document_id: v for v in self.session.scalars(query)}

    def changed_since(self, start: object) -> Sequence[int]:
        return self.session.scalars(select(Document.id).where(Document.updated_at >= start)).all()

    def in_states_after(self, states: Sequence[str], last: int, batch: int) -> list[Document]:
        """The next ``batch`` documents in these states with an id above ``last``, in id order."""
        query = select(Document).where(Document.status.in_(states), Document.id > last).options(*_INDEXED)
        return list(self.session.scalars(query.order_by(Document.id).limit(batch)))

    def forget_loaded(self) -> None:
        """Let go of the rows read so far (a rebuild reads every document once)."""
        self.session.expunge_all()

    def count_in_states(self, states: Sequence[str]) -> int:
        query = select(func.count()).select_from(Document).where(Document.status.in_(states))
        return int(self.session.scalar(query) or 0)
