"""Draft editor: the structured fields, the body with its four heading levels, attachments, versions and diffs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from services import compose
from services.access import Level
from services.context import Context
from services.documents.repository import ListedDocument
from services.documents.service import DocumentService
from services.domain.enums import CADENCE_ZH, DocKind
from services.domain.models import Document, DocumentVersion, User
from services.errors import Conflict, Invalid
from services.http.deps import CurrentUser, Documents, UnitOfWork
from services.http.params import MAX_ID, MAX_VERSION, Id
from services.obligations.proposal import Proposal, propose
from services.web.attempt import PostedForm, attempt
from services.web.diffview import side_by_side
from services.web.forms import (
    FIELD_ZH,
    FormProblem,
    draft_input,
    draft_values,
    draft_values_of,
    editor_input,
    plan_values,
    uploads,
)
from services.web.pages.document import show_document
from services.web.render import page, redirect
from services.web.session import Posted, read_form

router = APIRouter(include_in_schema=False)
FormDep = Annotated[FormData, Depends(read_form)]
NEW_DRAFT = {
    "doc_type": "通知", "title": "", "issue_form": "", "classification": "非密", "secrecy_period": "",
    "urgency": "普通", "remark": "", "printing_organ": "", "release_scope": "", "attachment_notes": "",
    "main_recipients_text": "", "body": "", "note": "", "forwards": "", "answers": "", "base_version": "",
    "issuers": [], "main_recipients": [], "copy_recipients": [], "main_groups": [], "phases": [], "obligations": [],
    "tasks": [], "printed_copies": "",
}  # fmt: skip
EDITOR: dict[str, Any] = {"labels": FIELD_ZH, "name_of": editor_input}


def _editor(
    request: Request,
    ctx: Context,
    user: User,
    values: dict[str, Any],
    document_id: int | None,
    problems: list[FormProblem] | None = None,
    conflict: dict[str, Any] | None = None,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    organs = compose.organs(ctx).list()
    forms = [p.form for p in user.organ.prefixes]
    proposal = values.pop("proposal", None)
    attachments = []
    if document_id is not None:
        service = compose.documents(ctx)
        attachments = list(service.version(service.get_visible(user, document_id, Level.internal)).attachments)
    return page(
        request,
        "editor.html",
        user,
        http_status=(409 if conflict else 422) if problems else 200,
        nav="new" if document_id is None else "documents",
        values=values,
        document_id=document_id,
        organs=organs,
        issue_forms=forms,
        problems=problems or [],
        attachments=attachments,
        incoming=incoming_documents(ctx, user),
        conflict=conflict,
        groups=compose.groups(ctx).all(),
        cadences=CADENCE_ZH,
        proposal=proposal,
        typed=typed or {},
    )


def incoming_documents(ctx: Context, user: User) -> list[ListedDocument]:
    """What a draft may 转发 or answer: documents this organ received or imported, newest first."""
    return [
        d
        for d in compose.listed_documents(ctx).page(user, None, 200, 0, with_parties=False)
        if d.lead_organ_id != user.organ_id or d.kind != DocKind.outgoing
    ]


@router.get("/documents/new")
def new_draft(
    request: Request,
    user: CurrentUser,
    ctx: UnitOfWork,
    source: Annotated[int | None, Query(alias="from", ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """A new draft; ``from`` a past plan (an imported one, say), with its title, text and the obligations, phases
    and tasks recognised in it proposed again, to be re-dated and re-issued."""
    values = dict(NEW_DRAFT, issue_form=next((p.form for p in user.organ.prefixes), ""))
    if source is not None:
        values.update(_from_past_plan(ctx, user, source))
    return _editor(request, ctx, user, values, None)


def _from_past_plan(ctx: Context, user: User, document_id: int) -> dict[str, Any]:
    service = compose.documents(ctx)
    document = service.get_visible(user, document_id)
    version = service.version(document)
    body = service.body(version)
    year = document.written_on.year if document.written_on else document.doc_year
    found = propose(ctx, body + "\n" + _text_attachments(ctx, version), year)
    return {"title": document.title, "body": body, "proposal": found, **plan_values(asdict(found))}


@router.post("/documents/new", response_model=None)
def create_draft(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, service: Documents
) -> HTMLResponse | RedirectResponse:
    values = draft_values(posted.form)
    document, problems = attempt(ctx, posted, lambda: _create(service, user, values, posted.form), **EDITOR)
    if document is None:
        return _editor(request, ctx, user, values, None, problems)
    return redirect(f"/documents/{document.id}/edit", "created")


def _create(service: DocumentService, user: User, values: dict[str, Any], form: FormData) -> Document:
    document = service.create_draft(user, draft_input(values))
    for upload in uploads(form, "files"):
        service.add_attachment(user, document.id, upload)
    return document


@router.get("/documents/{document_id}/edit")
def edit_draft(
    request: Request, user: CurrentUser, ctx: UnitOfWork, service: Documents, document_id: Id, propose: bool = False
) -> HTMLResponse:
    """The draft's fields; with ``propose`` (or while the plan is empty) the phases, obligations and tasks
    recognised in the body and its text attachments are proposed, to be confirmed or edited and saved."""
    document = service.editable(user, document_id, lock=False)
    version = service.version(document)
    values = draft_values_of(version.fields, service.body(version), version.number)
    if propose or not (document.obligations or document.plan_tasks or document.phases):
        found = _proposal(ctx, document, service.body(version) + "\n" + _text_attachments(ctx, version))
        if found.obligations or found.tasks or found.phases or propose:
            values.update(plan_values(asdict(found)))
            values["proposal"] = found
    return _editor(request, ctx, user, values, document_id)


def _proposal(ctx: Context, document: Document, text: str) -> Proposal:
    recipients = {r.organ_id for r in document.recipients}
    issuers = {i.organ_id for i in document.issuers}
    return propose(ctx, text, ctx.today().year, recipients, issuers)


def _text_attachments(ctx: Context, version: DocumentVersion) -> str:
    """Plain-text attachments (the plan a notice 印发s) hold most of a plan's obligations and tasks."""
    texts = []
    for att in version.attachments:
        if att.content_type.startswith("text/plain") and att.size < 2_000_000:
            texts.append(ctx.store.get(att.key).decode("utf-8", errors="replace"))
    return "\n".join(texts)


