"""Every query of the search outbox and of the documents a rebuild or a batch reads."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from services.domain.models import Document, SearchOutbox

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

    def documents(self, document_ids: Sequence[int]) -> Sequence[Document]:
        return self.session.scalars(select(Document).where(Document.id.in_(document_ids))).all()

    def changed_since(self, start: object) -> Sequence[int]:
        return self.session.scalars(select(Document.id).where(Document.updated_at >= start)).all()

    def in_states_after(self, states: Sequence[str], last: int, batch: int) -> list[Document]:
        """The next ``batch`` documents in these states with an id above ``last``, in id order."""
        query = select(Document).where(Document.status.in_(states), Document.id > last)
        return list(self.session.scalars(query.order_by(Document.id).limit(batch)))

    def forget_loaded(self) -> None:
        """Let go of the rows read so far (a rebuild reads every document once)."""
        self.session.expunge_all()

    def count_in_states(self, states: Sequence[str]) -> int:
        query = select(func.count()).select_from(Document).where(Document.status.in_(states))
        return int(self.session.scalar(query) or 0)
