"""Format checks that neither mislead nor stop what they should pass (DOMAIN.md §1.2–1.3): a 命令 may be titled
“…令”, and every mismatch names the values that differ."""

from __future__ import annotations

from dataclasses import replace

from services.workflow.checks import DraftView, check_attachment_notes_match, run_checks
from tests.helpers.drafts import GOOD as DRAFT

GOOD = replace(
    DRAFT,
    organ_names={1: "扎兰屯市人民政府", 5: "扎兰屯市教育局", 6: "扎兰屯市卫生健康委员会", 9: "成吉思汗镇"},
)


def _by_code(draft: DraftView) -> dict[str, tuple[bool, str]]:
    return {r.code: (r.passed, r.zh) for r in run_checks(draft)}


def test_a_command_titled_as_a_government_order_passes() -> None:
    for doc_type in ("命令", "令"):
        order = replace(GOOD, doc_type=doc_type, title="扎兰屯市人民政府令", main_recipient_ids=[])
        assert _by_code(order)["title_ends_with_doc_type"][0], doc_type
    command = replace(GOOD, doc_type="命令", title="关于嘉奖抗洪抢险有功人员的命令")
    assert _by_code(command)["title_ends_with_doc_type"][0]


def test_a_wrong_title_says_what_it_ends_with() -> None:
    wrong = replace(GOOD, doc_type="命令", title="关于嘉奖抗洪抢险有功人员的通知")
    passed, zh = _by_code(wrong)["title_ends_with_doc_type"]
    assert not passed and zh == "标题应以文种“命令”或“令”结尾，现以“…险有功人员的通知”结尾"
    passed, zh = _by_code(replace(GOOD, doc_type="报告"))["title_ends_with_doc_type"]
    assert not passed and "“报告”" in zh and "工作方案》的通知" in zh


def test_attachment_mismatches_name_the_titles() -> None:
    one_each = replace(GOOD, attachment_notes=["活动月工作方案"], attachment_titles=["活动月工作安排"])
    result = check_attachment_notes_match(one_each)
    assert not result.passed
    assert result.zh == (
        "附件说明与所附附件不一致：附件说明列有而未附：“活动月工作方案”；已附而附件说明未列：“活动月工作安排”"
    )
    missing = check_attachment_notes_match(replace(GOOD, attachment_titles=[]))
    assert missing.zh == "附件说明与所附附件不一致：附件说明列有而未附：“扎兰屯市第41个全区民族团结进步活动月工作方案”"
    order = check_attachment_notes_match(replace(GOOD, attachment_notes=["乙", "甲"], attachment_titles=["甲", "乙"]))
    assert order.zh == "附件说明与所附附件不一致：顺序或项数不同（附件说明：乙、甲；所附附件：甲、乙）"
    twice = check_attachment_notes_match(replace(GOOD, attachment_notes=["甲", "甲"], attachment_titles=["甲"]))
    assert not twice.passed and "附件说明：甲、甲；所附附件：甲" in twice.zh
    assert check_attachment_notes_match(replace(GOOD, attachment_notes=[GOOD.attachment_titles[0] + "。"])).passed


def test_routing_mismatches_name_the_organs() -> None:
    request = replace(GOOD, doc_type="请示", title="关于拨付活动经费的请示", copy_recipient_ids=[])
    passed, zh = _by_code(request)["qingshi_one_main_recipient"]
    assert not passed and zh == "请示只能主送一个上级机关，现主送 2 个：扎兰屯市教育局、扎兰屯市卫生健康委员会"
    report = replace(GOOD, doc_type="报告", title="关于活动月工作情况的报告", copy_recipient_ids=[1, 9])
    passed, zh = _by_code(report)["upward_no_copy_to_subordinates"]
    assert not passed and zh == "上行文不得抄送下级机关：成吉思汗镇"
