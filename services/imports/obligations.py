"""Recognising what a plan asks of its units (DOMAIN.md §5), from its text: obligations with a due date or a
cadence (每周 / 每月 / 每季度 at least N), phases (阶段) with their dates, and task lines with their responsible units
(seed 002's parentheses, "牵头单位：…；配合单位：…", "责任单位：…"). Each finding carries a confidence; the importer
reports them and the draft editor proposes them to the drafter, who confirms or edits them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from search.analysis import normalize
from services.context import Context
from services.domain.models import Document, DocumentVersion
from services.imports.recognize import (
    DUE_DATE,
    MONTH_MARK,
    PHASE,
    clean_lines,
    cn_number,
    join_broken_lines,
    month_mark_end,
)

_DATES_EACH = re.compile(
    rf"(?P<dates>(?:{DUE_DATE}\s*[和、，,及与]?\s*){{2,}})[，,]?\s*(?P<who>各[^，,。；;]{{1,20}}?)分别(?:报送|上报)(?P<what>[^。；;]+)"
)
_DATED = re.compile(rf"(?:请于|于|在)?\s*{DUE_DATE}\s*(?:将|把)?([^。；]{{1,80}}?)(?:报送|上报|报至|送至|报给)")
_CADENCE = re.compile(
    r"(每周|每月|每季度|每季)\s*至少\s*(?:报送|上报|提供)?\s*(\d+|[一二三四五六七八九十两]+)\s*(?:条|次|篇|份|期|个)\s*(?:以上)?"
    r"\s*([\u4e00-\u9fff]{2,20})"
)
_MONTH = re.compile(MONTH_MARK)
_UNITS_PAREN = re.compile(r"[（(]([^（()）]{2,160})[)）]\s*$")
_LEAD = re.compile(r"牵头单位[:：]\s*([^；;。]+)[；;，,]?\s*(?:配合单位[:：]\s*([^；;。]+))?")
_RESPONSIBLE = re.compile(r"责任单位[:：]\s*([^；;。]+)")
_NUMBERED = re.compile(r"^\s*(\d{1,3})\s*[.．、]\s*")
_UNIT = re.compile(r"(市|县|区|局|委|部|办|乡镇|街道|会|院|团|馆|学院|集团|中心|政府|单位|机构|队|站|所)")
_GROUP_SUBJECT = re.compile(r"^((?:各[\u4e00-\u9fff]{1,12}?(?:单位|部门|街道|乡镇|机构|科室|医院|学校)[、，,]?)+)")
CADENCE_OF = {"每周": "weekly", "每月": "monthly", "每季度": "quarterly", "每季": "quarterly"}
MATERIAL_TAIL = re.compile(r"(等)?(资料|材料)$")


@dataclass
class FoundObligation:
    title: str
    materials: list[str]
    units: list[str]  # as written; [] means every unit addressed (各单位)
    due_on: dt.date | None = None
    cadence: str | None = None
    at_least: int = 1
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    confidence: float = 0.8
    raw: str = ""


@dataclass
class FoundPhase:
    name: str
    starts_on: dt.date | None
    ends_on: dt.date
    confidence: float = 0.85
    raw: str = ""


@dataclass
class FoundTask:
    text: str
    lead: str
    others: list[str]
    units_text: str
    confidence: float = 0.85


@dataclass
class FoundPlan:
    obligations: list[FoundObligation] = field(default_factory=list)
    phases: list[FoundPhase] = field(default_factory=list)
    tasks: list[FoundTask] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            if isinstance(v, dt.date):
                return v.isoformat()
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            if isinstance(v, list):
                return [plain(x) for x in v]
            return v

        return {
            "obligations": [plain(asdict(o)) for o in self.obligations],
            "phases": [plain(asdict(p)) for p in self.phases],
            "tasks": [plain(asdict(t)) for t in self.tasks],
        }


def recognize_plan(text: str, year: int | None) -> FoundPlan:
    """Obligations, phases and tasks of a plan's text; ``year`` completes dates written without one."""
    paragraphs = join_broken_lines(clean_lines(normalize(text)))
    flat = "".join(paragraphs)
    plan = FoundPlan(phases=_phases(flat, year), tasks=_tasks(paragraphs))
    plan.obligations = _dated_each(flat, year) or _dated(flat, year)
    plan.obligations += _cadences(flat, year)
    return plan


