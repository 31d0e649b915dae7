"""What the API takes and returns for organs, departments, users and 单位分组; answers read entities by their
attributes inside the request's transaction."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from services import access
from services.domain.enums import Classification, Role
from services.domain.ids import DbId
from services.domain.models import User


def _name_of(value: Any) -> Any:
    """An organ or a department read by attributes answers with its name; a name is kept as it is."""
    return value if isinstance(value, str) else value.name


def _alias_texts(rows: Any) -> Any:
    return [getattr(row, "alias", row) for row in rows]


Name = Annotated[str, BeforeValidator(_name_of)]
Aliases = Annotated[list[str], BeforeValidator(_alias_texts)]


class OrganRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: str | None = None


class OrganOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    short_name: str
    parent_id: int | None
    prefixes: dict[str, str]
    aliases: Aliases
    registrar_gate: bool
    name_alt: str | None = None  # the name in a second script (traditional Mongolian), printed in the 标志

    @field_validator("prefixes", mode="before")
    @classmethod
    def _prefix_rows(cls, rows: Any) -> Any:
        """发文形式 → 机关代字, from the organ's prefix rows."""
        return rows if isinstance(rows, dict) else {p.form: p.prefix for p in rows}


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    organ_id: int
    organ: Name
    roles: list[str]
    clearance: str | None = Field(None, description="密级 clearance: shown to the user themself and to admins only")
    person_name: str | None = None
    job_title: str | None = None
    department_id: int | None = None
    active: bool = True
    must_change_password: bool = Field(False, description="an admin reset the password: change it before anything")

    @classmethod
    def of(cls, user: User, viewer: User | None = None) -> UserOut:
        """``viewer`` None means the user looks at themself."""
        out = cls.model_validate(user)
        return out if access.may_see_clearance(viewer, user) else out.model_copy(update={"clearance": None})


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organ_id: int
    name: str


class LoginOut(BaseModel):
    token: str
    user: UserOut


class GroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    members: list[OrganRef]
    aliases: Aliases = []

    @field_validator("members", mode="before")
    @classmethod
    def _member_organs(cls, members: Any) -> Any:
        return [getattr(m, "organ", m) for m in members]


class OrganIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=2, max_length=200)
    short_name: str = Field(min_length=1, max_length=100)
    parent_id: DbId | None = None
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
    organ_id: DbId
    roles: list[Role]
    password: str
    clearance: Classification = Classification.none
    person_name: str | None = Field(None, max_length=50, description="姓名, printed as 签发人")
    job_title: str | None = Field(None, max_length=100, description="职务")
    department_id: DbId | None = None


class UserChangeIn(BaseModel):
    display_name: str | None = Field(None, min_length=1, max_length=100)
    person_name: str | None = Field(None, max_length=50, description="姓名, printed as 签发人 on 上行文")
    job_title: str | None = Field(None, max_length=100, description="职务, printed beside a 令's 签名章")
    organ_id: DbId | None = None
    department_id: DbId | None = Field(None, description="科室 of the user's organ; null: none")
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
    parent_id: DbId | None = Field(None, description="null: no superior")
    prefixes: dict[str, str] | None = Field(None, description="发文形式 → 机关代字, replacing the organ's")
    name_alt: str | None = Field(
        None, max_length=200, description="the name in traditional Mongolian, printed under it in the 标志; '' clears"
    )


class DepartmentRenameIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
