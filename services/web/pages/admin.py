"""Admin: organs with their 机关代字, 单位分组, users and roles, and the changes made to them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from services import compose
from services.access import require_role
from services.accounts.people import Profile
from services.context import Context
from services.domain.enums import Role
from services.domain.models import User
from services.errors import DomainError, Invalid
from services.http.deps import CurrentUser, Jobs, Organs, UnitOfWork
from services.http.params import Id
from services.http.scope import web_scope
from services.web.forms import FormProblem
from services.web.render import page, redirect
from services.web.session import read_form

router = APIRouter(include_in_schema=False)
# The fields a change to a user or an organ names, in the words of the pages.
CHANGE_ZH = {
    "display_name": "姓名", "person_name": "签发人姓名", "job_title": "职务", "organ_id": "机关",
    "department_id": "科室", "roles": "角色", "clearance": "密级权限", "name": "名称", "short_name": "简称",
    "parent_id": "上级机关", "prefixes": "机关代字",
}  # fmt: skip
FormDep = Annotated[FormData, Depends(read_form)]


def _home(ctx: Context, user: User) -> dict[str, Any]:
    indexing = compose.indexing(ctx)
    counted = {
        "organs": compose.organs(ctx).list(),
        "groups": compose.groups(ctx).all(),
        "users": compose.users(ctx).list(),
    }
    return {"index_pending": indexing.pending(), "index_set_aside": indexing.set_aside(), **counted}


# One page per subject, each with the forms of its own things: what each page shows.
SECTIONS: dict[str, Callable[[Context, User], dict[str, Any]]] = {
    "home": _home,
    "organs": lambda ctx, user: {"organs": compose.organs(ctx).list()},
    "groups": lambda ctx, user: {"organs": compose.organs(ctx).list(), "groups": compose.groups(ctx).all()},
    "users": lambda ctx, user: {"organs": compose.organs(ctx).list(), "users": compose.users(ctx).list()},
    "history": lambda ctx, user: {"history": compose.people(ctx).history(user), "FIELD_ZH": CHANGE_ZH},
}


def _admin_page(
    request: Request, section: str, problems: list[FormProblem], values: dict[str, str], status: int = 200
) -> HTMLResponse:
    with web_scope(request) as (ctx, user):
        require_role(user, Role.admin)
        template = "admin.html" if section == "home" else f"admin_{section}.html"
        return page(request, template, user, http_status=status, nav="admin", section=section, problems=problems,
                    values=values, **SECTIONS[section](ctx, user))  # fmt: skip


@router.get("/admin")
def admin_home(request: Request) -> HTMLResponse:
    """What there is to manage, one link per subject, and the state of the search index."""
    return _admin_page(request, "home", [], {})


@router.get("/admin/organs")
def organs_page(request: Request) -> HTMLResponse:
    return _admin_page(request, "organs", [], {})


@router.get("/admin/groups")
def groups_page(request: Request) -> HTMLResponse:
    return _admin_page(request, "groups", [], {})


@router.get("/admin/users")
def users_page(request: Request) -> HTMLResponse:
    return _admin_page(request, "users", [], {})


@router.get("/admin/history")
def history_page(request: Request) -> HTMLResponse:
    return _admin_page(request, "history", [], {})


@router.get("/admin/groups/{group_id}")
def group_page(request: Request, user: CurrentUser, ctx: UnitOfWork, group_id: Id) -> HTMLResponse:
    """One 单位分组: its members and aliases, in one form."""
    require_role(user, Role.admin)
    group = compose.groups(ctx).get(group_id)
    return page(request, "admin_group.html", user, nav="admin", section="groups", group=group,
                organs=compose.organs(ctx).list(), problems=[])  # fmt: skip


def parse_prefixes(text: str) -> dict[str, str]:
    """'发=国发，函=国函' (one pair a line or separated by commas) → {'发': '国发', '函': '国函'}."""
    pairs: dict[str, str] = {}
    for part in text.replace("，", ",").replace("\n", ",").split(","):
        if not part.strip():
            continue
        form, sep, prefix = part.partition("=")
        if not sep or not form.strip() or not prefix.strip():
            raise Invalid("prefix_format", f"机关代字格式应为 发文形式=代字：{part}", f"write form=prefix: {part}")
        pairs[form.strip()] = prefix.strip()
    return pairs


@router.post("/admin/organs", response_model=None)
def create_organ(form: FormDep, request: Request) -> HTMLResponse | RedirectResponse:
    fields = ("code", "name", "short_name", "prefixes", "parent_id", "aliases")
    values = {k: str(form.get(k) or "").strip() for k in fields}
    try:
        with web_scope(request) as (ctx, user):
            require_role(user, Role.admin)
            parent = int(values["parent_id"]) if values["parent_id"].isdigit() else None
            prefixes = parse_prefixes(values["prefixes"])
            if len(values["name"]) < 2 or not values["code"] or not values["short_name"]:
                raise Invalid("organ_fields", "请填写机关代码、全称和简称", "code, name and short name are required")
            compose.organs(ctx).create(
                user, values["code"], values["name"], values["short_name"], prefixes, parent,
                aliases=parse_aliases(values["aliases"]),
            )  # fmt: skip
    except DomainError as exc:
        return _admin_page(request, "organs", [FormProblem(field="organ", zh=exc.zh, en=exc.en)], values, exc.status)
    return redirect("/admin/organs", "organ_created")


def parse_aliases(text: str) -> list[str]:
    """'市民委，民委' (separated by commas, 、 or new lines) → ['市民委', '民委']."""
    return [a.strip() for a in re.split(r"[,，、\n]", text) if a.strip()]


def group_aliases(text: str) -> list[str]:
    """A group's other names, separated by commas, semicolons or new lines (a name may hold 、: 各乡镇、街道)."""
    return [a.strip() for a in re.split(r"[,，;；\n]", text) if a.strip()]


