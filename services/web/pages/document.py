"""A document's page (fields, rendering, timeline) and the decisions taken on it: review, sign, receive, report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from services import access, compose
from services.access import Level
from services.caches import OrganDirectory
from services.context import Context
from services.documents.repository import OrganRef, Parts, SeenDocument, SeenVersion
from services.documents.service import DocumentService
from services.domain.enums import DocKind, DocStatus, ExpectedStatus, Role
from services.domain.models import Document, User, responsible_names
from services.errors import Conflict, Invalid
from services.http.deps import Actions, CurrentUser, Distribution, Documents, RecordingScope, UnitOfWork, Workflow
from services.http.headers import FRAME_CSP
from services.http.params import Id, IdQuery
from services.http.request import runtime_of
from services.obligations.service import Expected
from services.registrar.printing import may_print
from services.rendering.renderer import DocumentRenderer
from services.web.attempt import PostedForm, attempt
from services.web.diffview import Row, side_by_side
from services.web.forms import FormProblem, uploads
from services.web.problems import status_of
from services.web.render import page, redirect, secure_headers
from services.web.session import Posted, read_form
from services.workflow.actions import DocAction, document_actions
from services.workflow.service import WorkflowService

router = APIRouter(include_in_schema=False)
FormDep = Annotated[FormData, Depends(read_form)]
# On screen the print layout has no @page box: the sheets follow each other without a gap (a line between them),
# so that a page printing this frame (app.css: the frame as tall as its sheets) finds a sheet every 297 mm — a
# frame keeps its screen styles when the page around it is printed. In a frame narrower than a sheet (794 px; a
# phone's is ≈370 px) the sheets are zoomed to the frame's width in 40 px steps; the page keeps pinch-zoom.
SHEET_PX, STEP_PX, WIDEST_ZOOMED = 810, 40, 780
SCREEN_PAGE = (
    "<style>@media screen { body { margin: 0; } .page { margin: 0 auto; box-shadow: 0 0 0 1px #9a9aa0; } }"
    + "".join(
        f"@media screen and (max-width: {w}px) {{ html {{ zoom: {(w - STEP_PX) / SHEET_PX:.3f}; }} }}"
        for w in range(WIDEST_ZOOMED, 200, -STEP_PX)
    )
    + "</style>"
)


def _open_periods(ctx: Context, user: User, document_id: int) -> list[Expected]:
    """What the caller's organ still owes on this plan, period by period."""
    return [e for e in compose.obligations(ctx).todo(user) if e.obligation.document_id == document_id]


def _buttons(user: User, level: Level, document: SeenDocument, acts: list[DocAction]) -> dict[str, bool]:
    """A button for each action the user may take next (services.workflow.actions) and the links they may follow."""
    internal = level >= Level.internal
    lead = internal and user.organ_id == document.lead_organ_id
    distributed = document.status == DocStatus.distributed
    shown = {a.value: a in acts for a in DocAction}
    return shown | {
        "registrar_step": any(a in acts for a in REGISTRAR_STEP_ACTIONS),
        "issuing_sheet": internal and document.kind == DocKind.outgoing,
        "print_run": internal and may_print(user, document),
        "tasks": document.has_tasks and distributed,
        "track": (lead or user.has_role(Role.admin)) and distributed,
        "versions": internal,
        "reissue": user.has_role(Role.drafter) and document.kind == DocKind.imported,
    }


REGISTRAR_STEP_ACTIONS = (DocAction.recheck, DocAction.register, DocAction.seal, DocAction.release)


@router.get("/documents/{document_id}")
def document_page(request: Request, user: CurrentUser, ctx: UnitOfWork, document_id: Id) -> HTMLResponse:
    return show_document(request, ctx, user, document_id)


def show_document(
    request: Request, ctx: Context, user: User, document_id: int, http_status: int = 200, problem: str = ""
) -> HTMLResponse:
    """The document's page; ``problem``: why the decision just tried on it was refused (in Chinese)."""
    shown = _shown(ctx, user, document_id)
    return page(request, "document.html", user, http_status=http_status, nav="documents", problem=problem, **shown)


