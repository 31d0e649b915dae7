"""Inbox (待办), 签收 and the distribution of a document to its recipients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.api.errors import ERROR_RESPONSES
from services.distribution.schemas import DistributionRow, InboxItemOut, InboxOut, InboxTotals
from services.documents.repository import WAITING, WAITING_SHOWN, WAITING_SHOWN_MAX, Shown
from services.http.deps import CurrentUser, Distribution
from services.http.params import Id
from services.obligations.schemas import AssignmentOut, ChaseOut, ExpectedOut

ShownDep = Annotated[int, Query(ge=1, le=WAITING_SHOWN_MAX)]
router = APIRouter(prefix="/api/v1", tags=["distribution"], responses=ERROR_RESPONSES)


@router.get("/inbox")
def inbox(user: CurrentUser, distribution: Distribution, limit: ShownDep = WAITING_SHOWN) -> InboxOut:
    """待办: of each list of documents (returned, to_review, to_sign, to_receive) the ``limit`` longest waiting,
    and in ``totals`` how many it holds."""
    mine, totals = distribution.inbox(user, shown=Shown(limit))
    return InboxOut(
        totals=InboxTotals(**{name: totals[name] for name in WAITING}),
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
