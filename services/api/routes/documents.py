"""Documents: drafting, versions, diffs, the process decisions, the rendered files and the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from services import compose
from services.access import Level
from services.api.errors import ERROR_RESPONSES
from services.audit.schemas import AuditOut
from services.context import Context
from services.documents.schemas import (
    ConfirmDeliveryIn,
    DiffOut,
    DocumentOut,
    DraftInput,
    VersionOut,
)
from services.documents.service import decode_utf8_text, draft_input_of
from services.domain.models import Document
from services.errors import Conflict
from services.http.deps import (
    Actions,
    Audit,
    CurrentUser,
    Documents,
    ListedDocuments,
    PrintRuns,
    RecordingScope,
    UnitOfWork,
    Workflow,
)
from services.http.downloads import content_disposition, document_disposition
from services.http.headers import FRAME_CSP
from services.http.params import MAX_VERSION, Id, Offset, VersionNumber
from services.http.uploads import attachment_of
from services.registrar.rules import MAX_PRINTED_COPIES
from services.rendering.ofd import MIME as OFD_MIME
from services.seal.sign import SES_MIME
from services.workflow.schemas import SigningViewOut, SignoffOut

router = APIRouter(prefix="/api/v1/documents", tags=["documents"], responses=ERROR_RESPONSES)


class Decision(BaseModel):
    approve: bool
    opinion: str | None = Field(None, max_length=2000)


@router.get("")
def list_documents(
    user: CurrentUser,
    listed: ListedDocuments,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> list[DocumentOut]:
    return [DocumentOut.model_validate(d) for d in listed.page(user, status, limit, offset)]


@router.post("", status_code=201)
def create_draft(user: CurrentUser, documents: Documents, body: DraftInput) -> DocumentOut:
    return DocumentOut.of(documents.create_draft(user, body))


@router.get("/{document_id}")
def get_document(user: CurrentUser, documents: Documents, actions: Actions, document_id: Id) -> DocumentOut:
    document = documents.get_visible(user, document_id)
    return DocumentOut.of(document, actions.of(user, document))


@router.put("/{document_id}")
def save_draft(user: CurrentUser, documents: Documents, document_id: Id, body: DraftInput) -> DocumentOut:
    """Save the draft as a new version (only while it is a draft or returned)."""
    return DocumentOut.of(documents.save(user, document_id, body))


@router.put("/{document_id}/body")
def upload_body(
    user: CurrentUser,
    service: Documents,
    document_id: Id,
    file: UploadFile,
    base_version: Annotated[int, Form(ge=1, le=1_000_000)],
    note: Annotated[str | None, Form(max_length=500)] = None,
) -> DocumentOut:
    """Replace the body with an uploaded UTF-8 text file, as a new version on top of ``base_version``."""
    text = decode_utf8_text(file.file.read())
    document = service.editable(user, document_id)
    draft = draft_input_of(service.version(document).fields, text, note or "上传正文", base_version)
    return DocumentOut.of(service.save(user, document_id, draft))


@router.post("/{document_id}/attachments", status_code=201)
def add_attachment(
    user: CurrentUser,
    documents: Documents,
    document_id: Id,
    file: UploadFile,
    title: Annotated[str | None, Form()] = None,
) -> DocumentOut:
    return DocumentOut.of(documents.add_attachment(user, document_id, attachment_of(file, title or None)))


class AttachmentTitleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200, description="The attachment's title, as the 附件说明 lists it")


@router.patch("/{document_id}/attachments/{attachment_id}")
def retitle_attachment(
    user: CurrentUser, documents: Documents, document_id: Id, attachment_id: Id, body: AttachmentTitleIn
) -> DocumentOut:
    """A new title for an attachment of the current version, before signing (a new version)."""
    return DocumentOut.of(documents.retitle_attachment(user, document_id, attachment_id, body.title))


@router.delete("/{document_id}/attachments/{attachment_id}")
def remove_attachment(user: CurrentUser, documents: Documents, document_id: Id, attachment_id: Id) -> DocumentOut:
    """An attachment of the current version removed, before signing (a new version; earlier ones keep it)."""
    return DocumentOut.of(documents.remove_attachment(user, document_id, attachment_id))


@router.put("/{document_id}/attachments/{attachment_id}")
def replace_attachment(
    user: CurrentUser, documents: Documents, document_id: Id, attachment_id: Id, file: UploadFile
) -> DocumentOut:
    """An attachment's file replaced, keeping its title and place, before signing (a new version)."""
    upload = attachment_of(file, title="")
    return DocumentOut.of(documents.replace_attachment(user, document_id, attachment_id, upload))


