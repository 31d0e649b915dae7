"""What the API answers about the audit trail (a document's history, an admin's record of changes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    action: str
    action_zh: str
    actor: str = Field(validation_alias="actor_name")
    organ: str | None = Field(validation_alias="organ_name")
    version: int | None
    detail: dict[str, Any]
