"""Side-by-side diff of two bodies, with the changed characters marked inside long Chinese paragraphs."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

CONTEXT = 2  # unchanged paragraphs shown around each change


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool


@dataclass(frozen=True)
class Row:
    kind: str  # equal | replace | delete | insert | skip
    old_no: int | None = None
    old: tuple[Segment, ...] = ()
    new_no: int | None = None
    new: tuple[Segment, ...] = ()
    skipped: int = 0


def _plain(text: str) -> tuple[Segment, ...]:
    return (Segment(text, False),) if text else ()


def _marked(old: str, new: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    left: list[Segment] = []
    right: list[Segment] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if a2 > a1:
            left.append(Segment(old[a1:a2], op != "equal"))
        if b2 > b1:
            right.append(Segment(new[b1:b2], op != "equal"))
    return tuple(left), tuple(right)


def side_by_side(old_text: str, new_text: str) -> list[Row]:
    old, new = old_text.splitlines(), new_text.splitlines()
    rows: list[Row] = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(CONTEXT):
        if rows or group[0][1] > 0:
            rows.append(Row("skip", skipped=group[0][1]))
        for op, a1, a2, b1, b2 in group:
            rows.extend(_rows(op, old, new, a1, a2, b1, b2))
    return rows


def _rows(op: str, old: list[str], new: list[str], a1: int, a2: int, b1: int, b2: int) -> list[Row]:
    if op == "equal":
        return [Row("equal", a1 + i + 1, _plain(old[a1 + i]), b1 + i + 1, _plain(new[b1 + i])) for i in range(a2 - a1)]
    rows = []
    for i in range(max(a2 - a1, b2 - b1)):
        a, b = a1 + i, b1 + i
        if a < a2 and b < b2:
            left, right = _marked(old[a], new[b])
            rows.append(Row("replace", a + 1, left, b + 1, right))
        elif a < a2:
            rows.append(Row("delete", a + 1, (Segment(old[a], True),)))
        else:
            rows.append(Row("insert", new_no=b + 1, new=(Segment(new[b], True),)))
    return rows
