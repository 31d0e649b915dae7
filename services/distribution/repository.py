"""Every query of the inboxes a 核发 fills: the items of a document, an organ's item (locked for 签收), and where
each recipient stands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from services.domain.models import InboxItem, Organ
from services.obligations.repository import for_update

_STATUS_OF_RECIPIENTS = (
    select(
        InboxItem.organ_id,
        Organ.name.label("organ"),
        InboxItem.role,
        InboxItem.delivered_at,
        InboxItem.received_at,
    )
    .join(Organ, Organ.id == InboxItem.organ_id)
    .where(InboxItem.document_id == bindparam("document_id"))
    .order_by(InboxItem.id)
)


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: InboxItem) -> None:
        self.session.add(item)

    def of_document(self, document_id: int) -> Sequence[InboxItem]:
        return self.session.scalars(select(InboxItem).where(InboxItem.document_id == document_id)).all()

    def of_organ(self, organ_id: int, document_id: int, lock: bool = False) -> InboxItem | None:
        """An organ's inbox item on a document (locked for a change when ``lock``)."""
        query = select(InboxItem).where(InboxItem.document_id == document_id, InboxItem.organ_id == organ_id)
        return self.session.scalar(for_update(self.session, query, InboxItem) if lock else query)

    def recipients_status(self, document_id: int) -> list[dict[str, Any]]:
        """Per recipient in delivery order: organ id and name, role, when delivered and when received."""
        rows = self.session.connection().execute(_STATUS_OF_RECIPIENTS, {"document_id": document_id})
        return [row._asdict() for row in rows]
