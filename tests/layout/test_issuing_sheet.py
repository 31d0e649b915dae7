"""The 发文稿纸 drawn by our PDF writer is its HTML form as WeasyPrint prints it: every character at the same place
(within 0.3 mm), the same rules between the rows, on one A4 page; a sheet too long for a page is printed through
the HTML form, whole."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace

import pdfplumber
import pytest

from services.config import PROJECT_ROOT, Settings
from services.registrar.sheet import Box, IssuingSheet, sheet_html, sheet_pdf
from services.registrar.sheet_page import sheet_page
from services.rendering.fonts import FontSet, find_fonts_dir
from services.rendering.forms import form_pdf

MM_PER_PT = 25.4 / 72
DAY = "二〇二六年十二月七日"
pytestmark = pytest.mark.skipif(find_fonts_dir() is None, reason="the Fandol fonts are not installed")


def _sheet(opinion: str = "同意印发。", title: str = "关于开展民族团结进步活动月系列活动方案的通知") -> IssuingSheet:
    return IssuingSheet(
        lead="扎兰屯市民族事务委员会",
        title=title,
        issuers=("扎兰屯市民族事务委员会", "中共扎兰屯市委统战部", "中共扎兰屯市委宣传部"),
        doc_number="扎民委字〔2026〕1号",
        classification="机密",
        secrecy_period="1年",
        urgency="特急",
        copies="3",
        copy_numbers="000101—000103",
        main="各乡镇人民政府、各街道办事处，市直各有关单位",
        copy_to="市委办公室、市政府办公室",
        drafted=Box(organ="扎兰屯市民族事务委员会", person="市民委拟稿人", date=DAY),
        reviewed=Box(organ="扎兰屯市民族事务委员会", opinion="格式规范，同意", person="市民委核稿人", date=DAY),
        countersigned=(
            Box(organ="中共扎兰屯市委统战部", opinion="同意。统战部", person="统战部长", date=DAY),
            Box(organ="中共扎兰屯市委宣传部", opinion="同意。宣传部\n请抓好落实", person="宣传部长", date=DAY),
        ),
        signed=Box(organ="扎兰屯市民族事务委员会", opinion=opinion, person="主任", date=DAY),
        rechecked=Box(opinion="文字无误，可以编号", person="登记员", date=DAY),
        registered=Box(opinion="扎民委字〔2026〕1号", person="登记员", date=DAY),
        sealed=(
            Box(organ="扎兰屯市民族事务委员会", person="张敏", date=DAY),
            Box(organ="中共扎兰屯市委统战部", person="李华", date=DAY),
        ),
    )


def _chars(pdf: bytes) -> list[tuple[str, float, float]]:
    """Every printed character (not spaces) with its left and top edges, mm."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 1
        return [
            (c["text"], float(c["x0"]) * MM_PER_PT, float(c["top"]) * MM_PER_PT)
            for c in document.pages[0].chars
            if not c["text"].isspace()
        ]


def _row_rules(pdf: bytes) -> list[float]:
    """The y (mm, rounded) of the table's horizontal rules: its outer edges and the rules between rows."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        found = [(float(e["top"]) + float(e["bottom"])) / 2 * MM_PER_PT for e in [*page.lines, *page.rects]
                 if float(e["width"]) * MM_PER_PT > 10 and float(e["height"]) * MM_PER_PT < 1]  # fmt: skip
    return sorted({round(y) for y in found})


def _unmatched(ours: list[tuple[str, float, float]], theirs: list[tuple[str, float, float]]) -> Iterator[str]:
    left = list(ours)
    for char, x, y in theirs:
        near = [o for o in left if o[0] == char and abs(o[1] - x) < 0.3 and abs(o[2] - y) < 0.3]
        if near:
            left.remove(near[0])
        else:
            yield f"{char} at ({x:.2f}, {y:.2f})"
    yield from (f"extra {c} at ({x:.2f}, {y:.2f})" for c, x, y in left)


@pytest.mark.parametrize(
    "sheet",
    [
        _sheet(),
        _sheet(opinion="同意印发。" + "请各单位认真组织实施，按时报送工作总结。" * 5, title="关于开展活动的通知" * 6),
        replace(_sheet(), signed=None, countersigned=(), rechecked=None, registered=None, sealed=(), copies=""),
    ],
    ids=["signed", "long-opinion", "before-signing"],
)
def test_the_drawn_sheet_is_the_html_form_as_printed(sheet: IssuingSheet) -> None:
    settings = Settings(templates_dir=PROJECT_ROOT / "templates")
    ours = sheet_pdf(sheet, settings)
    theirs = form_pdf(sheet_html(sheet, settings), find_fonts_dir(settings.fonts_dir))
    assert b"WeasyPrint" not in ours and b"pdfaid" in ours  # our writer's, claiming PDF/A
    assert list(_unmatched(_chars(ours), _chars(theirs))) == []
    assert _row_rules(ours) == _row_rules(theirs)


def test_a_sheet_longer_than_a_page_is_printed_whole_through_the_html_form() -> None:
    fonts_dir = find_fonts_dir()
    assert fonts_dir is not None
    long = _sheet(opinion="同意印发。\n" * 60)
    assert sheet_page(long, FontSet(fonts_dir)) is None
    pdf = sheet_pdf(long, Settings(templates_dir=PROJECT_ROOT / "templates"))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = "".join(page.extract_text() for page in document.pages)
    assert len(document.pages) > 1 and text.count("同意印发") == 60 and "王芳" not in text and "李华" in text
