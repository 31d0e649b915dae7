"""Turn a plain-text body into paragraphs with the four GB/T 9704 heading levels (DOMAIN.md §2.2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_NUM = "一二三四五六七八九十百零〇"
LEVELS = (
    (1, re.compile(rf"^[{CN_NUM}]+、")),  # 一、 黑体
    (2, re.compile(rf"^[（(][{CN_NUM}]+[）)]")),  # （一） 楷体
    (3, re.compile(r"^\d+[.．](?!\d)")),  # 1. 仿宋 (bold in practice)
    (4, re.compile(r"^[（(]\d+[）)]")),  # （1） 仿宋
)
_MARKUP = re.compile(r"^#{1,6}\s*|\*\*")


@dataclass(frozen=True)
class Paragraph:
    text: str
    level: int  # 0 = body text

    @property
    def css_class(self) -> str:
        return f"h{self.level}" if self.level else "p"


def heading_level(line: str) -> int:
    for level, pattern in LEVELS:
        if pattern.match(line):
            return level
    return 0


def paragraphs(body: str) -> list[Paragraph]:
    """One paragraph per non-empty line; Markdown heading marks and bold marks are dropped."""
    result = []
    for raw in body.splitlines():
        line = _MARKUP.sub("", raw.strip()).strip()
        if line:
            result.append(Paragraph(line, heading_level(line)))
    return result


def chinese_date(value: object) -> str:
    """成文日期 in Arabic numerals, 4-digit year, month and day unpadded: 2024年9月5日 (GB/T 9704)."""
    import datetime as dt

    assert isinstance(value, dt.date)
    return f"{value.year}年{value.month}月{value.day}日"
