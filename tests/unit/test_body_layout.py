"""Body paragraphs get the four GB/T 9704 heading levels; dates are written the GB/T 9704 way."""

from __future__ import annotations

import datetime as dt

from services.rendering.body import chinese_date, paragraphs
from services.seed.texts import joint_notice


def test_heading_levels() -> None:
    body = "一、活动主题\n（一）开展动员引领系列活动\n1. 举办引领动员活动。\n（1）启动仪式。\n正文段落。\n## 二、要求"
    assert [(p.level, p.text[:2]) for p in paragraphs(body)] == [
        (1, "一、"),
        (2, "（一"),
        (3, "1."),
        (4, "（1"),
        (0, "正文"),
        (1, "二、"),
    ]


def test_written_date_has_no_padding() -> None:
    assert chinese_date(dt.date(2024, 9, 5)) == "2024年9月5日"


def test_the_example_plan_keeps_its_structure() -> None:
    notice = joint_notice()
    levels = [p.level for p in paragraphs(notice.plan_text)]
    assert levels.count(1) == 4  # 一、活动主题 二、时间安排 三、重点活动及任务分工 四、工作要求
    assert levels.count(2) == 9  # three phases, three kinds of activity, three requirements
    assert levels.count(3) == 12  # the twelve numbered tasks
    assert notice.plan_title == "扎兰屯市第42个全区民族团结进步活动月系列活动方案"
    assert "请于2025年10月10日前" in notice.plan_text
