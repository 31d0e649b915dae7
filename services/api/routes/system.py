"""Health and login."""

from __future__ import annotations

import multiprocessing
import os

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from services import compose
from services.accounts import login as logins
from services.accounts.schemas import LoginOut, UserOut
from services.api.errors import ERROR_RESPONSES
from services.http.deps import PendingScope
from services.http.request import client_address
from services.http.scope import RuntimeDep, TokenDep
from services.processes import INSTANCE_ENV
from services.runtime import Runtime

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


# Health has a thread of its own: a busy process (every request thread at work on an upload or a page) still
# answers it at once, and its database check reads without waiting for the write lock.
_HEALTH_THREAD = anyio.CapacityLimiter(1)


def _database_answers(runtime: Runtime) -> None:
    runtime.db.ping()


@router.get("/health", tags=["system"])
async def health(request: Request) -> dict[str, object]:
    """Alive, with its database; and which `gongwen up` started it (``instance``) and the server's process id,
    so that a new `gongwen up` tells its own API from one left running. (No sync dependency: FastAPI would run
    it on a request thread.)"""
    runtime: Runtime = request.app.state.runtime
    await anyio.to_thread.run_sync(_database_answers, runtime, limiter=_HEALTH_THREAD)
    parent = multiprocessing.parent_process()
    server_pid = parent.pid if parent is not None and parent.pid is not None else os.getpid()
    return {
        "status": "ok", "database": runtime.db.engine.dialect.name, "instance": os.environ.get(INSTANCE_ENV),
        "pid": server_pid,
    }  # fmt: skip


@router.post("/auth/login", tags=["auth"])
def login(body: LoginIn, runtime: RuntimeDep, request: Request) -> LoginOut:
    """A login token; wrong passwords are throttled per account and per address (429 with Retry-After)."""
    token, user = logins.login(runtime.context, body.username, body.password, client_address(request))
    with runtime.context(write=False) as ctx:
        return LoginOut(token=token, user=UserOut.of(compose.users(ctx).get(user.id)))


@router.post("/auth/logout", tags=["auth"], status_code=204)
def logout(scope: PendingScope, token: TokenDep) -> None:
    assert token.token
    compose.users(scope.ctx).logout(token.token)


@router.get("/me", tags=["auth"])
def me(scope: PendingScope) -> UserOut:
    return UserOut.of(scope.user)


class PasswordIn(BaseModel):
    current: str = Field(max_length=256)
    new: str = Field(max_length=256)


@router.post("/me/password", tags=["auth"], status_code=204)
def change_password(body: PasswordIn, scope: PendingScope, token: TokenDep) -> None:
    """Change one's own password (required after an admin reset it); every other login of the user ends."""
    compose.users(scope.ctx).change_password(scope.user, body.current, body.new, token.token)
