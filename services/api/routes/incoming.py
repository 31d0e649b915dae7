"""收文: the register of what reached the caller's organ, each record's handling (初审, 拟办, 批办, 承办, 传阅, 阅,
办结), the 收文处理单, where a document is now; departments (科室) inside organs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response

from services.access import require_read
from services.accounts.schemas import DepartmentOut
from services.api.errors import ERROR_RESPONSES
from services.domain.enums import Classification, IncomingNature, Urgency
from services.http.deps import CurrentUser, Departments, Incoming, UnitOfWork
from services.http.downloads import content_disposition
from services.http.params import Id, IdQuery
from services.http.uploads import attachment_of
from services.incoming.schemas import (
    AssignIn,
    CirculateIn,
    CloseIn,
    DepartmentIn,
    HandleIn,
    IncomingDetailOut,
    IncomingOut,
    InstructIn,
    OpinionIn,
    OwedOut,
    PaperIn,
    ReadIn,
    RegisterOut,
    ReviewIn,
)
from services.incoming.sheet import sheet_pdf

router = APIRouter(prefix="/api/v1", tags=["incoming"], responses=ERROR_RESPONSES)


@router.get("/incoming")
def register(
    user: CurrentUser,
    service: Incoming,
    open: bool = Query(False, description="未办结 only"),
    overdue: bool = Query(False, description="超时限 only"),
    nature: IncomingNature | None = Query(None, description="阅件 or 办件"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> RegisterOut:
    """The 收文 register of the caller's organ, newest first."""
    rows, total = service.register(user, open, overdue, nature, limit, offset)
    return RegisterOut(total=total, items=[IncomingOut.of(r, service) for r in rows])


@dataclass(frozen=True)
class PaperForm:
    paper: PaperIn
    scan: UploadFile | None


async def paper_form(
    source_name: Annotated[str, Form(min_length=2, max_length=200)],
    title: Annotated[str, Form(min_length=2, max_length=500)],
    doc_number: Annotated[str | None, Form(max_length=80)] = None,
    classification: Annotated[Classification, Form()] = Classification.none,
    urgency: Annotated[Urgency, Form()] = Urgency.normal,
    copies: Annotated[int, Form(ge=1, le=9999)] = 1,
    nature: Annotated[IncomingNature, Form()] = IncomingNature.handle,
    received_on: Annotated[dt.date | None, Form()] = None,
    scan: Annotated[UploadFile | None, File()] = None,
) -> PaperForm:
    """The 登记 form's fields as the record's model, with the scan beside them."""
    paper = PaperIn(
        source_name=source_name, title=title, doc_number=doc_number, classification=classification,
        urgency=urgency, copies=copies, nature=nature, received_on=received_on,
    )  # fmt: skip
    return PaperForm(paper, scan)


@router.post("/incoming", status_code=201)
def register_paper(
    user: CurrentUser, service: Incoming, form: Annotated[PaperForm, Depends(paper_form)]
) -> IncomingDetailOut:
    """登记 an external paper document by hand, with its scan."""
    scan = attachment_of(form.scan, title="扫描件", unnamed="scan") if form.scan is not None else None
    return IncomingDetailOut.of(service.register_paper(user, form.paper, scan), service)


@router.get("/incoming/todo")
def todo(user: CurrentUser, service: Incoming) -> OwedOut:
    """The 收文 handling steps waiting on the caller (their 待办)."""
    owed = service.owed(user)

    def out(rows: Any) -> list[IncomingOut]:
        return [IncomingOut.of(r, service) for r in rows]

    return OwedOut(
        review=out(owed.review), propose=out(owed.propose), instruct=out(owed.instruct),
        handle=out(p.record for p in owed.parts) if owed.parts else [],
        read=out(x.record for x in owed.reads) if owed.reads else [],
        close=out(owed.close), supervised=out(owed.supervised),
    )  # fmt: skip


@router.get("/incoming/{record_id}")
def record(user: CurrentUser, service: Incoming, record_id: Id) -> IncomingDetailOut:
    return IncomingDetailOut.of(service.get(user, record_id), service, user)


