"""Forms a careless clerk fills in, in Chromium at a desk and on a phone: what the browser lets through comes back
from the server with what was typed, every error at its field (marked invalid and described by its message) and
in Chinese only."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import latin_in_messages
from tests.browser.conftest import Pages
from tests.browser.test_phone_and_paper import DESK, PHONE

pytestmark = pytest.mark.slow
BODY = "一、总体要求\n不能丢的正文。"


def _error_at(page: Page, field_id: str) -> str:
    """The message a field is described by; the field is marked invalid."""
    field = page.locator(f"#{field_id}")
    expect(field).to_have_attribute("aria-invalid", "true")
    described = (field.get_attribute("aria-describedby") or "").split()
    messages = [page.locator(f"[id='{i}']").inner_text() for i in described if i.startswith("err-")]
    assert messages, f"{field_id}: no message describes the field"
    return " ".join(messages)


@pytest.mark.parametrize("width", [DESK, PHONE])
def test_a_draft_with_a_blank_title_comes_back_whole(pages: Pages, width: int) -> None:
    page: Page = pages.as_user("mw.drafter", width)  # type: ignore[assignment]
    page.goto("/documents/new")
    page.locator("#title").fill("   ")  # spaces pass the browser's own check; the server refuses them
    page.locator("#body").fill(BODY)
    page.locator("#printing_organ").fill("扎兰屯市民族事务委员会办公室")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state("load")
    assert _error_at(page, "title") == "请填写标题"
    expect(page.locator("#body")).to_have_value(BODY)
    expect(page.locator("#printing_organ")).to_have_value("扎兰屯市民族事务委员会办公室")
    assert latin_in_messages(page) == []


def test_a_paper_incoming_typed_carelessly_comes_back_whole(pages: Pages) -> None:
    page: Page = pages.as_user("zf.registrar", PHONE)  # type: ignore[assignment]
    page.goto("/incoming/new")
    page.locator("#source_name").fill("  ")
    page.locator("#doc_number").fill("扎政发〔2026〕1号")
    page.locator("#title").fill("  ")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_load_state("load")
    assert _error_at(page, "source_name") == "请填写来文机关"
    assert _error_at(page, "title") == "请填写标题"
    expect(page.locator("#doc_number")).to_have_value("扎政发〔2026〕1号")
    assert latin_in_messages(page) == []
