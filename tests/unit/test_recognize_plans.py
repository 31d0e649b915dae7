"""What the importer recognises of a plan's demands, the five seeds field by field: obligations (title, materials,
due date or cadence with its period and count, units), phases with their dates, tasks (text, lead, others)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from services.imports.obligations import FoundPlan, recognize_plan
from services.runtime import Runtime
from tests.conftest import seed_params
from tests.helpers.seeds import seed_subject

D = dt.date
HOSPITALS = ["市中心医院", "市第一人民医院", "市中医医院", "市精神卫生中心", "市疾病预防控制中心", "市妇幼保健院"]
# title, materials, due date, cadence, at least, units ([] = every unit addressed)
EXPECTED: dict[str, dict[str, Any]] = {
    "000": {
        "year": 2018,
        "obligations": [("活动情况总结", ["活动情况总结", "活动照片"], D(2018, 10, 8), None, 1, [])],
        "phases": [],
        "tasks": 0,
    },
    "001": {
        "year": 2022,
        "obligations": [
            ("创建工作方案", ["创建工作方案"], D(2022, 5, 30), None, 1, []),
            ("创建工作推进情况", ["创建工作推进情况"], D(2022, 6, 20), None, 1, []),
            ("工作总结", ["工作总结", "佐证材料"], D(2022, 12, 20), None, 1, []),
            ("工作动态信息", ["工作动态信息"], None, "weekly", 1, HOSPITALS),
            ("工作动态信息", ["工作动态信息"], None, "monthly", 1, ["委直属其他单位", "委注册医疗机构"]),
        ],
        "phases": [
            ("部署阶段", None, D(2022, 5, 31)),
            ("推进阶段", D(2022, 6, 1), D(2022, 9, 30)),
            ("评估阶段", None, D(2022, 10, 20)),
        ],
        "tasks": 0,
    },
    "002": {
        "year": 2024,
        "obligations": [
            (
                "活动月工作总结",
                ["活动月工作总结", "图片影像资料"],
                D(2024, 9, 22),
                None,
                1,
                ["各市直部门", "各乡镇街道"],
            )
        ],
        "phases": [],
        "tasks": 18,
        "some_tasks": {
            "1. 举办民族团结进步引领动员活动": ("市委统战部", ["市工商联", "市民委", "市直各部门", "各乡镇街道"]),
            "7. 开展“校园民族团结日”主题活动": ("市教育局", ["扎兰屯职业学院"]),
            "9. 开展“中国农民丰收节”系列活动": ("市农牧局", ["各乡镇街道"]),
            "11.开展“民族团结群团领航”活动": ("市总工会", ["市妇联", "团市委"]),
            "12.开展“民族团结惠民生”活动": ("市卫健委", ["市人社局", "市公安局", "市文旅广电局", "各乡镇街道"]),
        },
    },
    "003": {"year": 2024, "obligations": [], "phases": [], "tasks": 0},  # summaries ask nothing of anyone
    "004": {"year": None, "obligations": [], "phases": [], "tasks": 0},
}
# What the drafter is proposed with the example organs and groups registered (services/seed/example.py), field by
# field: per obligation (owner organs, owner groups, 未识别); per task (牵头, 配合 in order, 未识别). A unit written as
# a group (各乡镇街道) stands for the group's members; a 牵头 nobody registered leaves the task without a lead.
TOWNS = ["高台子街道", "成吉思汗镇"]
DEPARTMENTS = ["市教育局", "市卫健委", "市文旅广电局", "市公安局", "市统计局"]
PROPOSED: dict[str, dict[str, Any]] = {
    "000": {"obligations": [([], [], [])], "tasks": {}},
    "001": {
        "obligations": [
            ([], [], []),
            ([], [], []),
            ([], [], []),
            (HOSPITALS, [], []),
            ([], [], ["委直属其他单位", "委注册医疗机构"]),
        ],
        "tasks": {},
    },
    "002": {
        "obligations": [([], ["市直各部门", "各乡镇、街道"], [])],
        "tasks": {
            "17. 开展“在旅游中感悟”系列交流活动": ("市文旅广电局", ["市民委", *TOWNS], []),
            "1. 举办民族团结进步引领动员活动": ("市委统战部", ["市民委", *DEPARTMENTS, *TOWNS], ["市工商联"]),
            "9. 开展“中国农民丰收节”系列活动": (None, TOWNS, ["市农牧局"]),
            "6. 开展主题党日活动": (
                "市委统战部",
                ["市民委", "市文旅广电局", *DEPARTMENTS[:2], *DEPARTMENTS[3:], *TOWNS],
                [],
            ),
            "16. 开展“在运动中交融”系列交流活动": (DEPARTMENTS[0], [*DEPARTMENTS[1:], *TOWNS], []),
        },
    },
}


def _plan(seeds: Path, name: str) -> FoundPlan:
    text = next(seeds.glob(f"{name}_*.txt")).read_text("utf-8")
    return recognize_plan(text, EXPECTED[name]["year"])


@pytest.mark.parametrize("name", seed_params(sorted(EXPECTED)))
def test_each_seed_field_by_field(seeds_dir: Path, name: str) -> None:
    plan, expected = _plan(seeds_dir, name), EXPECTED[name]
    found = [(o.title, o.materials, o.due_on, o.cadence, o.at_least, o.units) for o in plan.obligations]
    assert found == expected["obligations"]
    assert [(p.name, p.starts_on, p.ends_on) for p in plan.phases] == expected["phases"]
    assert len(plan.tasks) == expected["tasks"]
    by_text = {t.text: (t.lead, t.others) for t in plan.tasks}
    for text, units in expected.get("some_tasks", {}).items():
        assert by_text[text] == units, text
    assert all(0 < x.confidence <= 1 for x in [*plan.obligations, *plan.phases, *plan.tasks])


@seed_subject
@pytest.mark.parametrize("name", seed_params(sorted(PROPOSED)))
def test_each_seed_proposed_with_the_organs_and_groups_we_know(
    runtime: Runtime, example_users: None, seeds_dir: Path, name: str
) -> None:
    """Seed 002 task 17 “（市文旅局、市民委、各乡镇街道）”: 市文旅局 is an alias of 市文旅广电局, which leads; the 总结
    is owed by the group 市直各部门 (written 各市直部门) and 各乡镇、街道; nothing unknown is dropped in silence."""
    from services.domain.models import Organ, RecipientGroup
    from services.obligations.proposal import propose

    text = next(seeds_dir.glob(f"{name}_*.txt")).read_text("utf-8")
    expected = PROPOSED[name]
    with runtime.context() as ctx:
        found = propose(ctx, text, EXPECTED[name]["year"])
        organ = {o.id: o.short_name for o in ctx.session.query(Organ)}
        group = {g.id: g.name for g in ctx.session.query(RecipientGroup)}
    obligations = [
        ([organ[i] for i in o["owner_organs"]], [group[i] for i in o["owner_groups"]], o["unmatched"])
        for o in found.obligations
    ]
    assert obligations == expected["obligations"]
    tasks = {t["text"]: t for t in found.tasks}
    for text_, (lead, others, unknown) in expected["tasks"].items():
        task = tasks[text_]
        assert (organ.get(task["lead"]), [organ[i] for i in task["others"]], task["unmatched"]) == (
            lead,
            others,
            unknown,
        ), text_
        assert task["units"] == ([task["lead"], *task["others"]] if lead else [])
    written = {u for t in found.tasks for u in t["units_text"].strip("（()）").replace(",", "、").split("、")}
    written |= {u for o in found.obligations for u in o["units_text"].split("、") if u}
    known = {n for t in found.tasks for n in t["unmatched"]} | {n for o in found.obligations for n in o["unmatched"]}
    assert known == set(found.unmatched) and known <= written  # every unknown name is listed, as written


def test_a_cadence_without_written_dates_is_open_ended(seeds_dir: Path) -> None:
    """Seed 001's weekly 工作动态信息 runs for the life of the plan: no start or end is written, none is made up."""
    weekly = next(o for o in _plan(seeds_dir, "001").obligations if o.cadence == "weekly")
    assert weekly.starts_on is None and weekly.ends_on is None


@pytest.mark.parametrize(
    ("text", "lead", "others"),
    [
        ("1. 开展宣讲活动。牵头单位：市委宣传部；配合单位：市教育局、市民委。", "市委宣传部", ["市教育局", "市民委"]),
        ("2. 开展义诊活动。责任单位：市卫健委、各乡镇街道。", "市卫健委", ["各乡镇街道"]),
        ("3. 开展联谊活动。（市公安局，各乡镇街道）", "市公安局", ["各乡镇街道"]),
    ],
)
def test_task_lines_name_their_units_three_ways(text: str, lead: str, others: list[str]) -> None:
    (task,) = recognize_plan(text, 2024).tasks
    assert (task.lead, task.others) == (lead, others)


def test_a_parenthesis_that_is_no_unit_list_is_no_task() -> None:
    assert recognize_plan("1. 开展主题活动（以铸牢中华民族共同体意识为主线）。", 2024).tasks == []


def test_quarterly_cadence_and_chinese_numerals() -> None:
    (o,) = recognize_plan("各县区卫生局每季度至少报送两次工作简报。", 2024).obligations
    assert (o.cadence, o.at_least, o.title, o.units) == ("quarterly", 2, "工作简报", ["各县区卫生局"])