@router.get("/incoming/{record_id}/scan")
def scan(user: CurrentUser, incoming: Incoming, record_id: Id) -> Response:
    """The scan of a paper document."""
    found = incoming.scan(user, record_id)
    name, data = found
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": content_disposition(name)},
    )


@router.get("/incoming/{record_id}/sheet.pdf")
def sheet(user: CurrentUser, ctx: UnitOfWork, incoming: Incoming, record_id: Id) -> Response:
    """收文处理单 as PDF."""
    found = incoming.get(user, record_id)
    pdf = sheet_pdf(found, ctx.settings, found.organ.name)
    number = found.number
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": content_disposition(f"收文处理单 {number} {found.title}.pdf", inline=True)},
    )


@router.post("/incoming/{record_id}/review")
def review(user: CurrentUser, service: Incoming, record_id: Id, body: ReviewIn) -> IncomingDetailOut:
    """初审: accept, or return to the sender with a reason."""
    return IncomingDetailOut.of(service.review(user, record_id, body.accept, body.reason, body.nature), service)


@router.post("/incoming/{record_id}/propose")
def propose(user: CurrentUser, service: Incoming, record_id: Id, body: OpinionIn) -> IncomingDetailOut:
    """拟办: the office's proposal."""
    return IncomingDetailOut.of(service.propose(user, record_id, body.opinion), service)


@router.post("/incoming/{record_id}/instruct")
def instruct(user: CurrentUser, service: Incoming, record_id: Id, body: InstructIn) -> IncomingDetailOut:
    """批办 by a head: lead and 协办 departments, 办理时限."""
    return IncomingDetailOut.of(service.instruct(user, record_id, body), service)


@router.post("/incoming/{record_id}/handle")
def handle(user: CurrentUser, service: Incoming, record_id: Id, body: HandleIn) -> IncomingDetailOut:
    """承办: the caller's department records its part."""
    return IncomingDetailOut.of(service.handle(user, record_id, body.note), service)


@router.post("/incoming/{record_id}/circulate")
def circulate(user: CurrentUser, service: Incoming, record_id: Id, body: CirculateIn) -> IncomingDetailOut:
    """传阅 to named people of the organ."""
    return IncomingDetailOut.of(service.circulate(user, record_id, body.user_ids, body.opinion), service)


@router.post("/incoming/{record_id}/read")
def read(user: CurrentUser, service: Incoming, record_id: Id, body: ReadIn) -> IncomingDetailOut:
    """阅: the caller has read it."""
    return IncomingDetailOut.of(service.read(user, record_id, body.opinion), service)


@router.post("/incoming/{record_id}/close")
def close(user: CurrentUser, service: Incoming, record_id: Id, body: CloseIn) -> IncomingDetailOut:
    """办结 with the result."""
    return IncomingDetailOut.of(service.close(user, record_id, body.result), service)


@router.get("/documents/{document_id}/incoming")
def where_now(user: CurrentUser, ctx: UnitOfWork, service: Incoming, document_id: Id) -> list[IncomingDetailOut]:
    """Where the paper is now: the 收文 records of this document the caller may read."""
    require_read(ctx.session, user, document_id)
    return [IncomingDetailOut.of(r, service) for r in service.for_document(user, document_id)]


@router.get("/departments")
def departments(departments: Departments, organ_id: IdQuery | None = None) -> list[DepartmentOut]:
    return [DepartmentOut.model_validate(d) for d in departments.list(organ_id)]


@router.post("/departments", status_code=201)
def create_department(user: CurrentUser, departments: Departments, body: DepartmentIn) -> DepartmentOut:
    return DepartmentOut.model_validate(departments.create(user, body.organ_id, body.name))


@router.put("/users/{user_id}/department")
def assign_department(
    user: CurrentUser, departments: Departments, user_id: Id, body: AssignIn
) -> dict[str, int | None]:
    """Put a user in a department of their organ (or in none)."""
    member = departments.assign(user, user_id, body.department_id)
    return {"user_id": member.id, "department_id": member.department_id}
