"""Inbox (待办), 签收 and the distribution of a document to its recipients."""

from __future__ import annotations

from fastapi import APIRouter

from services.api.errors import ERROR_RESPONSES
from services.distribution.schemas import DistributionRow, InboxItemOut, InboxOut
from services.http.deps import CurrentUser, Distribution
from services.http.params import Id
from services.obligations.schemas import AssignmentOut, ChaseOut, ExpectedOut

router = APIRouter(prefix="/api/v1", tags=["distribution"], responses=ERROR_RESPONSES)


@router.get("/inbox")
def inbox(user: CurrentUser, distribution: Distribution) -> InboxOut:
    mine = distribution.inbox(user)
    return InboxOut(
        returned=mine["returned"],
        to_review=mine["to_review"],
        to_sign=mine["to_sign"],
        to_receive=mine["to_receive"],
        obligations_due=[ExpectedOut.model_validate(e) for e in mine["obligations_due"]],
        arrivals=mine["arrivals"],
        tasks=[AssignmentOut.model_validate(a) for a in mine["tasks"]],
        chases=[ChaseOut.model_validate(c) for c in mine["chases"]],
    )


@router.post("/documents/{document_id}/receive")
def receive(user: CurrentUser, distribution: Distribution, document_id: Id) -> InboxItemOut:
    """签收: the caller's organ confirms receipt."""
    return InboxItemOut.model_validate(distribution.receive(user, document_id))


@router.get("/documents/{document_id}/distribution")
def distribution(user: CurrentUser, distribution: Distribution, document_id: Id) -> list[DistributionRow]:
    """Per recipient: delivered and received (the obligations are on /obligations/matrix)."""
    return [DistributionRow(**row) for row in distribution.distribution_status(user, document_id)]
