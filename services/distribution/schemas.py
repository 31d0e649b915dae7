"""What the API answers about the 待办 inbox, 签收 and where a document was distributed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from services.documents.schemas import DocumentOut
from services.domain.models import Document
from services.obligations.schemas import AssignmentOut, ChaseOut, ExpectedOut, SubmissionOut


class InboxItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    document: DocumentOut
    role: str
    delivered_at: dt.datetime
    received_at: dt.datetime | None

    @field_validator("document", mode="before")
    @classmethod
    def _delivered_document(cls, document: Any) -> Any:
        """A document just received is shown as it is now (a listed one is read by its attributes)."""
        return DocumentOut.of(document) if isinstance(document, Document) else document


class InboxTotals(BaseModel):
    """How many documents each list holds in all (a list shows the ``limit`` longest waiting)."""

    returned: int
    to_review: int
    to_sign: int
    to_receive: int


class InboxOut(BaseModel):
    totals: InboxTotals
    returned: list[DocumentOut]
    to_review: list[DocumentOut]
    to_sign: list[DocumentOut]
    to_receive: list[InboxItemOut]
    obligations_due: list[ExpectedOut]
    arrivals: list[SubmissionOut]
    tasks: list[AssignmentOut]
    chases: list[ChaseOut]


class DistributionRow(BaseModel):
    organ_id: int
    organ: str
    role: str
    delivered_at: dt.datetime
    received_at: dt.datetime | None
