"""Archive pages' API: start a run, watch it, browse 件 by year / 期限 / 机构, packages, catalogues, fixity."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select

from services.access import require_role
from services.api.deps import RuntimeDep, TokenDep, user_scope
from services.api.errors import ERROR_RESPONSES
from services.api.params import Id, YearField, YearPath, YearQuery
from services.archive.service import ArchiveService
from services.domain.enums import JobStep, Role
from services.domain.models import ArchiveItem, ArchiveRun, FixityCheck
from services.errors import not_found
from services.jobs.service import JobService

router = APIRouter(prefix="/api/v1/archive", tags=["archive"], responses=ERROR_RESPONSES)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class RunIn(BaseModel):
    year: YearField
    dry_run: bool = False


def _run_json(run: ArchiveRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "year": run.year,
        "dry_run": run.dry_run,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "counts": run.counts,
        "stage_seconds": run.stage_seconds,
        "report": run.report,
    }


def _item_json(item: ArchiveItem) -> dict[str, Any]:
    return {
        "档号": item.archival_code,
        "year": item.year,
        "retention": item.retention,
        "organ": item.organ_code,
        "item_no": item.item_no,
        "title": item.title,
        "doc_number": item.doc_number,
        "responsible": item.responsible,
        "date": item.date,
        "classification": item.classification,
        "pages": item.pages,
        "status": item.status,
        "document_ids": item.document_ids,
        "manifest_sha256": item.manifest_sha256,
        "bytes": item.package_bytes,
        "checks": item.checks,
    }


@router.post("/runs", status_code=202)
def start_run(body: RunIn, runtime: RuntimeDep, token: TokenDep) -> dict[str, Any]:
    """Queue an archival run; the worker runs it as a Prefect flow. Watch it at GET /runs/{id}."""
    with user_scope(runtime, token) as (ctx, user):
        require_role(user, Role.archivist)
        return _run_json(ArchiveService(ctx).queue_run(body.year, body.dry_run))


@router.get("/runs/{run_id}")
def get_run(run_id: Id, runtime: RuntimeDep, token: TokenDep) -> dict[str, Any]:
    with user_scope(runtime, token) as (ctx, user):
        require_role(user, Role.archivist)
        return _run_json(ArchiveService(ctx).run(run_id))


@router.get("/items")
def list_items(
    runtime: RuntimeDep,
    token: TokenDep,
    year: YearQuery,
    retention: Annotated[str | None, Query(max_length=4)] = None,
    organ: Annotated[str | None, Query(max_length=16)] = None,
) -> list[dict[str, Any]]:
    with user_scope(runtime, token) as (ctx, user):
        return [_item_json(i) for i in ArchiveService(ctx).items_seen_by(user, year, retention, organ)]


@router.get("/items/{code}")
def get_package(code: Annotated[str, Path(max_length=64)], runtime: RuntimeDep, token: TokenDep) -> dict[str, Any]:
    """The 件 with its manifest and metadata, as stored."""
    with user_scope(runtime, token) as (ctx, user):
        item, manifest, metadata = ArchiveService(ctx).package_seen_by(user, code)
        return {**_item_json(item), "manifest": manifest, "metadata": metadata}


@router.get("/items/{code}/files/{path}")
def get_file(
    code: Annotated[str, Path(max_length=64)],
    path: Annotated[str, Path(max_length=300)],
    runtime: RuntimeDep,
    token: TokenDep,
) -> Response:
    with user_scope(runtime, token) as (ctx, user):
        return Response(ArchiveService(ctx).file_seen_by(user, code, path), media_type="application/octet-stream")


@router.get("/catalogue/{year}.{fmt}")
def catalogue(
    year: YearPath,
    fmt: Literal["csv", "xlsx", "pdf"],
    runtime: RuntimeDep,
    token: TokenDep,
) -> Response:
    with user_scope(runtime, token) as (ctx, user):
        return Response(ArchiveService(ctx).catalogue_seen_by(user, year, fmt), media_type=MEDIA[fmt])


@router.post("/fixity", status_code=202)
def start_fixity(runtime: RuntimeDep, token: TokenDep) -> dict[str, str]:
    with user_scope(runtime, token) as (ctx, user):
        require_role(user, Role.archivist)
        JobService(ctx).enqueue(JobStep.fixity, None)
        return {"status": "queued"}


@router.get("/fixity")
def latest_fixity(runtime: RuntimeDep, token: TokenDep) -> dict[str, Any]:
    with user_scope(runtime, token) as (ctx, user):
        require_role(user, Role.archivist)
        check = ctx.session.scalar(select(FixityCheck).order_by(FixityCheck.id.desc()).limit(1))
        if check is None:
            raise not_found("完整性检查", "fixity check")
        return {
            "id": check.id,
            "started_at": check.started_at,
            "finished_at": check.finished_at,
            "items_checked": check.items_checked,
            "failures": check.failures,
        }