def _shown(ctx: Context, user: User, document_id: int) -> dict[str, Any]:
    """What the page shows, read as plain records: the document with the levels the user reads it at (one
    statement), its parts, signoffs and timeline, and what waits on the user's organ."""
    listed = compose.listed_documents(ctx)
    seen = listed.seen(user, document_id)
    if seen is None or not seen.issued:
        raise access.document_not_found(document_id)
    access.note_levels(ctx.session, user, document_id, {Level.internal: seen.internal, Level.issued: seen.issued})
    level = Level.internal if seen.internal else Level.issued
    names = _directory(ctx, seen.organs_version)
    parts = listed.parts(document_id)
    _name(seen, parts, names)
    signoffs = listed.signoffs(document_id) if seen.internal else []
    current = [s for s in signoffs if s.round == seen.signing_round] if seen.status == DocStatus.signing else []
    actions = _buttons(user, level, seen, document_actions(user, seen, level, seen.item, current, seen.reports))
    # Without a registrar the document is issued at its last signature: the drafter confirms at submission.
    warn = actions["submit"] and not seen.registrar_gate
    return {
        "document": seen,
        "version": SeenVersion(seen.current_version, seen.body_key or "", parts.attachments),
        "body": ctx.store.get(seen.body_key).decode("utf-8")
        if seen.body_key and seen.kind != DocKind.outgoing
        else None,
        "signoffs": signoffs,
        "short_names": names.short_names,
        "events": compose.audit(ctx).for_document(user, document_id),
        "actions": actions,
        "owed": _owed(ctx, user, seen),
        "reply_to": {"id": seen.reply_to_id, "title": seen.reply_title, "doc_number": seen.reply_number}
        if seen.reply_to_id
        else None,
        "distribution": _summary(ctx, user, seen),
        "has_ofd": bool(seen.rendered_ofd_key and ctx.store.exists(seen.rendered_ofd_key)),
        "has_seals": bool(seen.rendered_ses_key and ctx.store.exists(seen.rendered_ses_key)),
        "uncleared": _uncleared(ctx, seen) if warn else [],
        "incoming": _incoming(ctx, user, seen),
    }


def _body(ctx: Context, seen: SeenDocument) -> str | None:
    """The text shown on the page for a document not drafted here (one drafted here shows its layout instead)."""
    if seen.kind == DocKind.outgoing or seen.body_key is None:
        return None
    return ctx.store.get(seen.body_key).decode("utf-8")


def _directory(ctx: Context, version: int | None) -> OrganDirectory:
    """The organs' names: this process's copy while the version read with the document matches."""
    held = ctx.caches.organs.get(version) if version is not None else None
    return held or compose.organs(ctx).directory()


def _name(seen: SeenDocument, parts: Parts, names: OrganDirectory) -> None:
    """The names the document was issued under (while a draft, the organs' names now)."""
    lead = seen.lead_organ_id
    seen.lead_organ = OrganRef(lead, names.names[lead], names.short_names[lead]) if lead is not None else None
    seen.recipients = [OrganRef(o, name or names.names[o], role=role) for o, name, role in parts.recipients]
    issuers = [name or names.names[o] for o, name in parts.issuers]
    sender = seen.source_organ_id or seen.owner_organ_id
    seen.responsible = responsible_names(
        [*issuers, *seen.issuer_names], seen.kind, lambda: names.names[sender] if sender else None
    )
    seen.phases = parts.phases


def _owed(ctx: Context, user: User, seen: SeenDocument) -> list[Expected]:
    """What the user's organ still owes on this plan (asked only of an organ owing one of its obligations)."""
    if not seen.reports:
        return []
    return _open_periods(ctx, user, seen.id)


def _uncleared(ctx: Context, seen: SeenDocument) -> list[OrganRef]:
    """The recipients where nobody is cleared for the document's 密级 (the rule: services/access.py)."""
    found = access.organs_without_clearance(ctx.session, [r.id for r in seen.recipients], seen.classification)
    return list({r.id: r for r in seen.recipients if r.id in found}.values())


def _incoming(ctx: Context, user: User, seen: SeenDocument) -> list[tuple[Any, str]]:
    """The document's 收文 records the user may read, with where each is now."""
    if not seen.has_incoming:
        return []
    incoming = compose.incoming(ctx)
    return [(r, incoming.where_now(r)) for r in incoming.for_document(user, seen.id)]


def _summary(ctx: Context, user: User, seen: SeenDocument) -> dict[str, int] | None:
    """For the lead organ of a distributed plan: deliveries, and this period's reports as its dashboard counts them."""
    if seen.status != DocStatus.distributed.value or user.organ_id != seen.lead_organ_id:
        return None
    obligations = compose.obligations(ctx)
    plan, owned = obligations.repo.with_owners(seen.id)
    owners = set().union(*owned.values())
    units = [u for u in dict.fromkeys(r.id for r in seen.recipients) if u in owners]
    apart = access.organs_without_clearance(ctx.session, units, seen.classification)
    today = ctx.today()
    cells, _overdue, late = obligations._board(plan, owned, [u for u in units if u not in apart], today, today)
    statuses = [e.status for e in cells.values()]
    return {
        "recipients": seen.recipient_count,
        "received": seen.received_count,
        "reported": sum(1 for s in statuses if s in (ExpectedStatus.reported, ExpectedStatus.late)),
        "expected": len(statuses),
        "overdue": sum(late.values()),
    }


