"""Inputs of the document use cases (validated at the edge; shared by the API, the CLI and the seed loader)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.domain.enums import Classification, DocType, Urgency

MAX_ID = 2**31 - 1  # the database's integer columns


class ReportBack(BaseModel):
    """反馈要求 (DOMAIN.md §5): what each 主送 unit must send back, by when, to whom."""

    model_config = ConfigDict(extra="forbid")
    deadline: dt.date
    materials: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=lambda: ["总结"], max_length=50)
    method: str | None = Field(None, max_length=500)
    contact: str | None = Field(None, max_length=500)


class DraftFields(BaseModel):
    """The GB/T 33480 fields a drafter sets (DOMAIN.md §4.3). 发文字号 and 成文日期 are never typed in."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    doc_type: DocType
    title: str = Field(min_length=2, max_length=500)
    issue_form: str = Field("发", min_length=1, max_length=20, description="发文形式, picks the 机关代字")
    issuers: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list,
        max_length=50,
        description="Issuing organs in header order; the drafter's organ (主办机关) is added when missing",
    )
    main_recipients: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=5000, description="主送机关"
    )
    copy_recipients: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=5000, description="抄送机关"
    )
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
    report_back: ReportBack | None = None
    forwards: int | None = Field(
        None, ge=1, le=MAX_ID, description="被转发文: the received document this one 转发s; filed with it"
    )
    answers: int | None = Field(
        None, ge=1, le=MAX_ID, description="来文 this 复文 answers (a 请示, a 函); filed with it, 复文 first"
    )

    @field_validator("issuers", "main_recipients", "copy_recipients")
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
    title: str
    filename: str
    content_type: str
    data: bytes
