"""Imports over HTTP: upload files and follow their import job to its per-file report; link documents by hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from pydantic import BaseModel

from services.api.errors import ERROR_RESPONSES
from services.http.deps import CurrentUser, ImportJobs, Imports
from services.http.params import Id, IdField
from services.http.scope import TokenDep
from services.http.staging import Staged, staged
from services.imports.service import job_view

router = APIRouter(prefix="/api/v1", tags=["imports"], responses=ERROR_RESPONSES)


class LinkIn(BaseModel):
    to_id: IdField
    kind: str


def staged_files(request: Request, caller: TokenDep, files: Annotated[list[UploadFile], File()]) -> Iterator[Staged]:
    with staged(request, caller, files) as stored:
        yield stored


@router.post("/imports", status_code=202)
def import_files(
    user: CurrentUser,
    jobs: ImportJobs,
    stored: Annotated[Staged, Depends(staged_files, scope="function")],
    response: Response,
) -> dict[str, Any]:
    """Store the files and queue their import; the answer comes at once with the job to follow
    (`GET /api/v1/imports/jobs/{id}`): its stage, files done of total, and each file's outcome when it is done.
    `Server-Timing: handler` says how long this request's thread worked on it."""
    view = job_view(jobs.queue(user, stored.files))
    response.headers["Server-Timing"] = stored.timing()
    return view


@router.get("/imports/jobs")
def import_jobs(user: CurrentUser, jobs: ImportJobs) -> list[dict[str, Any]]:
    """The caller's own recent import jobs, newest first."""
    return [job_view(job) for job in jobs.recent_of(user)]


@router.get("/imports/jobs/{job_id}")
def import_job(user: CurrentUser, jobs: ImportJobs, job_id: Id) -> dict[str, Any]:
    """One of the caller's import jobs; another user's answers as an unknown id does."""
    return job_view(jobs.seen_by(user, job_id))


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
