"""Inputs of the document use cases (validated at the edge; shared by the API, the CLI and the seed loader), and
what the API answers about a document, its versions and attachments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.accounts.schemas import OrganRef
from services.domain.enums import Cadence, Classification, DocType, Urgency
from services.domain.ids import MAX_ID, DbId
from services.domain.models import Document
from services.formats import upload_media_type


class PhaseIn(BaseModel):
    """阶段: a named stage of the plan with its date range (seed 001: 部署阶段 by 5月底)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=40)
    starts_on: dt.date | None = None
    ends_on: dt.date


class ObligationIn(BaseModel):
    """反馈事项 (DOMAIN.md §5): what is reported, its materials, who owes it, and a due date or a cadence.

    Owners: the organs and recipient groups named; neither means every 主送 unit.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    title: str = Field(min_length=1, max_length=200, description="What is reported, e.g. 工作动态信息")
    materials: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20, description="总结, 照片, 佐证材料 …"
    )
    optional_materials: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20, description="Materials a unit may leave out; the others are required"
    )
    phase: str | None = Field(None, max_length=40, description="The name of the 阶段 it belongs to")
    due_on: dt.date | None = Field(None, description="One due date; or give a cadence instead")
    cadence: Cadence | None = None
    starts_on: dt.date | None = Field(None, description="A cadence's first day (default: the issuing date)")
    ends_on: dt.date | None = Field(
        None, description="A cadence's last day; none: to the end of the plan's last phase, or until stopped"
    )
    partial_first: bool = Field(False, description="A cadence's first period may be partial (from the start day)")
    at_least: int = Field(1, ge=1, le=100, description="Reports per period")
    owner_organs: list[DbId] = Field(default_factory=list, max_length=2000)
    owner_groups: list[DbId] = Field(default_factory=list, max_length=100)
    method: str | None = Field(None, max_length=500, description="报送方式")
    contact: str | None = Field(None, max_length=500, description="联系人")


class TaskIn(BaseModel):
    """任务分工: a task line and its responsible units, lead (牵头) first, the others 配合."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    text: str = Field(min_length=1, max_length=2000)
    units: list[DbId] = Field(default_factory=list, max_length=200, description="Lead first")
    units_text: str | None = Field(None, max_length=500, description="The units as written in the text")