@router.get("/{document_id}/attachments/{attachment_id}")
def download_attachment(
    user: CurrentUser, ctx: UnitOfWork, documents: Documents, document_id: Id, attachment_id: Id
) -> Response:
    """An attachment of any version for the issuing organs; of the issued version only for recipients."""
    att = documents.attachment_for(user, document_id, attachment_id)
    return attachment_response(ctx.store.get(att.key), att.content_type, att.filename)


@router.get("/{document_id}/versions")
def list_versions(user: CurrentUser, service: Documents, document_id: Id) -> list[VersionOut]:
    return [
        VersionOut.model_validate(v) for v in service.versions(service.get_visible(user, document_id, Level.internal))
    ]


@router.get("/{document_id}/versions/{number}/body")
def version_body(user: CurrentUser, service: Documents, document_id: Id, number: VersionNumber) -> Response:
    version = service.version(service.get_visible(user, document_id, Level.internal), number)
    return Response(service.body(version), media_type="text/plain; charset=utf-8")


@router.get("/{document_id}/diff")
def diff_versions(
    user: CurrentUser,
    service: Documents,
    document_id: Id,
    from_version: Annotated[int, Query(alias="from", ge=1, le=MAX_VERSION)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=MAX_VERSION)],
) -> DiffOut:
    document = service.get_visible(user, document_id, Level.internal)
    return DiffOut.model_validate(service.diff(document, from_version, to_version))


@router.post("/{document_id}/submit")
def submit(
    user: CurrentUser, workflow: Workflow, document_id: Id, body: ConfirmDeliveryIn | None = None
) -> DocumentOut:
    """Submit for the format checks. An organ without the registrar's gate is warned here of recipients where nobody
    is cleared for the 密级 (``recipients_without_clearance``) until the request confirms them."""
    confirm = body is not None and body.confirm_recipients_without_clearance
    return DocumentOut.of(workflow.submit(user, document_id, confirm))


@router.post("/{document_id}/review")
def review(user: CurrentUser, workflow: Workflow, document_id: Id, body: Decision) -> DocumentOut:
    return DocumentOut.of(workflow.review(user, document_id, body.approve, body.opinion))


@router.get("/{document_id}/signing-view")
def signing_view(document_id: Id, scope: RecordingScope) -> SigningViewOut:
    """What a head sees before signing, with the diff since the version they last saw (recorded as seen)."""
    workflow = compose.workflow(scope.ctx)
    view = workflow.signing_view(scope.user, document_id)
    document = view["document"]
    return SigningViewOut(
        document=DocumentOut.of(document),
        body=workflow.documents.body(workflow.documents.version(document)),
        last_seen_version=view["last_seen_version"],
        diff_since_last_seen=DiffOut.model_validate(view["diff"]) if view["diff"] else None,
        signoffs=[SignoffOut.model_validate(s) for s in workflow.signoffs(document)],
    )


@router.get("/{document_id}/signoffs")
def list_signoffs(user: CurrentUser, workflow: Workflow, document_id: Id) -> list[SignoffOut]:
    document = workflow.documents.get_visible(user, document_id, Level.internal)
    return [SignoffOut.model_validate(s) for s in workflow.signoffs(document, current_round_only=False)]


@router.post("/{document_id}/signoff")
def decide_signoff(user: CurrentUser, workflow: Workflow, document_id: Id, body: Decision) -> DocumentOut:
    """会签 or 签发 for the caller's organ: approve, or reject with an opinion (returns it to the drafter)."""
    return DocumentOut.of(workflow.decide_signoff(user, document_id, body.approve, body.opinion))


@router.post("/{document_id}/issue", status_code=202)
def request_issue(user: CurrentUser, workflow: Workflow, document_id: Id) -> DocumentOut:
    return DocumentOut.of(workflow.request_issue(user, document_id))


INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"})


