"""待办 (what waits on me) and the list of documents I may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from services import access
from services.domain.enums import DocStatus, Role
from services.http.deps import CurrentUser, Distribution, Incoming, Jobs, ListedDocuments, Registrar, UnitOfWork
from services.web.render import page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30


@router.get("/")
def inbox(
    request: Request,
    user: CurrentUser,
    ctx: UnitOfWork,
    registrar: Registrar,
    jobs: Jobs,
    distribution: Distribution,
    incoming: Incoming,
    listed: ListedDocuments,
) -> HTMLResponse:
    mine = distribution.inbox(user, with_parties=False)
    drafts = listed.open_drafts(user) if user.has_role(Role.drafter) else []
    today = ctx.today()
    stalled = jobs.stalled_documents(user.organ_id, access.readable_filter(user))
    owed = incoming.owed(user)
    to_register = [(d, registrar.step_of(d)) for d in registrar.queue(user)]
    return page(
        request, "inbox.html", user, nav="inbox", mine=mine, drafts=drafts, today=today, stalled=stalled,
        incoming=owed, to_register=to_register,
    )  # fmt: skip


@router.get("/documents")
def documents(
    request: Request,
    user: CurrentUser,
    listed: ListedDocuments,
    status: str | None = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    status = status if status in {s.value for s in DocStatus} else None
    found = listed.page(user, status, PAGE_SIZE + 1, (page_no - 1) * PAGE_SIZE, with_parties=False)
    return page(
        request,
        "documents.html",
        user,
        nav="documents",
        documents=found[:PAGE_SIZE],
        has_next=len(found) > PAGE_SIZE,
        page_no=page_no,
        status=status,
        statuses=[s.value for s in DocStatus],
    )
