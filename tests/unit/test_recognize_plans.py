"""What the importer recognises of a plan's demands, the five seeds field by field: obligations (title, materials,
due date or cadence with its period and count, units), phases with their dates, tasks (text, lead, others)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from services.imports.obligations import FoundPlan, recognize_plan
from tests.conftest import seed_params

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
