"""收文 pages: the register with its filters (未办结, 超时限, 阅件/办件), registering a paper document, the handling
page with the form of each step (posting to the same service as the API), and the printable 收文处理单."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from services.context import Context
from services.domain.enums import IncomingNature, IncomingState
from services.domain.models import IncomingRecord, User
from services.errors import Invalid
from services.http.deps import CurrentUser, Incoming, UnitOfWork
from services.http.params import Id
from services.http.uploads import attachment_of
from services.incoming.schemas import InstructIn, PaperIn
from services.incoming.service import IncomingService
from services.incoming.sheet import sheet_html
from services.web.attempt import PostedForm, attempt
from services.web.problems import FormErrors, FormProblem, translated
from services.web.render import PAGE_CSP, page, redirect, secure_headers
from services.web.session import Posted

router = APIRouter(include_in_schema=False)
M = TypeVar("M", bound=BaseModel)
PAGE_SIZE = 50


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _ids(form: FormData, name: str) -> list[int]:
    return [int(v) for v in form.getlist(name) if isinstance(v, str) and v.isdigit() and len(v) < 10]


PAPER_ZH = {
    "source_name": "来文机关", "doc_number": "文号", "title": "标题", "classification": "密级", "urgency": "紧急程度",
    "copies": "份数", "nature": "类别", "received_on": "收文日期", "opinion": "意见", "deadline": "办理时限",
    "lead_department_id": "主办科室", "support_department_ids": "协办科室", "note": "办理情况", "result": "办结情况",
    "user_ids": "传阅人员", "reason": "理由",
}  # fmt: skip


def _checked(make: type[M], **values: object) -> M:
    """Form values through the API's own input model, so the pages accept exactly what the API accepts; the
    problems are the form's, in Chinese, each at its field."""
    try:
        return make.model_validate(values)
    except ValidationError as exc:
        raise FormErrors(translated(exc.errors(), PAPER_ZH)) from None


