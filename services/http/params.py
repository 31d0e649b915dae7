"""Bounded ids and years for paths, queries and bodies: anything outside answers 422, never a database error."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

from services.domain.ids import MAX_ID as MAX_ID  # pages bound their own queries by it
from services.domain.ids import DbId

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int, Query(ge=1, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
MAX_VERSION = 1_000_000
VersionNumber = Annotated[int, Path(ge=1, le=MAX_VERSION)]
YearPath = Annotated[int, Path(ge=1000, le=9999)]
YearQuery = Annotated[int, Query(ge=1000, le=9999)]
IdField = DbId
YearField = Annotated[int, Field(ge=1000, le=9999)]