@router.get("/documents/{document_id}/frame")
def document_frame(
    request: Request, user: CurrentUser, ctx: UnitOfWork, service: Documents, workflow: Workflow, document_id: Id
) -> HTMLResponse:
    """The GB/T 9704 rendering shown in a frame: the issued file, or a preview built from the current version."""
    html = _layout_html(runtime_of(request).renderer, ctx, service, workflow, user, document_id)
    response = HTMLResponse(html.replace("</head>", SCREEN_PAGE + "</head>", 1))
    secure_headers(response, FRAME_CSP)
    return response


def _layout_html(
    renderer: DocumentRenderer, ctx: Context, service: DocumentService, workflow: WorkflowService, user: User,
    document_id: int,
) -> str:  # fmt: skip
    """The issued file's HTML, or, before issue, a preview of the current version (internal material, and only
    for a document drafted here)."""
    document = service.get_visible(user, document_id)
    if document.rendered_html_key:
        return ctx.store.get(document.rendered_html_key).decode("utf-8")
    document = service.get_visible(user, document_id, Level.internal)
    if document.kind != DocKind.outgoing.value:
        raise Conflict(
            "no_layout",
            "该公文不是在本系统拟制的，没有版式预览",
            "this document was not drafted here and has no layout to preview",
        )
    version = service.version(document)
    return renderer.preview_html(document, service.body(version), version, workflow.signoffs(document))


@router.get("/documents/{document_id}/review")
def review_page(
    request: Request, user: CurrentUser, service: Documents, actions: Actions, document_id: Id
) -> HTMLResponse:
    document = service.get_visible(user, document_id, Level.internal)
    version = service.version(document)
    may = DocAction.review in actions.of(user, document)
    return page(request, "decide.html", user, nav="inbox", document=document, version=version, mode="review",
                diff=None, rows=[], signoffs=[], last_seen=None, problems=[], opinion="", may_decide=may)  # fmt: skip


@router.post("/documents/{document_id}/review", response_model=None)
def review(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, workflow: Workflow, document_id: Id
) -> HTMLResponse | RedirectResponse:
    decided = _decide(request, posted, ctx, user, workflow, document_id, "review")
    return decided if isinstance(decided, HTMLResponse) else redirect(f"/documents/{document_id}", "reviewed")


def _decide(
    request: Request, posted: Posted, ctx: Context, user: User, workflow: WorkflowService, document_id: int, mode: str
) -> HTMLResponse | bool:
    """审核 or 签批 as the form asks (approve or return, with the opinion); whether it approved, or, refused, the
    form again with the opinion as typed."""
    approve = posted.form.get("decision") == "approve"
    opinion = str(posted.form.get("opinion") or "")
    act = workflow.review if mode == "review" else workflow.decide_signoff
    done, problems = attempt(ctx, posted, partial(act, user, document_id, approve, opinion.strip() or None),
                             default_field="opinion")  # fmt: skip
    if done is None:
        return _decide_again(request, user, workflow, document_id, mode, problems, opinion)
    return approve


def _decide_again(
    request: Request, user: User, workflow: WorkflowService, document_id: int, mode: str,
    problems: list[FormProblem], opinion: str,
) -> HTMLResponse:  # fmt: skip
    """The review or signing form again, with the opinion as typed and why the decision was refused."""
    document = workflow.documents.get_visible(user, document_id, Level.internal)
    return page(
        request, "decide.html", user, http_status=422, nav="inbox", document=document,
        version=workflow.documents.version(document), mode=mode, diff=None, rows=[], last_seen=None,
        signoffs=workflow.signoffs(document) if mode == "sign" else [], problems=problems, opinion=opinion,
        may_decide=DocAction(mode) in compose.document_actions(workflow.ctx).of(user, document),
    )  # fmt: skip


@router.get("/documents/{document_id}/sign")
def sign_page(request: Request, scope: RecordingScope, document_id: Id) -> HTMLResponse:
    """What a head sees before signing: the rendering and exactly what changed since they last looked (recorded)."""
    workflow, user = compose.workflow(scope.ctx), scope.user
    view = workflow.signing_view(user, document_id)
    document: Document = view["document"]
    return page(
        request, "decide.html", user, nav="inbox", document=document, version=workflow.documents.version(document),
        mode="sign", diff=view["diff"], rows=_changed_rows(workflow.documents, document, view),
        last_seen=view["last_seen_version"], signoffs=workflow.signoffs(document), problems=[], opinion="",
        may_decide=DocAction.sign in compose.document_actions(scope.ctx).of(user, document),
    )  # fmt: skip


def _changed_rows(docs: DocumentService, document: Document, view: dict[str, Any]) -> list[Row]:
    """The body since the version the head last saw, side by side with the current one (none if unchanged)."""
    if not view["diff"]:
        return []
    before = docs.body(docs.version(document, view["last_seen_version"]))
    return side_by_side(before, docs.body(docs.version(document)))