def _date(y: str | None, m: str, d: str, year: int | None) -> dt.date | None:
    try:
        return dt.date(int(y) if y else year, int(m), int(d)) if (y or year) else None  # type: ignore[arg-type]
    except ValueError:
        return None


def _items(text: str) -> list[str]:
    """'A和B、C（含D）' → ['A', 'B', 'C（含D）']: split on 和 、 及 outside parentheses."""
    items, depth, current = [], 0, ""
    for ch in text:
        depth += 1 if ch in "（(" else (-1 if ch in "）)" else 0)
        if depth == 0 and ch in "和、及与":
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    return [i.strip("，, ") for i in items if i.strip("，, ")]


def _split_item(item: str) -> tuple[str, list[str]]:
    """'工作总结（含开展有关活动的佐证材料）' → ('工作总结', ['工作总结', '佐证材料'])."""
    m = re.match(r"^(.*?)[（(]含(.+?)[)）]$", item)
    if not m:
        return item, [item]
    inner = m[2].split("的")[-1]
    return m[1], [m[1], inner]


def _units(subject: str) -> list[str]:
    m = _GROUP_SUBJECT.match(subject.strip())
    if not m:
        return []
    names = [n for n in re.split(r"[、，,]", m[1]) if n]
    return [] if names == ["各单位"] else names


def _dated_each(flat: str, year: int | None) -> list[FoundObligation]:
    """'5月30日前和6月20日前、12月20日前，各单位分别报送A和B、C' → three obligations, one date each."""
    found = []
    for m in _DATES_EACH.finditer(flat):
        dates = [_date(d[0], d[1], d[2], year) for d in re.findall(DUE_DATE, m["dates"])]
        items = _items(m["what"])
        if len(dates) != len(items) or None in dates:
            continue
        for due, item in zip(dates, items, strict=True):
            title, materials = _split_item(item)
            found.append(FoundObligation(title, materials, _units(m["who"]), due_on=due, confidence=0.85, raw=m[0]))
    return found


def _dated(flat: str, year: int | None) -> list[FoundObligation]:
    """'各单位…于10月8日前将活动情况总结、活动照片报送…' → one obligation with its materials."""
    found = []
    for m in _DATED.finditer(flat):
        due = _date(m[1], m[2], m[3], year)
        materials = [MATERIAL_TAIL.sub(r"\2", i).removesuffix("等") for i in _items(m[4].strip())]
        materials = [re.sub(r"^(活动结束后|及时)", "", x) for x in materials if x]
        if due is None or not materials:
            continue
        sentence_start = max(flat.rfind(c, 0, m.start()) for c in "。；;") + 1
        clauses = [c for c in re.split(r"[，,]", flat[sentence_start : m.start()]) if c.strip()]
        units = next((_units(c) or ["各单位"] for c in reversed(clauses) if _GROUP_SUBJECT.match(c.strip())), [])
        units = [] if units == ["各单位"] else units
        sure = 0.9 if m[1] else 0.75
        found.append(FoundObligation(materials[0], materials, units, due_on=due, confidence=sure, raw=m[0]))
    return found


_WINDOW_FROM = re.compile(r"(?:自|从)\s*(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日\s*(?:起|开始)")
_WINDOW_TO = re.compile(r"(?:至|到)\s*(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日\s*(?:止|结束)?")


