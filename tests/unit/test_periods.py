"""The periods of a cadence (DOMAIN.md §5) on seed 001's own dates: the plan went out on Friday 2022-05-20."""

from __future__ import annotations

import datetime as dt

import pytest

from services.obligations.rules import Schedule, period_of, periods

D = dt.date
FRIDAY = D(2022, 5, 20)


def test_a_weekly_cadence_starting_on_a_friday_owes_no_stub_week() -> None:
    weekly = Schedule(None, "weekly", FRIDAY, D(2022, 10, 20))
    first = periods(weekly, D(2022, 6, 20))
    assert [(p.start, p.due) for p in first[:2]] == [(D(2022, 5, 23), D(2022, 5, 29)), (D(2022, 5, 30), D(2022, 6, 5))]
    assert periods(weekly, D(2022, 5, 22)) == []  # nothing owed on the weekend the plan arrived
    assert period_of(weekly, FRIDAY).label("weekly") == "5月23日—5月29日"
    assert periods(weekly)[-1].due == D(2022, 10, 20)


def test_a_partial_first_period_only_when_the_drafter_asks_for_one() -> None:
    weekly = Schedule(None, "weekly", FRIDAY, D(2022, 10, 20), partial_first=True)
    assert periods(weekly, D(2022, 5, 22))[0].label("weekly") == "5月20日—5月22日"


def test_months_and_quarters_start_on_their_first_day() -> None:
    monthly = Schedule(None, "monthly", FRIDAY, D(2022, 12, 20))
    assert [p.label("monthly") for p in periods(monthly, D(2022, 7, 1))] == ["2022年6月", "2022年7月"]
    assert periods(Schedule(None, "monthly", D(2022, 6, 1), None), D(2022, 6, 1))[0].label("monthly") == "2022年6月"
    quarterly = Schedule(None, "quarterly", FRIDAY, None)
    assert [p.label("quarterly") for p in periods(quarterly, D(2022, 12, 31))] == ["2022年第3季度", "2022年第4季度"]


def test_a_span_shorter_than_one_whole_period_is_its_own_period() -> None:
    short = Schedule(None, "monthly", D(2022, 5, 20), D(2022, 6, 10))
    assert [(p.start, p.due) for p in periods(short)] == [(D(2022, 6, 1), D(2022, 6, 10))]
    shorter = Schedule(None, "monthly", D(2022, 5, 20), D(2022, 5, 31))
    assert [(p.start, p.due) for p in periods(shorter)] == [(D(2022, 5, 20), D(2022, 5, 31))]


def test_an_open_ended_cadence_keeps_producing_periods() -> None:
    weekly = Schedule(None, "weekly", FRIDAY, None)
    assert len(periods(weekly, D(2023, 5, 21))) == 52
    assert period_of(weekly, D(2030, 1, 2)).label("weekly") == "12月31日—1月6日"
    with pytest.raises(ValueError):
        periods(weekly)  # an open cadence has no last period


def test_the_recogniser_proposes_the_window_it_can_read() -> None:
    from services.imports.obligations import recognize_plan

    text = "各医院自6月1日起至10月20日止每周至少报送1条工作动态信息。各单位每月至少报送1次工作简报。"
    weekly, monthly = recognize_plan(text, 2022).obligations
    assert (weekly.cadence, weekly.starts_on, weekly.ends_on) == ("weekly", D(2022, 6, 1), D(2022, 10, 20))
    assert (monthly.cadence, monthly.starts_on, monthly.ends_on) == ("monthly", None, None)


def test_a_cadence_that_ends_before_it_starts_still_has_one_span_to_show() -> None:
    ended = Schedule(None, "weekly", D(2022, 11, 2), D(2022, 10, 20))
    assert periods(ended, D(2022, 12, 1)) == []
    assert period_of(ended, D(2022, 12, 1)).start == D(2022, 11, 2)
