"""Organs (机关, with their 机关代字) and users: readable by every user, changed by admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.access import require_role
from services.accounts.service import OrganService, UserService
from services.api.deps import RuntimeDep, TokenDep, user_scope
from services.api.errors import ERROR_RESPONSES
from services.api.params import Id, IdField, IdQuery
from services.api.schemas import OrganOut, UserOut
from services.domain.enums import Classification, Role

router = APIRouter(prefix="/api/v1", tags=["organs and users"], responses=ERROR_RESPONSES)


class OrganIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=2, max_length=200)
    short_name: str = Field(min_length=1, max_length=100)
    parent_id: IdField | None = None
    prefixes: dict[str, str] = Field(default_factory=dict, description="发文形式 → 机关代字, e.g. {'发': '国发'}")
    aliases: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=50, description="other names people type: 市民委, former names"
    )
    registrar_gate: bool = Field(True, description="documents wait for the registrar after the last signature")


class GateIn(BaseModel):
    registrar_gate: bool = Field(description="on: 复核/登记/用印/核发 by the registrar; off: automatic after signing")


class AliasesIn(BaseModel):
    aliases: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        max_length=50, description="the organ's aliases, replacing the ones it has"
    )


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    display_name: str = Field(min_length=1, max_length=100)
    organ_id: IdField
    roles: list[Role]
    password: str
    clearance: Classification = Classification.none
    person_name: str | None = Field(None, max_length=50, description="姓名, printed as 签发人")
    job_title: str | None = Field(None, max_length=100, description="职务")


class PersonIn(BaseModel):
    person_name: str | None = Field(None, max_length=50, description="姓名, printed as 签发人 on 上行文")
    job_title: str | None = Field(None, max_length=100, description="职务, printed beside a 令's 签名章")


@router.get("/organs")
def list_organs(runtime: RuntimeDep, token: TokenDep) -> list[OrganOut]:
    with user_scope(runtime, token) as (ctx, _):
        return [OrganOut.of(o) for o in OrganService(ctx).list()]


@router.post("/organs", status_code=201)
def create_organ(body: OrganIn, runtime: RuntimeDep, token: TokenDep) -> OrganOut:
    with user_scope(runtime, token) as (ctx, user):
        organ = OrganService(ctx).create(
            user,
            body.code,
            body.name,
            body.short_name,
            body.prefixes,
            body.parent_id,
            aliases=body.aliases,
            registrar_gate=body.registrar_gate,
        )
        return OrganOut.of(organ)


@router.put("/organs/{organ_id}/registrar-gate")
def set_registrar_gate(organ_id: Id, body: GateIn, runtime: RuntimeDep, token: TokenDep) -> OrganOut:
    """The registrar's gate before issuing, on or off for one organ (admins)."""
    with user_scope(runtime, token) as (ctx, user):
        return OrganOut.of(OrganService(ctx).set_registrar_gate(user, organ_id, body.registrar_gate))


@router.put("/organs/{organ_id}/aliases")
def set_aliases(organ_id: Id, body: AliasesIn, runtime: RuntimeDep, token: TokenDep) -> OrganOut:
    with user_scope(runtime, token) as (ctx, user):
        return OrganOut.of(OrganService(ctx).set_aliases(user, organ_id, body.aliases))


@router.get("/users")
def list_users(runtime: RuntimeDep, token: TokenDep, organ_id: IdQuery | None = None) -> list[UserOut]:
    """Admins see every user with roles and 密级 clearance; anyone else only the people of their own organ."""
    with user_scope(runtime, token) as (ctx, user):
        return [UserOut.of(u, viewer=user) for u in UserService(ctx).list_seen_by(user, organ_id)]


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
        if body.person_name or body.job_title:
            UserService(ctx).set_person(created.id, body.person_name, body.job_title)
        return UserOut.of(created)


@router.patch("/users/{user_id}")
def set_person(user_id: Id, body: PersonIn, runtime: RuntimeDep, token: TokenDep) -> UserOut:
    """Set the person behind an account (admin only)."""
    with user_scope(runtime, token) as (ctx, user):
        require_role(user, Role.admin)
        return UserOut.of(UserService(ctx).set_person(user_id, body.person_name, body.job_title))
