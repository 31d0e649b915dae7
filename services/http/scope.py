"""Who is asking and the transaction their request runs in, for the API (a bearer token, or for downloads the
login cookie; 401 when missing) and for the pages (the login cookie; the login page when missing)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.accounts.service import UserService
from services.context import Context
from services.domain.models import User, holds_role
from services.errors import Forbidden, Unauthenticated
from services.http.request import SESSION_COOKIE, runtime_of
from services.runtime import Runtime


@dataclass(frozen=True)
class ViewerOrgan:
    short_name: str


@dataclass(frozen=True)
class Viewer:
    """What a page's navigation shows of the signed-in user, kept as plain values for an error page met after the
    request's transaction is gone (its objects with it)."""

    id: int
    display_name: str
    roles: tuple[str, ...]
    organ: ViewerOrgan

    @classmethod
    def of(cls, user: User) -> Viewer:
        return cls(user.id, user.display_name, tuple(user.roles), ViewerOrgan(user.organ.short_name))

    def has_role(self, role: str) -> bool:
        return holds_role(self.roles, role)


class LoginRequired(Exception):
    """The page needs a logged-in user; answered with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PasswordChangeRequired(Exception):
    """An admin reset the password: every page but the account page leads there until it is changed."""


def login_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='')}"


bearer = HTTPBearer(auto_error=False, description="The token from POST /api/v1/auth/login")


@dataclass(frozen=True)
class Caller:
    """Who is asking (their login token) and whether the request may change anything (GET and HEAD may not)."""

    token: str | None
    read_only: bool

    def writing(self) -> Caller:
        """For the few reads that also record something (what a signer was shown)."""
        return replace(self, read_only=False)


async def get_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    read_only = request.method in ("GET", "HEAD")
    if credentials is not None:
        return Caller(credentials.credentials, read_only)
    # The pages' login cookie opens the API's downloads (PDF, attachments, catalogues) but never a change:
    # a cookie-authenticated POST could be forged by another site.
    return Caller(request.cookies.get(SESSION_COOKIE) if read_only else None, read_only)


async def _runtime(request: Request) -> Runtime:
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
TokenDep = Annotated[Caller, Depends(get_caller)]


@contextmanager
def user_scope(runtime: Runtime, caller: Caller, password_pending_ok: bool = False) -> Iterator[tuple[Context, User]]:
    """One transaction for the request, with the authenticated caller; commits when the block ends.
    A GET reads without the write lock. A caller whose password an admin reset may only change it."""
    if not caller.token:
        raise Unauthenticated("login_required", "请先登录", "log in first")
    with runtime.context(write=not caller.read_only) as ctx:
        user = UserService(ctx).from_token(caller.token)
        if user.must_change_password and not password_pending_ok:
            raise Forbidden(
                "password_change_required",
                "管理员已重置您的密码，请先修改密码",
                "an administrator reset your password: change it first (POST /api/v1/me/password)",
            )
        yield ctx, user


@contextmanager
def web_scope(
    request: Request, write: bool | None = None, password_pending_ok: bool = False
) -> Iterator[tuple[Context, User]]:
    """One transaction for the page, with the logged-in user; a missing or stale login leads to the login page,
    a password an admin reset to the account page. A GET page reads without the write lock unless it says it
    records something."""
    token = request.cookies.get(SESSION_COOKIE)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not token:
        raise LoginRequired(here)
    writes = request.method not in ("GET", "HEAD") if write is None else write
    with runtime_of(request).context(write=writes) as ctx:
        try:
            user = UserService(ctx).from_token(token)
        except Unauthenticated:
            raise LoginRequired(here) from None
        if user.must_change_password and not password_pending_ok:
            raise PasswordChangeRequired()
        request.state.viewer = Viewer.of(user)  # an error page met later still shows whose navigation it is
        yield ctx, user
