"""The HTML shows what the PDF shows: drawn by WeasyPrint from the HTML, and by Chromium with the embedded fonts,
the characters land where the PDF writer put them (within 0.5 mm)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from services.rendering.body import paragraphs
from services.rendering.renderer import DocumentRenderer
from tests.layout.conftest import ARTIFACTS, Rendered
from tests.layout.measure import Checks, PdfPage, read_pdf

CHROMIUM = os.environ.get("GONGWEN_TEST_CHROMIUM", "/usr/bin/chromium")
MM_PER_PX = 25.4 / 96
CASES = ("example-notice", "letter", "upward-request", "joint-5", "seed-002")


def _pairs(a: PdfPage, b: PdfPage) -> list[tuple[str, float, float, float, float]]:
    """(text, x in a, x in b, baseline in a, baseline in b) for the lines both pages have."""
    out = []
    for line in a.lines:
        other = b.find(line.text) if not line.chars[0].red else None
        if other is not None and len(line.text) > 1:
            out.append((line.text, line.x0, other.x0, line.baseline, other.baseline))
    return out


@pytest.mark.parametrize("case", CASES)
def test_weasyprint_draws_the_html_where_the_pdf_writer_does(
    rendered: dict[str, Rendered], renderer: DocumentRenderer, case: str
) -> None:
    r, checks = rendered[case], Checks(case)
    other, _ = renderer.pdf(r.html + "<!-- not the page just made: drawn from its HTML -->")
    pages = read_pdf(other)
    checks.equal("pages", len(pages), len(r.pages))
    for direct, drawn in zip(r.pages[:2], pages[:2], strict=False):
        pairs = _pairs(direct, drawn)
        checks.at_least(f"p{direct.number} lines found in both", len(pairs), 5)
        for text, x_a, x_b, y_a, y_b in pairs:
            checks.near(f"p{direct.number} “{text[:8]}” left", x_b, x_a, 0.5)
            checks.near(f"p{direct.number} “{text[:8]}” baseline", y_b, y_a, 0.5)
    checks.done()


def test_characters_missing_from_the_fandol_faces_are_drawn_by_a_fallback_face(
    rendered: dict[str, Rendered], renderer: DocumentRenderer
) -> None:
    """A character the Fandol faces lack (Mongolian script, as in seed 002's bilingual header; an Ext-B 𪚥) is
    drawn by the PDF writer itself in its fallback face; the text survives in the PDF, which claims PDF/A."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    facts = replace(rendered["single"].facts, paragraphs=paragraphs("扎兰屯市 ᠵᠠᠯᠠᠨᠲᠤ 民族团结进步活动月𪚥。"))
    layout = renderer.layout(facts)
    drawn = renderer.layout_pdf(layout)
    assert drawn is not None
    text = subprocess.run(["pdftotext", "-", "-"], input=drawn[0], capture_output=True, check=True, timeout=60).stdout
    assert "扎兰屯市ᠵᠠᠯᠠᠨᠲᠤ民族团结进步活动月𪚥" in text.decode("utf-8").replace(" ", "")
    assert b"pdfaid:part" in drawn[0]


def test_a_character_no_face_has_is_never_claimed_as_pdfa(
    rendered: dict[str, Rendered], renderer: DocumentRenderer
) -> None:
    """A character no installed face has (a private-use code point) cannot be drawn straight: the page goes
    through WeasyPrint, and the file it makes does not claim PDF/A."""
    facts = replace(rendered["single"].facts, paragraphs=paragraphs("扎兰屯市\U0010fffd民族团结进步活动月。"))
    layout = renderer.layout(facts)
    assert renderer.layout_pdf(layout) is None
    pdf, pages = renderer.pdf(renderer.html(layout))
    assert pages == len(layout.pages)
    assert b"pdfaid:part" not in pdf


@pytest.mark.parametrize("case", CASES)
def test_chromium_shows_what_the_pdf_shows(rendered: dict[str, Rendered], case: str, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (GONGWEN_TEST_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    r, checks = rendered[case], Checks(case)
    html = tmp_path / f"{case}.html"
    html.write_text(r.html, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 800, "height": 1131})
        page.emulate_media(media="print")
        page.goto(html.as_uri())
        page.evaluate("document.fonts.ready")
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('section.page')].slice(0, 2).map((section, index) => {
                const origin = section.getBoundingClientRect();
                return [...section.querySelectorAll('span')].map(span => {
                    const range = document.createRange();
                    range.setStart(span.firstChild, 0);
                    range.setEnd(span.firstChild, 1);
                    const box = range.getBoundingClientRect();
                    const style = getComputedStyle(span);
                    return {text: span.textContent, left: box.left - origin.left, top: box.top - origin.top,
                            height: box.height, family: style.fontFamily, red: span.classList.contains('red')};
                });
            })"""
        )
        page.set_viewport_size({"width": 800, "height": 1131})
        page.screenshot(
            path=str(ARTIFACTS / f"{case}-chromium.png"), clip={"x": 0, "y": 0, "width": 800, "height": 1131}
        )
        browser.close()
    faces = {"GWSong": 0.80}
    for index, spans in enumerate(boxes):
        pdf = r.pages[index]
        compared = 0
        for span in spans:
            if span["red"] or len(span["text"]) < 2:
                continue
            line = pdf.find(span["text"])
            if line is None:
                continue
            family = span["family"].strip('"')
            ascent = faces.get(family, 0.88)
            em = line.size * 25.4 / 72
            baseline = span["top"] * MM_PER_PX + (span["height"] * MM_PER_PX - em) / 2 + ascent * em
            checks.near(f"p{index + 1} “{span['text'][:8]}” left", span["left"] * MM_PER_PX, line.x0, 0.5)
            checks.near(f"p{index + 1} “{span['text'][:8]}” baseline", baseline, line.baseline, 0.5)
            compared += 1
        checks.at_least(f"p{index + 1} lines compared", compared, 3)
    checks.done()
