"""Documents copied from web pages, written for the test: the lines a page puts between the title and the 主送 (a
文号, perhaps broken, 信息来源, 发布时间) are kept above the body, and the publication time is its own field."""

from __future__ import annotations

import datetime as dt

import pytest

from services.imports.recognize import recognize

PAGE = """关于做好民族团结进步宣传月工作的通知
某办发〔20211
信息来源：某市民族宗教事务局
发布时间：2021-09-01 10:20:33
各县区民宗局：
现就有关事项通知如下。
"""


def test_lines_between_title_and_main_recipients_are_kept() -> None:
    (doc,) = recognize(PAGE)
    assert doc.preamble == [
        "某办发〔20211",
        "信息来源：某市民族宗教事务局",
        "发布时间：2021-09-01 10:20:33",
        "各县区民宗局：",
    ]
    assert doc.value("main_recipients") == ["各县区民宗局"] and doc.body == "现就有关事项通知如下。"
    assert doc.value("published_at") == dt.datetime(2021, 9, 1, 10, 20, 33)
    assert doc.value("written_on") is None and doc.value("doc_number") is None  # a broken 文号 is not made whole


@pytest.mark.parametrize(
    "text",
    [
        "关于召开推进会的通知\n各单位：\n定于2024年5月8日 9:30在三楼会议室召开推进会。请准时参加。\n",  # a sentence
        "关于召开推进会的通知\n发布时间：2024-13-45 25:99\n各单位：\n请准时参加。\n",  # no such time
    ],
)
def test_no_publication_time_is_made_up(text: str) -> None:
    (doc,) = recognize(text)
    assert doc.value("published_at") is None and doc.value("written_on") is None


def test_a_heading_under_the_title_is_no_line_above_the_main_recipients() -> None:
    (doc,) = recognize("关于开展宣传活动的实施方案\n一、总体要求\n（一）主要目标：\n坚持以人民为中心。\n")
    assert doc.preamble == [] and doc.value("main_recipients") is None
