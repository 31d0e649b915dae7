"""Archivists' pages: years and categories, a run and its progress, the catalogue, a 件's package, fixity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select
from starlette.datastructures import FormData

from services.access import require_role
from services.api.params import Id, YearPath
from services.archive.service import ArchiveService
from services.domain.enums import JobStep, Role
from services.domain.models import ArchiveItem, ArchiveRun, FixityCheck
from services.errors import Invalid
from services.jobs.service import JobService
from services.web.render import page, redirect
from services.web.session import read_form, web_scope

router = APIRouter(include_in_schema=False)
FormDep = Annotated[FormData, Depends(read_form)]


@router.get("/archive")
def archive_home(request: Request) -> HTMLResponse:
    with web_scope(request) as (ctx, user):
        require_role(user, Role.archivist)
        service = ArchiveService(ctx)
        runs = list(ctx.session.scalars(select(ArchiveRun).order_by(ArchiveRun.id.desc()).limit(20)))
        last_year = ctx.today().year - 1
        return page(request, "archive/home.html", user, nav="archive", overview=service.overview(user), runs=runs,
                    last_year=last_year)  # fmt: skip


@router.post("/archive/runs")
def start_run(request: Request, form: FormDep) -> RedirectResponse:
    year_text = str(form.get("year") or "")
    if not year_text.isdigit():
        raise Invalid("archive_year_invalid", f"年度不正确：{year_text}", f"invalid year: {year_text}")
    with web_scope(request) as (ctx, user):
        require_role(user, Role.archivist)
        run = ArchiveService(ctx).queue_run(int(year_text), form.get("dry_run") == "1")
        run_id = run.id
    return redirect(f"/archive/runs/{run_id}", "run_started")


@router.get("/archive/runs/{run_id}")
def run_page(request: Request, run_id: Id) -> HTMLResponse:
    with web_scope(request) as (ctx, user):
        require_role(user, Role.archivist)
        run = ArchiveService(ctx).run(run_id)
        stored = ctx.session.scalar(
            select(func.count()).where(ArchiveItem.run_id == run.id, ArchiveItem.status == "stored")
        )
        return page(request, "archive/run.html", user, nav="archive", run=run, stored=stored or 0)


@router.get("/archive/years/{year}")
def catalogue_page(
    request: Request,
    year: YearPath,
    retention: Annotated[str | None, Query(max_length=4)] = None,
    organ: Annotated[str | None, Query(max_length=16)] = None,
) -> HTMLResponse:
    with web_scope(request) as (ctx, user):
        require_role(user, Role.archivist)
        service = ArchiveService(ctx)
        items = service.items_seen_by(user, year, retention or None, organ or None)
        categories = [row for row in service.overview(user) if row["year"] == year]
        return page(request, "archive/catalogue.html", user, nav="archive", year=year, items=items,
                    categories=categories, retention=retention or "", organ=organ or "",
                    gaps=service.gaps(year))  # fmt: skip


@router.get("/archive/items/{code}")
def package_page(request: Request, code: str) -> HTMLResponse:
    with web_scope(request) as (ctx, user):
        item, manifest, metadata = ArchiveService(ctx).package_seen_by(user, code)
        return page(request, "archive/item.html", user, nav="archive", item=item, manifest=manifest,
                    metadata=metadata)  # fmt: skip


@router.get("/archive/fixity")
def fixity_page(request: Request) -> HTMLResponse:
    with web_scope(request) as (ctx, user):
        require_role(user, Role.archivist)
        checks = list(ctx.session.scalars(select(FixityCheck).order_by(FixityCheck.id.desc()).limit(12)))
        return page(request, "archive/fixity.html", user, nav="archive", checks=checks)


@router.post("/archive/fixity")
def start_fixity(request: Request, form: FormDep) -> RedirectResponse:
    with web_scope(request) as (ctx, user):
        require_role(user, Role.archivist)
        JobService(ctx).enqueue(JobStep.fixity, None)
    return redirect("/archive/fixity", "fixity_started")
