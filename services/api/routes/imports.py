"""Imports over HTTP: upload files, get a per-file report; link documents by hand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel

from services.api.deps import RuntimeDep, TokenDep, user_scope
from services.errors import DomainError
from services.imports.reader import MAX_BYTES
from services.imports.service import FileOutcome, ImportService

router = APIRouter(prefix="/api/v1", tags=["imports"])


class LinkIn(BaseModel):
    to_id: int
    kind: str


def _read_capped(upload: UploadFile) -> bytes:
    data = upload.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DomainError("file_too_large", "文件超过 100 MB", "the file is larger than 100 MB", status=413)
    return data


@router.post("/imports")
def import_files(runtime: RuntimeDep, token: TokenDep, files: Annotated[list[UploadFile], File()]) -> dict[str, Any]:
    """Each file in its own transaction: a failed one is reported and leaves nothing behind."""
    with user_scope(runtime, token):
        pass  # authenticate before reading any upload
    outcomes = []
    for upload in files:
        name = upload.filename or ""
        try:
            data = _read_capped(upload)
            with user_scope(runtime, token) as (ctx, user):
                outcomes.append(ImportService(ctx).import_bytes(user, name, data))
        except DomainError as exc:
            outcomes.append(FileOutcome(name, "failed", code=exc.code, message_zh=exc.zh, message_en=exc.en))
    return {"files": [o.as_dict() for o in outcomes]}


@router.get("/documents/{document_id}/links")
def links(document_id: int, runtime: RuntimeDep, token: TokenDep) -> list[dict[str, Any]]:
    with user_scope(runtime, token) as (ctx, user):
        return [
            {"from_id": x.from_id, "to_id": x.to_id, "kind": x.kind, "how": x.how}
            for x in ImportService(ctx).links_of(user, document_id)
        ]


@router.post("/documents/{document_id}/links", status_code=201)
def link(document_id: int, body: LinkIn, runtime: RuntimeDep, token: TokenDep) -> dict[str, Any]:
    with user_scope(runtime, token) as (ctx, user):
        made = ImportService(ctx).link(user, document_id, body.to_id, body.kind)
        return {"from_id": made.from_id, "to_id": made.to_id, "kind": made.kind, "how": made.how}
