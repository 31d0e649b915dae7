"""Seed 002 walked through the pages in Chromium: draft, reject with a reason, revise, three signatures, issue,
receive, report back with a photo, track, search. Every page is screenshotted and checked for labelled fields
and Chinese-only messages."""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from services.seed.example import RECIPIENTS, REPORT_CONTACT, REPORT_MATERIALS
from services.seed.texts import joint_notice
from tests.browser.checks import assert_page_speaks_chinese
from tests.browser.conftest import Pages

pytestmark = pytest.mark.slow

ORGAN_NAMES = {
    "zlt-tzb": "中共扎兰屯市委员会统一战线工作部",
    "zlt-xcb": "中共扎兰屯市委员会宣传部",
    "zlt-sw": "中共扎兰屯市委员会",
    "zlt-jyj": "扎兰屯市教育局",
    "zlt-wjw": "扎兰屯市卫生健康委员会",
    "zlt-wlj": "扎兰屯市文化旅游体育广电局",
    "zlt-gaj": "扎兰屯市公安局",
    "zlt-tjj": "扎兰屯市统计局",
    "zlt-zgh": "扎兰屯市总工会",
    "zlt-gtz": "扎兰屯市高台子街道办事处",
    "zlt-cjsh": "扎兰屯市成吉思汗镇人民政府",
}
ADDED = "各单位要在活动结束后5个工作日内报送宣传报道情况。"


def visit(pages: Pages, page: Page, name: str) -> None:
    """Every page the story sees: a screenshot, and no form field without a label."""
    page.wait_for_load_state("load")
    assert_page_speaks_chinese(page)
    pages.shot(page, name)


def png_photo() -> bytes:
    """A small real PNG (a red square), as a unit's activity photo."""
    row = b"\x00" + b"\xc0\x10\x10" * 32
    raw = zlib.compress(row * 32)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def tick(page: Page, group: str, codes: list[str]) -> None:
    box = page.get_by_role("group", name=group)
    for code in codes:
        box.get_by_label(ORGAN_NAMES[code], exact=True).check()


def draft(pages: Pages, deadline: dt.date) -> int:
    seed = joint_notice()
    page: Page = pages.as_user("mw.drafter")  # type: ignore[assignment]
    visit(pages, page, "inbox-drafter")
    page.get_by_role("link", name="拟稿", exact=True).click()
    page.get_by_label("文种", exact=True).select_option("通知")
    page.get_by_label("发文形式（机关代字）", exact=True).select_option("字")
    page.get_by_label("标题", exact=True).fill(seed.title)
    tick(page, "联署机关", ["zlt-tzb", "zlt-xcb"])
    tick(page, "主送机关", RECIPIENTS)
    tick(page, "抄送机关", ["zlt-sw"])
    page.get_by_label("正文", exact=True).fill(seed.body)
    page.get_by_label("附件说明（每行一个附件名称）", exact=True).fill(seed.plan_title)
    page.locator("#ob-0-title").fill("活动月工作总结")
    page.locator("#ob-0-materials").fill("、".join(REPORT_MATERIALS))
    page.locator("#ob-0-due_on").fill(deadline.isoformat())
    page.locator("#ob-0-contact").fill(REPORT_CONTACT)
    plan = {"name": f"{seed.plan_title}.txt", "mimeType": "text/plain", "buffer": seed.plan_text.encode()}
    page.get_by_label("附件文件", exact=True).set_input_files([plan])
    visit(pages, page, "draft-new")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("草稿已保存")
    visit(pages, page, "draft-saved")
    doc_id = int(re.search(r"/documents/(\d+)/edit", page.url).group(1))  # type: ignore[union-attr]
    page.get_by_role("button", name="保存并提交审核").click()
    expect(page.get_by_role("status")).to_contain_text("已提交")
    return doc_id


def review(pages: Pages, doc_id: int, run_steps: Callable[[], None], opinion: str) -> None:
    run_steps()  # the format checks flow
    page: Page = pages.as_user("mw.reviewer")  # type: ignore[assignment]
    page.goto("/")
    page.get_by_role("link", name="审核", exact=True).first.click()
    expect(page.get_by_role("heading", name="格式检查")).to_be_visible()
    visit(pages, page, "review")
    page.get_by_label("审核意见", exact=True).fill(opinion)
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_role("status")).to_contain_text("审核意见已提交")


def sign(pages: Pages, head: str, doc_id: int, name: str) -> Page:
    page: Page = pages.as_user(head)  # type: ignore[assignment]
    page.goto("/")
    page.get_by_role("link", name="签批", exact=True).first.click()
    expect(page.frame_locator("iframe.preview").locator("h1.title")).to_contain_text("民族团结进步活动月")
    visit(pages, page, name)
    return page