@router.post("/admin/organs/{organ_id}/registrar-gate")
def set_registrar_gate(form: FormDep, user: CurrentUser, organs: Organs, organ_id: Id) -> RedirectResponse:
    """The registrar's gate before issuing, on or off for one organ (docs/registrar.md)."""
    organs.set_registrar_gate(user, organ_id, form.get("registrar_gate") == "on")
    return redirect(f"/admin/organs/{organ_id}", "gate_saved")


@router.post("/admin/organs/{organ_id}/aliases", response_model=None)
def set_aliases(request: Request, form: FormDep, organ_id: Id) -> HTMLResponse | RedirectResponse:
    text = str(form.get("aliases") or "")
    try:
        with web_scope(request) as (ctx, user):
            compose.organs(ctx).set_aliases(user, organ_id, parse_aliases(text))
    except DomainError as exc:
        return _admin_page(request, "organs", [FormProblem(field="aliases", zh=exc.zh, en=exc.en)], {}, exc.status)
    return redirect(f"/admin/organs/{organ_id}", "aliases_saved")


@router.post("/admin/users", response_model=None)
def create_user(form: FormDep, request: Request) -> HTMLResponse | RedirectResponse:
    keys = ("username", "display_name", "organ_id", "clearance", "person_name", "job_title")
    values = {k: str(form.get(k) or "").strip() for k in keys}
    roles = tuple(str(r) for r in form.getlist("roles"))
    try:
        with web_scope(request) as (ctx, user):
            if not values["organ_id"].isdigit() or len(values["organ_id"]) > 18:
                raise Invalid("user_fields", "请选择机关", "choose an organ")
            profile = Profile(
                display_name=values["display_name"], person_name=values["person_name"], job_title=values["job_title"],
                organ_id=int(values["organ_id"]), department_id=None, roles=roles,
                clearance=values["clearance"] or "非密",
            )  # fmt: skip
            compose.people(ctx).create(user, values["username"], profile, str(form.get("password") or ""))
    except DomainError as exc:
        return _admin_page(request, "users", [FormProblem(field="user", zh=exc.zh, en=exc.en)], values, exc.status)
    return redirect("/admin/users", "user_created")


@router.get("/admin/jobs")
def jobs_page(request: Request, user: CurrentUser, ctx: UnitOfWork, jobs: Jobs) -> HTMLResponse:
    """The automated steps: what failed (with a retry), what runs, which workers are alive and what they see."""
    require_role(user, Role.admin)
    return page(request, "admin_jobs.html", user, nav="admin", listing=jobs.listing(), beats=jobs.beats(),
                now=ctx.now())  # fmt: skip


@router.post("/admin/jobs/retry")
def retry_jobs(form: FormDep, user: CurrentUser, jobs: Jobs) -> RedirectResponse:
    ids = [int(v) for v in form.getlist("job_ids") if isinstance(v, str) and v.isdigit()]
    require_role(user, Role.admin)
    jobs.retry(ids or None)
    return redirect("/admin/jobs", "jobs_retried")


def _members(form: FormData) -> list[int]:
    return [int(v) for v in form.getlist("members") if isinstance(v, str) and v.isdigit()]


@router.post("/admin/groups", response_model=None)
def create_group(form: FormDep, request: Request) -> HTMLResponse | RedirectResponse:
    """A new 单位分组 with its members."""
    values = {"name": str(form.get("name") or "").strip(), "group_aliases": str(form.get("aliases") or "")}
    try:
        with web_scope(request) as (ctx, user):
            compose.groups(ctx).create(user, values["name"], _members(form), group_aliases(values["group_aliases"]))
    except DomainError as exc:
        return _admin_page(request, "groups", [FormProblem(field="group", zh=exc.zh, en=exc.en)], values, exc.status)
    return redirect("/admin/groups", "group_saved")


@router.post("/admin/groups/{group_id}", response_model=None)
def set_group_members(request: Request, form: FormDep, group_id: Id) -> HTMLResponse | RedirectResponse:
    try:
        with web_scope(request) as (ctx, user):
            compose.groups(ctx).set_members(user, group_id, _members(form))
            if "aliases" in form:  # a form without the field leaves the aliases as they are
                compose.groups(ctx).set_aliases(user, group_id, group_aliases(str(form.get("aliases") or "")))
    except DomainError as exc:
        return _admin_page(request, "groups", [FormProblem(field="group", zh=exc.zh, en=exc.en)], {}, exc.status)
    return redirect(f"/admin/groups/{group_id}", "group_saved")