def _cadences(flat: str, year: int | None) -> list[FoundObligation]:
    """'A、B每周至少报送1条以上工作动态信息' → weekly, at least 1, owed by A and B. A start (“自6月1日起”) and an end
    (“至10月20日”) written in the same sentence are proposed; none written, the cadence is open-ended: it runs to the
    end of the plan's last phase, or until the issuing office stops it (services/obligations/service.py)."""
    found = []
    for m in _CADENCE.finditer(flat):
        before = flat[: m.start()]
        cut = max(before.rfind(c) for c in "，,。；;：:")
        subject = before[cut + 1 :].strip()
        sentence = before[max(before.rfind(c) for c in "。；;") + 1 :]
        units = [u for u in re.split(r"[、，,]", subject) if u and _UNIT.search(u)]
        title = m[3]
        begins, ends = _WINDOW_FROM.search(sentence), _WINDOW_TO.search(sentence)
        found.append(
            FoundObligation(
                title, [title], units, cadence=CADENCE_OF[m[1]], at_least=cn_number(m[2].replace("两", "二")),
                starts_on=_date(begins[1], begins[2], begins[3], year) if begins else None,
                ends_on=_date(ends[1], ends[2], ends[3], year) if ends else None,
                confidence=0.85 if units else 0.6, raw=subject + m[0],
            )
        )  # fmt: skip
    return found


def _phases(flat: str, year: int | None) -> list[FoundPhase]:
    found = []
    for m in PHASE.finditer(flat):
        window = m[2]
        marks = list(_MONTH.finditer(window))
        if not marks:
            continue
        y_mark = re.search(r"(\d{4})年", window)
        y = int(y_mark[1]) if y_mark else year
        if y is None:
            continue
        end = month_mark_end(marks[-1], y)
        start = _month_start(marks[0], y) if len(marks) > 1 and re.search(r"[—\-－~至到]", window) else None
        if end is not None:
            found.append(FoundPhase(m[1], start, end, raw=window))
    return found


def _month_start(m: re.Match[str], year: int) -> dt.date | None:
    y, month = int(m[1]) if m[1] else year, int(m[2])
    return dt.date(y, month, int(m[3]) if m[3] else 1) if 1 <= month <= 12 else None


def _split_units(text: str) -> list[str]:
    return [u.strip() for u in re.split(r"[、，,]", text) if u.strip()]


def _tasks(paragraphs: list[str]) -> list[FoundTask]:
    """Task lines: a numbered item whose paragraph (or a later one before the next item) ends with its units in
    parentheses, or names them as 牵头单位 / 配合单位 / 责任单位."""
    found: list[FoundTask] = []
    item: str | None = None
    for p in paragraphs:
        if _NUMBERED.match(p):
            item = p
        if item is None:
            continue
        units, units_text, sure = _task_units(p)
        if units:
            text = re.split(r"。", item, maxsplit=1)[0]
            found.append(FoundTask(text, units[0], units[1:], units_text, sure))
            item = None
    return found


def _task_units(p: str) -> tuple[list[str], str, float]:
    lead = _LEAD.search(p)
    if lead:
        others = _split_units(lead[2]) if lead[2] else []
        return _split_units(lead[1]) + others, lead[0], 0.9
    responsible = _RESPONSIBLE.search(p)
    if responsible:
        return _split_units(responsible[1]), responsible[0], 0.85
    paren = _UNITS_PAREN.search(p)
    if paren:
        units = _split_units(paren[1])
        if units and all(_UNIT.search(u) and len(u) <= 20 for u in units):
            return units, paren[0].strip(), 0.85
    return [], "", 0.0


def plan_of_import(ctx: Context, document_id: int) -> dict[str, Any]:
    """What the importer recognised in one imported document, for its per-file report."""
    version = ctx.session.scalar(
        select(DocumentVersion).where(DocumentVersion.document_id == document_id).order_by(DocumentVersion.number)
    )
    title = ctx.session.scalar(select(Document.title).where(Document.id == document_id))
    return plan_view(document_id, title, version.fields.get("plan") if version else None)


def plan_view(document_id: int, title: str | None, plan: dict[str, Any] | None) -> dict[str, Any]:
    """An imported document's recognised plan as its file's report shows it."""
    return {"document_id": document_id, "title": title, **(plan or FoundPlan().as_json())}