def test_the_example_joint_notice_story_through_the_pages(
    pages: Pages, run_steps: Callable[[], None], live_url: str
) -> None:
    deadline = dt.date.today() + dt.timedelta(days=10)
    doc_id = draft(pages, deadline)
    review(pages, doc_id, run_steps, "格式规范，同意")

    page = sign(pages, "tzb.head", doc_id, "sign-tzb")
    page.get_by_label("签批意见", exact=True).fill("同意")
    page.get_by_role("button", name="同意并签署").click()
    expect(page.get_by_role("status")).to_contain_text("已签批")

    # 宣传部 rejects, with the keyboard only: no reason first (refused), then with one.
    page = sign(pages, "xcb.head", doc_id, "sign-xcb")
    page.get_by_role("button", name="退回修改").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("退回须说明理由")
    visit(pages, page, "reject-without-reason")
    page.get_by_label("签批意见", exact=True).focus()
    page.keyboard.type("请在工作要求中补充宣传报道的报送时限")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="退回修改")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("已退回")

    # The drafter sees the reason and revises.
    page = pages.as_user("mw.drafter")  # type: ignore[assignment]
    page.goto("/")
    expect(page.get_by_role("region", name="退回修改")).to_contain_text("补充宣传报道的报送时限")
    visit(pages, page, "inbox-returned")
    page.get_by_role("link", name="修改", exact=True).click()
    body = page.get_by_label("正文", exact=True)
    body.fill(body.input_value() + "\n" + ADDED)
    page.get_by_label("修改说明", exact=True).fill("按宣传部意见补充报送时限")
    page.get_by_role("button", name="保存并提交审核").click()
    expect(page.get_by_role("status")).to_contain_text("已提交")
    page.get_by_role("link", name=re.compile("版本历史")).click()
    expect(page.locator("table.diff ins").first).to_contain_text("5个工作日")
    visit(pages, page, "versions-diff")
    review(pages, doc_id, run_steps, "已按意见修改")

    # 宣传部 sees exactly what changed since they last looked, then all three sign.
    page = sign(pages, "xcb.head", doc_id, "sign-xcb-diff")
    expect(page.get_by_role("heading", name=re.compile("以来的修改"))).to_be_visible()
    expect(page.locator("table.diff tr.insert, table.diff ins").first).to_contain_text("5个工作日")
    for head in ("xcb.head", "tzb.head", "mw.head"):
        page = sign(pages, head, doc_id, f"sign-final-{head.split('.')[0]}")
        page.get_by_role("button", name="同意并签署").click()
        expect(page.get_by_role("status")).to_contain_text("已签批")
    run_steps()  # 复核, 登记, render, 核发 and the index update, as Prefect flows

    year = dt.date.today().year
    page = pages.as_user("mw.drafter")  # type: ignore[assignment]
    page.goto(f"/documents/{doc_id}")
    expect(page.locator("dl.fields")).to_contain_text(f"扎民委字〔{year}〕1号")
    expect(page.frame_locator("iframe.preview").locator("p.doc-number")).to_contain_text(f"扎民委字〔{year}〕1号")
    expect(page.get_by_role("list").filter(has_text="流转记录").or_(page.locator("ol.timeline"))).to_contain_text(
        "核发分送"
    )
    visit(pages, page, "document-issued")
    pdf = page.request.get(f"/api/v1/documents/{doc_id}/pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    # A recipient receives it and reports back with a photo.
    page = pages.as_user("jyj.drafter", width=390)  # type: ignore[assignment]  # a phone
    visit(pages, page, "inbox-recipient-phone")
    page.get_by_role("link", name=re.compile("民族团结进步活动月")).first.click()
    page.get_by_role("button", name="签收").click()
    expect(page.get_by_role("status")).to_contain_text("已签收")
    page.get_by_role("link", name="报送", exact=True).click()
    expect(page.get_by_label("报送的事项和报送期", exact=True)).to_contain_text("活动月工作总结")
    page.get_by_label("正文", exact=True).fill("活动月期间，我局在全市中小学开展“石榴籽”主题班会86场。")
    photo = {"name": "班会照片.png", "mimeType": "image/png", "buffer": png_photo()}
    page.get_by_label("图片及其他材料", exact=True).set_input_files([photo])
    visit(pages, page, "report-back")
    page.get_by_role("button", name="报送").click()
    expect(page.get_by_role("status")).to_contain_text("已报送")

    # The issuing office tracks who received and reported, and chases the rest.
    page = pages.as_user("mw.registrar")  # type: ignore[assignment]
    page.goto(f"/documents/{doc_id}/distribution")
    row = page.get_by_role("row").filter(has_text="扎兰屯市教育局")
    expect(row).to_contain_text("已报")
    visit(pages, page, "distribution")
    row.get_by_role("link", name="查看").click()
    expect(page.get_by_role("img", name="班会照片")).to_be_visible()
    visit(pages, page, "reply-with-photo")
    page.go_back()
    page.get_by_role("checkbox", name=re.compile("催办 扎兰屯市公安局")).check()
    page.get_by_role("button", name="催办“活动月工作总结”").click()
    expect(page.get_by_role("status")).to_contain_text("已发出催办")
    expect(page.get_by_role("row").filter(has_text="扎兰屯市公安局")).to_contain_text("催1次")
    xlsx = page.request.get(f"/documents/{doc_id}/distribution.xlsx")
    assert xlsx.ok and xlsx.body().startswith(b"PK")

    # An archivist finds it by a phrase and by its 文号 typed with other brackets.
    run_steps()
    page = pages.as_user("archivist")  # type: ignore[assignment]
    page.get_by_role("link", name="检索", exact=True).click()
    page.get_by_label("检索词", exact=True).fill('"民族团结进步"')
    page.get_by_role("button", name="检索").click()
    expect(page.locator("ol.hits")).to_contain_text("民族团结进步活动月")
    expect(page.locator("ol.hits em").first).to_be_visible()
    visit(pages, page, "search-phrase")
    page.get_by_label("检索词", exact=True).fill(f"扎民委字[{year}]1号")
    page.get_by_role("button", name="检索").click()
    expect(page.locator("ol.hits")).to_contain_text(f"扎民委字〔{year}〕1号")
    visit(pages, page, "search-doc-number")
    assert pages.shots >= 20
