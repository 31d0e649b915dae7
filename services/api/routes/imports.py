"""Imports over HTTP: upload files, get a per-file report; link documents by hand."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel

from services.api.errors import ERROR_RESPONSES
from services.errors import DomainError
from services.http.params import Id, IdField
from services.http.scope import RuntimeDep, TokenDep, user_scope
from services.imports.service import FileOutcome, ImportService, prepare
from services.limits import FILE_LIMITS, Upload, check_size

router = APIRouter(prefix="/api/v1", tags=["imports"], responses=ERROR_RESPONSES)


class LinkIn(BaseModel):
    to_id: IdField
    kind: str


def _read_capped(upload: UploadFile) -> bytes:
    data = upload.file.read(FILE_LIMITS[Upload.import_file].max_bytes + 1)
    check_size(Upload.import_file, len(data))
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
            outcomes.append(_import_one(runtime, token, name, _read_capped(upload)))
        except DomainError as exc:
            outcomes.append(FileOutcome(name, "failed", code=exc.code, message_zh=exc.zh, message_en=exc.en))
    return {"files": [o.as_dict() for o in outcomes]}


def _import_one(runtime: RuntimeDep, token: TokenDep, name: str, data: bytes) -> FileOutcome:
    """Reading and recognising (the slow, memory-hungry part) happen outside any transaction."""
    with user_scope(runtime, replace(token, read_only=True)) as (ctx, user):
        duplicate = ImportService(ctx).duplicate_of(user, name, data)
    if duplicate is not None:
        return duplicate
    prepared = prepare(name, data)
    with user_scope(runtime, token) as (ctx, user):
        return ImportService(ctx).store_recognized(user, prepared)


@router.get("/documents/{document_id}/links")
def links(document_id: Id, runtime: RuntimeDep, token: TokenDep) -> list[dict[str, Any]]:
    with user_scope(runtime, token) as (ctx, user):
        return [
            {"from_id": x.from_id, "to_id": x.to_id, "kind": x.kind, "how": x.how}
            for x in ImportService(ctx).links_of(user, document_id)
        ]


@router.post("/documents/{document_id}/links", status_code=201)
def link(document_id: Id, body: LinkIn, runtime: RuntimeDep, token: TokenDep) -> dict[str, Any]:
    with user_scope(runtime, token) as (ctx, user):
        made = ImportService(ctx).link(user, document_id, body.to_id, body.kind)
        return {"from_id": made.from_id, "to_id": made.to_id, "kind": made.kind, "how": made.how}
