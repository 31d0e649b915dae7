"""收文处理单: the paper form an office carries through the building, as HTML with print CSS (A4) and as PDF —
the archive catalogue's path (a template under templates/documents, WeasyPrint with the Fandol faces)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.config import Settings
from services.domain.enums import IncomingState
from services.domain.models import IncomingRecord, IncomingStep
from services.rendering.fonts import find_fonts_dir
from services.rendering.forms import form_pdf

TEMPLATE = "documents/incoming_sheet.html.j2"


def boxes(record: IncomingRecord) -> dict[str, list[IncomingStep]]:
    """The steps that go in each box of the form, in order."""
    found: dict[str, list[IncomingStep]] = {
        k: [] for k in ("初审", "拟办", "批办", "承办", "传阅", "阅", "督办", "办结")
    }
    for step in record.steps:
        key = "初审" if step.action == "退回" else step.action
        if key in found:
            found[key].append(step)
    return found


def sheet_html(record: IncomingRecord, settings: Settings, organ_name: str) -> str:
    env = Environment(loader=FileSystemLoader(str(settings.templates_dir)), autoescape=select_autoescape(["j2"]))
    zone = ZoneInfo(settings.timezone)
    env.filters["day"] = lambda at: _zh_day(at.astimezone(zone).date())
    env.filters["zh_day"] = _zh_day
    context: dict[str, Any] = {
        "record": record,
        "organ_name": organ_name,
        "boxes": boxes(record),
        "state_zh": IncomingState(record.state).zh,
    }
    return env.get_template(TEMPLATE).render(**context)


def _zh_day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def sheet_pdf(record: IncomingRecord, settings: Settings, organ_name: str) -> bytes:
    """The 收文处理单 as PDF, in the GB/T 9704 faces."""
    return form_pdf(sheet_html(record, settings, organ_name), find_fonts_dir(settings.fonts_dir))
