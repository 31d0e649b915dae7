"""Inbox (待办), 签收, report-backs and 催办."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, Field

from services.api.deps import RuntimeDep, TokenDep, user_scope
from services.api.params import Id, IdField
from services.api.schemas import (
    ChaseOut,
    DistributionRow,
    DocumentOut,
    InboxItemOut,
    InboxOut,
    ReplyTaskOut,
)
from services.distribution.service import DistributionService
from services.documents.schemas import AttachmentUpload
from services.documents.service import decode_utf8_text

router = APIRouter(prefix="/api/v1", tags=["distribution"])


class ReturnIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ChaseIn(BaseModel):
    organ_ids: list[IdField] | None = Field(None, max_length=10_000)


@router.get("/inbox")
def inbox(runtime: RuntimeDep, token: TokenDep) -> InboxOut:
    with user_scope(runtime, token) as (ctx, user):
        mine = DistributionService(ctx).inbox(user)
        return InboxOut(
            returned=[DocumentOut.of(d) for d in mine["returned"]],
            to_review=[DocumentOut.of(d) for d in mine["to_review"]],
            to_sign=[DocumentOut.of(d) for d in mine["to_sign"]],
            to_receive=[InboxItemOut.of(i) for i in mine["to_receive"]],
            replies_due=[ReplyTaskOut.of(t) for t in mine["replies_due"]],
            chases=[ChaseOut.of(c) for c in mine["chases"]],
        )


@router.post("/documents/{document_id}/receive")
def receive(document_id: Id, runtime: RuntimeDep, token: TokenDep) -> InboxItemOut:
    """签收: the caller's organ confirms receipt."""
    with user_scope(runtime, token) as (ctx, user):
        return InboxItemOut.of(DistributionService(ctx).receive(user, document_id))


@router.post("/documents/{document_id}/replies", status_code=201)
def report_back(
    document_id: Id,
    runtime: RuntimeDep,
    token: TokenDep,
    title: Annotated[str, Form(min_length=1, max_length=500)],
    body: Annotated[str | None, Form()] = None,
    body_file: Annotated[UploadFile | None, File()] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> DocumentOut:
    """报送: a unit's summary (总结) as text or a UTF-8 file, with photos and other materials attached."""
    text = body if body is not None else (decode_utf8_text(body_file.file.read()) if body_file else "")
    uploads = [
        AttachmentUpload(
            title=(f.filename or "附件").rsplit(".", 1)[0],
            filename=f.filename or "附件",
            content_type=f.content_type or "application/octet-stream",
            data=f.file.read(),
        )
        for f in files or []
    ]
    with user_scope(runtime, token) as (ctx, user):
        return DocumentOut.of(DistributionService(ctx).report_back(user, document_id, title, text, uploads))


@router.get("/documents/{document_id}/distribution")
def distribution(document_id: Id, runtime: RuntimeDep, token: TokenDep) -> list[DistributionRow]:
    """Per recipient: delivered, received, report status, chases."""
    with user_scope(runtime, token) as (ctx, user):
        return [DistributionRow(**row) for row in DistributionService(ctx).distribution_status(user, document_id)]


@router.post("/documents/{document_id}/chase")
def chase(document_id: Id, body: ChaseIn, runtime: RuntimeDep, token: TokenDep) -> dict[str, int]:
    """Batch 催办 by the issuing office."""
    with user_scope(runtime, token) as (ctx, user):
        return {"chased": DistributionService(ctx).chase_now(user, document_id, body.organ_ids)}


@router.get("/documents/{document_id}/reply-tasks")
def reply_tasks(document_id: Id, runtime: RuntimeDep, token: TokenDep) -> list[ReplyTaskOut]:
    with user_scope(runtime, token) as (ctx, user):
        return [ReplyTaskOut.of(t) for t in DistributionService(ctx).reply_tasks_seen_by(user, document_id)]


@router.get("/reply-tasks/{task_id}/chases")
def task_chases(task_id: Id, runtime: RuntimeDep, token: TokenDep) -> list[ChaseOut]:
    with user_scope(runtime, token) as (ctx, user):
        return [ChaseOut.of(c) for c in DistributionService(ctx).chases_seen_by(user, task_id)]


@router.post("/reply-tasks/{task_id}/return")
def return_reply(task_id: Id, body: ReturnIn, runtime: RuntimeDep, token: TokenDep) -> ReplyTaskOut:
    """退回补报 with a reason."""
    with user_scope(runtime, token) as (ctx, user):
        return ReplyTaskOut.of(DistributionService(ctx).return_reply(user, task_id, body.reason))
