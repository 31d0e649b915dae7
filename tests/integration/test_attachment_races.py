"""Two people at once on a draft's attachments (SQLite and PostgreSQL): one change stands whole, the other is told
why, and no stored file is left without the version that names it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from services.context import Context
from services.documents.schemas import AttachmentUpload
from services.documents.service import DocumentService
from services.domain.models import Attachment, DocumentVersion
from services.errors import DomainError
from services.runtime import Runtime
from services.seed.example import user
from services.workflow.service import WorkflowService
from tests.helpers import lifecycle
from tests.integration.test_races import _codes, race, slow


def _upload(name: str, text: str) -> AttachmentUpload:
    return AttachmentUpload(filename=name, title="活动方案", content_type="text/plain", data=text.encode())


def _with_attachment(runtime: Runtime) -> tuple[int, int]:
    doc_id = lifecycle.draft(runtime)
    with runtime.context() as ctx:
        document = DocumentService(ctx).add_attachment(user(ctx, "mw.drafter"), doc_id, _upload("plan.txt", "方案"))
        service = DocumentService(ctx)
        return doc_id, service.version(document).attachments[0].id


def _current_attachments(runtime: Runtime, doc_id: int) -> list[tuple[str, bytes]]:
    with runtime.context(write=False) as ctx:
        service = DocumentService(ctx)
        version = service.version(service.get(doc_id))
        return [(a.title, ctx.store.get(a.key)) for a in version.attachments]


def _no_orphans(runtime: Runtime, doc_id: int) -> None:
    with runtime.context(write=False) as ctx:
        named = set(
            ctx.session.scalars(
                select(Attachment.key).join(DocumentVersion).where(DocumentVersion.document_id == doc_id)
            )
        ) | set(ctx.session.scalars(select(DocumentVersion.body_key).where(DocumentVersion.document_id == doc_id)))
    assert set(runtime.store.list(f"documents/{doc_id}/")) == named


def _replace(doc_id: int, attachment_id: int, text: str) -> Callable[[Context], object]:
    def act(ctx: Context) -> object:
        drafter = user(ctx, "mw.drafter")
        upload = _upload("new.txt", text)
        return DocumentService(ctx).replace_attachment(drafter, doc_id, attachment_id, upload).current_version

    return act


def test_two_clerks_replacing_one_attachment_at_once_one_file_stands(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id, attachment_id = _with_attachment(runtime)
    with slow(monkeypatch, DocumentService, "store_attachment"):
        results = race(runtime, *(_replace(doc_id, attachment_id, text) for text in ("甲的方案", "乙的方案")))
    assert _codes(results) == ["attachment_not_found", "ok"]  # the second asked for a file that was replaced
    winner = "甲的方案" if not isinstance(results[0], DomainError) else "乙的方案"
    assert _current_attachments(runtime, doc_id) == [("活动方案", winner.encode())]
    _no_orphans(runtime, doc_id)


def test_a_removal_against_a_retitle_of_one_attachment_one_wins(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id, attachment_id = _with_attachment(runtime)

    def remove(ctx: Context) -> object:
        return DocumentService(ctx).remove_attachment(user(ctx, "mw.drafter"), doc_id, attachment_id)

    def retitle(ctx: Context) -> object:
        return DocumentService(ctx).retitle_attachment(user(ctx, "mw.drafter"), doc_id, attachment_id, "实施方案")

    with slow(monkeypatch, DocumentService, "new_version"):
        results = race(runtime, remove, retitle)
    assert _codes(results) == ["attachment_not_found", "ok"]
    assert _current_attachments(runtime, doc_id) == []  # removed first: the retitle found nothing to rename
    _no_orphans(runtime, doc_id)


def test_an_attachment_added_while_the_draft_is_submitted_is_refused_and_not_kept(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id, _ = _with_attachment(runtime)

    def submit(ctx: Context) -> object:
        return WorkflowService(ctx).submit(user(ctx, "mw.drafter"), doc_id).status

    def attach(ctx: Context) -> object:
        return DocumentService(ctx).add_attachment(user(ctx, "mw.drafter"), doc_id, _upload("late.txt", "迟到的附件"))

    with slow(monkeypatch, WorkflowService, "submit"):
        results = race(runtime, submit, attach)
    assert _codes(results) == ["illegal_state", "ok"]
    assert [title for title, _ in _current_attachments(runtime, doc_id)] == ["活动方案"]
    _no_orphans(runtime, doc_id)
