"""Archivists' pages: years and categories, a run and its progress, the catalogue, a 件's package, fixity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from services import compose
from services.access import require_role
from services.archive.retention import KEYS, KINDS, PERIODS
from services.context import Context
from services.domain.enums import JobStep, Role
from services.domain.models import User
from services.errors import DomainError, Invalid
from services.http.deps import Archive, CurrentUser, Fonds, Jobs, Retention, UnitOfWork
from services.http.params import Id, YearPath
from services.web.render import page, redirect
from services.web.session import read_form

router = APIRouter(include_in_schema=False)
FormDep = Annotated[FormData, Depends(read_form)]


@router.get("/archive")
def archive_home(
    request: Request, user: CurrentUser, ctx: UnitOfWork, service: Archive, retention: Retention, fonds: Fonds
) -> HTMLResponse:
    require_role(user, Role.archivist)
    last_year = ctx.today().year - 1
    return page(request, "archive/home.html", user, nav="archive", overview=service.overview(user),
                runs=service.runs_seen_by(user), last_year=last_year, fonds=fonds.seen_by(user),
                schedule=retention.in_force())  # fmt: skip


@router.post("/archive/runs")
def start_run(form: FormDep, user: CurrentUser, archive: Archive) -> RedirectResponse:
    year_text = str(form.get("year") or "")
    if not year_text.isdigit():
        raise Invalid("archive_year_invalid", f"年度不正确：{year_text}", f"invalid year: {year_text}")
    fonds = str(form.get("fonds") or "") or None
    run = archive.queue_run(user, int(year_text), form.get("dry_run") == "1", fonds)
    run_id = run.id
    return redirect(f"/archive/runs/{run_id}", "run_started")


@router.get("/archive/runs/{run_id}")
def run_page(request: Request, user: CurrentUser, archive: Archive, run_id: Id) -> HTMLResponse:
    run = archive.run_seen_by(user, run_id)
    stored = archive.stored_in_run(run.id)
    return page(request, "archive/run.html", user, nav="archive", run=run, stored=stored)


@router.get("/archive/years/{year}")
def catalogue_page(
    request: Request,
    user: CurrentUser,
    service: Archive,
    year: YearPath,
    retention: Annotated[str | None, Query(max_length=4)] = None,
    organ: Annotated[str | None, Query(max_length=16)] = None,
    fonds: Annotated[str | None, Query(max_length=4)] = None,
) -> HTMLResponse:
    ref = service.fonds_seen_by(user, fonds or None)
    items = service.items_seen_by(user, year, retention or None, organ or None, ref.code)
    categories = [row for row in service.overview(user) if row["year"] == year and row["fonds"] == ref.code]
    return page(request, "archive/catalogue.html", user, nav="archive", year=year, items=items,
                categories=categories, retention=retention or "", organ=organ or "", fonds=ref,
                gaps=service.gaps(ref.code, year))  # fmt: skip


@router.get("/archive/items/{code}")
def package_page(request: Request, user: CurrentUser, archive: Archive, code: str) -> HTMLResponse:
    item, manifest, metadata = archive.package_seen_by(user, code)
    return page(request, "archive/item.html", user, nav="archive", item=item, manifest=manifest,
                metadata=metadata)  # fmt: skip


@router.get("/archive/fixity")
def fixity_page(request: Request, user: CurrentUser, archive: Archive) -> HTMLResponse:
    require_role(user, Role.archivist)
    checks = archive.fixity_checks(12)
    return page(request, "archive/fixity.html", user, nav="archive", checks=checks)


@router.post("/archive/fixity")
def start_fixity(form: FormDep, user: CurrentUser, jobs: Jobs) -> RedirectResponse:
    require_role(user, Role.archivist)
    jobs.enqueue(JobStep.fixity, None)
    return redirect("/archive/fixity", "fixity_started")


# -- 全宗 (admins set each organ's) and the 保管期限表 (archivists keep it) ------------------------------------------


@router.get("/archive/fonds")
def fonds_page(request: Request, user: CurrentUser, ctx: UnitOfWork) -> HTMLResponse:
    return _fonds_page(request, ctx, user)


def _fonds_page(request: Request, ctx: Context, user: User, **typed: object) -> HTMLResponse:
    fonds = compose.fonds(ctx).seen_by(user)
    organs = list(compose.organs(ctx).list()) if user.has_role(Role.admin) else []
    return page(request, "archive/fonds.html", user, nav="archive", fonds=fonds, organs=organs,
                http_status=422 if typed else 200, **{"errors": {}, "typed": {}, **typed})  # fmt: skip


@router.post("/archive/fonds", response_model=None)
def set_fonds(
    request: Request, form: FormDep, user: CurrentUser, ctx: UnitOfWork, fonds: Fonds
) -> HTMLResponse | RedirectResponse:
    organ_text, code, name = (str(form.get(k) or "").strip() for k in ("organ_id", "code", "name"))
    try:
        if not organ_text.isdigit() or len(organ_text) > 9:
            raise Invalid("organ_required", "请选择机关", "choose an organ", field="organ_id")
        fonds.set(user, int(organ_text), code, name)
    except DomainError as exc:
        if exc.status == 403:
            raise
        ctx.session.rollback()
        field = str(exc.details.get("field", "code"))
        typed = {"organ_id": organ_text, "code": code, "name": name}
        return _fonds_page(request, ctx, user, errors={field: exc.zh}, typed=typed)
    return redirect("/archive/fonds", "fonds_saved")


@router.get("/archive/retention")
def retention_page(request: Request, user: CurrentUser, ctx: UnitOfWork) -> HTMLResponse:
    return _retention_page(request, ctx, user)


def _retention_page(request: Request, ctx: Context, user: User, **typed: object) -> HTMLResponse:
    service = compose.retention(ctx)
    history = service.history(user)
    return page(request, "archive/retention.html", user, nav="archive", schedule=service.in_force(),
                history=history, keys=KEYS, kinds=KINDS, periods=PERIODS,
                http_status=422 if typed else 200, **{"errors": {}, "typed": {}, **typed})  # fmt: skip


@router.post("/archive/retention", response_model=None)
def change_retention(
    request: Request, form: FormDep, user: CurrentUser, ctx: UnitOfWork, retention: Retention
) -> HTMLResponse | RedirectResponse:
    key, period, reason = (str(form.get(k) or "").strip() for k in ("key", "period", "reason"))
    try:
        retention.change(user, key, period, reason[:500])
    except DomainError as exc:
        if exc.status == 403:
            raise
        ctx.session.rollback()
        field = str(exc.details.get("field", "period"))
        typed = {"key": key, "period": period, "reason": reason}
        return _retention_page(request, ctx, user, errors={field: exc.zh}, typed=typed)
    return redirect("/archive/retention", "retention_saved")
