"""The project's own example documents (services/seed/documents/) keep the shape the example story, the benches and
the tests rely on: what the recogniser finds in each, field by field, and the notice's parts as the loader reads
them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from services.imports.obligations import recognize_plan
from services.imports.recognize import recognize
from services.seed.texts import (
    JOINT_NOTICE,
    PLAN_NOTICE,
    SUMMARIES,
    ExampleDocumentMissing,
    NoticeShapeError,
    document_text,
    joint_notice,
    plan_notice,
    read_notice,
    summaries,
)

D = dt.date


def test_the_joint_notice_as_the_loader_reads_it() -> None:
    notice = joint_notice()
    assert notice.title == "关于印发《扎兰屯市第42个全区民族团结进步活动月系列活动方案》的通知"
    assert notice.main_line == "各乡镇、街道，市直各部门，各人民团体"
    assert notice.plan_title == "扎兰屯市第42个全区民族团结进步活动月系列活动方案"
    assert notice.body.startswith("2025年9月是第42个") and notice.body.endswith("按时报送工作总结。")
    assert "中共扎兰屯市委统战部" not in notice.body and "2025年8月26日" not in notice.body  # no signature block
    assert notice.plan_text.splitlines()[1] == "一、活动主题"


def test_the_joint_notice_names_its_issuers_number_date_and_twelve_tasks() -> None:
    (found,) = recognize(document_text(JOINT_NOTICE))
    assert found.value("doc_number") == "扎民委字〔2025〕27号"
    assert found.value("issuers") == [
        "中共扎兰屯市委员会统一战线工作部", "中共扎兰屯市委员会宣传部", "扎兰屯市民族事务委员会"
    ]  # fmt: skip
    assert found.value("written_on") == D(2025, 8, 26) and found.value("report_deadline") == D(2025, 10, 10)
    plan = recognize_plan(joint_notice().plan_text, 2025)
    assert [(p.name, p.starts_on, p.ends_on) for p in plan.phases] == [
        ("动员部署阶段", D(2025, 9, 1), D(2025, 9, 7)),
        ("集中开展阶段", D(2025, 9, 8), D(2025, 9, 28)),
        ("总结提升阶段", D(2025, 9, 29), D(2025, 10, 10)),
    ]
    assert [(o.title, o.materials, o.due_on) for o in plan.obligations] == [
        ("活动月工作总结", ["活动月工作总结", "图片资料"], D(2025, 10, 10))
    ]
    tasks = {t.text.split(".")[0]: (t.lead, t.others) for t in plan.tasks}
    assert list(tasks) == [str(n) for n in range(1, 13)]
    assert tasks["1"] == ("市委统战部", ["市民委", "市总工会", "市直各部门", "各乡镇街道"])
    assert tasks["7"] == ("市文旅局", ["市委宣传部", "市民委"])
    assert tasks["12"] == ("成吉思汗镇人民政府", ["市民委", "各乡镇街道"])


def test_the_plan_asks_for_dated_weekly_and_monthly_reports_in_phases() -> None:
    notice = plan_notice()
    plan = recognize_plan(notice.plan_text, 2025)
    assert [(o.title, o.due_on, o.cadence, o.units) for o in plan.obligations] == [
        ("创建工作计划", D(2025, 4, 30), None, []),
        ("创建工作总结", D(2025, 11, 20), None, []),
        ("工作动态信息", None, "weekly", ["高台子街道办事处", "成吉思汗镇人民政府"]),
        ("月度创建小结", None, "monthly", ["市教育局", "市卫健委", "市文旅广电局"]),
    ]
    assert [p.name for p in plan.phases] == ["动员申报阶段", "创建推进阶段", "总结验收阶段"]
    assert plan.tasks == []


def test_the_compilation_holds_five_units_summaries() -> None:
    parts = summaries()
    assert [p.title[:6] for p in parts] == [
        "扎兰屯市教育",
        "扎兰屯市卫生",
        "高台子街道办",
        "扎兰屯市总工",
        "成吉思汗镇人",
    ]
    assert all(p.title.endswith("总结") and len(p.body) > 200 for p in parts)
    found = recognize(document_text(SUMMARIES))
    assert [f.position for f in found] == [1, 2, 3, 4, 5]
    assert {f.collection_title for f in found} == {"扎兰屯市第42个全区民族团结进步活动月工作总结"}
    assert recognize_plan(document_text(SUMMARIES), 2025).obligations == []  # summaries ask nothing of anyone


def test_a_missing_or_misshapen_document_is_named(tmp_path: Path) -> None:
    with pytest.raises(ExampleDocumentMissing, match=PLAN_NOTICE):
        plan_notice(tmp_path)
    (tmp_path / "notice.txt").write_text("## 关于印发某方案的通知\n各单位：\n正文，没有日期，也没有方案。\n", "utf-8")
    with pytest.raises(NoticeShapeError, match=r"notice\.txt: no date line"):
        read_notice(tmp_path / "notice.txt")
