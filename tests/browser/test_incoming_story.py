"""A 请示 of 市教育局 walked through the pages in Chromium: drafted in the editor, reviewed, signed and issued; at
the 市政府 it is in the 收文 register with 收文号 1, 初审, 拟办, 批办 to 文教科 with a 3-day 办理时限, 传阅 to two
people (both 阅), past its time limit and 督办'd by the scheduled flow, answered by a 批复 drafted in the editor,
which closes it; the 收文处理单 printed. Every page is screenshotted."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect

from services.runtime import Runtime
from tests.browser.conftest import Pages
from tests.browser.test_obligations_story import Clocked
from tests.browser.test_story import visit

pytestmark = pytest.mark.slow
D = dt.date
QINGSHI_TITLE = "扎兰屯市教育局关于增设民族团结进步教育示范学校的请示"
PIFU_TITLE = "扎兰屯市人民政府关于同意增设民族团结进步教育示范学校的批复"


def _draft(c: Clocked, drafter: str, doc_type: str, form: str, title: str, to: str, body: str,
           answers: str | None = None) -> int:  # fmt: skip
    page = c.user(drafter)
    page.get_by_role("link", name="拟稿", exact=True).click()
    page.get_by_label("文种", exact=True).select_option(doc_type)
    page.get_by_label("发文形式（机关代字）", exact=True).select_option(form)
    page.get_by_label("标题", exact=True).fill(title)
    page.get_by_role("group", name="主送机关").get_by_label(to, exact=True).check()
    page.get_by_label("正文", exact=True).fill(body)
    if answers:
        page.get_by_label("答复的来文", exact=True).select_option(label=answers)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("草稿已保存")
    visit(c.pages, page, f"draft-{doc_type}")
    doc_id = int(re.search(r"/documents/(\d+)/edit", page.url).group(1))  # type: ignore[union-attr]
    page.get_by_role("button", name="保存并提交审核").click()
    expect(page.get_by_role("status").first).to_contain_text("已提交")
    return doc_id


def _name_the_signer(c: Clocked, username: str) -> None:
    """A 上行文 prints its 签发人's name: the admin registers it on the user's page (here the account's own name)."""
    page = c.user("admin")
    page.goto("/admin/users")
    page.get_by_role("link", name=username, exact=True).click()
    display_name = page.get_by_label("姓名（显示名）", exact=True).input_value()
    page.get_by_label("签发人姓名（上行文打印此姓名）", exact=True).fill(display_name)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("用户信息已保存")


def _issue(c: Clocked, prefix: str, doc_id: int, run_steps: Callable[[], None], upward: bool = False) -> None:
    run_steps()
    if upward:
        _name_the_signer(c, f"{prefix}.head")
    page = c.user(f"{prefix}.reviewer")
    page.goto(f"/documents/{doc_id}/review")
    page.get_by_label("审核意见", exact=True).fill("同意")
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_role("status").first).to_contain_text("审核意见已提交")
    page = c.user(f"{prefix}.head")
    page.goto(f"/documents/{doc_id}/sign")
    page.get_by_role("button", name="同意并签署").click()
    expect(page.get_by_role("status").first).to_contain_text("已签批")
    run_steps()


def _supervision(runtime: Runtime) -> dict[str, int]:
    """The scheduled 督办 flow, as a real Prefect run, off the Playwright thread."""
    from flows.runtime import set_runtime
    from flows.supervision import supervision
    from flows.worker import quiet_prefect

    def run() -> dict[str, int]:
        set_runtime(runtime)
        with quiet_prefect():
            return supervision()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _step(page: Page, form: str, fields: dict[str, str], button: str, message: str) -> None:
    region = page.get_by_role("form", name=form)
    for label, value in fields.items():
        region.get_by_label(label, exact=True).fill(value)
    region.get_by_role("button", name=button).click()
    expect(page.get_by_role("status").first).to_contain_text(message)


