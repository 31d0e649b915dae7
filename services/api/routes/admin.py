"""Organs (机关, with their 机关代字) and users: readable by every user, changed by admins."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, model_validator

from services.accounts.people import Profile
from services.accounts.service import OrganChange
from services.api.errors import ERROR_RESPONSES
from services.api.schemas import AuditOut, DepartmentOut, OrganOut, UserOut
from services.domain.enums import Classification, NumberFamily, Role
from services.domain.models import User
from services.http.deps import CurrentUser, Departments, Numbering, Organs, People, UnitOfWork, Users
from services.http.params import Id, IdField, IdQuery
from services.numbering.service import MAX_NEXT, MAX_SERIES_NAME, YEARS, NumberingService, SequenceView

router = APIRouter(prefix="/api/v1", tags=["organs and users"], responses=ERROR_RESPONSES)
YearQuery = Annotated[int | None, Query(ge=YEARS[0], le=YEARS[1], description="the year of the yearly sequences")]


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
    department_id: IdField | None = None


class UserChangeIn(BaseModel):
    display_name: str | None = Field(None, min_length=1, max_length=100)
    person_name: str | None = Field(None, max_length=50, description="姓名, printed as 签发人 on 上行文")
    job_title: str | None = Field(None, max_length=100, description="职务, printed beside a 令's 签名章")
    organ_id: IdField | None = None
    department_id: IdField | None = Field(None, description="科室 of the user's organ; null: none")
    roles: list[Role] | None = Field(None, min_length=1, max_length=len(Role))
    clearance: Classification | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> UserChangeIn:
        for name in ("display_name", "organ_id", "roles", "clearance"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class PasswordResetIn(BaseModel):
    password: str | None = Field(None, max_length=256, description="the temporary password; left out: one is made")


class PasswordResetOut(BaseModel):
    user_id: int
    temporary_password: str = Field(description="shown once: give it to the user, who must change it at login")


class OrganChangeIn(BaseModel):
    name: str | None = Field(None, min_length=2, max_length=200, description="a rename keeps the old name as alias")
    short_name: str | None = Field(None, min_length=1, max_length=100)
    parent_id: IdField | None = Field(None, description="null: no superior")
    prefixes: dict[str, str] | None = Field(None, description="发文形式 → 机关代字, replacing the organ's")
    name_alt: str | None = Field(
        None, max_length=200, description="the name in traditional Mongolian, printed under it in the 标志; '' clears"
    )


class DepartmentRenameIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


@router.get("/organs")
def list_organs(organs: Organs) -> list[OrganOut]:
    return [OrganOut.of(o) for o in organs.list()]


@router.post("/organs", status_code=201)
def create_organ(user: CurrentUser, organs: Organs, body: OrganIn) -> OrganOut:
    organ = organs.create(
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
def set_registrar_gate(user: CurrentUser, organs: Organs, organ_id: Id, body: GateIn) -> OrganOut:
    """The registrar's gate before issuing, on or off for one organ (admins)."""
    return OrganOut.of(organs.set_registrar_gate(user, organ_id, body.registrar_gate))


@router.put("/organs/{organ_id}/aliases")
def set_aliases(user: CurrentUser, organs: Organs, organ_id: Id, body: AliasesIn) -> OrganOut:
    return OrganOut.of(organs.set_aliases(user, organ_id, body.aliases))


@router.patch("/organs/{organ_id}")
def change_organ(user: CurrentUser, organs: Organs, organ_id: Id, body: OrganChangeIn) -> OrganOut:
    """Rename an organ or change its parent or 机关代字 (admins); fields left out stay as they are. Issued
    documents keep the name they were issued under."""
    change = replace(OrganChange.of(organs.get(organ_id)), **body.model_dump(exclude_unset=True))
    return OrganOut.of(organs.update(user, organ_id, change))


