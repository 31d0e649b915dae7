"""Log in and out: the login token lives in an HttpOnly cookie; forms carry the CSRF token."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from services import compose
from services.accounts import login as logins
from services.accounts.login import Throttled
from services.accounts.service import UserService
from services.domain.models import User
from services.errors import Invalid, Unauthenticated
from services.http.deps import PendingScope
from services.http.request import SESSION_COOKIE, client_address, runtime_of
from services.web.attempt import PostedForm, attempt
from services.web.problems import status_of
from services.web.render import page, redirect, remember_csrf
from services.web.session import read_form, set_login_cookie

router = APIRouter(include_in_schema=False)
FormDep = Annotated[FormData, Depends(read_form)]


def _safe_next(value: object) -> str:
    """Only a path on this site: an open redirect would let a link log a user in elsewhere."""
    text = value if isinstance(value, str) else ""
    return text if text.startswith("/") and not text.startswith("//") and "\\" not in text else "/"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", None, next=_safe_next(next), username="", error=None)


@router.post("/login", response_model=None)
def login(form: FormDep, request: Request) -> HTMLResponse | RedirectResponse:
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = _safe_next(form.get("next"))
    runtime = runtime_of(request)
    try:
        token, _ = logins.login(runtime.context, username, password, client_address(request))
    except (Unauthenticated, Throttled) as exc:
        return _refused(request, exc, target, username)
    response = redirect(target)
    set_login_cookie(response, token, runtime.settings)
    remember_csrf(request, response)
    return response


def _refused(request: Request, exc: Unauthenticated | Throttled, target: str, username: str) -> HTMLResponse:
    """The login page again with why; too many tries also say when to try again."""
    error = {"zh": exc.zh, "en": exc.en}
    again = page(request, "login.html", None, http_status=exc.status, next=target, username=username, error=error)
    if isinstance(exc, Throttled):
        again.headers["Retry-After"] = str(exc.details["retry_after"])
    return again


def _change_password(users: UserService, user: User, form: FormData, token: str | None) -> bool:
    current, new, repeat = (str(form.get(k) or "") for k in ("current", "new", "repeat"))
    if new != repeat:
        raise Invalid("password_mismatch", "两次输入的新密码不一致", "the two new passwords differ", field="repeat")
    users.change_password(user, current, new, token)
    return True


@router.post("/logout")
def logout(form: FormDep, request: Request) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with runtime_of(request).context() as ctx:
            compose.users(ctx).logout(token)
    response = redirect("/login", "logged_out")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/account")
def account_page(request: Request, scope: PendingScope) -> HTMLResponse:
    return page(request, "account.html", scope.user, nav="account", problems=[])


@router.post("/account/password", response_model=None)
def change_password(request: Request, posted: PostedForm, scope: PendingScope) -> HTMLResponse | RedirectResponse:
    change = partial(_change_password, compose.users(scope.ctx), scope.user, posted.form,
                     request.cookies.get(SESSION_COOKIE))  # fmt: skip
    done, problems = attempt(scope.ctx, posted, change, default_field="new")
    if done is None:
        return page(request, "account.html", scope.user, http_status=status_of(problems), nav="account",
                    problems=problems)  # fmt: skip
    return redirect("/account", "password_changed")