def attachment_response(data: bytes, content_type: str, filename: str) -> Response:
    """Uploaded bytes, never rendered as a page of this site: only images and PDF open inline."""
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    media = (
        content_type
        if content_type in INLINE_TYPES or content_type.startswith("text/plain")
        else "application/octet-stream"
    )
    headers = {
        "Content-Disposition": content_disposition(filename, inline=disposition == "inline"),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return Response(data, media_type=media, headers=headers)


def _rendered(ctx: Context, document: Document, pdf: bool) -> Response:
    key = document.rendered_pdf_key if pdf else document.rendered_html_key
    if not key:
        raise Conflict("not_rendered", "公文尚未印制", "the document has not been rendered yet")
    media = "application/pdf" if pdf else "text/html; charset=utf-8"
    # the PDF opens in the browser and saves as '文号 标题.pdf'; the issued text never runs a script
    headers = (
        {"Content-Disposition": document_disposition(document, "pdf")}
        if pdf
        else {"Content-Security-Policy": FRAME_CSP}
    )
    return Response(ctx.store.get(key), media_type=media, headers=headers)


@router.get("/{document_id}/pdf")
def document_pdf(user: CurrentUser, ctx: UnitOfWork, documents: Documents, document_id: Id) -> Response:
    return _rendered(ctx, documents.get_visible(user, document_id), pdf=True)


@router.get("/{document_id}/ofd")
def document_ofd(user: CurrentUser, ctx: UnitOfWork, documents: Documents, document_id: Id) -> Response:
    """The 正本 as OFD (GB/T 33190), the same pages as its PDF; documents issued before OFD was written have none."""
    document = documents.get_visible(user, document_id)
    key = document.rendered_ofd_key
    if not document.rendered_pdf_key:
        raise Conflict("not_rendered", "公文尚未印制", "the document has not been rendered yet")
    if key is None or not ctx.store.exists(key):
        raise Conflict("no_ofd", "该公文印制时尚未生成 OFD 版式文件", "this document was issued without an OFD")
    headers = {"Content-Disposition": document_disposition(document, "ofd", inline=False)}  # no browser shows OFD
    return Response(ctx.store.get(key), media_type=OFD_MIME, headers=headers)


@router.get("/{document_id}/pdf.ses")
def document_pdf_seals(user: CurrentUser, ctx: UnitOfWork, documents: Documents, document_id: Id) -> Response:
    """The PDF 正本's electronic seals (GB/T 38540 SES_Signature, detached: docs/seal.md), when it was sealed."""
    document = documents.get_visible(user, document_id)
    key = document.rendered_ses_key
    if key is None or not ctx.store.exists(key):
        raise Conflict("no_seal", "该公文的正本没有电子印章", "this document's 正本 carries no electronic seal")
    headers = {"Content-Disposition": document_disposition(document, "pdf.ses", inline=False)}
    return Response(ctx.store.get(key), media_type=SES_MIME, headers=headers)


@router.get("/{document_id}/print.pdf")
def print_run(
    user: CurrentUser,
    print_runs: PrintRuns,
    document_id: Id,
    first: Annotated[int | None, Query(ge=1, le=MAX_PRINTED_COPIES, description="first copy (1-based)")] = None,
    last: Annotated[int | None, Query(ge=1, le=MAX_PRINTED_COPIES, description="last copy, inclusive")] = None,
) -> StreamingResponse:
    """印制: the copies of a 涉密 document's print run, each with its 份号 (registrar only): all of them, or a range
    (to print again what a printer spoiled). Streamed as it is written: memory stays flat however many copies."""
    printed = print_runs.print_file(user, document_id, first, last)
    disposition = content_disposition(printed.filename)
    return StreamingResponse(printed.chunks, media_type="application/pdf", headers={"Content-Disposition": disposition})


@router.get("/{document_id}/html")
def document_html(user: CurrentUser, ctx: UnitOfWork, documents: Documents, document_id: Id) -> Response:
    return _rendered(ctx, documents.get_visible(user, document_id), pdf=False)


@router.get("/{document_id}/audit")
def audit_trail(user: CurrentUser, audit: Audit, document_id: Id) -> list[AuditOut]:
    return [AuditOut.model_validate(e) for e in audit.for_document(user, document_id)]
