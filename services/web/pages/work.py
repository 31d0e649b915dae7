"""待办 (what waits on me) and the list of documents I may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from services import access
from services.distribution.service import DistributionService
from services.documents.service import list_visible, open_drafts
from services.domain.enums import DocStatus, Role
from services.http.scope import web_scope
from services.incoming.service import IncomingService
from services.jobs.service import JobService
from services.registrar.service import RegistrarService
from services.web.render import page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30


@router.get("/")
def inbox(request: Request) -> HTMLResponse:
    with web_scope(request) as (ctx, user):
        mine = DistributionService(ctx).inbox(user, with_parties=False)
        drafts = open_drafts(ctx, user) if user.has_role(Role.drafter) else []
        today = ctx.today()
        stalled = JobService(ctx).stalled_documents(user.organ_id, access.readable_filter(user))
        incoming = IncomingService(ctx).owed(user)
        registrar = RegistrarService(ctx)
        to_register = [(d, registrar.step_of(d)) for d in registrar.queue(user)]
        return page(
            request, "inbox.html", user, nav="inbox", mine=mine, drafts=drafts, today=today, stalled=stalled,
            incoming=incoming, to_register=to_register,
        )  # fmt: skip


@router.get("/documents")
def documents(
    request: Request, status: str | None = None, page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1
) -> HTMLResponse:
    status = status if status in {s.value for s in DocStatus} else None
    with web_scope(request) as (ctx, user):
        found = list_visible(ctx, user, status, PAGE_SIZE + 1, (page_no - 1) * PAGE_SIZE, with_parties=False)
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
