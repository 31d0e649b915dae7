"""Bounded database ids for what the edge validates: anything outside is refused, never a database error."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ID = 2**31 - 1  # the database's integer columns
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