@router.post("/documents/{document_id}/edit", response_model=None)
def save_draft(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, service: Documents, document_id: Id
) -> HTMLResponse | RedirectResponse:
    values = draft_values(posted.form)
    saved, problems = attempt(ctx, posted, lambda: service.save(user, document_id, draft_input(values)), **EDITOR)
    if saved is None:
        conflict = _conflict(ctx, user, document_id, values) if _is_conflict(problems) else None
        return _editor(request, ctx, user, values, document_id, problems, conflict)
    if posted.form.get("then") == "submit":
        return _submit(request, ctx, user, document_id)
    return redirect(f"/documents/{document_id}/edit", "saved")


def _is_conflict(problems: list[FormProblem]) -> bool:
    return any(p.code == "version_conflict" for p in problems)


def _conflict(ctx: Context, user: User, document_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Both texts side by side; the form is now based on the saved version, so saving again is deliberate."""
    service = compose.documents(ctx)
    saved = service.version(service.get_visible(user, document_id, Level.internal))
    values["base_version"] = str(saved.number)
    return {"version": saved.number, "rows": side_by_side(service.body(saved), values["body"])}


@router.post("/documents/{document_id}/attachments", response_model=None)
def add_attachments(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, service: Documents, document_id: Id
) -> HTMLResponse | RedirectResponse:
    def add() -> object:
        return [service.add_attachment(user, document_id, upload) for upload in uploads(posted.form, "files")]

    return _change_attachments(request, ctx, user, service, posted, document_id, add, "more-files", "attached")


@router.post("/documents/{document_id}/attachments/{attachment_id}/title", response_model=None)
def retitle_attachment(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, service: Documents, document_id: Id,
    attachment_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    """附件标题: what the 附件说明 and the printed 附件 page call it."""
    title, field = str(posted.form.get("title") or ""), f"att-{attachment_id}-title"
    retitle = partial(service.retitle_attachment, user, document_id, attachment_id, title)
    return _change_attachments(request, ctx, user, service, posted, document_id, retitle, field,
                               "attachment_changed", {field: title})  # fmt: skip


@router.post("/documents/{document_id}/attachments/{attachment_id}/remove", response_model=None)
def remove_attachment(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, service: Documents, document_id: Id,
    attachment_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    remove = partial(service.remove_attachment, user, document_id, attachment_id)
    return _change_attachments(request, ctx, user, service, posted, document_id, remove,
                               f"att-{attachment_id}-file", "attachment_removed")  # fmt: skip


@router.post("/documents/{document_id}/attachments/{attachment_id}/replace", response_model=None)
def replace_attachment(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, service: Documents, document_id: Id,
    attachment_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    def replace() -> object:
        files = uploads(posted.form, "file")
        if not files:
            raise Invalid("file_required", "请选择替换用的文件", "choose the file to put in its place", field="file")
        return service.replace_attachment(user, document_id, attachment_id, files[0])

    return _change_attachments(request, ctx, user, service, posted, document_id, replace,
                               f"att-{attachment_id}-file", "attachment_replaced")  # fmt: skip


def _change_attachments(
    request: Request, ctx: Context, user: User, service: DocumentService, posted: Posted, document_id: int,
    change: Callable[[], object], field: str, done: str, typed: dict[str, str] | None = None,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    """Change the draft's attachments; refused, the editor on the saved draft with the problem at ``field``."""
    changed, problems = attempt(ctx, posted, change)
    if changed is None:
        return _saved_editor(request, ctx, user, service, document_id, _at(problems, field), typed)
    return redirect(f"/documents/{document_id}/edit", done)


def _at(problems: list[FormProblem], field: str) -> list[FormProblem]:
    return [p.model_copy(update={"field": field}) for p in problems]


def _saved_editor(
    request: Request, ctx: Context, user: User, service: DocumentService, document_id: int,
    problems: list[FormProblem], typed: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    """The editor on the saved draft, after a refused change of its attachments (the draft's own fields as saved)."""
    version = service.version(service.editable(user, document_id, lock=False))
    values = draft_values_of(version.fields, service.body(version), version.number)
    return _editor(request, ctx, user, values, document_id, problems, typed=typed)


@router.post("/documents/{document_id}/submit", response_model=None)
def submit(
    request: Request, form: FormDep, user: CurrentUser, ctx: UnitOfWork, document_id: Id
) -> HTMLResponse | RedirectResponse:
    return _submit(request, ctx, user, document_id, form.get("confirm_uncleared") == "on")


def _submit(
    request: Request, ctx: Context, user: User, document_id: int, confirmed: bool = False
) -> HTMLResponse | RedirectResponse:
    """Submit; recipients where nobody is cleared for the 密级 are shown on the document's page to be confirmed."""
    try:
        with ctx.savepoint():
            compose.workflow(ctx).submit(user, document_id, confirmed)
    except Conflict as exc:
        if exc.code != "recipients_without_clearance":
            raise
        return show_document(request, ctx, user, document_id, exc.status, exc.zh)
    return redirect(f"/documents/{document_id}", "submitted")


@router.get("/documents/{document_id}/versions")
def versions(
    request: Request,
    user: CurrentUser,
    service: Documents,
    document_id: Id,
    old: Annotated[int | None, Query(alias="from", ge=1, le=MAX_VERSION)] = None,
    new: Annotated[int | None, Query(alias="to", ge=1, le=MAX_VERSION)] = None,
) -> HTMLResponse:
    compared = _compared(service, service.get_visible(user, document_id, Level.internal), old, new)
    return page(request, "versions.html", user, nav="documents", **compared)


def _compared(service: DocumentService, document: Document, old: int | None, new: int | None) -> dict[str, Any]:
    """Two versions side by side (by default the current one and the one before), with every version listed."""
    new = new or document.current_version
    old = old or max(1, new - 1)
    rows = side_by_side(service.body(service.version(document, old)), service.body(service.version(document, new)))
    return {"document": document, "history": list(service.versions(document)), "old": old, "new": new,
            "diff": service.diff(document, old, new), "rows": rows}  # fmt: skip
