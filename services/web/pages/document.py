"""A document's page (fields, rendering, timeline) and the decisions taken on it: review, sign, receive, report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.datastructures import FormData

from services import access
from services.access import Level
from services.api.params import Id
from services.audit.service import AuditService
from services.context import Context
from services.distribution.service import OPEN_REPLY, DistributionService
from services.documents.service import DocumentService
from services.domain.enums import DocKind, DocStatus, ReplyStatus, Role
from services.domain.models import Document, InboxItem, ReplyTask, User
from services.errors import Conflict, DomainError
from services.web.diffview import side_by_side
from services.web.forms import FormProblem, uploads
from services.web.render import FRAME_CSP, page, redirect, secure_headers
from services.web.session import read_form, runtime_of, web_scope
from services.workflow.service import WorkflowService

router = APIRouter(include_in_schema=False)
FormDep = Annotated[FormData, Depends(read_form)]
# On screen the print layout has no @page box: show the 版心 (156 mm) on a sheet-like margin.
SCREEN_PAGE = "<style>@media screen { body { margin: 0; } }</style>"  # the pages bring their own screen style


def _mine(ctx: Context, user: User, document: Document) -> tuple[InboxItem | None, ReplyTask | None]:
    """The caller's organ's inbox item and open report-back task on this document, if any."""
    item = ctx.session.scalar(
        select(InboxItem).where(InboxItem.document_id == document.id, InboxItem.organ_id == user.organ_id)
    )
    task = ctx.session.scalar(
        select(ReplyTask).where(
            ReplyTask.document_id == document.id,
            ReplyTask.organ_id == user.organ_id,
            ReplyTask.status.in_(OPEN_REPLY),
        )
    )
    return item, task


def _actions(
    user: User, level: Level, document: Document, item: InboxItem | None, task: ReplyTask | None
) -> dict[str, bool]:
    internal = level >= Level.internal
    lead = internal and user.organ_id == document.lead_organ_id
    issuer = internal and user.organ_id in {i.organ_id for i in document.issuers}
    status = document.status
    return {
        "edit": lead and user.has_role(Role.drafter) and status in (DocStatus.draft, DocStatus.returned),
        "submit": lead and user.has_role(Role.drafter) and status in (DocStatus.draft, DocStatus.returned),
        "review": lead and user.has_role(Role.reviewer) and status == DocStatus.in_review,
        "sign": issuer and user.has_role(Role.signer) and status == DocStatus.signing,
        "issue": lead and user.has_role(Role.registrar) and status == DocStatus.signed,
        "receive": item is not None and item.received_at is None,
        "report": task is not None,
        "track": (lead or user.has_role(Role.admin)) and status == DocStatus.distributed,
        "versions": internal,
    }


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: Id) -> HTMLResponse:
    with web_scope(request) as (ctx, user):
        service = DocumentService(ctx)
        document = service.get_visible(user, document_id)
        level = access.level_of(ctx.session, user, document_id) or Level.issued
        version = service.version(document)
        item, task = _mine(ctx, user, document)
        internal = level >= Level.internal
        context: dict[str, Any] = {
            "document": document,
            "version": version,
            "body": service.body(version) if document.kind != DocKind.outgoing.value else None,
            "signoffs": WorkflowService(ctx).signoffs(document, current_round_only=False) if internal else [],
            "events": AuditService(ctx).for_document(user, document.id),
            "actions": _actions(user, level, document, item, task),
            "task": task,
            "reply_to": service.get(document.reply_to_id) if document.reply_to_id else None,
            "distribution": _summary(ctx, user, document),
        }
        return page(request, "document.html", user, nav="documents", **context)


def _summary(ctx: Context, user: User, document: Document) -> dict[str, int] | None:
    if document.status != DocStatus.distributed.value or user.organ_id != document.lead_organ_id:
        return None
    rows = DistributionService(ctx).distribution_status(user, document.id)
    return {
        "recipients": len(rows),
        "received": sum(1 for r in rows if r["received_at"]),
        "reported": sum(1 for r in rows if r["reply_status"] == ReplyStatus.reported.value),
        "overdue": sum(1 for r in rows if r["reply_status"] == ReplyStatus.overdue.value),
    }


@router.get("/documents/{document_id}/frame")
def document_frame(request: Request, document_id: Id) -> HTMLResponse:
    """The GB/T 9704 rendering shown in a frame: the issued file, or a preview built from the current version."""
    runtime = runtime_of(request)
    with web_scope(request) as (ctx, user):
        service = DocumentService(ctx)
        document = service.get_visible(user, document_id)
        if not document.rendered_html_key:  # a preview of an unissued text is internal material
            document = service.get_visible(user, document_id, Level.internal)
            if document.kind != DocKind.outgoing.value:
                raise Conflict(
                    "no_layout",
                    "该公文不是在本系统拟制的，没有版式预览",
                    "this document was not drafted here and has no layout to preview",
                )
        if document.rendered_html_key:
            html = ctx.store.get(document.rendered_html_key).decode("utf-8")
        else:
            version = service.version(document)
            signoffs = WorkflowService(ctx).signoffs(document)
            html = runtime.renderer.preview_html(document, service.body(version), version, signoffs)
    response = HTMLResponse(html.replace("</head>", SCREEN_PAGE + "</head>", 1))
    secure_headers(response, FRAME_CSP)
    return response


@router.get("/documents/{document_id}/review")
def review_page(request: Request, document_id: Id) -> HTMLResponse:
    with web_scope(request) as (ctx, user):
        service = DocumentService(ctx)
        document = service.get_visible(user, document_id, Level.internal)
        version = service.version(document)
        return page(request, "decide.html", user, nav="inbox", document=document, version=version, mode="review",
                    diff=None, rows=[], signoffs=[], last_seen=None, problems=[], opinion="")  # fmt: skip


@router.post("/documents/{document_id}/review")
def review(request: Request, document_id: Id, form: FormDep) -> RedirectResponse:
    approve = form.get("decision") == "approve"
    with web_scope(request) as (ctx, user):
        WorkflowService(ctx).review(user, document_id, approve, str(form.get("opinion") or "") or None)
    return redirect(f"/documents/{document_id}", "reviewed")


@router.get("/documents/{document_id}/sign")
def sign_page(request: Request, document_id: Id) -> HTMLResponse:
    """What a head sees before signing: the rendering and exactly what changed since they last looked."""
    with web_scope(request, write=True) as (ctx, user):  # records what the signer was shown
        workflow = WorkflowService(ctx)
        view = workflow.signing_view(user, document_id)
        document: Document = view["document"]
        rows = []
        if view["diff"]:
            docs = workflow.documents
            before = docs.body(docs.version(document, view["last_seen_version"]))
            rows = side_by_side(before, docs.body(docs.version(document)))
        return page(
            request, "decide.html", user, nav="inbox", document=document, version=workflow.documents.version(document),
            mode="sign", diff=view["diff"], rows=rows, last_seen=view["last_seen_version"],
            signoffs=workflow.signoffs(document), problems=[], opinion="",
        )  # fmt: skip


@router.post("/documents/{document_id}/sign", response_model=None)
def sign(request: Request, document_id: Id, form: FormDep) -> HTMLResponse | RedirectResponse:
    approve = form.get("decision") == "approve"
    opinion = str(form.get("opinion") or "")
    try:
        with web_scope(request) as (ctx, user):
            WorkflowService(ctx).decide_signoff(user, document_id, approve, opinion or None)
    except DomainError as exc:
        if exc.code != "reason_required":
            raise
        with web_scope(request) as (ctx, user):
            service = DocumentService(ctx)
            document = service.get_visible(user, document_id, Level.internal)
            problem = FormProblem(field="opinion", zh=exc.zh, en=exc.en)
            return page(
                request, "decide.html", user, http_status=422, nav="inbox", document=document,
                version=service.version(document), mode="sign", diff=None, rows=[], last_seen=None,
                signoffs=WorkflowService(ctx).signoffs(document), problems=[problem], opinion=opinion,
            )  # fmt: skip
    return redirect(f"/documents/{document_id}", "signed" if approve else "rejected")


@router.post("/documents/{document_id}/issue")
def request_issue(request: Request, document_id: Id, form: FormDep) -> RedirectResponse:
    with web_scope(request) as (ctx, user):
        WorkflowService(ctx).request_issue(user, document_id)
    return redirect(f"/documents/{document_id}", "issue_requested")


@router.post("/documents/{document_id}/receive")
def receive(request: Request, document_id: Id, form: FormDep) -> RedirectResponse:
    with web_scope(request) as (ctx, user):
        DistributionService(ctx).receive(user, document_id)
    return redirect(f"/documents/{document_id}", "received")


@router.get("/documents/{document_id}/reply")
def reply_page(request: Request, document_id: Id) -> HTMLResponse:
    with web_scope(request) as (ctx, user):
        document = DocumentService(ctx).get_visible(user, document_id)
        task = _mine(ctx, user, document)[1]
        title = f"{user.organ.name}关于{_topic(document.title)}的工作总结"
        return page(request, "reply.html", user, nav="inbox", document=document, task=task,
                    values={"title": title, "body": ""}, problems=[])  # fmt: skip


def _topic(title: str) -> str:
    """关于印发《X活动方案》的通知 → X活动; 关于开展X的通知 → 开展X."""
    inner = title.split("《", 1)[1].split("》", 1)[0] if "《" in title else title
    inner = inner.removeprefix("关于")
    for tail in ("的通知", "方案", "的意见", "的函"):
        inner = inner.removesuffix(tail)
    return inner


@router.post("/documents/{document_id}/reply", response_model=None)
def report_back(request: Request, document_id: Id, form: FormDep) -> HTMLResponse | RedirectResponse:
    values = {"title": str(form.get("title") or "").strip(), "body": str(form.get("body") or "")}
    try:
        files = uploads(form, "files")
        with web_scope(request) as (ctx, user):
            DistributionService(ctx).report_back(user, document_id, values["title"], values["body"], files)
    except DomainError as exc:
        with web_scope(request) as (ctx, user):
            document = DocumentService(ctx).get_visible(user, document_id)
            problem = FormProblem(field="form", zh=exc.zh, en=exc.en)
            return page(request, "reply.html", user, http_status=exc.status, nav="inbox", document=document,
                        task=_mine(ctx, user, document)[1], values=values, problems=[problem])  # fmt: skip
    return redirect(f"/documents/{document_id}", "reported")
