"""Request-scoped dependencies: the process Runtime, the bearer token, and a unit of work with its user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.accounts.service import UserService
from services.context import Context
from services.domain.models import User
from services.errors import Unauthenticated
from services.runtime import Runtime
from services.web.session import SESSION_COOKIE

bearer = HTTPBearer(auto_error=False, description="The token from POST /api/v1/auth/login")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> str | None:
    if credentials is not None:
        return credentials.credentials
    # The pages' login cookie opens the API's downloads (PDF, attachments, catalogues) but never a change:
    # a cookie-authenticated POST could be forged by another site.
    if request.method in ("GET", "HEAD"):
        return request.cookies.get(SESSION_COOKIE)
    return None


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
TokenDep = Annotated[str | None, Depends(get_token)]


@contextmanager
def user_scope(runtime: Runtime, token: str | None) -> Iterator[tuple[Context, User]]:
    """One transaction for the request, with the authenticated caller; commits when the block ends."""
    if not token:
        raise Unauthenticated("login_required", "请先登录", "log in first")
    with runtime.context() as ctx:
        yield ctx, UserService(ctx).from_token(token)
