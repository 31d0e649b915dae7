"""待办 (what waits on me), 已办 (what I or my organ did), 签收 from the 待办, and the list of documents I may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from services.domain.enums import DocStatus
from services.http.deps import CurrentUser, Distribution, ListedDocuments, WorkLists
from services.http.params import Id
from services.web.render import page, redirect
from services.web.session import read_form

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30
STATUSES = [s.value for s in DocStatus]
PageNo = Annotated[int, Query(alias="page", ge=1, le=10_000)]
FormDep = Annotated[FormData, Depends(read_form)]


@router.get("/")
def inbox(request: Request, user: CurrentUser, worklist: WorkLists, whole: str = "") -> HTMLResponse:
    """待办; ``?whole=to_review`` (a list's name) shows that list whole, not only its longest waiting."""
    return page(request, "inbox.html", user, nav="inbox", **worklist.todo(user, whole).shown())


@router.post("/inbox/{document_id}/receive")
def receive(form: FormDep, user: CurrentUser, distribution: Distribution, document_id: Id) -> RedirectResponse:
    """签收 from the 待办: the document leaves 待签收 (its obligations, if any, come in) and the 待办 is shown again."""
    distribution.receive(user, document_id)
    return redirect("/", "received")


@router.get("/done")
def done(request: Request, user: CurrentUser, worklist: WorkLists, page_no: PageNo = 1) -> HTMLResponse:
    return page(request, "done.html", user, nav="done", done=worklist.done(user, page_no, PAGE_SIZE))


@router.get("/documents")
def documents(
    request: Request, user: CurrentUser, listed: ListedDocuments, status: str | None = None, page_no: PageNo = 1
) -> HTMLResponse:
    status = status if status in STATUSES else None
    found = listed.titles(user, status, PAGE_SIZE + 1, (page_no - 1) * PAGE_SIZE)
    return page(
        request, "documents.html", user, nav="documents", documents=found[:PAGE_SIZE],
        has_next=len(found) > PAGE_SIZE, page_no=page_no, status=status, statuses=STATUSES,
    )  # fmt: skip
