"""Keeping people and organs in the pages: a user's profile, disabling and password resets; an organ's names,
parent, 机关代字 and departments; and the one-time setup page that makes a new install's first administrator.
Errors show in Chinese at the field they concern, with what was typed kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from services import compose
from services.access import require_role
from services.accounts import setup
from services.accounts.departments import DepartmentService
from services.accounts.login import login as log_in
from services.accounts.people import PeopleService, Profile
from services.accounts.service import OrganChange, OrganService
from services.context import Context
from services.domain.enums import SERIES_FAMILIES, NumberFamily, Role
from services.domain.models import User
from services.errors import DomainError, Forbidden, Invalid, NotFound
from services.http.deps import CurrentUser, Departments, Numbering, Organs, People, UnitOfWork
from services.http.params import Id
from services.http.request import client_address, runtime_of
from services.numbering.service import NumberingService
from services.runtime import Runtime
from services.web.attempt import attempt
from services.web.pages.admin import parse_aliases, parse_prefixes
from services.web.pages.checked import CheckedForm, FormDep, form_values
from services.web.problems import FormErrors, by_field, of_domain, status_of, top_level
from services.web.render import page, redirect
from services.web.session import Posted, set_login_cookie

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
Errors = dict[str, str]
PROFILE_FIELDS = ("display_name", "person_name", "job_title", "organ_id", "department_id", "clearance")


def _errors_of(exc: DomainError, default: str) -> Errors:
    return {str(exc.details.get("field") or default): exc.zh}


def _number(text: str, field: str, label: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise Invalid("form_value", f"{label}取值不合法", f"{field} is not a valid choice", field=field)
    return int(text)


# -- a user ------------------------------------------------------------------------------------------------------


def _user_page(
    request: Request, ctx: Context, actor: User, user_id: int, status: int = 200, **extra: Any
) -> HTMLResponse:
    target = compose.people(ctx).get(actor, user_id)
    values = extra.pop("values", None) or _profile_values(target)
    return page(
        request, "admin_user.html", actor, http_status=status, nav="admin", target=target, values=values,
        organs=compose.organs(ctx).list(), departments=compose.departments(ctx).list(),
        **({"errors": {}, "temporary": None} | extra),
    )  # fmt: skip


def _profile_values(user: User) -> dict[str, Any]:
    return {
        "display_name": user.display_name, "person_name": user.person_name or "", "job_title": user.job_title or "",
        "organ_id": str(user.organ_id), "department_id": str(user.department_id or ""), "clearance": user.clearance,
        "roles": list(user.roles),
    }  # fmt: skip


@router.get("/admin/users/{user_id}")
def user_page(request: Request, actor: CurrentUser, ctx: UnitOfWork, user_id: Id) -> HTMLResponse:
    return _user_page(request, ctx, actor, user_id)


def _profile_from(values: dict[str, Any]) -> Profile:
    organ_id = _number(values["organ_id"], "organ_id", "机关")
    if organ_id is None:
        raise Invalid("organ_required", "请选择机关", "choose an organ", field="organ_id")
    return Profile(
        display_name=values["display_name"], person_name=values["person_name"], job_title=values["job_title"],
        organ_id=organ_id, department_id=_number(values["department_id"], "department_id", "科室"),
        roles=tuple(values["roles"]), clearance=values["clearance"],
    )  # fmt: skip


@router.post("/admin/users/{user_id}", response_model=None)
def save_user(
    request: Request, posted: CheckedForm, actor: CurrentUser, ctx: UnitOfWork, people: People, user_id: Id
) -> HTMLResponse | RedirectResponse:
    values: dict[str, Any] = form_values(posted.form, PROFILE_FIELDS)
    values["roles"] = [str(r) for r in posted.form.getlist("roles")]
    save = partial(_update_user, people, actor, user_id, values)
    return _act(request, ctx, actor, posted, user_id, save, "user_saved", values=values)


def _update_user(people: PeopleService, actor: User, user_id: int, values: dict[str, Any]) -> None:
    people.update(actor, user_id, _profile_from(values))


@router.post("/admin/users/{user_id}/disable", response_model=None)
def disable_user(
    request: Request, posted: CheckedForm, actor: CurrentUser, ctx: UnitOfWork, people: People, user_id: Id
) -> HTMLResponse | RedirectResponse:
    return _act(request, ctx, actor, posted, user_id, partial(people.disable, actor, user_id), "user_disabled")


@router.post("/admin/users/{user_id}/enable", response_model=None)
def enable_user(
    request: Request, posted: CheckedForm, actor: CurrentUser, ctx: UnitOfWork, people: People, user_id: Id
) -> HTMLResponse | RedirectResponse:
    return _act(request, ctx, actor, posted, user_id, partial(people.enable, actor, user_id), "user_enabled")


def _act(
    request: Request, ctx: Context, actor: User, posted: Posted, user_id: int, action: Callable[[], object],
    done: str, **kept: Any,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    """Do ``action``; on a refusal show the user's page again with the error at its field and the input kept."""
    _, problems = attempt(ctx, posted, _at_field(action), default_field="status")
    if problems:
        return _user_page(request, ctx, actor, user_id, status_of(problems), errors=by_field(problems), **kept)
    return redirect(f"/admin/users/{user_id}", done)


