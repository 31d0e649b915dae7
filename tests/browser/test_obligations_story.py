"""Seed 001 walked through the pages in Chromium, on the plan's own 2022 dates: the drafter writes the notice and
confirms the obligations, phases and cadences the system recognised in it; it is reviewed, signed and issued; the
hospitals report (one twice in a week, once the next); the dashboard shows who is late for which period; the
scheduled 催办 chases one unit for the current week and another for the 总结. Every page is screenshotted."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect

from services.runtime import Runtime
from tests.browser.conftest import Pages
from tests.browser.test_story import visit
from tests.helpers.plans import SEED_001_BODY, SEED_001_MAIN_LINE, SEED_001_TITLE, at

pytestmark = pytest.mark.slow
D = dt.date


class Clocked:
    """Pages as users on the test's clock: moving the clock by days logs everyone in again."""

    def __init__(self, pages: Pages, runtime: Runtime) -> None:
        self.pages, self.runtime = pages, runtime

    def on(self, day: dt.date) -> None:
        at(self.runtime, day)
        for page in self.pages.contexts.values():
            page.context.close()  # type: ignore[attr-defined]
        self.pages.contexts.clear()

    def user(self, username: str, width: int = 1280) -> Page:
        return self.pages.as_user(username, width)  # type: ignore[return-value]


def _draft(c: Clocked) -> int:
    page = c.user("gy-wjw.drafter")
    page.get_by_role("link", name="拟稿", exact=True).click()
    page.get_by_label("文种", exact=True).select_option("通知")
    page.get_by_label("标题", exact=True).fill(SEED_001_TITLE)
    groups = page.get_by_role("group", name="主送单位分组")
    groups.get_by_label(re.compile("委直属各单位")).check()
    groups.get_by_label(re.compile("委机关各科室")).check()
    page.get_by_label("主送机关（统称，照此印在正式文本上）", exact=True).fill(SEED_001_MAIN_LINE)
    page.get_by_label("正文", exact=True).fill(SEED_001_BODY)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("草稿已保存")
    # What the system recognised in the text, proposed for the drafter to confirm.
    expect(page.locator("#proposal")).to_contain_text("委直属其他单位")
    expect(page.locator("#ob-0-title")).to_have_value("创建工作方案")
    expect(page.locator("#ob-2-materials")).to_have_value("工作总结、佐证材料")
    expect(page.locator("#ob-3-cadence")).to_have_value("weekly")
    expect(page.locator("#ob-4-cadence")).to_have_value("monthly")
    expect(page.locator("input[name='phase-1-name']")).to_have_value("推进阶段")
    visit(c.pages, page, "draft-proposed")
    for n in (3, 4):
        page.locator(f"#ob-{n}-starts_on").fill("2022-05-30")
    page.locator("#ob-4-owners").select_option(label="广元市卫生健康综合行政执法支队")
    page.locator("#ob-0-phase").select_option("部署阶段")
    doc_id = int(re.search(r"/documents/(\d+)/edit", page.url).group(1))  # type: ignore[union-attr]
    page.get_by_role("button", name="保存并提交审核").click()
    expect(page.get_by_role("status").first).to_contain_text("已提交")
    page.goto(f"/documents/{doc_id}/versions")
    expect(page.locator("body")).to_contain_text("工作动态信息")
    visit(c.pages, page, "versions-with-obligations")
    return doc_id


def _issue(c: Clocked, doc_id: int, run_steps: Callable[[], None]) -> None:
    run_steps()
    page = c.user("gy-wjw.reviewer")
    page.goto(f"/documents/{doc_id}/review")
    page.get_by_label("审核意见", exact=True).fill("同意")
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_role("status").first).to_contain_text("审核意见已提交")
    page = c.user("gy-wjw.head")
    page.goto(f"/documents/{doc_id}/sign")
    visit(c.pages, page, "sign")
    page.get_by_role("button", name="同意并签署").click()
    expect(page.get_by_role("status").first).to_contain_text("已签批")
    run_steps()
    page = c.user("gy-wjw.drafter")
    page.goto(f"/documents/{doc_id}")
    expect(page.locator("dl.fields")).to_contain_text("广卫发〔2022〕1号")
    expect(page.frame_locator("iframe.preview").locator(".recipients").first).to_contain_text(SEED_001_MAIN_LINE + "：")
    visit(c.pages, page, "issued")


