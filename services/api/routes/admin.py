"""Organs (机关, with their 机关代字) and users: readable by every user, changed by admins."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query

from services.accounts.people import Profile
from services.accounts.schemas import (
    AliasesIn,
    DepartmentOut,
    DepartmentRenameIn,
    GateIn,
    OrganChangeIn,
    OrganIn,
    OrganOut,
    PasswordResetIn,
    PasswordResetOut,
    UserChangeIn,
    UserIn,
    UserOut,
)
from services.accounts.service import OrganChange
from services.api.errors import ERROR_RESPONSES
from services.audit.schemas import AuditOut
from services.domain.enums import Classification, Role
from services.domain.models import User
from services.http.deps import CurrentUser, Departments, Numbering, Organs, People, UnitOfWork, Users
from services.http.params import Id, IdQuery
from services.numbering.schemas import NextNumberIn, SequenceOut, SeriesIn
from services.numbering.service import YEARS, NumberingService

router = APIRouter(prefix="/api/v1", tags=["organs and users"], responses=ERROR_RESPONSES)
YearQuery = Annotated[int | None, Query(ge=YEARS[0], le=YEARS[1], description="the year of the yearly sequences")]


@router.get("/organs")
def list_organs(organs: Organs) -> list[OrganOut]:
    return [OrganOut.model_validate(o) for o in organs.list()]


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
    return OrganOut.model_validate(organ)


@router.put("/organs/{organ_id}/registrar-gate")
def set_registrar_gate(user: CurrentUser, organs: Organs, organ_id: Id, body: GateIn) -> OrganOut:
    """The registrar's gate before issuing, on or off for one organ (admins)."""
    return OrganOut.model_validate(organs.set_registrar_gate(user, organ_id, body.registrar_gate))


@router.put("/organs/{organ_id}/aliases")
def set_aliases(user: CurrentUser, organs: Organs, organ_id: Id, body: AliasesIn) -> OrganOut:
    return OrganOut.model_validate(organs.set_aliases(user, organ_id, body.aliases))


@router.patch("/organs/{organ_id}")
def change_organ(user: CurrentUser, organs: Organs, organ_id: Id, body: OrganChangeIn) -> OrganOut:
    """Rename an organ or change its parent or 机关代字 (admins); fields left out stay as they are. Issued
    documents keep the name they were issued under."""
    change = replace(OrganChange.of(organs.get(organ_id)), **body.model_dump(exclude_unset=True))
    return OrganOut.model_validate(organs.update(user, organ_id, change))


@router.patch("/departments/{department_id}")
def rename_department(
    user: CurrentUser,
    departments: Departments,
    department_id: Id,
    body: DepartmentRenameIn,
) -> DepartmentOut:
    return DepartmentOut.model_validate(departments.rename(user, department_id, body.name))


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
    return [AuditOut.model_validate(e) for e in people.history(user)]


# -- numbering: an organ's sequences, its 令 and meeting series, the next number when going live ----------------


@router.get("/admin/organs/{organ_id}/numbering")
def organ_sequences(
    user: CurrentUser, ctx: UnitOfWork, numbering: Numbering, organ_id: Id, year: YearQuery = None
) -> list[SequenceOut]:
    """Every sequence of the organ (admins): 发文字号 per 机关代字 for the year (this year by default), 令 and
    meeting series, each with the highest number issued and the next."""
    found = numbering.sequences(user, organ_id, year or ctx.today().year)
    return [SequenceOut.model_validate(s) for s in found]


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
    return SequenceOut.model_validate(next(s for s in found if s.prefix_id == prefix_id))


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
    return SequenceOut.model_validate(next(s for s in found if s.series_id == series_id))
