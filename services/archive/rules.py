"""DA/T 22 rules: 件 grouping, classification, 保管期限, 档号 (DOMAIN.md §3)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.domain.models import Document

ARCHIVAL_CODE = re.compile(r"^[A-Z0-9]{4}-WS·\d{4}-(Y|D30|D10)(-[A-Z0-9]{1,16})?-\d{4}$")
RETENTION_RANK = {"Y": 0, "D30": 1, "D10": 2}
RETENTION_YEARS = {"Y": None, "D30": 30, "D10": 10}


@dataclass
class Group:
    """Documents filed as one 件: the main document first (正本 before 来文, DA/T 22 §3.1)."""

    main: Document
    members: list[tuple[Document, str]] = field(default_factory=list)

    @property
    def documents(self) -> list[Document]:
        return [self.main] + [d for d, _ in self.members]


def retention_of(document: Document, schedule: dict[str, str]) -> str:
    for key in (document.kind, document.doc_type):
        if key in schedule and key != "outgoing":
            return schedule[key]
    return schedule.get(document.doc_type, "D30")


def organ_code(document: Document) -> str:
    """机构(问题)代码: the lead organ's code, letters and digits only (the 档号 separators are reserved)."""
    organ = document.lead_organ or document.owner_organ
    code = organ.code if organ else "NONE"
    return re.sub(r"[^A-Za-z0-9]", "", code).upper()[:16] or "NONE"


def category(year: int, retention: str, organ: str, scheme: str) -> tuple[int, str, str | None]:
    """The lowest category of the scheme: 件号 restart at 1 in each (DA/T 22 §3.3)."""
    return (year, retention, None if scheme == "year-retention" else organ)


def archival_code(fonds: str, year: int, retention: str, organ: str | None, item_no: int) -> str:
    """全宗号-WS·年度-保管期限-机构-件号, 件号 zero-padded to 4 digits."""
    middle = f"-{organ}" if organ else ""
    return f"{fonds}-WS·{year}-{retention}{middle}-{item_no:04d}"
