"""The rules of 反馈事项 that must never drift (DOMAIN.md §5): the periods of a cadence, the status of one expected
submission as of a given day, and what a 催办 says. Pure functions: every page, the API, the 催办 flow and the
benchmarks call these."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from services.domain.enums import Cadence, ExpectedStatus


@dataclass(frozen=True)
class Period:
    """One period of an obligation: reports are due by ``due`` (its last day); its key is ``due``."""

    start: dt.date
    due: dt.date

    def label(self, cadence: str | None) -> str:
        if cadence == Cadence.monthly:
            return f"{self.start.year}年{self.start.month}月"
        if cadence == Cadence.quarterly:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if cadence == Cadence.weekly:
            return f"{zh_day(self.start)}—{zh_day(self.due)}"
        return f"{zh_day(self.due)}前"


@dataclass(frozen=True)
class Schedule:
    """When an obligation is due: one date, or a cadence from a start to an end date (none: open-ended, periods
    keep coming as time passes). A cadence's first period is the first whole week, month or quarter on or after
    its start, unless the drafter asked for a partial first one (``partial_first``)."""

    due_on: dt.date | None
    cadence: str | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    partial_first: bool = False


@dataclass(frozen=True)
class Tally:
    """The reports of one unit for one period: how many still stand, on which day the ``at_least``-th came,
    and whether the latest one was returned (退回补报), with the reason given."""

    standing: int = 0
    reached_on: dt.date | None = None
    last_returned: bool = False
    returned_reason: str | None = None  # why the report decided returned last was sent back


def zh_day(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def period_end(cadence: str, day: dt.date) -> dt.date:
    """The last day of the week (Sunday), month or quarter holding ``day``."""
    if cadence == Cadence.weekly:
        return day + dt.timedelta(days=6 - day.weekday())
    if cadence == Cadence.monthly:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    last_month = ((day.month - 1) // 3 + 1) * 3
    return dt.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])


def first_start(schedule: Schedule) -> dt.date:
    """The first day of a cadence's first period: its start when that begins a week (Monday), month or quarter, or
    when the drafter asked for a partial first period; otherwise the next period's first day — unless no whole
    period fits before the end, when the short span itself is the one period."""
    assert schedule.cadence is not None and schedule.starts_on is not None
    start = schedule.starts_on
    if schedule.partial_first:
        return start
    aligned = start if period_start(schedule.cadence, start) == start else period_end(schedule.cadence, start)
    aligned += dt.timedelta(days=0 if aligned == start else 1)
    return start if schedule.ends_on is not None and aligned > schedule.ends_on else aligned


def period_start(cadence: str, day: dt.date) -> dt.date:
    """The first day of the week (Monday), month or quarter holding ``day``."""
    if cadence == Cadence.weekly:
        return day - dt.timedelta(days=day.weekday())
    if cadence == Cadence.monthly:
        return day.replace(day=1)
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def periods(schedule: Schedule, until: dt.date | None = None) -> list[Period]:
    """Every period that has begun by ``until`` (all of them when None): periods come into being as time passes."""
    if schedule.cadence is None:
        assert schedule.due_on is not None
        return [Period(schedule.starts_on or schedule.due_on, schedule.due_on)]
    if schedule.ends_on is None and until is None:
        raise ValueError("an open-ended cadence has no last period: ask for the periods begun by a day")
    found = []
    start = first_start(schedule)
    end = schedule.ends_on
    while (end is None or start <= end) and (until is None or start <= until):
        due = period_end(schedule.cadence, start) if end is None else min(period_end(schedule.cadence, start), end)
        found.append(Period(start, due))
        start = due + dt.timedelta(days=1)
    return found


def period_of(schedule: Schedule, day: dt.date) -> Period:
    """The period holding ``day``: the first before the start, the last after the end."""
    if schedule.cadence is None:
        return periods(schedule)[0]
    first = first_start(schedule)
    day = max(day, first) if schedule.ends_on is None else min(max(day, first), schedule.ends_on)
    due = period_end(schedule.cadence, day)
    if schedule.ends_on is not None:
        due = min(due, schedule.ends_on)
    begun = periods(Schedule(None, schedule.cadence, schedule.starts_on, due, schedule.partial_first))
    return begun[-1] if begun else Period(first, max(first, due))  # a cadence ending before it starts: its one span


def expected_status(due: dt.date, tally: Tally, at_least: int, today: dt.date) -> ExpectedStatus:
    """未报 / 已报 / 迟报 / 逾期 / 退回补报 of one unit for one period, as of ``today`` (never stored)."""
    if tally.standing >= at_least:
        late = tally.reached_on is not None and tally.reached_on > due
        return ExpectedStatus.late if late else ExpectedStatus.reported
    if tally.last_returned:
        return ExpectedStatus.returned
    return ExpectedStatus.overdue if today > due else ExpectedStatus.pending


def book_title(title: str) -> str:
    """A title inside 《》, its own 《》 nested as 〈〉 (GB/T 15834 书名号 inside 书名号)."""
    return "《" + title.replace("《", "〈").replace("》", "〉") + "》"


def what_is_due(title: str, materials: list[str]) -> str:
    extra = [m for m in materials if m and m != title]
    return f"{title}（{'、'.join(extra)}）" if extra else title


def chase_message(
    document_title: str,
    obligation_title: str,
    materials: list[str],
    period: Period,
    cadence: str | None,
    status: ExpectedStatus,
    missing: int,
    today: dt.date,
) -> str:
    """What a 催办 says: the material, the date, and the truth about how late it is."""
    what = f"{book_title(document_title)}要求的{what_is_due(obligation_title, materials)}"
    days = (period.due - today).days
    still = f"（{period.label(cadence)}还差 {missing} 次）" if cadence else ""
    if status == ExpectedStatus.returned:
        when = f"请于{zh_day(period.due)}前" if days >= 0 else "请尽快"
        return f"贵单位报送的材料已退回补报，{when}重新报送{what}{still}。"
    if days < 0:
        return f"已逾期 {-days} 天，请尽快报送{what}{still}。"
    left = "今日截止" if days == 0 else f"还有 {days} 天截止"
    return f"请于{zh_day(period.due)}前报送{what}{still}（{left}）。"


def backlog_message(
    document_title: str,
    obligation_title: str,
    materials: list[str],
    owed: tuple[Period, ...],
    cadence: str | None,
    today: dt.date,
) -> str:
    """One 催办 naming every period a unit owes: “…尚欠 5 期：5月23日—5月29日、…（其中 4 期已逾期，最早一期已逾期
    22 天），请尽快报送。”"""
    what = f"{book_title(document_title)}要求的{what_is_due(obligation_title, materials)}"
    labels = "、".join(p.label(cadence) for p in owed)
    late = [p for p in owed if p.due < today]
    overdue = f"（其中 {len(late)} 期已逾期，最早一期已逾期 {(today - late[0].due).days} 天）" if late else ""
    return f"贵单位{what}尚欠 {len(owed)} 期：{labels}{overdue}，请尽快报送。"
