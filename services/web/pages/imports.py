"""导入: upload past documents and follow the import job (stage, files done of total) to its per-file report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData, UploadFile

from services import compose
from services.http.deps import CurrentUser, ImportJobs
from services.http.params import Id
from services.http.request import runtime_of
from services.http.scope import web_scope
from services.imports.service import discard_uploads, job_view, require_importer, store_uploads
from services.limits import FILE_LIMITS, Upload, check_size
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


@router.post("/imports")
def upload(form: FormDep, request: Request) -> RedirectResponse:
    """The files are stored and queued; the page that follows shows the job's progress."""
    with web_scope(request, write=False) as (_, user):
        require_importer(user)
    chosen = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    store = runtime_of(request).store
    stored = store_uploads(store, [(f.filename or "", _read_capped(f)) for f in chosen])
    try:
        with web_scope(request) as (ctx, user):
            job_id = compose.import_jobs(ctx).queue(user, stored).id
    except BaseException:
        discard_uploads(store, stored)
        raise
    return redirect(f"/imports/jobs/{job_id}", "import_queued")


@router.get("/imports/jobs/{job_id}")
def job_page(request: Request, user: CurrentUser, import_jobs: ImportJobs, job_id: Id) -> HTMLResponse:
    job = job_view(import_jobs.seen_by(user, job_id))
    return page(request, "import_job.html", user, nav="imports", job=job, refresh=REFRESH_SECONDS)


def _read_capped(upload: UploadFile) -> bytes:
    data = upload.file.read(FILE_LIMITS[Upload.import_file].max_bytes + 1)
    check_size(Upload.import_file, len(data))
    return data