def _at_field(action: Callable[[], T]) -> Callable[[], T]:
    """A refusal that names its field (raising one's own clearance) is shown at it rather than as an error page."""

    def run() -> T:
        try:
            return action()
        except Forbidden as exc:
            if not exc.details.get("field"):
                raise
            raise FormErrors(of_domain(exc)) from None

    return run


@router.post("/admin/users/{user_id}/password-reset", response_model=None)
def reset_password(
    request: Request, posted: CheckedForm, actor: CurrentUser, ctx: UnitOfWork, people: People, user_id: Id
) -> HTMLResponse:
    """Shows the temporary password once, on this answer only (never stored but as its hash)."""
    chosen = str(posted.form.get("password") or "") or None
    reset = _at_field(partial(people.reset_password, actor, user_id, chosen))
    temporary, problems = attempt(ctx, posted, reset, name_of=lambda _: "password", default_field="password")
    if problems:
        return _user_page(request, ctx, actor, user_id, status_of(problems), errors=by_field(problems))
    return _user_page(request, ctx, actor, user_id, temporary=temporary)


# -- an organ and its departments -------------------------------------------------------------------------------


def _organ_page(
    request: Request, ctx: Context, actor: User, organ_id: int, status: int = 200, **extra: Any
) -> HTMLResponse:
    require_role(actor, Role.admin)
    organs = compose.organs(ctx)
    organ = organs.get(organ_id)
    values = extra.pop("values", None) or {
        "name": organ.name, "short_name": organ.short_name, "parent_id": str(organ.parent_id or ""),
        "prefixes": "，".join(f"{p.form}={p.prefix}" for p in organ.prefixes),
        "aliases": "，".join(a.alias for a in organ.aliases), "name_alt": organ.name_alt or "",
    }  # fmt: skip
    year = extra.pop("year", None) or _year(request.query_params.get("year", ""), ctx.today().year)
    return page(
        request, "admin_organ.html", actor, http_status=status, nav="admin", organ=organ, organs=organs.list(),
        departments=compose.departments(ctx).list(organ_id), values=values, year=year,
        sequences=compose.numbering(ctx).sequences(actor, organ_id, year), families=SERIES_FAMILIES,
        **({"errors": {}, "typed": {}, "new_department": "", "typed_next": {}, "new_series": NEW_SERIES} | extra),
    )  # fmt: skip


@router.get("/admin/organs/{organ_id}")
def organ_page(request: Request, actor: CurrentUser, ctx: UnitOfWork, organ_id: Id) -> HTMLResponse:
    return _organ_page(request, ctx, actor, organ_id)


ORGAN_FIELDS = ("name", "short_name", "parent_id", "prefixes", "aliases", "name_alt")


@router.post("/admin/organs/{organ_id}", response_model=None)
def save_organ(
    request: Request, posted: CheckedForm, actor: CurrentUser, ctx: UnitOfWork, organs: Organs, organ_id: Id
) -> HTMLResponse | RedirectResponse:
    values = form_values(posted.form, ORGAN_FIELDS)
    save = partial(_save_organ, organs, actor, organ_id, values)
    return _organ_act(request, ctx, actor, posted, organ_id, save, "organ_saved", values=values)


def _save_organ(organs: OrganService, actor: User, organ_id: int, values: dict[str, str]) -> None:
    parent = _number(values["parent_id"], "parent_id", "上级机关")
    prefixes = _with_field(lambda: parse_prefixes(values["prefixes"]), "prefixes")
    change = OrganChange(values["name"], values["short_name"], parent, prefixes, values["name_alt"])
    organs.update(actor, organ_id, change)
    organs.set_aliases(actor, organ_id, parse_aliases(values["aliases"]))


def _with_field(parse: Callable[[], dict[str, str]], field: str) -> dict[str, str]:
    try:
        return parse()
    except DomainError as exc:
        exc.details.setdefault("field", field)
        raise


