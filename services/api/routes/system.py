"""Health and login."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from services.accounts.service import UserService
from services.api.deps import RuntimeDep, TokenDep, user_scope
from services.api.schemas import LoginOut, UserOut

router = APIRouter(prefix="/api/v1")


class LoginIn(BaseModel):
    username: str
    password: str


@router.get("/health", tags=["system"])
def health(runtime: RuntimeDep) -> dict[str, object]:
    with runtime.context() as ctx:
        ctx.session.execute(text("SELECT 1"))
    return {"status": "ok", "database": runtime.db.engine.dialect.name}


@router.post("/auth/login", tags=["auth"])
def login(body: LoginIn, runtime: RuntimeDep) -> LoginOut:
    with runtime.context() as ctx:
        token, user = UserService(ctx).login(body.username, body.password)
        return LoginOut(token=token, user=UserOut.of(user))


@router.post("/auth/logout", tags=["auth"], status_code=204)
def logout(runtime: RuntimeDep, token: TokenDep) -> None:
    with user_scope(runtime, token) as (ctx, _):
        assert token
        UserService(ctx).logout(token)


@router.get("/me", tags=["auth"])
def me(runtime: RuntimeDep, token: TokenDep) -> UserOut:
    with user_scope(runtime, token) as (_, user):
        return UserOut.of(user)
