"""Inputs of the 收文 use cases (validated at the edge; shared by the API and the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.documents.schemas import DbId
from services.domain.enums import Classification, IncomingNature, Urgency

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