def _report(c: Clocked, username: str, doc_id: int, obligation: str, text: str, from_inbox: bool = True) -> None:
    """From the 待办's row while the period is open; once reported, again from the plan's 报送 page."""
    page = c.user(username)
    if from_inbox:
        page.goto("/")
        row = page.get_by_role("region", name=re.compile("应报送")).get_by_role("row").filter(has_text=obligation)
        row.first.get_by_role("link", name="报送").click()
    else:
        page.goto(f"/documents/{doc_id}")
        page.get_by_role("link", name="报送", exact=True).click()
        value = page.locator("#choice option", has_text=obligation).first.get_attribute("value")
        page.get_by_label("报送的事项和报送期", exact=True).select_option(value)
    page.get_by_label("正文", exact=True).fill(text)
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("已报送")


def _chase_flow(runtime: Runtime) -> dict[str, int]:
    """The scheduled 催办 flow, as a real Prefect run, off the Playwright thread."""
    from flows.reminders import reminders
    from flows.runtime import set_runtime
    from flows.worker import quiet_prefect

    def run() -> dict[str, int]:
        set_runtime(runtime)
        with quiet_prefect():
            return reminders()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def test_seed_001_tracked_through_the_pages(
    pages: Pages, web_runtime: Runtime, run_steps: Callable[[], None], live_url: str
) -> None:
    c = Clocked(pages, web_runtime)
    c.on(D(2022, 5, 25))
    doc_id = _draft(c)
    _issue(c, doc_id, run_steps)

    # A hospital reports twice in the first week and once the next; another once in the first week.
    c.on(D(2022, 6, 1))
    page = c.user("gy-zxyy.drafter", width=390)  # on a phone
    visit(pages, page, "inbox-hospital-phone")
    expect(page.get_by_role("region", name=re.compile("应报送"))).to_contain_text("5月30日—6月5日")
    _report(c, "gy-zxyy.drafter", doc_id, "工作动态信息", "本周开展民族团结义诊一场。")
    _report(c, "gy-zxyy.drafter", doc_id, "工作动态信息", "本周举办民族政策讲座一场。", from_inbox=False)
    _report(c, "gy-dyyy.drafter", doc_id, "工作动态信息", "本周开展健康宣讲。")
    c.on(D(2022, 6, 8))
    _report(c, "gy-zxyy.drafter", doc_id, "工作动态信息", "第二周开展结对帮扶。")

    # The dashboard: who is late for which period.
    page = c.user("gy-wjw.registrar")
    page.goto(f"/documents/{doc_id}/distribution?day=2022-06-01")
    expect(page.get_by_role("row").filter(has_text="广元市中心医院").first).to_contain_text("2/1")
    expect(page.get_by_role("row").filter(has_text="广元市中医医院").first).to_contain_text("逾期")
    visit(pages, page, "dashboard-first-week")
    page.goto(f"/documents/{doc_id}/distribution")
    page.get_by_label("只看有逾期的单位").check()
    page.get_by_role("button", name="筛选").click()
    overdue = page.get_by_role("region", name=re.compile("逾期未报"))
    expect(overdue).to_contain_text("5月30日—6月5日")
    expect(overdue).to_contain_text("创建工作方案")
    visit(pages, page, "dashboard-overdue")
    page.set_viewport_size({"width": 390, "height": 844})
    visit(pages, page, "dashboard-phone")

    # The scheduled 催办 on Saturday: 市第一人民医院 for the current week.
    c.on(D(2022, 6, 11))
    assert _chase_flow(web_runtime)["chased"] > 0
    page = c.user("gy-dyyy.drafter")
    chases = page.get_by_role("region", name=re.compile("催办通知"))
    expect(chases).to_contain_text("（6月6日—6月12日还差 1 次）（还有 1 天截止）")
    expect(chases).to_contain_text(
        "《关于印发〈市卫生健康委创建全国民族团结进步示范市实施方案〉的通知》要求的工作动态信息"
    )
    visit(pages, page, "chased-current-week")

    # In December another unit is chased for the 总结, naming the material and the date.
    c.on(D(2022, 12, 19))
    _chase_flow(web_runtime)
    page = c.user("gy-jgdb.drafter")
    expect(page.get_by_role("region", name=re.compile("催办通知"))).to_contain_text(
        "请于12月20日前报送《关于印发〈市卫生健康委创建全国民族团结进步示范市实施方案〉的通知》要求的工作总结（佐证材料）"
    )
    visit(pages, page, "chased-summary")