class DraftFields(BaseModel):
    """The GB/T 33480 fields a drafter sets (DOMAIN.md §4.3). 发文字号 and 成文日期 are never typed in."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    doc_type: DocType
    title: str = Field(min_length=2, max_length=500)
    issue_form: str = Field("发", min_length=1, max_length=20, description="发文形式, picks the 机关代字")
    issuers: list[DbId] = Field(
        default_factory=list,
        max_length=50,
        description="Issuing organs in header order; the drafter's organ (主办机关) is added when missing",
    )
    main_recipients: list[DbId] = Field(default_factory=list, max_length=5000, description="主送机关")
    main_groups: list[DbId] = Field(
        default_factory=list, max_length=100, description="单位分组 addressed as 主送: every member is distributed to"
    )
    copy_recipients: list[DbId] = Field(default_factory=list, max_length=5000, description="抄送机关")
    classification: Classification = Classification.none
    secrecy_period: str | None = Field(None, max_length=40)
    urgency: Urgency = Urgency.normal
    attachment_notes: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=100, description="附件说明: the attachment titles"
    )
    remark: str | None = Field(None, max_length=500)
    main_recipients_text: str | None = Field(
        None, max_length=1000, description="主送 as printed, e.g. a 统称; empty: the 主送 organs' names"
    )
    printed_copies: int | None = Field(None, ge=1, le=999_999, description="印制份数: each copy gets its 份号")
    printing_organ: str | None = Field(None, max_length=200)
    release_scope: str | None = Field(None, max_length=40)
    phases: list[PhaseIn] = Field(default_factory=list, max_length=20)
    obligations: list[ObligationIn] = Field(default_factory=list, max_length=50)
    tasks: list[TaskIn] = Field(default_factory=list, max_length=300)
    forwards: int | None = Field(
        None, ge=1, le=MAX_ID, description="被转发文: the received document this one 转发s; filed with it"
    )
    answers: int | None = Field(
        None, ge=1, le=MAX_ID, description="来文 this 复文 answers (a 请示, a 函); filed with it, 复文 first"
    )

    @field_validator("issuers", "main_recipients", "copy_recipients", "main_groups")
    @classmethod
    def _no_repeats(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("an organ is listed twice")
        return value


class DraftInput(DraftFields):
    body: str = Field(min_length=1, max_length=2_000_000, description="正文, plain text, one paragraph a line")
    note: str | None = Field(None, max_length=500, description="What changed, for the version history")
    base_version: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="The version this edit started from; required when saving, refused when it is not the latest",
    )


class AttachmentUpload(BaseModel):
    """An uploaded file: its media type is read from its bytes (services/formats.py), never taken from the sender;
    a file whose bytes are not what its name claims is refused on construction."""

    title: str
    filename: str
    content_type: str
    data: bytes

    @model_validator(mode="after")
    def _type_from_bytes(self) -> AttachmentUpload:
        self.content_type = upload_media_type(self.filename, self.data)
        return self


class DocumentOut(BaseModel):
    """A document as the API shows it: from a listed record (services.documents.repository) by its attributes, or
    from a document being changed by :meth:`of`."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    doc_type: str
    title: str
    doc_number: str | None
    written_on: dt.date | None
    lead_organ: OrganRef | None
    source_name: str | None
    source_position: int | None
    published_at: dt.datetime | None = None  # an imported web page's 发布时间 (not its 成文日期)
    issuers: list[OrganRef]
    issuer_names: list[str]  # issuers known only by the text that named them (责任者 of an imported document)
    recipients: list[OrganRef]
    classification: str
    secrecy_period: str | None
    urgency: str
    issue_form: str
    attachment_notes: list[str]
    remark: str | None
    printing_organ: str | None
    main_recipients_text: str | None = None
    main_groups: list[int]
    printed_copies: int | None = None
    printed_on: dt.date | None = None
    current_version: int
    signing_round: int
    returned_reason: str | None
    reply_to_id: int | None
    forwards: int | None = None
    answers: int | None = None
    page_count: int | None
    issued_at: dt.datetime | None
    distributed_at: dt.datetime | None
    created_at: dt.datetime
    actions: list[str] = Field(
        default_factory=list,
        description="What the caller may do next (GET /documents/{id}): edit, submit, review, sign, issue, recheck, "
        "register, seal, release, receive, report",
    )

    @classmethod
    def of(cls, d: Document, actions: Sequence[str] = ()) -> DocumentOut:
        """A document being changed: its columns as they are, its organs by the names it was issued under, its links
        (转发, 答复) followed."""
        columns = {name: getattr(d, name) for name in cls.model_fields.keys() - _FOLLOWED}
        return cls(
            **columns,
            lead_organ=d.lead_organ,
            issuers=[OrganRef(id=i.organ_id, name=i.name) for i in d.issuers],
            recipients=[OrganRef(id=r.organ_id, name=r.name, role=r.role) for r in d.recipients],
            forwards=d.linked("forwards"),
            answers=d.linked("answers"),
            actions=list(actions),
        )


_FOLLOWED = frozenset({"lead_organ", "issuers", "recipients", "forwards", "answers", "actions"})


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    filename: str
    content_type: str
    size: int
    sha256: str


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    note: str | None
    created_at: dt.datetime
    created_by_id: int | None
    body_sha256: str
    body_size: int
    fields: dict[str, Any]
    checks: list[dict[str, Any]]
    attachments: list[AttachmentOut]


class DiffOut(BaseModel):
    # read from the diff DocumentService.diff computes, whose keys "from" and "to" are the versions
    from_version: int = Field(validation_alias="from")
    to_version: int = Field(validation_alias="to")
    changed: bool
    fields: dict[str, Any]
    body_diff: list[str]


class ConfirmDeliveryIn(BaseModel):
    confirm_recipients_without_clearance: bool = Field(
        False,
        description="distribute even to recipient organs where nobody is cleared for the 密级 (refused otherwise "
        "with recipients_without_clearance naming them)",
    )
