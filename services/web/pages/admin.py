"""Admin: organs with their 机关代字, 单位分组, users and roles, and the changes made to them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from services import compose
from services.access import require_role
from services.accounts.groups import GroupService
from services.accounts.people import PeopleService, Profile
from services.accounts.service import OrganService
from services.context import Context
from services.domain.enums import Role
from services.domain.models import User
from services.errors import Invalid
from services.http.deps import CurrentUser, Groups, Jobs, Organs, People, UnitOfWork
from services.http.params import Id
from services.web.attempt import attempt
from services.web.pages.checked import CheckedForm, FormDep, form_values
from services.web.problems import FormProblem, status_of
from services.web.render import page, redirect
from services.web.session import Posted

router = APIRouter(include_in_schema=False)
# The fields a change to a user or an organ names, in the words of the pages.
CHANGE_ZH = {
    "display_name": "姓名", "person_name": "签发人姓名", "job_title": "职务", "organ_id": "机关",
    "department_id": "科室", "roles": "角色", "clearance": "密级权限", "name": "名称", "short_name": "简称",
    "parent_id": "上级机关", "prefixes": "机关代字",
}  # fmt: skip


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
    request: Request, ctx: Context, user: User, section: str,
    problems: Sequence[FormProblem] = (), values: Mapping[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    """One subject's page; with ``problems``, shown again after its form was refused, what was typed kept."""
    require_role(user, Role.admin)
    template = "admin.html" if section == "home" else f"admin_{section}.html"
    status = status_of(problems) if problems else 200
    return page(request, template, user, http_status=status, nav="admin", section=section, problems=list(problems),
                values=values or {}, **SECTIONS[section](ctx, user))  # fmt: skip


def _tried(
    request: Request, ctx: Context, user: User, posted: Posted, action: Callable[[], object], section: str,
    field: str, done: tuple[str, str], values: Mapping[str, str] | None = None,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    """Do a subject page's form; refused, the subject's page again with the problem and what was typed."""
    _, problems = attempt(ctx, posted, action, default_field=field)
    if problems:
        return _admin_page(request, ctx, user, section, problems, values)
    return redirect(*done)


@router.get("/admin")
def admin_home(request: Request, user: CurrentUser, ctx: UnitOfWork) -> HTMLResponse:
    """What there is to manage, one link per subject, and the state of the search index."""
    return _admin_page(request, ctx, user, "home")


@router.get("/admin/organs")
def organs_page(request: Request, user: CurrentUser, ctx: UnitOfWork) -> HTMLResponse:
    return _admin_page(request, ctx, user, "organs")


@router.get("/admin/groups")
def groups_page(request: Request, user: CurrentUser, ctx: UnitOfWork) -> HTMLResponse:
    return _admin_page(request, ctx, user, "groups")


@router.get("/admin/users")
def users_page(request: Request, user: CurrentUser, ctx: UnitOfWork) -> HTMLResponse:
    return _admin_page(request, ctx, user, "users")


@router.get("/admin/history")
def history_page(request: Request, user: CurrentUser, ctx: UnitOfWork) -> HTMLResponse:
    return _admin_page(request, ctx, user, "history")


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


ORGAN_FIELDS = ("code", "name", "short_name", "prefixes", "parent_id", "aliases")


@router.post("/admin/organs", response_model=None)
def create_organ(
    request: Request, posted: CheckedForm, user: CurrentUser, ctx: UnitOfWork, organs: Organs
) -> HTMLResponse | RedirectResponse:
    values = form_values(posted.form, ORGAN_FIELDS)
    add = partial(_create_organ, organs, user, values)
    return _tried(request, ctx, user, posted, add, "organs", "organ", ("/admin/organs", "organ_created"), values)


def _create_organ(organs: OrganService, user: User, values: Mapping[str, str]) -> None:
    require_role(user, Role.admin)
    parent = int(values["parent_id"]) if values["parent_id"].isdigit() else None
    prefixes = parse_prefixes(values["prefixes"])
    if len(values["name"]) < 2 or not values["code"] or not values["short_name"]:
        raise Invalid("organ_fields", "请填写机关代码、全称和简称", "code, name and short name are required")
    organs.create(user, values["code"], values["name"], values["short_name"], prefixes, parent,
                  aliases=parse_aliases(values["aliases"]))  # fmt: skip


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
def set_aliases(
    request: Request, posted: CheckedForm, user: CurrentUser, ctx: UnitOfWork, organs: Organs, organ_id: Id
) -> HTMLResponse | RedirectResponse:
    aliases = parse_aliases(str(posted.form.get("aliases") or ""))
    save = partial(organs.set_aliases, user, organ_id, aliases)
    return _tried(request, ctx, user, posted, save, "organs", "aliases", (f"/admin/organs/{organ_id}", "aliases_saved"))


USER_FIELDS = ("username", "display_name", "organ_id", "clearance", "person_name", "job_title")


@router.post("/admin/users", response_model=None)
def create_user(
    request: Request, posted: CheckedForm, user: CurrentUser, ctx: UnitOfWork, people: People
) -> HTMLResponse | RedirectResponse:
    values = form_values(posted.form, USER_FIELDS)
    add = partial(_create_user, people, user, values, posted.form)
    return _tried(request, ctx, user, posted, add, "users", "user", ("/admin/users", "user_created"), values)


def _create_user(people: PeopleService, user: User, values: Mapping[str, str], form: FormData) -> None:
    if not values["organ_id"].isdigit() or len(values["organ_id"]) > 18:
        raise Invalid("user_fields", "请选择机关", "choose an organ")
    profile = Profile(
        display_name=values["display_name"], person_name=values["person_name"], job_title=values["job_title"],
        organ_id=int(values["organ_id"]), department_id=None, roles=tuple(str(r) for r in form.getlist("roles")),
        clearance=values["clearance"] or "非密",
    )  # fmt: skip
    people.create(user, values["username"], profile, str(form.get("password") or ""))


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
def create_group(
    request: Request, posted: CheckedForm, user: CurrentUser, ctx: UnitOfWork, groups: Groups
) -> HTMLResponse | RedirectResponse:
    """A new 单位分组 with its members."""
    form = posted.form
    values = {"name": str(form.get("name") or "").strip(), "group_aliases": str(form.get("aliases") or "")}
    add = partial(groups.create, user, values["name"], _members(form), group_aliases(values["group_aliases"]))
    return _tried(request, ctx, user, posted, add, "groups", "group", ("/admin/groups", "group_saved"), values)


@router.post("/admin/groups/{group_id}", response_model=None)
def set_group_members(
    request: Request, posted: CheckedForm, user: CurrentUser, ctx: UnitOfWork, groups: Groups, group_id: Id
) -> HTMLResponse | RedirectResponse:
    save = partial(_save_group, groups, user, group_id, posted.form)
    return _tried(request, ctx, user, posted, save, "groups", "group", (f"/admin/groups/{group_id}", "group_saved"))


def _save_group(groups: GroupService, user: User, group_id: int, form: FormData) -> None:
    groups.set_members(user, group_id, _members(form))
    if "aliases" in form:  # a form without the field leaves the aliases as they are
        groups.set_aliases(user, group_id, group_aliases(str(form.get("aliases") or "")))