@router.post("/admin/organs/{organ_id}/departments", response_model=None)
def add_department(
    request: Request, posted: CheckedForm, actor: CurrentUser, ctx: UnitOfWork, departments: Departments,
    organ_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    name = str(posted.form.get("name") or "")
    add = partial(departments.create, actor, organ_id, name)
    return _organ_act(request, ctx, actor, posted, organ_id, add, "department_saved", new_department=name)


@router.post("/admin/departments/{department_id}", response_model=None)
def rename_department(
    request: Request, posted: CheckedForm, actor: CurrentUser, ctx: UnitOfWork, departments: Departments,
    department_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    name = str(posted.form.get("name") or "")
    rename = partial(departments.rename, actor, department_id, name)
    return _department_act(request, ctx, actor, posted, departments, department_id, rename, name)


@router.post("/admin/departments/{department_id}/remove", response_model=None)
def remove_department(
    request: Request, posted: CheckedForm, actor: CurrentUser, ctx: UnitOfWork, departments: Departments,
    department_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    remove = partial(departments.remove, actor, department_id)
    return _department_act(request, ctx, actor, posted, departments, department_id, remove, None)


def _department_act(
    request: Request, ctx: Context, actor: User, posted: Posted, departments: DepartmentService, department_id: int,
    action: Callable[[], object], typed: str | None,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    require_role(actor, Role.admin)
    organ_id = departments.get(department_id).organ_id
    kept = {"typed": {department_id: typed}} if typed is not None else {}
    return _organ_act(request, ctx, actor, posted, organ_id, action, "department_saved",
                      error_field=f"department-{department_id}", **kept)  # fmt: skip


def _organ_act(
    request: Request, ctx: Context, actor: User, posted: Posted, organ_id: int, action: Callable[[], object],
    done: str, error_field: str = "new_department", **kept: Any,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    """Do ``action``; refused, the organ's page again with the error at its field (the organ form's at the field
    the refusal names) and what was typed kept."""
    at_field: Callable[[Sequence[Any]], str] = top_level if "values" in kept else (lambda _: error_field)
    default = "name" if "values" in kept else error_field
    _, problems = attempt(ctx, posted, _at_field(action), name_of=at_field, default_field=default)
    if problems:
        return _organ_page(request, ctx, actor, organ_id, status_of(problems), errors=by_field(problems), **kept)
    return redirect(f"/admin/organs/{organ_id}", done)


# -- numbering: where each sequence starts when the office goes live, the organ's 令 and meeting series ------------

NEW_SERIES = {"family": NumberFamily.minutes.value, "series_name": "", "restart_yearly": "on"}


@router.post("/admin/organs/{organ_id}/numbering/prefixes/{prefix_id}", response_model=None)
def set_next_document_number(
    request: Request, posted: CheckedForm, actor: CurrentUser, ctx: UnitOfWork, numbering: Numbering,
    organ_id: Id, prefix_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    text, year_text = _form_text(posted.form, "next_number"), _form_text(posted.form, "year")

    def save() -> None:
        require_role(actor, Role.admin)  # before reading the form: a clerk learns nothing from its errors
        numbering.set_next_in_prefix(actor, organ_id, prefix_id, _year(year_text, None), _whole(text))

    typed = Typed(f"next-prefix-{prefix_id}", text, year_text)
    return _numbering_act(request, ctx, actor, posted, organ_id, save, typed)


@router.post("/admin/organs/{organ_id}/numbering/series/{series_id}", response_model=None)
def set_next_series_number(
    request: Request, posted: CheckedForm, actor: CurrentUser, ctx: UnitOfWork, numbering: Numbering,
    organ_id: Id, series_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    text, year_text = _form_text(posted.form, "next_number"), _form_text(posted.form, "year")

    def save() -> None:
        require_role(actor, Role.admin)
        year = _year(year_text, None) if year_text else None
        numbering.set_next_in_series(actor, organ_id, series_id, year, _whole(text))

    typed = Typed(f"next-series-{series_id}", text, year_text)
    return _numbering_act(request, ctx, actor, posted, organ_id, save, typed)


@router.post("/admin/organs/{organ_id}/numbering/series", response_model=None)
def add_series(
    request: Request, posted: CheckedForm, actor: CurrentUser, ctx: UnitOfWork, numbering: Numbering,
    organ_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    typed = {k: _form_text(posted.form, k) for k in ("family", "series_name", "restart_yearly")}
    save = partial(_save_series, numbering, actor, organ_id, typed)
    return _organ_act(request, ctx, actor, posted, organ_id, save, "numbering_saved", error_field="series_name",
                      new_series=typed)  # fmt: skip


def _save_series(numbering: NumberingService, actor: User, organ_id: int, typed: dict[str, str]) -> None:
    require_role(actor, Role.admin)
    if typed["family"] not in {f.value for f in SERIES_FAMILIES}:
        raise Invalid("series_family_invalid", "请选择令号或纪要期号", "choose 令号 or 期号", field="family")
    family = NumberFamily(typed["family"])
    numbering.save_series(actor, organ_id, family, typed["series_name"], bool(typed["restart_yearly"]))


@dataclass(frozen=True)
class Typed:
    """A next number as typed into one sequence's row (its input ``key``), with the year it was typed for."""

    key: str
    text: str
    year_text: str


def _numbering_act(
    request: Request, ctx: Context, actor: User, posted: Posted, organ_id: int, save: Callable[[], object],
    typed: Typed,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    year_text = typed.year_text
    year = _year(year_text, None) if year_text.isdigit() and len(year_text) == 4 else None
    response = _organ_act(request, ctx, actor, posted, organ_id, save, "numbering_saved", error_field=typed.key,
                          typed_next={typed.key: typed.text}, **({"year": year} if year else {}))  # fmt: skip
    if isinstance(response, RedirectResponse) and year:
        return redirect(f"/admin/organs/{organ_id}?year={year}", "numbering_saved")
    return response


def _form_text(form: FormData, name: str) -> str:
    return str(form.get(name) or "").strip()[:200]


def _whole(text: str) -> int:
    """A next number as typed: digits only (full-width digits read as digits)."""
    digits = text.translate(FULL_WIDTH_DIGITS)
    if not digits.isascii() or not digits.isdigit() or len(digits) > 7:
        raise Invalid("next_number_invalid", "起始编号须填写阿拉伯数字，如 17", "the next number must be digits",
                      field="next_number")  # fmt: skip
    return int(digits)


def _year(text: str, default: int | None) -> int:
    if text.isascii() and text.isdigit() and len(text) == 4:
        return int(text)
    if default is None:
        raise Invalid("year_invalid", "年度不合法，请填写四位年份", "the year must have four digits", field="year")
    return default


FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


# -- the first administrator -------------------------------------------------------------------------------------

SETUP_FIELDS = ("token", "username", "person_name", "organ", "organ_short_name")


def _setup_open(request: Request) -> bool:
    runtime = runtime_of(request)
    with runtime.context(write=False) as ctx:
        if compose.people(ctx).has_active_admin():
            return False
    return setup.token_path(runtime.settings).is_file()


def _no_setup() -> NotFound:
    return NotFound("setup_closed", "页面不存在（本系统已有管理员）", "not found: an administrator exists")


@router.get("/setup")
def setup_page(request: Request, token: str = "") -> HTMLResponse:
    """Answers only while no active administrator exists (and the setup token was issued at start)."""
    if not _setup_open(request):
        raise _no_setup()
    values = dict.fromkeys(SETUP_FIELDS, "") | {"token": token[:100]}
    return page(request, "setup.html", None, values=values, errors={})


@router.post("/setup", response_model=None)
def make_first_admin(form: FormDep, request: Request) -> HTMLResponse | RedirectResponse:
    if not _setup_open(request):
        raise _no_setup()
    values, password = form_values(form, SETUP_FIELDS), str(form.get("password") or "")
    runtime = runtime_of(request)
    try:
        _create_first_admin(runtime, values, password, str(form.get("repeat") or ""))
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return page(request, "setup.html", None, http_status=exc.status, values=values,
                    errors=_errors_of(exc, "username"))  # fmt: skip
    return _logged_in(request, runtime, values["username"], password)


def _create_first_admin(runtime: Runtime, values: dict[str, str], password: str, repeated: str) -> None:
    """The install's first administrator and its organ, with the setup token claimed (used once)."""
    if password != repeated:
        raise Invalid("password_mismatch", "两次输入的密码不一致", "the passwords differ", field="password")
    with setup.claimed(runtime.settings, values["token"]), runtime.context() as ctx:
        people = compose.people(ctx)
        if people.has_active_admin():
            raise _no_setup()
        people.create_admin(values["username"], values["person_name"], values["organ"], password,
                            values["organ_short_name"])  # fmt: skip


def _logged_in(request: Request, runtime: Runtime, username: str, password: str) -> RedirectResponse:
    token, _ = log_in(runtime.context, username, password, client_address(request))
    response = redirect("/admin", "first_admin_created")
    set_login_cookie(response, token, runtime.settings)
    return response
