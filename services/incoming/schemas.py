"""Inputs of the 收文 use cases (validated at the edge; shared by the API and the pages), and what the API answers
about a 收文 record and its handling."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Protocol

from pydantic import AliasPath, BaseModel, ConfigDict, Field

from services.accounts.schemas import Name
from services.domain.enums import Classification, IncomingNature, IncomingState, Urgency
from services.domain.ids import DbId
from services.domain.models import IncomingRecord, User

Opinion = Annotated[str, Field(max_length=2000)]


class PaperIn(BaseModel):
    """An external paper document registered by hand (登记: DOMAIN.md §1.5's fields); its scan comes beside it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    source_name: str = Field(min_length=2, max_length=200, description="来文机关")
    doc_number: str | None = Field(None, max_length=80, description="文号")
    title: str = Field(min_length=2, max_length=500, description="标题")
    classification: Classification = Classification.none
    urgency: Urgency = Urgency.normal
    copies: int = Field(1, ge=1, le=9999, description="份数")
    nature: IncomingNature = IncomingNature.handle
    received_on: dt.date | None = Field(None, description="收文日期 (default: today)")


class ReviewIn(BaseModel):
    """初审: accept (optionally as 阅件 or 办件), or return to the sender with a reason."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    accept: bool
    reason: Opinion | None = None
    nature: IncomingNature | None = None


class OpinionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    opinion: str = Field(min_length=1, max_length=2000)


class InstructIn(BaseModel):
    """批办: the head's instruction, the lead (主办) and 协办 departments, and the 办理时限."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    opinion: str = Field(min_length=1, max_length=2000)
    lead_department_id: DbId | None = None
    support_department_ids: list[DbId] = Field(default_factory=list, max_length=50)
    deadline: dt.date | None = Field(None, description="办理时限; required for 加急 and 特急")


class HandleIn(BaseModel):
    """承办: one department records its part (the lead's part is the result)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str = Field(min_length=1, max_length=5000)


class CirculateIn(BaseModel):
    """传阅 to named people of the organ."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    user_ids: list[DbId] = Field(min_length=1, max_length=100)
    opinion: Opinion | None = None


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    opinion: Opinion | None = None


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    result: str = Field(min_length=1, max_length=5000)


class DepartmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    organ_id: DbId
    name: str = Field(min_length=2, max_length=100)


class AssignIn(BaseModel):
    department_id: DbId | None = None


class RecordStanding(Protocol):
    """What an answer about a 收文 record asks of the 收文 use cases (IncomingService)."""

    def is_overdue(self, record: IncomingRecord) -> bool: ...

    def where_now(self, record: IncomingRecord) -> str: ...

    def steps_for(self, actor: User, record: IncomingRecord) -> dict[str, bool]: ...


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    actor: str = Field(validation_alias="actor_name")
    opinion: str | None
    detail: dict[str, Any]
    at: dt.datetime


class PartOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    department_id: int
    department: Name
    role: str
    note: str | None
    done_at: dt.datetime | None


class ReaderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: int
    name: str = Field(validation_alias=AliasPath("user", "display_name"))
    read_at: dt.datetime | None
    opinion: str | None


class IncomingOut(BaseModel):
    id: int
    organ_id: int
    number: str
    year: int
    seq: int
    received_on: dt.date
    origin: str
    source_name: str
    doc_number: str | None
    title: str
    classification: str
    urgency: str
    copies: int
    nature: str
    document_id: int | None
    state: str
    state_zh: str
    deadline: dt.date | None
    overdue: bool
    where_now: str
    result: str | None
    reply_document_id: int | None
    has_scan: bool

    @classmethod
    def of(cls, r: IncomingRecord, service: RecordStanding) -> IncomingOut:
        """The record's columns as they are; ``service`` says whether it is overdue and where it is now."""
        columns = {name: getattr(r, name) for name in IncomingOut.model_fields.keys() - _STANDING}
        return IncomingOut(
            **columns,
            state_zh=IncomingState(r.state).zh,
            overdue=service.is_overdue(r),
            where_now=service.where_now(r),
            has_scan=r.scan_key is not None,
        )


_STANDING = frozenset({"state_zh", "overdue", "where_now", "has_scan"})


class IncomingDetailOut(IncomingOut):
    steps: list[StepOut]
    parts: list[PartOut]
    readers: list[ReaderOut]
    actions: list[str] = Field(
        default_factory=list,
        description="What the caller may do next (IncomingService.steps_for): review, propose, instruct, handle, "
        "circulate, read, close",
    )

    @classmethod
    def of(cls, r: IncomingRecord, service: RecordStanding, user: User | None = None) -> IncomingDetailOut:
        """With ``user``, the steps that user may take next."""
        base = IncomingOut.of(r, service).model_dump()
        return cls(
            **base,
            actions=[step for step, allowed in service.steps_for(user, r).items() if allowed] if user else [],
            steps=[StepOut.model_validate(s) for s in r.steps],
            parts=[PartOut.model_validate(p) for p in r.parts],
            readers=[ReaderOut.model_validate(x) for x in r.readers],
        )


class RegisterOut(BaseModel):
    total: int
    items: list[IncomingOut]


class OwedOut(BaseModel):
    review: list[IncomingOut]
    propose: list[IncomingOut]
    instruct: list[IncomingOut]
    handle: list[IncomingOut]
    read: list[IncomingOut]
    close: list[IncomingOut]
    supervised: list[IncomingOut]
