"""收文 pages: the register with its filters (未办结, 超时限, 阅件/办件), registering a paper document, the handling
page with the form of each step (posting to the same service as the API), and the printable 收文处理单."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from services.documents.schemas import AttachmentUpload
from services.domain.enums import IncomingNature, IncomingState
from services.errors import Invalid
from services.http.deps import CurrentUser, Incoming, UnitOfWork
from services.http.params import Id
from services.incoming.schemas import InstructIn, PaperIn
from services.incoming.sheet import sheet_html
from services.web.render import PAGE_CSP, page, redirect, secure_headers
from services.web.session import read_form

router = APIRouter(include_in_schema=False)
FormDep = Annotated[FormData, Depends(read_form)]
PAGE_SIZE = 50


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _ids(form: FormData, name: str) -> list[int]:
    return [int(v) for v in form.getlist(name) if isinstance(v, str) and v.isdigit() and len(v) < 10]


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise Invalid("date_invalid", f"日期格式不正确：{text[:20]}", "not a date (YYYY-MM-DD)") from None


def _checked(make: type[PaperIn] | type[InstructIn], **values: object) -> PaperIn | InstructIn:
    """Form values through the API's own input model, so the pages accept exactly what the API accepts."""
    try:
        return make.model_validate(values)
    except ValidationError as exc:
        where = "、".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
        raise Invalid("form_invalid", f"填写有误：{where}", f"invalid fields: {where}") from None


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
    filters = {"open": open == "1", "overdue": overdue == "1", "nature": kind.value if kind else ""}
    query = "&".join(f"{k}={'1' if v is True else v}" for k, v in filters.items() if v)
    return page(
        request, "incoming.html", user, nav="incoming", rows=rows, total=total, service=service,
        filters=filters, page_no=page_no, has_next=page_no * PAGE_SIZE < total,
        pager_url=f"/incoming?{query + '&' if query else ''}", STATE_ZH=_state_zh(),
    )  # fmt: skip


@router.get("/incoming/new")
def new_paper(request: Request, user: CurrentUser, ctx: UnitOfWork) -> HTMLResponse:
    return page(request, "incoming_new.html", user, nav="incoming", today=ctx.today())


@router.post("/incoming/new")
def register_paper(form: FormDep, user: CurrentUser, incoming: Incoming) -> RedirectResponse:
    data = _checked(
        PaperIn,
        source_name=_text(form, "source_name"), doc_number=_text(form, "doc_number") or None,
        title=_text(form, "title"), classification=_text(form, "classification") or "非密",
        urgency=_text(form, "urgency") or "普通", copies=_text(form, "copies") or "1",
        nature=_text(form, "nature") or "办件", received_on=_day(_text(form, "received_on")),
    )  # fmt: skip
    assert isinstance(data, PaperIn)
    scan = form.get("scan")
    upload = None
    if isinstance(scan, UploadFile) and scan.filename:
        content = scan.file.read()
        upload = AttachmentUpload(
            title="扫描件", filename=scan.filename, content_type=scan.content_type or "application/octet-stream",
            data=content,
        )  # fmt: skip
    record = incoming.register_paper(user, data, upload)
    record_id = record.id
    return redirect(f"/incoming/{record_id}", "incoming_registered")


@router.get("/incoming/{record_id}")
def handling(request: Request, user: CurrentUser, ctx: UnitOfWork, service: Incoming, record_id: Id) -> HTMLResponse:
    record = service.get(user, record_id)
    mine = record.organ_id == user.organ_id
    return page(
        request, "incoming_record.html", user, nav="incoming", record=record, service=service,
        state_zh=IncomingState(record.state).zh, departments=service.departments(record.organ_id) if mine else [],
        people=service.people(record.organ_id) if mine else [], steps=service.steps_for(user, record),
        overdue=service.is_overdue(record), where_now=service.where_now(record), today=ctx.today(),
    )  # fmt: skip


@router.get("/incoming/{record_id}/sheet")
def sheet(user: CurrentUser, ctx: UnitOfWork, incoming: Incoming, record_id: Id) -> HTMLResponse:
    """收文处理单 to print (A4, print CSS)."""
    record = incoming.get(user, record_id)
    html = sheet_html(record, ctx.settings, record.organ.name, embed_fonts=False)
    response = HTMLResponse(html)
    secure_headers(response, PAGE_CSP)
    return response


@router.post("/incoming/{record_id}/review")
def review(form: FormDep, user: CurrentUser, incoming: Incoming, record_id: Id) -> RedirectResponse:
    accept = _text(form, "decision") != "return"
    nature = _text(form, "nature")
    incoming.review(
        user, record_id, accept, _text(form, "opinion") or None,
        IncomingNature(nature) if nature in {n.value for n in IncomingNature} else None,
    )  # fmt: skip
    return redirect(f"/incoming/{record_id}", "incoming_reviewed" if accept else "incoming_returned")


@router.post("/incoming/{record_id}/propose")
def propose(form: FormDep, user: CurrentUser, incoming: Incoming, record_id: Id) -> RedirectResponse:
    incoming.propose(user, record_id, _text(form, "opinion"))
    return redirect(f"/incoming/{record_id}", "incoming_proposed")


@router.post("/incoming/{record_id}/instruct")
def instruct(form: FormDep, user: CurrentUser, incoming: Incoming, record_id: Id) -> RedirectResponse:
    lead = _ids(form, "lead_department_id")
    data = _checked(
        InstructIn, opinion=_text(form, "opinion"), lead_department_id=lead[0] if lead else None,
        support_department_ids=_ids(form, "support_department_ids"), deadline=_day(_text(form, "deadline")),
    )  # fmt: skip
    assert isinstance(data, InstructIn)
    incoming.instruct(user, record_id, data)
    return redirect(f"/incoming/{record_id}", "incoming_instructed")


@router.post("/incoming/{record_id}/handle")
def handle(form: FormDep, user: CurrentUser, incoming: Incoming, record_id: Id) -> RedirectResponse:
    incoming.handle(user, record_id, _text(form, "note"))
    return redirect(f"/incoming/{record_id}", "incoming_handled")


@router.post("/incoming/{record_id}/circulate")
def circulate(form: FormDep, user: CurrentUser, incoming: Incoming, record_id: Id) -> RedirectResponse:
    readers = _ids(form, "user_ids")
    if not readers:
        raise Invalid("readers_required", "请选择传阅人员", "choose who reads it")
    incoming.circulate(user, record_id, readers, _text(form, "opinion") or None)
    return redirect(f"/incoming/{record_id}", "incoming_circulated")


@router.post("/incoming/{record_id}/read")
def read(form: FormDep, user: CurrentUser, incoming: Incoming, record_id: Id) -> RedirectResponse:
    incoming.read(user, record_id, _text(form, "opinion") or None)
    return redirect(f"/incoming/{record_id}", "incoming_read")


@router.post("/incoming/{record_id}/close")
def close(form: FormDep, user: CurrentUser, incoming: Incoming, record_id: Id) -> RedirectResponse:
    incoming.close(user, record_id, _text(form, "result"))
    return redirect(f"/incoming/{record_id}", "incoming_closed")


def _state_zh() -> dict[str, str]:
    return {s.value: s.zh for s in IncomingState}
