"""导入: upload past documents and follow the import job (stage, files done of total) to its per-file report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData, UploadFile

from services.http.deps import CurrentUser, ImportJobs
from services.http.params import Id
from services.http.scope import TokenDep
from services.http.staging import Staged, staged
from services.imports.service import job_view, require_importer
from services.limits import FILE_LIMITS, Upload
from services.web.render import page, redirect
from services.web.session import read_form

router = APIRouter(include_in_schema=False)
FormDep = Annotated[FormData, Depends(read_form)]
REFRESH_SECONDS = 2


@router.get("/imports")
def imports_home(request: Request, user: CurrentUser, import_jobs: ImportJobs) -> HTMLResponse:
    require_importer(user)
    jobs = [job_view(job) for job in import_jobs.recent_of(user)]
    limit_mb = FILE_LIMITS[Upload.import_file].max_bytes // (1024 * 1024)
    return page(request, "imports.html", user, nav="imports", jobs=jobs, limit_mb=limit_mb)


def staged_files(request: Request, caller: TokenDep, form: FormDep) -> Iterator[Staged]:
    chosen = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    with staged(request, caller, chosen) as stored:
        yield stored


@router.post("/imports")
def upload(
    user: CurrentUser, jobs: ImportJobs, stored: Annotated[Staged, Depends(staged_files, scope="function")]
) -> RedirectResponse:
    """The files are stored and queued; the page that follows shows the job's progress."""
    return redirect(f"/imports/jobs/{jobs.queue(user, stored.files).id}", "import_queued")


@router.get("/imports/jobs/{job_id}")
def job_page(request: Request, user: CurrentUser, import_jobs: ImportJobs, job_id: Id) -> HTMLResponse:
    job = job_view(import_jobs.seen_by(user, job_id))
    return page(request, "import_job.html", user, nav="imports", job=job, refresh=REFRESH_SECONDS)