@router.patch("/departments/{department_id}")
def rename_department(
    user: CurrentUser,
    departments: Departments,
    department_id: Id,
    body: DepartmentRenameIn,
) -> DepartmentOut:
    return DepartmentOut.of(departments.rename(user, department_id, body.name))


@router.delete("/departments/{department_id}", status_code=204)
def remove_department(user: CurrentUser, departments: Departments, department_id: Id) -> None:
    """Remove a department nobody belongs to and no 收文 names (rename it otherwise)."""
    departments.remove(user, department_id)


@router.get("/users")
def list_users(user: CurrentUser, users: Users, organ_id: IdQuery | None = None) -> list[UserOut]:
    """Admins see every user with roles and 密级 clearance; anyone else only the people of their own organ."""
    return [UserOut.of(u, viewer=user) for u in users.list_seen_by(user, organ_id)]


@router.post("/users", status_code=201)
def create_user(user: CurrentUser, people: People, body: UserIn) -> UserOut:
    profile = Profile(
        display_name=body.display_name,
        person_name=body.person_name,
        job_title=body.job_title,
        organ_id=body.organ_id,
        department_id=body.department_id,
        roles=tuple(r.value for r in body.roles),
        clearance=body.clearance.value,
    )
    return UserOut.of(people.create(user, body.username, profile, body.password), viewer=user)


@router.patch("/users/{user_id}")
def change_user(user: CurrentUser, people: People, user_id: Id, body: UserChangeIn) -> UserOut:
    """Change what an admin keeps about a user; fields left out stay as they are. Moving a user to another organ
    without naming a department takes them out of their old one. Nobody raises their own 密级 clearance; the last
    active administrator keeps the role."""
    target = people.get(user, user_id)
    changes = body.model_dump(exclude_unset=True)
    if "organ_id" in changes and changes["organ_id"] != target.organ_id and "department_id" not in changes:
        changes["department_id"] = None
    if "roles" in changes:
        changes["roles"] = tuple(Role(r).value for r in changes["roles"])
    if "clearance" in changes:
        changes["clearance"] = Classification(changes["clearance"]).value
    profile = replace(Profile.of(target), **changes)
    return UserOut.of(people.update(user, user_id, profile), viewer=user)


@router.post("/users/{user_id}/disable")
def disable_user(user: CurrentUser, people: People, user_id: Id) -> UserOut:
    """The account can no longer log in; every login it holds ends at once."""
    return UserOut.of(people.disable(user, user_id), viewer=user)


@router.post("/users/{user_id}/enable")
def enable_user(user: CurrentUser, people: People, user_id: Id) -> UserOut:
    return UserOut.of(people.enable(user, user_id), viewer=user)


@router.post("/users/{user_id}/password-reset")
def reset_password(user: CurrentUser, people: People, user_id: Id, body: PasswordResetIn) -> PasswordResetOut:
    """A temporary password (given, or made when left out), shown once; the user must choose a new one at their
    next login, and every login they hold ends now."""
    temporary = people.reset_password(user, user_id, body.password)
    return PasswordResetOut(user_id=user_id, temporary_password=temporary)


@router.get("/admin/history")
def administrative_history(user: CurrentUser, people: People) -> list[AuditOut]:
    """The latest changes to people, organs and departments, newest first (admins)."""
    return [AuditOut.of(e) for e in people.history(user)]


# -- numbering: an organ's sequences, its 令 and meeting series, the next number when going live ----------------


class SequenceOut(BaseModel):
    family: NumberFamily = Field(description="发文字号, 令号 or 期号")
    label: str = Field(description="the 机关代字 or the series' name")
    year: int | None = Field(description="the year shown; null for a series that runs on across years")
    highest_issued: int = Field(description="the highest number a document carries (0: none yet)")
    next_number: int
    prefix_id: int | None = None
    series_id: int | None = None
    restart_yearly: bool

    @classmethod
    def of(cls, s: SequenceView) -> SequenceOut:
        return cls(
            family=s.family, label=s.label, year=s.year, highest_issued=s.highest_issued, next_number=s.next_number,
            prefix_id=s.prefix_id, series_id=s.series_id, restart_yearly=s.restart_yearly,
        )  # fmt: skip


