"""Keyboard alone is enough, and a body holding <script> shows as text, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Pages
from tests.browser.test_story import visit

pytestmark = pytest.mark.slow
SCRIPT = "<script>alert('x')</script>"
FOCUSABLE_FIELDS = """() => [...document.querySelectorAll('main input, main select, main textarea, main button')]
  .filter(e => e.type !== 'hidden').length"""
FOCUSED = """() => { const e = document.activeElement;
  const field = e && e.closest('main') && e.matches('input, select, textarea, button');
  return field ? (e.id || (e.name && e.name + '=' + e.value) || e.textContent) : null }"""


def test_login_and_a_draft_with_the_keyboard_alone(pages: Pages, live_url: str) -> None:
    context = pages.browser.new_context(base_url=live_url, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.on("dialog", lambda d: (_ for _ in ()).throw(AssertionError(f"a script ran: {d.message}")))
    page.goto("/login")
    visit(pages, page, "login")
    page.keyboard.type("mw.drafter")  # the user name has the focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type("gongwen-demo")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("待办"))).to_be_visible()
    page.goto("/documents/new")
    fields = page.evaluate(FOCUSABLE_FIELDS)
    seen = set()
    for _ in range(fields * 3):
        page.keyboard.press("Tab")
        if focused := page.evaluate(FOCUSED):
            seen.add(focused)
    assert len(seen) >= fields - 2, "every field and button of the draft form is reachable with Tab"

    main = page.get_by_role("group", name="主送机关")
    page.get_by_label("筛选主送机关").fill("教育")  # a long organ list narrows as one types
    expect(main.get_by_label("扎兰屯市公安局", exact=True)).to_be_hidden()
    expect(main.get_by_label("扎兰屯市教育局", exact=True)).to_be_visible()

    page.get_by_label("标题", exact=True).focus()
    page.keyboard.type(f"关于{SCRIPT}的通知")
    page.get_by_label("正文", exact=True).focus()
    page.keyboard.type(f"第一段{SCRIPT}")
    page.get_by_label(re.compile("扎兰屯市教育局")).first.focus()
    page.keyboard.press("Space")  # a 主送 organ ticked from the keyboard
    page.get_by_role("button", name="保存", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("草稿已保存")
    page.get_by_role("link", name="查看公文与流转记录").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"关于{SCRIPT}的通知")
    frame = page.frame_locator("iframe.preview")
    expect(frame.locator("h1.title")).to_have_text(f"关于{SCRIPT}的通知")
    expect(frame.locator("body")).to_contain_text(f"第一段{SCRIPT}")
    visit(pages, page, "script-as-text")
    context.close()
