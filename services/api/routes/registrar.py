"""The registrar's gate before issuing (复核, 登记, 用印, 核发), the registrar's queue and the 发文稿纸."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.api.errors import ERROR_RESPONSES
from services.documents.schemas import ConfirmDeliveryIn, DocumentOut
from services.domain.filenames import safe_file_name
from services.domain.models import IssueRecord
from services.http.deps import CurrentUser, IssuingSheets, Registrar
from services.http.downloads import content_disposition
from services.http.params import Id, IdField
from services.http.scope import RuntimeDep
from services.registrar.rules import MAX_PRINTED_COPIES
from services.registrar.sheet import sheet_pdf
from services.workflow.registrar import Registration

router = APIRouter(prefix="/api/v1", tags=["registrar"], responses=ERROR_RESPONSES)
D = "/documents/{document_id}"


class RecheckIn(BaseModel):
    opinion: str | None = Field(None, max_length=2000, description="复核意见; required with a changed text")
    changed_body: str | None = Field(
        None, max_length=2_000_000, description="the corrected 正文: a substantive change goes back to the signers"
    )


class RegisterIn(BaseModel):
    recipients: list[IdField] = Field(max_length=10_000, description="分送范围 confirmed: the 主送 and 抄送 organs")
    copies: Annotated[int, Field(ge=-(10**9), le=10**9)] = Field(description=f"印制份数, 1 to {MAX_PRINTED_COPIES}")
    copy_numbers: str = Field(
        "", max_length=200_000, description="份号, six digits each or ranges 000001-000030 (机密/绝密: required)"
    )
    confirm_recipients_without_clearance: bool = Field(
        False, description="distribute even where nobody is cleared for the 密级 (else recipients_without_clearance)"
    )


class SealIn(BaseModel):
    seals: dict[IdField, Annotated[str, Field(max_length=50)]] = Field(
        max_length=100, description="issuing organ id → the person who pressed its seal"
    )


class SealOut(BaseModel):
    organ_id: int
    organ: str
    applied_by: str
    applied_at: dt.datetime


class IssueRecordOut(BaseModel):
    document_id: int
    status: str
    step: str | None
    rechecked_by: str | None
    rechecked_at: dt.datetime | None
    recheck_opinion: str | None
    registered_by: str | None
    registered_at: dt.datetime | None
    doc_number: str | None
    recipients: list[dict[str, object]]
    copies: int | None
    copy_numbers: list[str]
    seals: list[SealOut]
    released_by: str | None
    released_at: dt.datetime | None


def _record_out(document_id: int, status: str, doc_number: str | None, record: IssueRecord | None,
                step: str | None) -> IssueRecordOut:  # fmt: skip
    return IssueRecordOut(
        document_id=document_id,
        status=status,
        step=step,
        rechecked_by=record.rechecked_by.display_name if record and record.rechecked_by else None,
        rechecked_at=record.rechecked_at if record else None,
        recheck_opinion=record.recheck_opinion if record else None,
        registered_by=record.registered_by.display_name if record and record.registered_by else None,
        registered_at=record.registered_at if record else None,
        doc_number=doc_number,
        recipients=list(record.recipients) if record else [],
        copies=record.copies if record else None,
        copy_numbers=[str(n) for n in record.copy_numbers] if record else [],
        seals=[SealOut(organ_id=s.organ_id, organ=s.organ.name, applied_by=s.applied_by, applied_at=s.applied_at)
               for s in record.seals] if record else [],
        released_by=record.released_by.display_name if record and record.released_by else None,
        released_at=record.released_at if record else None,
    )  # fmt: skip


@router.get("/registrar/queue")
def queue(user: CurrentUser, registrar: Registrar) -> list[DocumentOut]:
    """The lead organ's documents waiting for its registrar (复核, 登记, 用印, 核发)."""
    return [DocumentOut.of(d) for d in registrar.queue(user)]


@router.get(f"{D}/issue-record")
def issue_record(user: CurrentUser, service: Registrar, document_id: Id) -> IssueRecordOut:
    document, record = service.record(user, document_id)
    return _record_out(document.id, document.status, document.doc_number, record,
                       service.step_of(document))  # fmt: skip


@router.post(f"{D}/recheck")
def recheck(user: CurrentUser, registrar: Registrar, document_id: Id, body: RecheckIn) -> DocumentOut:
    """复核: confirm the signed text, or give the changed text (with a reason): it goes back to every signer."""
    return DocumentOut.of(registrar.recheck(user, document_id, body.opinion, body.changed_body))


@router.post(f"{D}/register")
def register(user: CurrentUser, registrar: Registrar, document_id: Id, body: RegisterIn) -> DocumentOut:
    """登记: 分送范围, 印制份数, 份号 (机密/绝密); the 发文字号 is allocated now."""
    registration = Registration(
        body.recipients, body.copies, body.copy_numbers, body.confirm_recipients_without_clearance
    )
    return DocumentOut.of(registrar.register(user, document_id, registration))


@router.post(f"{D}/seal")
def seal(user: CurrentUser, registrar: Registrar, document_id: Id, body: SealIn) -> DocumentOut:
    """用印: who pressed each issuing organ's seal."""
    return DocumentOut.of(registrar.seal(user, document_id, body.seals))


@router.post(f"{D}/release", status_code=202)
def release(
    user: CurrentUser, registrar: Registrar, document_id: Id, body: ConfirmDeliveryIn | None = None
) -> DocumentOut:
    """核发: 印制 and distribution follow as automated steps. Recipients where nobody is cleared for the 密级 are
    named (``recipients_without_clearance``) until the request confirms them."""
    confirm = body is not None and body.confirm_recipients_without_clearance
    return DocumentOut.of(registrar.release(user, document_id, confirm))


@router.get(f"{D}/issuing-sheet.pdf")
def issuing_sheet_pdf(
    user: CurrentUser, issuing_sheets: IssuingSheets, document_id: Id, runtime: RuntimeDep
) -> Response:
    """发文稿纸 as PDF (A4)."""
    sheet = issuing_sheets.for_reader(user, document_id)
    name = safe_file_name(" ".join(p for p in ("发文稿纸", sheet.doc_number, sheet.title) if p.strip()) + ".pdf")
    disposition = content_disposition(name, inline=True, ascii_stem=f"issuing-sheet-{document_id}")
    return Response(sheet_pdf(sheet, runtime.settings), media_type="application/pdf",
                    headers={"Content-Disposition": disposition})  # fmt: skip
