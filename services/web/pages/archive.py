"""Archivists' pages: years and categories, a run and its progress, the catalogue, a 件's package, fixity."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from services import compose
from services.access import require_role
from services.archive.fonds import FondsRef, FondsService
from services.archive.retention import KEYS, KINDS, PERIODS
from services.archive.service import ArchiveService
from services.context import Context
from services.domain.enums import JobStep, Role
from services.domain.models import User
from services.errors import Invalid
from services.http.deps import Archive, CurrentUser, Fonds, Jobs, Retention, UnitOfWork
from services.http.params import Id, YearPath
from services.web.attempt import attempt
from services.web.pages.checked import CheckedForm, FormDep, form_values
from services.web.problems import by_field
from services.web.render import page, redirect

router = APIRouter(include_in_schema=False)


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
    shown = _catalogue(service, user, year, retention or "", organ or "", service.fonds_seen_by(user, fonds or None))
    return page(request, "archive/catalogue.html", user, nav="archive", year=year, retention=retention or "",
                organ=organ or "", **shown)  # fmt: skip


def _catalogue(
    service: ArchiveService, user: User, year: int, retention: str, organ: str, ref: FondsRef
) -> dict[str, Any]:
    """One 全宗's year: its items (of a 保管期限 or an organ when chosen), its categories and gaps in its 件号."""
    items = service.items_seen_by(user, year, retention or None, organ or None, ref.code)
    categories = [row for row in service.overview(user) if row["year"] == year and row["fonds"] == ref.code]
    return {"items": items, "categories": categories, "fonds": ref, "gaps": service.gaps(ref.code, year)}


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
    request: Request, posted: CheckedForm, user: CurrentUser, ctx: UnitOfWork, fonds: Fonds
) -> HTMLResponse | RedirectResponse:
    typed = form_values(posted.form, ("organ_id", "code", "name"))
    _, problems = attempt(ctx, posted, partial(_set_fonds, fonds, user, typed), default_field="code")
    if problems:
        return _fonds_page(request, ctx, user, errors=by_field(problems), typed=typed)
    return redirect("/archive/fonds", "fonds_saved")


def _set_fonds(fonds: FondsService, user: User, typed: dict[str, str]) -> None:
    if not typed["organ_id"].isdigit() or len(typed["organ_id"]) > 9:
        raise Invalid("organ_required", "请选择机关", "choose an organ", field="organ_id")
    fonds.set(user, int(typed["organ_id"]), typed["code"], typed["name"])


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
    request: Request, posted: CheckedForm, user: CurrentUser, ctx: UnitOfWork, retention: Retention
) -> HTMLResponse | RedirectResponse:
    typed = form_values(posted.form, ("key", "period", "reason"))
    change = partial(retention.change, user, typed["key"], typed["period"], typed["reason"][:500])
    _, problems = attempt(ctx, posted, change, default_field="period")
    if problems:
        return _retention_page(request, ctx, user, errors=by_field(problems), typed=typed)
    return redirect("/archive/retention", "retention_saved")
