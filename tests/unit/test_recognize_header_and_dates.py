"""What the importer reads above the title (密级和保密期限, 紧急程度, which lines are organs) and 成文日期 in every
form the corpus writes it; never a date that is not in the text."""

from __future__ import annotations

import datetime as dt

import pytest

from services.imports.recognize import parse_date_line, recognize, recognize_one

BODY = "各乡镇、街道：\n现将有关事项通知如下。\n"


@pytest.mark.parametrize(
    ("header", "classification", "period"),
    [
        ("机密★5年", "机密", "5年"),
        ("秘密★1年", "秘密", "1年"),
        ("绝密", "绝密", None),
        ("机密★长期", "机密", "长期"),
        ("机密 ★ 10年", "机密", "10年"),
    ],
)
def test_the_classification_line_is_read_and_is_no_organ(header: str, classification: str, period: str | None) -> None:
    top = f"000123\n{header}\n特急\n扎兰屯市民族事务委员会文件\n扎民委字〔2024〕9号\n"
    doc = recognize_one(f"{top}关于做好保密工作的通知\n{BODY}")
    assert doc.value("classification") == classification
    assert doc.value("secrecy_period") == period
    assert doc.value("urgency") == "特急"
    assert doc.value("issuers") == ["扎兰屯市民族事务委员会"]  # not the 份号, 密级 or 紧急程度 lines
    assert header in doc.preamble  # still indexed as text


def test_header_lines_that_do_not_read_as_organs_are_not_issuers() -> None:
    doc = recognize_one(f"作文网实用文档工作总结列表页\n第一部分\n某某县民族事务联络处\n关于开展活动的通知\n{BODY}")
    assert doc.value("issuers") == ["某某县民族事务联络处"]
    assert doc.preamble[:2] == ["作文网实用文档工作总结列表页", "第一部分"]


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("2024年9月5日", dt.date(2024, 9, 5)),
        ("2024 年 9 月 5 日", dt.date(2024, 9, 5)),
        ("二〇二四年九月五日", dt.date(2024, 9, 5)),
        ("二○二四年十二月三十一日", dt.date(2024, 12, 31)),
        ("2024.9.5", dt.date(2024, 9, 5)),
        ("2024-09-05", dt.date(2024, 9, 5)),
        ("2024/9/5", dt.date(2024, 9, 5)),
        ("（2024年9月5日）", dt.date(2024, 9, 5)),
        ("2024-03-19 15:44:11", dt.date(2024, 3, 19)),
        ("2024年2月30日", None),
        ("2024年9月5日印发", None),
        ("各乡镇2024年9月5日前报送", None),
    ],
)
def test_date_lines(line: str, date: dt.date | None) -> None:
    assert parse_date_line(line) == date


def test_the_date_in_the_signature_block_or_after_the_title() -> None:
    signed = recognize_one(f"关于开展活动的通知\n{BODY}扎兰屯市民族事务委员会\n2024.9.5\n")
    assert signed.value("written_on") == dt.date(2024, 9, 5) and signed.value("year") is None
    dated = recognize_one("市政府常务会议纪要\n（二〇二三年三月二日）\n会议研究了有关事项。\n")
    assert dated.value("written_on") == dt.date(2023, 3, 2)


def test_without_a_date_the_year_comes_from_the_number_then_the_title_and_otherwise_there_is_none() -> None:
    numbered = recognize_one(f"广卫发〔2022〕17号\n关于2021年工作的通知\n{BODY}")
    assert numbered.value("written_on") is None and numbered.value("year") == 2022
    assert numbered.fields["year"].confidence < 0.9
    titled = recognize_one(f"关于2024年民族团结进步宣传月活动总结\n{BODY}")
    assert titled.value("year") == 2024 and titled.fields["year"].confidence < numbered.fields["year"].confidence
    assert recognize_one(f"关于开展活动的通知\n{BODY}").value("year") is None


def test_compilation_parts_are_titled_by_the_heading_that_opens_them() -> None:
    text = "关于2024年活动总结 篇1\n为深入贯彻，开展了活动。\n"
    text += "关于2024年活动总结 篇2\nXX县卫健委活动总结\n活动月期间开展了义诊。\n"
    first, second = recognize(text)
    assert first.title == "关于2024年活动总结 篇1" and second.title == "XX县卫健委活动总结"
    assert first.collection_title == second.collection_title == "关于2024年活动总结"
    assert first.value("year") == second.value("year") == 2024


def test_a_phase_dated_with_a_month_that_does_not_exist_is_left_out_and_a_31st_is_the_months_last_day() -> None:
    text = f"关于开展评估工作的通知\n{BODY}一、部署阶段（2024年13月底前）。\n二、总结阶段（2024年6月31日前）。\n"
    phases = recognize_one(text).value("phases")
    assert [(p["name"], p["deadline"]) for p in phases] == [("总结阶段", dt.date(2024, 6, 30))]