class SeriesIn(BaseModel):
    family: Literal[NumberFamily.order, NumberFamily.minutes] = Field(description="令号 or 期号")
    name: str = Field(min_length=2, max_length=MAX_SERIES_NAME, description="e.g. 扎兰屯市人民政府令, …常务会议纪要")
    restart_yearly: bool = Field(description="numbers start again at 1 each January (纪要 usually, 令 usually not)")


class NextNumberIn(BaseModel):
    next_number: int = Field(ge=1, le=MAX_NEXT, description="the number the next document takes")
    year: int | None = Field(None, ge=YEARS[0], le=YEARS[1], description="required for a sequence that restarts yearly")


@router.get("/admin/organs/{organ_id}/numbering")
def organ_sequences(
    user: CurrentUser, ctx: UnitOfWork, numbering: Numbering, organ_id: Id, year: YearQuery = None
) -> list[SequenceOut]:
    """Every sequence of the organ (admins): 发文字号 per 机关代字 for the year (this year by default), 令 and
    meeting series, each with the highest number issued and the next."""
    found = numbering.sequences(user, organ_id, year or ctx.today().year)
    return [SequenceOut.of(s) for s in found]


@router.post("/admin/organs/{organ_id}/numbering/series", status_code=201)
def add_series(user: CurrentUser, ctx: UnitOfWork, numbering: Numbering, organ_id: Id, body: SeriesIn) -> SequenceOut:
    """Add a 令 or meeting series to the organ (admins; audited)."""
    series = numbering.save_series(user, organ_id, body.family, body.name, body.restart_yearly)
    return _series_out(numbering, user, organ_id, series.id, ctx.today().year)


@router.put("/admin/organs/{organ_id}/numbering/series/{series_id}")
def change_series(
    user: CurrentUser, ctx: UnitOfWork, numbering: Numbering, organ_id: Id, series_id: Id, body: SeriesIn
) -> SequenceOut:
    """Rename a series or change whether it restarts yearly, while it has numbered nothing (``series_in_use``)."""
    numbering.save_series(user, organ_id, body.family, body.name, body.restart_yearly, series_id)
    return _series_out(numbering, user, organ_id, series_id, ctx.today().year)


@router.put("/admin/organs/{organ_id}/numbering/prefixes/{prefix_id}/next")
def set_next_document_number(
    user: CurrentUser,
    ctx: UnitOfWork,
    numbering: Numbering,
    organ_id: Id,
    prefix_id: Id,
    body: NextNumberIn,
) -> SequenceOut:
    """The next 发文字号 of one 机关代字 and year, when the office goes live (admins; audited): never at or below
    a number already issued (``next_number_below_issued``)."""
    year = body.year or ctx.today().year
    numbering.set_next_in_prefix(user, organ_id, prefix_id, year, body.next_number)
    found = numbering.sequences(user, organ_id, year)
    return SequenceOut.of(next(s for s in found if s.prefix_id == prefix_id))


@router.put("/admin/organs/{organ_id}/numbering/series/{series_id}/next")
def set_next_series_number(
    user: CurrentUser,
    ctx: UnitOfWork,
    numbering: Numbering,
    organ_id: Id,
    series_id: Id,
    body: NextNumberIn,
) -> SequenceOut:
    """The next 令号 or 期号 of one series (admins; audited; ``year`` for a series that restarts yearly)."""
    numbering.set_next_in_series(user, organ_id, series_id, body.year, body.next_number)
    return _series_out(numbering, user, organ_id, series_id, body.year or ctx.today().year)


def _series_out(numbering: NumberingService, user: User, organ_id: int, series_id: int, year: int) -> SequenceOut:
    found = numbering.sequences(user, organ_id, year)
    return SequenceOut.of(next(s for s in found if s.series_id == series_id))