@router.get("/incoming")
def register(
    request: Request,
    user: CurrentUser,
    service: Incoming,
    open: str | None = None,
    overdue: str | None = None,
    nature: str | None = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    kind = IncomingNature(nature) if nature in {n.value for n in IncomingNature} else None
    rows, total = service.register(user, open == "1", overdue == "1", kind, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
    listed = _register_view(open == "1", overdue == "1", kind, page_no, total)
    return page(request, "incoming.html", user, nav="incoming", rows=rows, service=service, **listed)


def _register_view(open: bool, overdue: bool, kind: IncomingNature | None, page_no: int, total: int) -> dict[str, Any]:
    """The register's filters as chosen and its pager, whose links keep them."""
    filters = {"open": open, "overdue": overdue, "nature": kind.value if kind else ""}
    query = "&".join(f"{k}={'1' if v is True else v}" for k, v in filters.items() if v)
    return {"filters": filters, "total": total, "page_no": page_no, "has_next": page_no * PAGE_SIZE < total,
            "pager_url": f"/incoming?{query + '&' if query else ''}", "STATE_ZH": _state_zh()}  # fmt: skip


@router.get("/incoming/new")
def new_paper(request: Request, user: CurrentUser, ctx: UnitOfWork) -> HTMLResponse:
    values = {"received_on": ctx.today().isoformat(), "copies": "1", "nature": "办件"}
    return page(request, "incoming_new.html", user, nav="incoming", values=values)


PAPER_FIELDS = ("source_name", "doc_number", "title", "classification", "urgency", "copies", "nature", "received_on")


@router.post("/incoming/new", response_model=None)
def register_paper(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, incoming: Incoming
) -> HTMLResponse | RedirectResponse:
    values = {name: _text(posted.form, name) for name in PAPER_FIELDS}
    record, problems = attempt(ctx, posted, lambda: _register(incoming, user, values, posted.form.get("scan")))
    if record is None:
        return page(request, "incoming_new.html", user, http_status=422, nav="incoming", values=values,
                    problems=problems)  # fmt: skip
    return redirect(f"/incoming/{record.id}", "incoming_registered")


def _register(incoming: IncomingService, user: User, values: dict[str, str], scan: object) -> IncomingRecord:
    defaults = {"classification": "非密", "urgency": "普通", "copies": "1", "nature": "办件", "doc_number": None,
                "received_on": None}  # fmt: skip
    given = {k: v or defaults.get(k, v) for k, v in values.items()}
    data = _checked(PaperIn, **given)
    upload = attachment_of(scan, title="扫描件") if isinstance(scan, UploadFile) and scan.filename else None
    return incoming.register_paper(user, data, upload)


@router.get("/incoming/{record_id}")
def handling(request: Request, user: CurrentUser, ctx: UnitOfWork, service: Incoming, record_id: Id) -> HTMLResponse:
    return _handling(request, ctx, user, service, record_id)


def _handling(
    request: Request, ctx: Context, user: User, service: IncomingService, record_id: int,
    problems: list[FormProblem] | None = None, typed: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    """The handling page; after a refused step, its form again with what was typed and the problems at its fields."""
    record = service.get(user, record_id)
    mine = record.organ_id == user.organ_id
    return page(
        request, "incoming_record.html", user, http_status=422 if problems else 200, nav="incoming", record=record,
        service=service, state_zh=IncomingState(record.state).zh,
        departments=service.departments(record.organ_id) if mine else [],
        people=service.people(record.organ_id) if mine else [], steps=service.steps_for(user, record),
        overdue=service.is_overdue(record), where_now=service.where_now(record), today=ctx.today(),
        problems=problems or [], typed=typed or {},
    )  # fmt: skip


@router.get("/incoming/{record_id}/sheet")
def sheet(user: CurrentUser, ctx: UnitOfWork, incoming: Incoming, record_id: Id) -> HTMLResponse:
    """收文处理单 to print (A4, print CSS)."""
    record = incoming.get(user, record_id)
    html = sheet_html(record, ctx.settings, record.organ.name)
    response = HTMLResponse(html)
    secure_headers(response, PAGE_CSP)
    return response


def _step(
    request: Request, posted: Posted, user: User, ctx: Context, service: IncomingService, record_id: int,
    step: str, action: Callable[[FormData], object], done_msg: str,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    """One handling step's form: done, the record's page with a message; refused, the page again with the step's
    text kept and each problem at the step's field (its inputs are named ``step-field``)."""
    done, problems = attempt(ctx, posted, lambda: action(posted.form), PAPER_ZH, _in_step(step), f"{step}-form")
    if done is None:
        typed = {f"{step}-{k}": v for k, v in posted.form.items() if isinstance(v, str) and k != "csrf"}
        return _handling(request, ctx, user, service, record_id, problems, typed)
    return redirect(f"/incoming/{record_id}", done_msg)


def _in_step(step: str) -> Callable[[Sequence[Any]], str]:
    return lambda loc: f"{step}-{STEP_INPUTS.get(str(loc[0]), loc[0])}" if loc else f"{step}-form"


STEP_INPUTS = {"reason": "opinion"}  # the API's name of a field → the step form's input


@router.post("/incoming/{record_id}/review", response_model=None)
def review(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, incoming: Incoming, record_id: Id
) -> HTMLResponse | RedirectResponse:
    accept = _text(posted.form, "decision") != "return"

    def act(form: FormData) -> object:
        nature = _text(form, "nature")
        kind = IncomingNature(nature) if nature in {n.value for n in IncomingNature} else None
        return incoming.review(user, record_id, accept, _text(form, "opinion") or None, kind)

    msg = "incoming_reviewed" if accept else "incoming_returned"
    return _step(request, posted, user, ctx, incoming, record_id, "review", act, msg)


@router.post("/incoming/{record_id}/propose", response_model=None)
def propose(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, incoming: Incoming, record_id: Id
) -> HTMLResponse | RedirectResponse:
    act = lambda form: incoming.propose(user, record_id, _text(form, "opinion"))  # noqa: E731
    return _step(request, posted, user, ctx, incoming, record_id, "propose", act, "incoming_proposed")


@router.post("/incoming/{record_id}/instruct", response_model=None)
def instruct(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, incoming: Incoming, record_id: Id
) -> HTMLResponse | RedirectResponse:
    def act(form: FormData) -> object:
        lead = _ids(form, "lead_department_id")
        data = _checked(
            InstructIn, opinion=_text(form, "opinion"), lead_department_id=lead[0] if lead else None,
            support_department_ids=_ids(form, "support_department_ids"), deadline=_text(form, "deadline") or None,
        )  # fmt: skip
        return incoming.instruct(user, record_id, data)

    return _step(request, posted, user, ctx, incoming, record_id, "instruct", act, "incoming_instructed")


@router.post("/incoming/{record_id}/handle", response_model=None)
def handle(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, incoming: Incoming, record_id: Id
) -> HTMLResponse | RedirectResponse:
    act = lambda form: incoming.handle(user, record_id, _text(form, "note"))  # noqa: E731
    return _step(request, posted, user, ctx, incoming, record_id, "handle", act, "incoming_handled")


@router.post("/incoming/{record_id}/circulate", response_model=None)
def circulate(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, incoming: Incoming, record_id: Id
) -> HTMLResponse | RedirectResponse:
    def act(form: FormData) -> object:
        readers = _ids(form, "user_ids")
        if not readers:
            raise Invalid("readers_required", "请选择传阅人员", "choose who reads it", field="user_ids")
        return incoming.circulate(user, record_id, readers, _text(form, "opinion") or None)

    return _step(request, posted, user, ctx, incoming, record_id, "circulate", act, "incoming_circulated")


@router.post("/incoming/{record_id}/read", response_model=None)
def read(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, incoming: Incoming, record_id: Id
) -> HTMLResponse | RedirectResponse:
    act = lambda form: incoming.read(user, record_id, _text(form, "opinion") or None)  # noqa: E731
    return _step(request, posted, user, ctx, incoming, record_id, "read", act, "incoming_read")


@router.post("/incoming/{record_id}/close", response_model=None)
def close(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, incoming: Incoming, record_id: Id
) -> HTMLResponse | RedirectResponse:
    act = lambda form: incoming.close(user, record_id, _text(form, "result"))  # noqa: E731
    return _step(request, posted, user, ctx, incoming, record_id, "close", act, "incoming_closed")


def _state_zh() -> dict[str, str]:
    return {s.value: s.zh for s in IncomingState}