@router.post("/documents/{document_id}/sign", response_model=None)
def sign(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, workflow: Workflow, document_id: Id
) -> HTMLResponse | RedirectResponse:
    decided = _decide(request, posted, ctx, user, workflow, document_id, "sign")
    if isinstance(decided, HTMLResponse):
        return decided
    return redirect(f"/documents/{document_id}", "signed" if decided else "rejected")


@router.post("/documents/{document_id}/issue")
def request_issue(form: FormDep, user: CurrentUser, workflow: Workflow, document_id: Id) -> RedirectResponse:
    workflow.request_issue(user, document_id)
    return redirect(f"/documents/{document_id}", "issue_requested")


@router.post("/documents/{document_id}/receive")
def receive(form: FormDep, user: CurrentUser, distribution: Distribution, document_id: Id) -> RedirectResponse:
    distribution.receive(user, document_id)
    return redirect(f"/documents/{document_id}", "received")


@router.get("/documents/{document_id}/reply")
def reply_page(
    request: Request,
    user: CurrentUser,
    ctx: UnitOfWork,
    documents: Documents,
    document_id: Id,
    obligation: IdQuery | None = None,
) -> HTMLResponse:
    """报送: the obligations this unit owes on the plan, each with its open periods."""
    document = documents.get_visible(user, document_id)
    title = f"{user.organ.name}关于{_topic(document.title)}的工作总结"
    values = {"title": title, "body": "", "choice": _default_choice(ctx, user, document, obligation)}
    return _reply_form(request, ctx, user, document, values, [], 200)


def _reply_form(
    request: Request, ctx: Context, user: User, document: Document, values: dict[str, Any],
    problems: list[FormProblem], status: int,
) -> HTMLResponse:  # fmt: skip
    owed = [o for o in compose.obligations(ctx).seen_by(user, document.id) if user.organ_id in o.owner_ids]
    open_periods = _open_periods(ctx, user, document.id)
    return page(request, "reply.html", user, http_status=status, nav="inbox", document=document, owed=owed,
                open_periods=open_periods, values=values, problems=problems)  # fmt: skip


def _default_choice(ctx: Context, user: User, document: Document, obligation: int | None) -> str:
    open_periods = _open_periods(ctx, user, document.id)
    chosen = [e for e in open_periods if obligation in (None, e.obligation.id)]
    return f"{chosen[0].obligation.id}:{chosen[0].period.due.isoformat()}" if chosen else ""


def _topic(title: str) -> str:
    """关于印发《X活动方案》的通知 → X活动; 关于开展X的通知 → 开展X."""
    inner = title.split("《", 1)[1].split("》", 1)[0] if "《" in title else title
    inner = inner.removeprefix("关于")
    for tail in ("的通知", "方案", "的意见", "的函"):
        inner = inner.removesuffix(tail)
    return inner


def _choice(value: str) -> tuple[int, dt.date | None]:
    """'12:2022-06-12' → obligation 12, the period due 2022-06-12; '12' → the current period."""
    head, _, day = value.partition(":")
    if not head.isdigit():
        raise Invalid(
            "obligation_required", "请选择报送的事项", "choose the obligation this report answers", field="choice"
        )
    try:
        return int(head), dt.date.fromisoformat(day) if day else None
    except ValueError:
        raise Invalid("period_unknown", "报送期不正确", "invalid period", field="choice") from None


@router.post("/documents/{document_id}/reply", response_model=None)
def report_back(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, documents: Documents, document_id: Id
) -> HTMLResponse | RedirectResponse:
    values = {k: str(posted.form.get(k) or "").strip() for k in ("title", "body", "choice")}
    values["body"] = str(posted.form.get("body") or "")
    document = documents.get_visible(user, document_id)
    report = partial(_report, ctx, user, document, values, posted.form)
    done, problems = attempt(ctx, posted, report, REPLY_ZH, _reply_input)
    if done is None:
        return _reply_form(request, ctx, user, document, values, problems, status_of(problems))
    return redirect(f"/documents/{document_id}", "reported")


REPLY_ZH = {"title": "标题", "body": "正文", "choice": "报送事项", "files": "附件"}


def _reply_input(loc: Sequence[Any]) -> str:
    """The report form's input for a problem: the period is chosen with the obligation."""
    return "choice" if not loc or loc[0] in ("period", "obligation") else str(loc[0])


def _report(ctx: Context, user: User, document: Document, values: dict[str, str], form: FormData) -> object:
    files = uploads(form, "files")
    obligation_id, period_due = _choice(values["choice"])
    if obligation_id not in {o.id for o in document.obligations}:
        raise Invalid(
            "obligation_required", "请选择本文的反馈事项", "choose an obligation of this plan", field="choice"
        )
    return compose.obligations(ctx).report(user, obligation_id, period_due, values["title"], values["body"], files)