def test_a_qingshi_received_handled_and_answered_through_the_pages(
    pages: Pages, web_runtime: Runtime, run_steps: Callable[[], None], live_url: str
) -> None:
    c = Clocked(pages, web_runtime)
    c.on(D(2026, 3, 2))
    body = "为深入开展民族团结进步教育，我局拟在全市增设三所民族团结进步教育示范学校。\n妥否，请批示。"
    qs = _draft(c, "jyj.drafter", "请示", "发", QINGSHI_TITLE, "扎兰屯市人民政府", body)
    _issue(c, "jyj", qs, run_steps, upward=True)

    # The 市政府's office: the 待办 and the register hold it with 收文号 1.
    page = c.user("zf.registrar")
    expect(page.get_by_role("region", name=re.compile("收文办理"))).to_contain_text(QINGSHI_TITLE)
    visit(pages, page, "inbox-office")
    page.get_by_role("link", name="收文", exact=True).click()
    row = page.get_by_role("row").filter(has_text=QINGSHI_TITLE)
    expect(row).to_contain_text("收〔2026〕1号")
    expect(row).to_contain_text("扎教发〔2026〕1号")
    visit(pages, page, "register")
    row.get_by_role("link", name=QINGSHI_TITLE).click()
    expect(page.locator("#where-now")).to_contain_text("办公室（待初审）")
    visit(pages, page, "registered")
    _step(page, "初审", {"意见（退回时须写明理由）": "属我府办理事项"}, "通过", "初审已通过")
    _step(page, "拟办", {"拟办意见": "拟请文教科牵头研究提出意见"}, "提交拟办意见", "拟办意见已提交")
    visit(pages, page, "proposed")

    # The head instructs: 文教科 leads, 3 days.
    page = c.user("zf.head")
    page.goto("/")
    page.get_by_role("region", name=re.compile("收文办理")).get_by_role("link", name=QINGSHI_TITLE).click()
    form = page.get_by_role("form", name="批办")
    form.get_by_label("批办意见", exact=True).fill("请文教科牵头办理，三日内提出意见")
    form.get_by_label("主办科室", exact=True).select_option(label="文教科")
    form.get_by_label("办理时限", exact=False).fill("2026-03-05")
    visit(pages, page, "instruct")
    form.get_by_role("button", name="提交批办意见").click()
    expect(page.locator("#where-now")).to_contain_text("文教科承办")

    # 传阅 to two people; each 阅s.
    circulate = page.get_by_role("form", name="传阅")
    circulate.get_by_label("市政府负责人", exact=True).check()
    circulate.get_by_label("市政府办公室审核", exact=True).check()
    circulate.get_by_role("button", name="送传阅").click()
    expect(page.get_by_role("status").first).to_contain_text("已送传阅")
    _step(page, "阅", {"阅批意见（可不填）": "同意文教科牵头"}, "已阅", "已阅")
    page = c.user("zf.reviewer")
    page.goto("/")
    page.get_by_role("region", name=re.compile("收文办理")).get_by_role("link", name=QINGSHI_TITLE).click()
    _step(page, "阅", {}, "已阅", "已阅")
    expect(page.locator("#where-now")).to_contain_text("文教科承办")
    visit(pages, page, "circulated")

    # Past the 办理时限: 超时限 in the register, and the scheduled flow's 督办 in 文教科's 待办.
    c.on(D(2026, 3, 6))
    assert _supervision(web_runtime) == {"supervised": 1}
    page = c.user("zf.drafter")
    expect(page.get_by_role("region", name=re.compile("收文办理"))).to_contain_text("督办：已超办理时限")
    visit(pages, page, "supervised-inbox")
    page.goto("/incoming?overdue=1")
    expect(page.get_by_role("row").filter(has_text=QINGSHI_TITLE)).to_contain_text("超时限")
    visit(pages, page, "register-overdue")

    # The 批复, drafted in the editor as the answer to the 请示, closes it when issued.
    pifu = _draft(c, "zf.drafter", "批复", "函", PIFU_TITLE, "扎兰屯市教育局",
                  "你局《关于增设民族团结进步教育示范学校的请示》收悉。经研究，同意增设。",
                  answers=f"{QINGSHI_TITLE}（扎教发〔2026〕1号）")  # fmt: skip
    _issue(c, "zf", pifu, run_steps)
    page = c.user("zf.registrar")
    page.goto(f"/documents/{qs}")
    expect(page.get_by_text(re.compile("收〔2026〕1号"))).to_be_visible()
    expect(page.locator("p.card", has_text="收〔2026〕1号")).to_contain_text("已办结")
    visit(pages, page, "document-where-now")
    page.get_by_role("link", name="收〔2026〕1号").click()
    expect(page.locator("#where-now")).to_contain_text("已办结")
    expect(page.locator("dl.fields")).to_contain_text("扎政函〔2026〕1号")
    visit(pages, page, "closed")
    page.get_by_role("link", name="收文处理单（打印）").click()
    expect(page.locator("body")).to_contain_text("请文教科牵头办理，三日内提出意见")
    expect(page.locator("body")).to_contain_text("同意文教科牵头")
    pages.shot(page, "sheet")
    page.emulate_media(media="print")
    pages.shot(page, "sheet-print")
