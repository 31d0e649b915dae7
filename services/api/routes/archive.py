"""Archive pages' API: start a run, watch it, browse 件 by year / 期限 / 机构, packages, catalogues, fixity."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.access import require_role
from services.api.errors import ERROR_RESPONSES
from services.archive.fonds import FondsRef
from services.archive.retention import KEYS, PERIODS
from services.domain.enums import JobStep, Role
from services.domain.models import ArchiveItem, ArchiveRun, RetentionSchedule
from services.errors import not_found
from services.http.deps import Archive, CurrentUser, Fonds, Jobs, Retention
from services.http.params import Id, YearField, YearPath, YearQuery

router = APIRouter(prefix="/api/v1/archive", tags=["archive"], responses=ERROR_RESPONSES)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


FondsCode = Annotated[str | None, Query(max_length=4, description="全宗号 (default: the fonds the user keeps)")]


class RunIn(BaseModel):
    year: YearField
    dry_run: bool = False
    fonds: str | None = Field(None, max_length=4, description="全宗号; an archivist runs their organ's fonds")


class FondsIn(BaseModel):
    code: str = Field(max_length=8, description="全宗号, 4 letters or digits")
    name: str = Field(max_length=200, description="全宗名称")


class RetentionIn(BaseModel):
    period: str = Field(max_length=8, description="Y (永久), D30 or D10")
    reason: str | None = Field(None, max_length=500)


def _run_json(run: ArchiveRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "year": run.year,
        "fonds": run.fonds_code,
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
        "fonds": item.fonds_code,
        "copy": item.is_copy,
        "remark": item.remark,
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
def start_run(user: CurrentUser, archive: Archive, body: RunIn) -> dict[str, Any]:
    """Queue an archival run of a fonds the user keeps; the worker runs it as a Prefect flow. Watch it at
    GET /runs/{id}: its report lists what was held back and why, and the retention schedule it used."""
    return _run_json(archive.queue_run(user, body.year, body.dry_run, body.fonds))


@router.get("/runs/{run_id}")
def get_run(user: CurrentUser, archive: Archive, run_id: Id) -> dict[str, Any]:
    return _run_json(archive.run_seen_by(user, run_id))


@router.get("/items")
def list_items(
    user: CurrentUser,
    archive: Archive,
    year: YearQuery,
    retention: Annotated[str | None, Query(max_length=4)] = None,
    organ: Annotated[str | None, Query(max_length=16)] = None,
    fonds: FondsCode = None,
) -> list[dict[str, Any]]:
    return [_item_json(i) for i in archive.items_seen_by(user, year, retention, organ, fonds)]


@router.get("/items/{code}")
def get_package(user: CurrentUser, archive: Archive, code: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    """The 件 with its manifest and metadata, as stored."""
    item, manifest, metadata = archive.package_seen_by(user, code)
    return {**_item_json(item), "manifest": manifest, "metadata": metadata}


@router.get("/items/{code}/files/{path}")
def get_file(
    user: CurrentUser,
    archive: Archive,
    code: Annotated[str, Path(max_length=64)],
    path: Annotated[str, Path(max_length=300)],
) -> Response:
    return Response(archive.file_seen_by(user, code, path), media_type="application/octet-stream")


@router.get("/catalogue/{year}.{fmt}")
def catalogue(
    user: CurrentUser,
    archive: Archive,
    year: YearPath,
    fmt: Literal["csv", "xlsx", "pdf"],
    fonds: FondsCode = None,
) -> Response:
    return Response(archive.catalogue_seen_by(user, year, fmt, fonds), media_type=MEDIA[fmt])


@router.get("/fonds")
def list_fonds(user: CurrentUser, fonds: Fonds) -> list[dict[str, Any]]:
    """The fonds the user keeps: an archivist their organ's, an admin every organ's."""
    return [_fonds_json(f) for f in fonds.seen_by(user)]


@router.put("/fonds/{organ_id}")
def set_fonds(user: CurrentUser, fonds: Fonds, organ_id: Id, body: FondsIn) -> dict[str, Any]:
    """Give an organ its own 全宗号 and 全宗名称 (admins only; audited)."""
    kept = fonds.set(user, organ_id, body.code, body.name)
    return {"code": kept.code, "name": kept.name, "organ_id": kept.organ_id}


@router.get("/retention")
def retention_schedule(user: CurrentUser, service: Retention) -> dict[str, Any]:
    """The 保管期限表 in force (version, since when) and its past versions."""
    schedule = service.in_force()
    history = [_retention_change(v) for v in service.history(user)]
    return {**schedule.as_report(), "rules": schedule.rules, "keys": KEYS, "periods": list(PERIODS), "history": history}


def _retention_change(v: RetentionSchedule) -> dict[str, Any]:
    return {"version": v.id, "key": v.changed_key, "previous": v.previous, "period": v.period, "reason": v.reason,
            "by": v.changed_by_name, "at": v.created_at}  # fmt: skip


@router.put("/retention/{key}")
def change_retention(
    user: CurrentUser,
    retention: Retention,
    key: Annotated[str, Path(max_length=16)],
    body: RetentionIn,
) -> dict[str, Any]:
    """Set the 保管期限 of one 文种 or kind (archivists and admins): a new version of the table, audited."""
    version = retention.change(user, key, body.period, body.reason)
    return {"version": version.id, "key": key, "period": version.period, "previous": version.previous,
            "since": version.created_at}  # fmt: skip


def _fonds_json(fonds: FondsRef) -> dict[str, Any]:
    return {"code": fonds.code, "name": fonds.name, "organ_id": fonds.organ_id, "organ": fonds.organ_name}


@router.post("/fixity", status_code=202)
def start_fixity(user: CurrentUser, jobs: Jobs) -> dict[str, str]:
    require_role(user, Role.archivist)
    jobs.enqueue(JobStep.fixity, None)
    return {"status": "queued"}


@router.get("/fixity")
def latest_fixity(user: CurrentUser, archive: Archive) -> dict[str, Any]:
    require_role(user, Role.archivist)
    check = next(iter(archive.fixity_checks(1)), None)
    if check is None:
        raise not_found("完整性检查", "fixity check")
    return {
        "id": check.id,
        "started_at": check.started_at,
        "finished_at": check.finished_at,
        "items_checked": check.items_checked,
        "failures": check.failures,
    }
