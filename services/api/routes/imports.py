"""Imports over HTTP: upload files and follow their import job to its per-file report; link documents by hand."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, File, Response, UploadFile
from pydantic import BaseModel

from services import compose
from services.api.errors import ERROR_RESPONSES
from services.http.deps import CurrentUser, Imports
from services.http.params import Id, IdField
from services.http.scope import RuntimeDep, TokenDep, user_scope
from services.imports.service import (
    discard_uploads,
    job_view,
    require_importer,
    store_uploads,
)
from services.limits import FILE_LIMITS, Upload, check_size

router = APIRouter(prefix="/api/v1", tags=["imports"], responses=ERROR_RESPONSES)


class LinkIn(BaseModel):
    to_id: IdField
    kind: str


def read_capped(upload: UploadFile) -> bytes:
    """An uploaded file's bytes (spooled to disk by the server as they came), refused past the import limit."""
    data = upload.file.read(FILE_LIMITS[Upload.import_file].max_bytes + 1)
    check_size(Upload.import_file, len(data))
    return data


@router.post("/imports", status_code=202)
def import_files(
    runtime: RuntimeDep, token: TokenDep, files: Annotated[list[UploadFile], File()], response: Response
) -> dict[str, Any]:
    """Store the files and queue their import; the answer comes at once with the job to follow
    (`GET /api/v1/imports/jobs/{id}`): its stage, files done of total, and each file's outcome when it is done.
    `Server-Timing: handler` says how long this request's thread worked on it."""
    started = time.perf_counter()
    with user_scope(runtime, replace(token, read_only=True)) as (_, user):
        require_importer(user)  # authenticate (and refuse a non-importer) before reading any upload
    stored = store_uploads(runtime.store, [(upload.filename or "", read_capped(upload)) for upload in files])
    try:
        with user_scope(runtime, token) as (ctx, user):
            view = job_view(compose.import_jobs(ctx).queue(user, stored))
    except BaseException:
        discard_uploads(runtime.store, stored)
        raise
    response.headers["Server-Timing"] = f"handler;dur={(time.perf_counter() - started) * 1000:.1f}"
    return view


@router.get("/imports/jobs")
def import_jobs(runtime: RuntimeDep, token: TokenDep) -> list[dict[str, Any]]:
    """The caller's own recent import jobs, newest first."""
    with user_scope(runtime, replace(token, read_only=True)) as (ctx, user):
        return [job_view(job) for job in compose.import_jobs(ctx).recent_of(user)]


@router.get("/imports/jobs/{job_id}")
def import_job(job_id: Id, runtime: RuntimeDep, token: TokenDep) -> dict[str, Any]:
    """One of the caller's import jobs; another user's answers as an unknown id does."""
    with user_scope(runtime, replace(token, read_only=True)) as (ctx, user):
        return job_view(compose.import_jobs(ctx).seen_by(user, job_id))


@router.get("/documents/{document_id}/links")
def links(user: CurrentUser, imports: Imports, document_id: Id) -> list[dict[str, Any]]:
    return [
        {"from_id": x.from_id, "to_id": x.to_id, "kind": x.kind, "how": x.how}
        for x in imports.links_of(user, document_id)
    ]


@router.post("/documents/{document_id}/links", status_code=201)
def link(user: CurrentUser, imports: Imports, document_id: Id, body: LinkIn) -> dict[str, Any]:
    made = imports.link(user, document_id, body.to_id, body.kind)
    return {"from_id": made.from_id, "to_id": made.to_id, "kind": made.kind, "how": made.how}
