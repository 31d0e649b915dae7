"""What the API answers about 会签/签发: the signoffs of a document and what a signing head is shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from services.accounts.schemas import Name
from services.documents.schemas import DiffOut, DocumentOut


class SignoffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    organ_id: int
    organ: Name
    round: int
    kind: str
    status: str
    signer: str | None
    opinion: str | None
    version: int | None
    decided_at: dt.datetime | None

    @field_validator("signer", mode="before")
    @classmethod
    def _signer_name(cls, signer: Any) -> Any:
        return signer if signer is None or isinstance(signer, str) else signer.display_name


class SigningViewOut(BaseModel):
    document: DocumentOut
    body: str
    last_seen_version: int | None
    diff_since_last_seen: DiffOut | None
    signoffs: list[SignoffOut]
