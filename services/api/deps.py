"""Request-scoped dependencies: the process Runtime, the bearer token, and a unit of work with its user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.accounts.service import UserService
from services.context import Context
from services.domain.models import User
from services.errors import Forbidden, Unauthenticated
from services.http.request import SESSION_COOKIE, runtime_of
from services.runtime import Runtime

bearer = HTTPBearer(auto_error=False, description="The token from POST /api/v1/auth/login")


@dataclass(frozen=True)
class Caller:
    """Who is asking (their login token) and whether the request may change anything (GET and HEAD may not)."""

    token: str | None
    read_only: bool

    def writing(self) -> Caller:
        """For the few reads that also record something (what a signer was shown)."""
        return replace(self, read_only=False)


def get_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    read_only = request.method in ("GET", "HEAD")
    if credentials is not None:
        return Caller(credentials.credentials, read_only)
    # The pages' login cookie opens the API's downloads (PDF, attachments, catalogues) but never a change:
    # a cookie-authenticated POST could be forged by another site.
    return Caller(request.cookies.get(SESSION_COOKIE) if read_only else None, read_only)


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
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
