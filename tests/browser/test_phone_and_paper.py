"""Every role's pages in Chromium at a desk's width (1280 px) and a phone's (390 × 844): nothing wider than the
screen outside a table that scrolls inside itself, action buttons a finger can hit; and on paper: the document
page prints the 正式文本's sheets whole (and only them), the dashboard prints its table, neither prints the
navigation or a form control. GONGWEN_UPDATE_SCREENSHOTS=1 writes the README's screenshots again (docs/screenshots/)."""

from __future__ import annotations

import io
import os
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pdfplumber
import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from services import compose
from services.domain.models import ArchiveItem
from services.incoming.schemas import PaperIn
from services.runtime import Runtime
from services.seed.example import user
from tests.browser.checks import latin_in_messages
from tests.browser.conftest import SCREENSHOTS, Pages
from tests.helpers.archive_data import make_year
from tests.helpers.lifecycle import distributed, draft, to_signing

pytestmark = pytest.mark.slow
DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE, DESK = 390, 1280

# Elements reaching past the right edge of the screen that no scrolling box (a table's wrapper) holds.
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let up = el.parentElement, held = false;
    while (up && up !== document.body) {
      if (getComputedStyle(up).overflowX !== "visible") { held = true; break; }
      up = up.parentElement;
    }
    if (!held) found.push(`${el.tagName.toLowerCase()}.${el.className} → ${Math.round(box.right)} px`);
  }
  return {page: document.documentElement.scrollWidth, screen: width, found: found.slice(0, 8)};
}"""
# Visible action buttons shorter than a fingertip.
SMALL_BUTTONS = """() => [...document.querySelectorAll("main button, main .button, main input[type=submit]")]
  .filter((b) => b.offsetParent !== null && b.getBoundingClientRect().height < 40)
  .map((b) => `${b.textContent.trim()} (${Math.round(b.getBoundingClientRect().height)} px)`)"""

SHEET_FITS = """() => {
  const sheets = [...document.querySelectorAll("section.page")];
  const width = document.documentElement.clientWidth;
  return sheets.length > 0 && sheets.every((sheet) => sheet.getBoundingClientRect().right <= width + 1);
}"""


def _paper_incoming(runtime: Runtime) -> int:
    """A paper 收文 the office registered, for its record page and its 收文处理单."""
    paper = PaperIn(source_name="呼伦贝尔市民族事务委员会", doc_number="呼民委发〔2026〕12号",
                    title="关于开展民族团结进步示范单位复核工作的通知")  # fmt: skip
    with runtime.context() as ctx:
        return compose.incoming(ctx).register_paper(user(ctx, "mw.registrar"), paper, None).id


def _archived_item(runtime: Runtime, run_steps: Callable[[], None]) -> str:
    """A 件 of last year filed by the archive run (its page shows the package's files and digests)."""
    make_year(runtime, 2025, 4)
    with runtime.context() as ctx:
        compose.archive(ctx).queue_run(user(ctx, "archivist"), 2025, dry_run=False)
    run_steps()
    with runtime.context(write=False) as ctx:
        code = ctx.session.scalar(select(ArchiveItem.archival_code).order_by(ArchiveItem.id).limit(1))
    assert code is not None, "the archive run filed nothing"
    return code


def _walk(runtime: Runtime, run_steps: Callable[[], None]) -> dict[str, list[str]]:
    """Each example persona and the pages of their day (a draft, a document to sign, an issued plan, a 收文, a
    filed 件)."""
    issued, drafted, signing = distributed(runtime), draft(runtime), to_signing(runtime)
    doc, received = f"/documents/{issued}", f"/incoming/{_paper_incoming(runtime)}"
    filed = f"/archive/items/{_archived_item(runtime, run_steps)}"
    return {
        "drafter": ["/", "/documents", f"/documents/{drafted}", f"/documents/{drafted}/edit", "/documents/new",
                    "/imports", f"{doc}/versions"],
        "reviewer": ["/", f"/documents/{signing}", "/incoming"],
        "head": ["/", f"/documents/{signing}/sign"],
        "registrar": ["/", "/registrar", doc, f"{doc}/distribution", f"{doc}/issuing-sheet", "/incoming",
                      received, f"{received}/sheet", "/search?q=通知"],
        "unit": ["/", doc, "/incoming", "/done"],
        "archivist": ["/archive", "/archive/retention", filed, "/search?q=民族"],
        "admin": ["/admin", "/admin/organs", "/admin/organs/1", "/admin/groups", "/admin/users", "/admin/users/2",
                  "/admin/history", "/admin/jobs"],
    }  # fmt: skip


USERS = {
    "drafter": "mw.drafter", "reviewer": "mw.reviewer", "head": "mw.head", "registrar": "mw.registrar",
    "unit": "jyj.drafter", "archivist": "archivist", "admin": "admin",
}  # fmt: skip
SHOWN = {"head": 1, "registrar": 2}  # the page in the README: the 签批 page, the issued document; else the first


def _screenshot(page: Page, name: str) -> None:
    """The first screen of a page, as a small PNG (64 colours) for the README."""
    from PIL import Image

    shot = Image.open(io.BytesIO(page.screenshot(full_page=False))).convert("RGB")
    if shot.width > 800:  # a desk's screen at half size: the layout shows, the README stays light
        shot = shot.resize((shot.width // 2, shot.height // 2), Image.Resampling.LANCZOS)
    small = shot.quantize(colors=64)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    small.save(SCREENSHOTS / f"{name}.png", optimize=True)
    if os.environ.get("GONGWEN_UPDATE_SCREENSHOTS") == "1":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        small.save(DOCS_SHOTS / f"{name}.png", optimize=True)


def test_every_roles_pages_fit_a_desk_and_a_phone(
    pages: Pages, web_runtime: Runtime, run_steps: Callable[[], None]
) -> None:
    walk = _walk(web_runtime, run_steps)
    checked = sheets = 0
    for width in (DESK, PHONE):
        for role, urls in walk.items():
            page: Page = pages.as_user(USERS[role], width)  # type: ignore[assignment]
            page.set_viewport_size({"width": width, "height": 844 if width == PHONE else 900})
            for n, url in enumerate(urls):
                response = page.goto(url)
                assert response is not None and response.status == 200, f"{role} {url}: {response and response.status}"
                page.wait_for_load_state("load")
                wide = page.evaluate(TOO_WIDE)
                assert wide["page"] <= wide["screen"] and not wide["found"], f"{role} at {width} px on {url}: {wide}"
                assert latin_in_messages(page) == [], f"{role} on {url}: Latin words in an error or a state"
                if width == PHONE:
                    assert page.evaluate(SMALL_BUTTONS) == [], f"{role} on {url}: buttons under 40 px"
                    for frame in page.frames[1:]:  # the GB/T 9704 sheets zoomed to the frame's width
                        assert frame.evaluate(SHEET_FITS), f"{role} on {url}: the sheet is wider than its frame"
                        sheets += 1
                    viewport = page.locator("meta[name=viewport]").get_attribute("content") or ""
                    assert "width=device-width" in viewport, url
                if n == SHOWN.get(role, 0):
                    _screenshot(page, f"{role}-{width}")
                checked += 1
        for page in pages.contexts.values():  # the next width logs everyone in again
            page.context.close()  # type: ignore[attr-defined]
        pages.contexts.clear()
    print(f"pages checked: {checked}, frames of sheets checked on a phone: {sheets}")
    assert sheets >= 3  # the draft, the sign page and the issued document


RADICALS = str.maketrans("⺠⻅⻚⻔⻓⻢⻛⻜⻝⻋⻆⻘⻰⻮⻨", "民见页门长马风飞食车角青龙齿麦")


def _pdf_pages(data: bytes) -> list[str]:
    """Each page's text without spaces, as characters: a page font may map 文 to its radical ⽂ (NFKC undoes the
    Kangxi radicals, RADICALS the supplement's)."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = ["".join(c["text"] for c in p.chars if not c["text"].isspace()) for p in pdf.pages]
    return [unicodedata.normalize("NFKC", t).translate(RADICALS) for t in text]


# What only the screen has: the navigation, the account, the buttons and forms of these two pages.
SCREEN_ONLY = ("跳到正文", "公文处理与归档", "退出", "检索", "发文登记", "下载PDF", "版本历史", "发文稿纸", "筛选",
               "导出Excel", "停止周期报送", "只看有逾期的单位")  # fmt: skip


def test_the_document_and_its_dashboard_print_without_the_screen(pages: Pages, web_runtime: Runtime) -> None:
    issued = distributed(web_runtime)
    page: Page = pages.as_user("mw.registrar")  # type: ignore[assignment]
    official = _pdf_pages(page.request.get(f"/api/v1/documents/{issued}/pdf").body())
    page.goto(f"/documents/{issued}")
    page.wait_for_function("document.querySelector('iframe.preview').style.getPropertyValue('--pages') !== ''")
    printed = _pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True))
    # The 正式文本 first, every sheet of it whole and in order, then the record and its history.
    # The 正式文本 and nothing else: every sheet whole, in order, a sheet a page.
    assert len(printed) == len(official) >= 1
    for n, sheet in enumerate(official):
        assert sheet[:12] in printed[n] and sheet[-12:] in printed[n], f"sheet {n + 1} of the 正式文本"
    whole = "".join(printed)
    assert [w for w in SCREEN_ONLY if w in whole] == []

    page.goto(f"/documents/{issued}/distribution")
    units = [t.strip() for t in page.locator("table.matrix tbody th").all_inner_texts()]
    board = "".join(_pdf_pages(page.pdf(prefer_css_page_size=True)))
    assert units and all("".join(u.split()) in board for u in units)
    assert "分发与反馈情况" in board and [w for w in (*SCREEN_ONLY, "催办") if w in board] == []

    # The 收文 register and a search print what they list (and what was searched), not their filters.
    listings = (("/incoming", ("收文登记", "收文号", "办理时限")), ("/search?q=民族团结", ("检索词", "民族团结")))
    for url, kept in listings:
        page.goto(url)
        text = "".join(_pdf_pages(page.pdf(prefer_css_page_size=True)))
        assert all(k in text for k in kept), (url, text[:200])
        screen = [w for w in SCREEN_ONLY if w != "检索"]  # 全文检索 is the search page's title
        assert [w for w in (*screen, "登记纸质来文", "未办结", "更多条件") if w in text] == [], url
