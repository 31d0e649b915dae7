"""The registrar's pages: the queue, one form per step before issuing (复核, 登记, 用印, 核发) and the 发文稿纸."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from services import compose
from services.context import Context
from services.domain.enums import DocStatus
from services.domain.models import User
from services.errors import Invalid
from services.http.deps import CurrentUser, IssuingSheets, Registrar, UnitOfWork
from services.http.params import Id
from services.http.request import runtime_of
from services.registrar.sheet import sheet_html
from services.web.attempt import PostedForm, attempt
from services.web.problems import status_of
from services.web.render import PAGE_CSP, page, redirect, secure_headers
from services.web.session import Posted
from services.workflow.registrar import Registration
from services.workflow.service import recipients_without_clearance

router = APIRouter(include_in_schema=False)
STEPS = {"recheck": "复核", "register": "登记", "seal": "用印", "release": "核发"}
MAX_NUMBER_FIELD = 200_000
UNCLEARED = "recipients_without_clearance"  # a warning the registrar confirms on the form, not an error page


@router.get("/registrar")
def queue_page(request: Request, user: CurrentUser, service: Registrar) -> HTMLResponse:
    """登记人员的待办: the lead organ's documents waiting for 复核, 登记, 用印 or 核发."""
    rows = [(d, service.step_of(d)) for d in service.queue(user)]
    return page(request, "registrar_queue.html", user, nav="registrar", rows=rows)


def _step_page(
    request: Request, ctx: Context, user: User, document_id: int, step: str, http_status: int = 200, **form: Any
) -> HTMLResponse:
    service = compose.registrar(ctx)
    document, record = service.record(user, document_id)
    version = service.documents.version(document)
    context: dict[str, Any] = {
        "document": document,
        "record": record,
        "step": step,
        "step_zh": STEPS[step],
        "due": service.step_of(document),
        "signoffs": compose.workflow(ctx).signoffs(document),
        "body": service.documents.body(version) if step == "recheck" else "",
        "uncleared": recipients_without_clearance(document) if step in ("register", "release") else [],
        "problems": [],
        "values": {},
        **form,
    }
    return page(request, "registrar_step.html", user, http_status=http_status, nav="registrar", **context)


Act = Callable[[], str]


def _decide(
    request: Request, posted: Posted, ctx: Context, user: User, document_id: int, step: str, act: Act
) -> HTMLResponse | RedirectResponse:
    """Take the step; a refused form is shown again with the problem at its field and what was typed. ``act``
    returns the message to show after the redirect."""
    message, problems = attempt(ctx, posted, act)
    if message is None:
        form = posted.form
        values = {k: str(v)[:MAX_NUMBER_FIELD] for k, v in form.items() if isinstance(v, str) and k != "csrf"}
        return _step_page(request, ctx, user, document_id, step, status_of(problems), problems=problems, values=values)
    return redirect(f"/documents/{document_id}", message)


@router.get("/documents/{document_id}/recheck")
def recheck_page(request: Request, user: CurrentUser, ctx: UnitOfWork, document_id: Id) -> HTMLResponse:
    return _step_page(request, ctx, user, document_id, "recheck")


@router.post("/documents/{document_id}/recheck", response_model=None)
def recheck(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, service: Registrar, document_id: Id
) -> HTMLResponse | RedirectResponse:
    form = posted.form
    opinion = str(form.get("opinion") or "")
    changed = str(form.get("body") or "") if form.get("decision") == "change" else None

    def act() -> str:
        document = service.recheck(user, document_id, opinion, changed)
        return "recheck_changed" if document.status == DocStatus.signing.value else "rechecked"

    return _decide(request, posted, ctx, user, document_id, "recheck", act)


@router.get("/documents/{document_id}/register")
def register_page(request: Request, user: CurrentUser, ctx: UnitOfWork, document_id: Id) -> HTMLResponse:
    return _step_page(request, ctx, user, document_id, "register")


@router.post("/documents/{document_id}/register", response_model=None)
def register(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, service: Registrar, document_id: Id
) -> HTMLResponse | RedirectResponse:
    act = _then("registered", lambda: service.register(user, document_id, _registration(posted.form)))
    return _decide(request, posted, ctx, user, document_id, "register", act)


def _registration(form: FormData) -> Registration:
    """登记 as the form says it: the recipients, how many copies are printed and their 份号."""
    recipients = [int(v) for v in form.getlist("recipients") if isinstance(v, str) and v.isdigit() and len(v) < 10]
    raw_copies = str(form.get("copies") or "").strip()
    if not raw_copies.isdigit() or len(raw_copies) > 9:
        raise Invalid("printed_copies_invalid", "印制份数须为正整数", "the number of copies must be a whole number",
                      field="copies")  # fmt: skip
    numbers = str(form.get("copy_numbers") or "")[: MAX_NUMBER_FIELD + 1]
    return Registration(recipients, int(raw_copies), numbers, form.get("confirm_uncleared") == "on")


def _then(message: str, step: Callable[[], object]) -> Act:
    """The step, then the message shown after the redirect."""

    def act() -> str:
        step()
        return message

    return act


@router.get("/documents/{document_id}/seal")
def seal_page(request: Request, user: CurrentUser, ctx: UnitOfWork, document_id: Id) -> HTMLResponse:
    return _step_page(request, ctx, user, document_id, "seal")


@router.post("/documents/{document_id}/seal", response_model=None)
def seal(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, service: Registrar, document_id: Id
) -> HTMLResponse | RedirectResponse:
    names = {
        int(key.removeprefix("seal-")): str(value)
        for key, value in posted.form.items()
        if key.startswith("seal-") and key.removeprefix("seal-").isdigit() and len(key) < 20
    }
    act = _then("sealed", partial(service.seal, user, document_id, names))
    return _decide(request, posted, ctx, user, document_id, "seal", act)


@router.get("/documents/{document_id}/release")
def release_page(request: Request, user: CurrentUser, ctx: UnitOfWork, document_id: Id) -> HTMLResponse:
    return _step_page(request, ctx, user, document_id, "release")


@router.post("/documents/{document_id}/release", response_model=None)
def release(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, service: Registrar, document_id: Id
) -> HTMLResponse | RedirectResponse:
    confirmed = posted.form.get("confirm_uncleared") == "on"
    act = _then("released", partial(service.release, user, document_id, confirmed))
    return _decide(request, posted, ctx, user, document_id, "release", act)


@router.get("/documents/{document_id}/issuing-sheet")
def issuing_sheet(request: Request, user: CurrentUser, issuing_sheets: IssuingSheets, document_id: Id) -> HTMLResponse:
    """发文稿纸 as a page that prints on A4 (print CSS), with a link to its PDF."""
    sheet = issuing_sheets.for_reader(user, document_id)
    links = {"back": f"/documents/{document_id}", "pdf": f"/api/v1/documents/{document_id}/issuing-sheet.pdf"}
    response = HTMLResponse(sheet_html(sheet, runtime_of(request).settings, links))
    secure_headers(response, PAGE_CSP)
    return response
