"""Organs (机关, with their 机关代字) and users: readable by every user, changed by admins."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.accounts.service import OrganService, UserService
from services.api.deps import RuntimeDep, TokenDep, user_scope
from services.api.schemas import OrganOut, UserOut
from services.documents.policy import require_role
from services.domain.enums import Classification, Role

router = APIRouter(prefix="/api/v1", tags=["organs and users"])


class OrganIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=2, max_length=200)
    short_name: str = Field(min_length=1, max_length=100)
    parent_id: int | None = None
    prefixes: dict[str, str] = Field(default_factory=dict, description="发文形式 → 机关代字, e.g. {'发': '国发'}")
    aliases: list[str] = Field(default_factory=list, description="other names people type: 市民委, former names")


class AliasesIn(BaseModel):
    aliases: list[str] = Field(description="the organ's aliases, replacing the ones it has")


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    display_name: str = Field(min_length=1, max_length=100)
    organ_id: int
    roles: list[Role]
    password: str
    clearance: Classification = Classification.none


@router.get("/organs")
def list_organs(runtime: RuntimeDep, token: TokenDep) -> list[OrganOut]:
    with user_scope(runtime, token) as (ctx, _):
        return [OrganOut.of(o) for o in OrganService(ctx).list()]


@router.post("/organs", status_code=201)
def create_organ(body: OrganIn, runtime: RuntimeDep, token: TokenDep) -> OrganOut:
    with user_scope(runtime, token) as (ctx, user):
        organ = OrganService(ctx).create(
            user, body.code, body.name, body.short_name, body.prefixes, body.parent_id, aliases=body.aliases
        )
        return OrganOut.of(organ)


@router.put("/organs/{organ_id}/aliases")
def set_aliases(organ_id: int, body: AliasesIn, runtime: RuntimeDep, token: TokenDep) -> OrganOut:
    with user_scope(runtime, token) as (ctx, user):
        return OrganOut.of(OrganService(ctx).set_aliases(user, organ_id, body.aliases))


@router.get("/users")
def list_users(runtime: RuntimeDep, token: TokenDep, organ_id: int | None = None) -> list[UserOut]:
    with user_scope(runtime, token) as (ctx, _):
        return [UserOut.of(u) for u in UserService(ctx).list(organ_id)]


@router.post("/users", status_code=201)
def create_user(body: UserIn, runtime: RuntimeDep, token: TokenDep) -> UserOut:
    with user_scope(runtime, token) as (ctx, user):
        require_role(user, Role.admin)
        created = UserService(ctx).create(
            body.username,
            body.display_name,
            body.organ_id,
            [r.value for r in body.roles],
            body.password,
            body.clearance.value,
        )
        return UserOut.of(created)
