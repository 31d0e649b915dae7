"""Plans of the seeds as drafts, issued through the same service calls the API and the Prefect tasks make, on a
clock the test sets (seed 001 is a 2022 plan: its weeks are 2022's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from services.accounts.groups import GroupService
from services.accounts.service import OrganService
from services.context import Context
from services.distribution.service import DistributionService
from services.documents.schemas import DraftInput
from services.documents.service import DocumentService
from services.runtime import Runtime
from services.seed.example import GY_HOSPITALS, user
from services.workflow.service import WorkflowService

ZONE = ZoneInfo("Asia/Shanghai")
SEED_001_TITLE = "关于印发《市卫生健康委创建全国民族团结进步示范市实施方案》的通知"
SEED_001_BODY = (
    "现将《市卫生健康委创建全国民族团结进步示范市实施方案》印发给你们，请结合实际认真组织实施。\n"
    "四、实施步骤\n"
    "（一）部署阶段（2022年5月底前）。全面启动创建工作，各单位要根据方案要求，制定具体实施方案。\n"
    "（二）推进阶段（2022年6月—9月底前）。各单位要及时组建工作专班，主动落实示范市创建各项目标任务。\n"
    "（三）评估阶段（2022年10月中旬前）。对本单位示范市创建情况进行评估，及时形成工作总结报告。\n"
    "五、工作要求\n"
    "（三）及时宣传总结。5月30日前和6月20日前、12月20日前，各单位分别报送创建工作方案和创建工作推进情况、"
    "工作总结（含开展有关活动的佐证材料）。市中心医院、市第一人民医院、市中医医院、市精神卫生中心、"
    "市疾病预防控制中心、市妇幼保健院每周至少报送1条以上工作动态信息，委直属其他单位、委注册医疗机构每月至少"
    "报送1条以上工作动态信息。\n联系人：赖巧，电话：3266380。"
)
SEED_001_MAIN_LINE = "委直属各单位，委注册医疗机构，委机关各科室"
D = dt.date


def at(runtime: Runtime, day: dt.date, hour: int = 10) -> None:
    """Set the clock to ``hour`` o'clock local time on ``day``."""
    moment = dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZONE).astimezone(dt.UTC)
    runtime.clock = lambda: moment


def organ_id(ctx: Context, code: str) -> int:
    return OrganService(ctx).by_code(code).id


def seed_001_draft(ctx: Context) -> DraftInput:
    """Seed 001 as its drafter sets it: the 主送 groups and line, three phases, three dated obligations, the
    weekly cadence for the six named hospitals and the monthly one for the other 委直属 unit."""
    groups = {g.name: g.id for g in GroupService(ctx).all()}
    hospitals = [organ_id(ctx, c) for c in GY_HOSPITALS]
    return DraftInput.model_validate(
        {
            "doc_type": "通知",
            "title": SEED_001_TITLE,
            "issue_form": "发",
            "main_groups": [groups["委直属各单位"], groups["委机关各科室"]],
            "main_recipients_text": SEED_001_MAIN_LINE,
            "phases": [
                {"name": "部署阶段", "ends_on": "2022-05-31"},
                {"name": "推进阶段", "starts_on": "2022-06-01", "ends_on": "2022-09-30"},
                {"name": "评估阶段", "starts_on": "2022-10-01", "ends_on": "2022-10-20"},
            ],
            "obligations": [
                {"title": "创建工作方案", "due_on": "2022-05-30", "phase": "部署阶段"},
                {"title": "创建工作推进情况", "due_on": "2022-06-20", "phase": "推进阶段"},
                {"title": "工作总结", "materials": ["工作总结", "佐证材料"], "due_on": "2022-12-20"},
                {
                    "title": "工作动态信息", "cadence": "weekly", "at_least": 1, "starts_on": "2022-05-30",
                    "ends_on": "2022-12-20", "owner_organs": hospitals,
                },
                {
                    "title": "工作动态信息", "cadence": "monthly", "at_least": 1, "starts_on": "2022-05-30",
                    "ends_on": "2022-12-20", "owner_organs": [organ_id(ctx, "gy-zfzd")],
                },
            ],
            "body": SEED_001_BODY,
        }
    )  # fmt: skip


def act(runtime: Runtime, action: Callable[[Context], object]) -> object:
    with runtime.context() as ctx:
        return action(ctx)


def issue(runtime: Runtime, drafter: str, make: Callable[[Context], DraftInput], heads: list[str]) -> int:
    """Draft, checks, review, every head signs, 登记, render, distribute: the document id."""
    prefix = drafter.split(".")[0]
    doc_id = int(act(runtime, lambda c: DocumentService(c).create_draft(user(c, drafter), make(c)).id))  # type: ignore[call-overload]
    act(runtime, lambda c: WorkflowService(c).submit(user(c, drafter), doc_id))
    act(runtime, lambda c: WorkflowService(c).run_format_checks(doc_id))
    act(runtime, lambda c: WorkflowService(c).review(user(c, f"{prefix}.reviewer"), doc_id, True, "同意"))
    for head in heads:
        act(runtime, lambda c, h=head: WorkflowService(c).decide_signoff(user(c, h), doc_id, True, "同意"))  # type: ignore[misc]
    act(runtime, lambda c: WorkflowService(c).register(doc_id))
    act(runtime, lambda c: WorkflowService(c).render(doc_id, runtime.renderer))
    act(runtime, lambda c: DistributionService(c).distribute(doc_id))
    return doc_id
