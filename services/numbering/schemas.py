"""What the API takes and answers about an organ's sequences (发文字号, 令号, 期号) when going live."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.domain.enums import NumberFamily
from services.numbering.service import MAX_NEXT, MAX_SERIES_NAME, YEARS


class SequenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # a SequenceView is read by its attributes

    family: NumberFamily = Field(description="发文字号, 令号 or 期号")
    label: str = Field(description="the 机关代字 or the series' name")
    year: int | None = Field(description="the year shown; null for a series that runs on across years")
    highest_issued: int = Field(description="the highest number a document carries (0: none yet)")
    next_number: int
    prefix_id: int | None = None
    series_id: int | None = None
    restart_yearly: bool


class SeriesIn(BaseModel):
    family: Literal[NumberFamily.order, NumberFamily.minutes] = Field(description="令号 or 期号")
    name: str = Field(min_length=2, max_length=MAX_SERIES_NAME, description="e.g. 扎兰屯市人民政府令, …常务会议纪要")
    restart_yearly: bool = Field(description="numbers start again at 1 each January (纪要 usually, 令 usually not)")


class NextNumberIn(BaseModel):
    next_number: int = Field(ge=1, le=MAX_NEXT, description="the number the next document takes")
    year: int | None = Field(None, ge=YEARS[0], le=YEARS[1], description="required for a sequence that restarts yearly")
