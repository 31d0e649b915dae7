"""GB/T 9704 to the millimetre: each case rendered to PDF, read back, every position checked within ±1 mm.

Run with `-s` to see every measurement; a failing check prints how far off it is. Positions are in mm from the
page's top-left corner; the 版心 is x 28–184, y 37–262 (DOMAIN.md §2.1)."""

from __future__ import annotations

import base64
import io
import itertools
import re
from dataclasses import replace
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from services.rendering import grid
from services.rendering.model import DocFormat, Page, Seal
from services.rendering.renderer import DocumentRenderer
from services.rendering.text import NO_END, NO_START, clean
from tests.conftest import SEEDS
from tests.layout import cases
from tests.layout.cases import CASES, SEED_CASES
from tests.layout.conftest import Rendered
from tests.layout.measure import Char, Checks, Line, PdfPage, read_pdf

# The seed cases are measured when ../shared/seeds is there (test_the_seed_documents_are_measured_too says so).
SEEDED = list(SEED_CASES) if SEEDS.is_dir() else []
ALL = [*CASES, *SEEDED]
ONE = grid.em(grid.SIZE_4)  # one 4号 character: 版记 and 页码 insets
CENTRE = grid.LEFT + grid.BLOCK_W / 2
BODY_FACES = ("GWFang", "GWHei", "GWKai")


def _lines_of(r: Rendered, index: int, roles: tuple[str, ...]) -> list[Line]:
    """The PDF lines drawn for the model's blocks of these roles on page `index` (matched by baseline)."""
    page = r.layout.pages[index]
    baselines = {round(t.baseline, 1) for b in page.blocks if b.role.startswith(roles) for t in b.texts}
    return [
        line
        for line in r.pages[index].lines
        if any(abs(line.baseline - b) < 0.4 for b in baselines) and line.size > 15 and line.chars[0].font in BODY_FACES
    ]


def _cells(line: Line) -> float:
    """Characters on a line counted in grid cells: a full-width character one, a digit or letter its width."""
    em = grid.em(grid.SIZE_3)
    indent = (line.x0 - grid.LEFT) / grid.CELL
    return indent + sum(1.0 if c.x1 - c.x0 > 0.9 * em else (c.x1 - c.x0) / em for c in line.chars)


def _char_cells(char: Char) -> float:
    em = grid.em(grid.SIZE_3)
    return 1.0 if char.x1 - char.x0 > 0.9 * em else (char.x1 - char.x0) / em


def _grid_cells(line: Line) -> float:
    """Cells of a full line, not counting a closing mark squeezed in at its end (避头: it may not start a line)."""
    cells = _cells(line)
    if line.text[-1] in NO_START and cells > 28.05:
        cells -= _char_cells(line.chars[-1])
    return cells


def _unit_cells(line: Line) -> float:
    """Cells of the first unbreakable unit of a line: a full-width character, or a run of half-width ones."""
    cells = 0.0
    for char in line.chars:
        width = _char_cells(char)
        if width >= 1.0 or char.text == " ":
            return cells or width
        cells += width
    return cells


def _why_short(line: Line, following: Line) -> str | None:
    """Why a justified line holds less than 28 cells, if a line-breaking rule explains it."""
    room = 28 - _grid_cells(line)
    nxt = following.text
    if room < _unit_cells(following) - 0.05:
        return f"the next unit “{nxt[:3]}” needs {_unit_cells(following):.1f} cells"
    if nxt[0] in NO_END:
        return f"“{nxt[0]}” may not end a line"
    if nxt[0] in NO_START or (len(nxt) > 1 and nxt[1] in NO_START):
        return f"“{nxt[:2]}” may not start a line"
    return None


@pytest.mark.parametrize("case", ALL)
def test_body_sits_on_the_grid(rendered: dict[str, Rendered], case: str) -> None:
    """Body lines start at the 版心's edge or 2 字 in; every line but a paragraph's last ends at the right edge
    holding 28 characters (fewer only where a line-breaking rule says so, each printed); no gap between two
    characters as wide as a character; no stray space next to Chinese text."""
    r, checks = rendered[case], Checks(case)
    lines = [(i, x) for i in range(len(r.pages)) for x in _lines_of(r, i, ("p ",))]
    widest_gap, full, exceptions = 0.0, 0, 0
    for k, (index, line) in enumerate(lines):
        where = f"p{index + 1} “{line.text[:8]}”"
        indent = min(abs(line.x0 - grid.LEFT), abs(line.x0 - grid.LEFT - 2 * grid.CELL))
        checks.at_most(f"{where} start off the grid (mm)", indent, 1.0)
        following = lines[k + 1][1] if k + 1 < len(lines) else None
        widest_gap = max([widest_gap, *line.gaps()])
        stray = re.search(r"[\u4e00-\u9fff，。] | [\u4e00-\u9fff，。]", line.text)
        checks.true(f"{where} no stray space", stray is None)
        if following is None or abs(following.x0 - grid.LEFT - 2 * grid.CELL) < 1:  # a paragraph's last line
            checks.at_most(f"{where} (last of its paragraph) right end", line.x1, grid.RIGHT + 0.5)
            continue
        full += 1
        checks.near(f"{where} right end", line.x1, grid.RIGHT)
        cells = _grid_cells(line)
        if abs(cells - 28) <= 0.05:
            continue
        exceptions += 1
        reason = _why_short(line, following)
        checks.true(f"{where} holds {cells:.2f} cells because {reason}", reason is not None and cells <= 28.05)
    checks.at_most("widest gap between two characters (mm)", widest_gap, grid.CELL)
    print(f"{case}: {full} justified body lines, {full - exceptions} of exactly 28 characters")
    checks.done()


@pytest.mark.parametrize("case", ALL)
def test_page_numbers(rendered: dict[str, Rendered], case: str) -> None:
    """“— N —” in 4号宋体, its top 7 mm below the 版心, odd pages right −1 字, even pages left +1 字; none on a
    信函's first page, nor on a blank page and the 版记 page after it (GB/T 9704 §7.5)."""
    r, checks = rendered[case], Checks(case)
    for page, pdf in zip(r.layout.pages, r.pages, strict=True):
        found = [line for line in pdf.lines if re.fullmatch(r"—\d+—", line.text.replace(" ", ""))]
        if page.folio is None:
            checks.equal(f"p{page.number} has no page number", [x.text for x in found], [])
            continue
        checks.equal(f"p{page.number} page number", [x.text.replace(" ", "") for x in found], [f"—{page.number}—"])
        if not found:
            continue
        folio = found[0]
        checks.equal(f"p{page.number} page number face", folio.chars[0].font, "GWSong")
        checks.near(f"p{page.number} page number size (pt)", folio.size, grid.SIZE_4, 0.1)
        checks.near(f"p{page.number} page number top", folio.em_top, grid.BOTTOM + 7)
        if page.number % 2:
            checks.near(f"p{page.number} page number right end", folio.x1, grid.RIGHT - ONE)
        else:
            checks.near(f"p{page.number} page number left end", folio.x0, grid.LEFT + ONE)
    if r.facts.format is DocFormat.letter:
        checks.true("信函: no page number on page 1", r.layout.pages[0].folio is None)
    checks.done()


@pytest.mark.parametrize("case", ALL)
def test_colophon_on_the_last_even_page(rendered: dict[str, Rendered], case: str) -> None:
    """版记 on the last page (even, unless the document is one page), its last rule on the 版心's bottom edge,
    印发机关 left +1 字, 印发日期 right −1 字, in 4号仿宋 (GB/T 9704 §7.4); a 信函's has neither rules nor 印发."""
    r, checks = rendered[case], Checks(case)
    last, count = r.pages[-1], len(r.pages)
    checks.true(f"the document ends on an even page or is one page ({count} pages)", count == 1 or count % 2 == 0)
    printed = last.containing("印发")
    printed = [line for line in printed if line.size < 15]
    if r.facts.format is DocFormat.letter:
        checks.equal("信函: no 印发 line", [x.text for x in printed], [])
        checks.equal("信函: no black rules", [x for x in last.rects if not x.red], [])
        if r.facts.copy_to:
            copy_line = last.containing("抄送")[0]
            checks.near("信函 抄送 line on the 版心's last line (top)", copy_line.em_top, grid.em_top_on_line(21, 14))
        checks.done()
        return
    checks.equal("one 印发 line on the last page", len(printed), 1)
    organ, date = sorted(printed + last.containing(r.facts.printing_organ), key=lambda x: x.x0)[0], printed[-1]
    organ = next(x for x in last.lines if x.text.replace(" ", "").startswith(r.facts.printing_organ))
    checks.near("印发机关 left", organ.x0, grid.LEFT + ONE)
    checks.near("印发日期 right", date.x1, grid.RIGHT - ONE)
    checks.equal("印发日期 is its own date", date.text.replace(" ", ""), f"{r.facts.printed_on}印发")
    checks.near("印发 line size (pt)", date.size, grid.SIZE_4, 0.1)
    rules = sorted((x for x in last.rects if not x.red and x.width > 150), key=lambda x: x.top)
    checks.at_least("版记 rules", len(rules), 2)
    checks.near("last rule's bottom edge (版心 bottom)", rules[-1].bottom, grid.BOTTOM)
    checks.near("last rule thickness", rules[-1].height, 0.35, 0.05)
    checks.near("first rule thickness", rules[0].height, 0.35, 0.05)
    first_text = min(x.em_top for x in last.lines if x.size < 15 and x.em_top > rules[0].top - 12)
    checks.true("first rule above the first 版记 element", rules[0].bottom <= first_text)
    if r.facts.copy_to:
        copy_line = last.containing("抄送")[0]
        checks.near("抄送 left", copy_line.x0, grid.LEFT + ONE)
        checks.true("抄送 ends with 。", copy_line.text.endswith("。") or len(last.containing("。")) > 0)
        thin = [x for x in rules if abs(x.height - 0.25) < 0.05]
        checks.equal("one thin rule between 抄送 and 印发", len(thin), 1)
    checks.done()


def _logo(pdf: PdfPage) -> list[Line]:
    return [line for line in pdf.lines if line.chars[0].red and line.size > 17]


@pytest.mark.parametrize("case", [c for c in ALL if c != "letter"])
def test_header(rendered: dict[str, Rendered], case: str) -> None:
    """发文机关标志 35 mm below the 版心's top (命令 20 mm), centred, red; 发文字号 2 lines below it; the red rule
    4 mm below the 发文字号, as wide as the 版心; the title 2 lines below the rule (GB/T 9704 §7.2, §10)."""
    r, checks = rendered[case], Checks(case)
    page = r.pages[0]
    logo = _logo(page)
    want_top = grid.TOP + (20.0 if r.facts.format is DocFormat.order else 35.0)
    checks.near("发文机关标志 top", min(x.em_top for x in logo), want_top)
    checks.near("发文机关标志 centre", (min(x.x0 for x in logo) + max(x.x1 for x in logo)) / 2, CENTRE)
    checks.true("发文机关标志 in 小标宋 (FandolSong Bold)", all(c.font == "GWSongBold" for x in logo for c in x.chars))
    number_text = r.facts.order_number if r.facts.format is DocFormat.order else r.facts.doc_number
    number = page.find(number_text or "")
    assert number is not None, f"no 发文字号 line “{number_text}” on page 1"
    gap = number.em_top - max(x.em_bottom for x in logo)
    checks.at_least("标志 to 发文字号 (lines)", gap / grid.LINE, 1.5)
    checks.at_most("标志 to 发文字号 (lines)", gap / grid.LINE, 3.0)
    if r.facts.upward:
        checks.near("上行文 发文字号 left +1 字", number.x0, grid.LEFT + grid.CELL)
    elif r.facts.format is DocFormat.minutes:
        checks.near("纪要 number left +1 字", number.x0, grid.LEFT + grid.CELL)
    else:
        checks.near("发文字号 centre", (number.x0 + number.x1) / 2, CENTRE)
    if r.facts.format is DocFormat.order:
        checks.done()
        return
    rule = next(x for x in page.rects if x.red and x.width > 150)
    checks.near("red rule 4 mm below the 发文字号", rule.top - number.em_bottom, 4.0)
    checks.near("red rule left", rule.x, grid.LEFT)
    checks.near("red rule width", rule.width, grid.BLOCK_W)
    title = [x for x in page.lines if abs(x.size - grid.SIZE_2) < 0.2 and not x.chars[0].red]
    if title:
        checks.near("title 2 lines below the red rule", title[0].em_top - rule.bottom, 2 * grid.LINE, grid.LINE / 2)
    checks.done()


@pytest.mark.parametrize("case", [c for c in ALL if c not in ("order", "minutes")])  # a 纪要's title is its 标志
def test_title(rendered: dict[str, Rendered], case: str) -> None:
    """2号小标宋 (FandolSong Bold, no synthetic bold), centred, broken at word boundaries into a trapezoid or a
    diamond, no line of one or two characters (GB/T 9704 §7.3.1)."""
    r, checks = rendered[case], Checks(case)
    lines = [x for x in r.pages[0].lines if abs(x.size - grid.SIZE_2) < 0.2 and not x.chars[0].red]
    checks.equal("title reads as written", "".join(x.text for x in lines).replace(" ", ""), clean(r.facts.title))
    widths = [x.x1 - x.x0 for x in lines]
    for line, width in zip(lines, widths, strict=True):
        checks.near(f"title line “{line.text[:6]}” centre", (line.x0 + line.x1) / 2, CENTRE)
        checks.at_most(f"title line “{line.text[:6]}” width", width, grid.BLOCK_W - 2 * grid.em(grid.SIZE_2) + 0.5)
        checks.at_least(f"title line “{line.text[:6]}” characters", len(line.text), 3)
        checks.true(f"title line “{line.text[:6]}” in FandolSong Bold", all(c.font == "GWSongBold" for c in line.chars))
    if len(widths) > 1:
        growing = all(a < b + 0.5 for a, b in itertools.pairwise(widths))
        shrinking = all(a > b - 0.5 for a, b in itertools.pairwise(widths))
        peak = widths.index(max(widths))
        diamond = 0 < peak < len(widths) - 1
        checks.true(
            f"title shape {[round(w) for w in widths]} is a trapezoid or a diamond", growing or shrinking or diamond
        )
    checks.done()


def test_no_synthetic_bold(rendered: dict[str, Rendered]) -> None:
    """No text is drawn stroked as well as filled (the way a missing bold face is faked)."""
    from pypdf import PdfReader

    for name, r in rendered.items():
        for number, page in enumerate(PdfReader(io.BytesIO(r.pdf)).pages, start=1):
            content = page.get_contents()
            data = content.get_data() if content is not None else b""
            assert not re.search(rb"(^|\s)[12] Tr\b", data), f"{name} p{number}: stroked text (synthetic bold)"


@pytest.mark.parametrize("case", ["single", "joint-2", "example-notice", "joint-5", "long-title"])
def test_recipients_as_written(rendered: dict[str, Rendered], case: str) -> None:
    """主送 one line below the title, flush left, as the drafter wrote it (a 统称), closing with “：”."""
    r, checks = rendered[case], Checks(case)
    found = _lines_of(r, 0, ("recipients",)) or _lines_of(r, 1, ("recipients",))
    text = "".join(x.text for x in found).replace(" ", "")
    checks.equal("主送 text", text, f"{r.facts.main_recipients}：")
    for line in found:
        checks.near(f"主送 line “{line.text[:6]}” starts", line.x0, grid.LEFT)
    checks.done()


def _seals(page: Page) -> list[Seal]:
    return [s for s in page.seals if s.kind == "印章"]


SEALED = [c for c in ALL if c not in ("order", "minutes")]


@pytest.mark.parametrize("case", SEALED)
def test_signature_and_seals(rendered: dict[str, Rendered], case: str) -> None:
    """成文日期 right −4 字; a seal place for every organ, each over its own name, none touching another, inside the
    版心; the last seal over the date; the first seal's top within one line of the text above; the block on the
    same page as body text (GB/T 9704 §7.3.5.1)."""
    r, checks = rendered[case], Checks(case)
    index = next(i for i, p in enumerate(r.layout.pages) if _seals(p))
    page, pdf = r.layout.pages[index], r.pages[index]
    seals = _seals(page)
    checks.equal("seal places", len(seals), len(r.facts.issuers))
    date = pdf.find(r.facts.written_on)
    assert date is not None, "no 成文日期"
    checks.near("成文日期 right −4 字", date.x1, grid.RIGHT - 4 * grid.CELL)
    for seal, organ in zip(seals, r.facts.issuers, strict=True):
        name = pdf.find(organ)
        assert name is not None, f"no 署名 {organ}"
        centre = ((name.x0 + name.x1) / 2, (name.em_top + name.em_bottom) / 2)
        distance = ((centre[0] - seal.cx) ** 2 + (centre[1] - seal.cy) ** 2) ** 0.5
        checks.at_most(f"{organ}: its name's centre from its seal's centre", distance, seal.width / 2 - 5)
        checks.at_least(f"{organ}: seal left edge", seal.cx - seal.width / 2, grid.LEFT)
        checks.at_most(f"{organ}: seal right edge", seal.cx + seal.width / 2, grid.RIGHT)
        checks.true(f"{organ}: the name is not above the seal's centre by more than 3 mm", centre[1] > seal.cy - 3)
    for i, a in enumerate(seals):
        for b in seals[i + 1 :]:
            apart = ((a.cx - b.cx) ** 2 + (a.cy - b.cy) ** 2) ** 0.5 - (a.width + b.width) / 2
            checks.at_least(f"space between the seals of {a.organ} and {b.organ}", apart, 0.5)
    last = seals[-1]
    checks.true("the last seal presses the date", last.top < date.em_top < last.bottom and last.cx - 21 < date.x1)
    above = [x for x in pdf.lines if x.em_bottom < seals[0].top + 8 and x.size > 15 and not x.chars[0].red]
    body = [x for x in above if x.em_top > grid.TOP - 1]
    checks.true("body text on the page of the 署名", bool(body))
    if body:
        checks.at_most("first seal's top below the text above (mm)", seals[0].top - body[-1].em_bottom, grid.LINE)
    checks.done()


@pytest.mark.parametrize("case", ["example-notice", *(c for c in SEEDED if c == "seed-002")])
def test_a_joint_notice_with_its_plan_done_when(rendered: dict[str, Rendered], case: str) -> None:
    """The example joint notice (and seed 002): 28-character lines, the 版记 at the bottom of its last (even) page,
    three seal places that do not overlap, no gap wider than one character."""
    r, checks = rendered[case], Checks(case)
    lines = [x for i in range(len(r.pages)) for x in _lines_of(r, i, ("p ",))]
    justified = [(a, b) for a, b in itertools.pairwise(lines) if abs(b.x0 - grid.LEFT) < 1]
    checks.at_least("justified body lines", len(justified), {"example-notice": 45, "seed-002": 100}[case])
    exact = [a for a, _ in justified if abs(_grid_cells(a) - 28) <= 0.05]
    explained = [a for a, b in justified if abs(_grid_cells(a) - 28) > 0.05 and _why_short(a, b)]
    checks.equal("justified lines of 28 characters, or fewer for a line-breaking rule", len(exact) + len(explained),
                 len(justified))  # fmt: skip
    print(f"{case}: {len(exact)} of {len(justified)} justified lines hold exactly 28 characters")
    checks.true(f"{len(r.pages)} pages, an even number", len(r.pages) % 2 == 0)
    checks.true("版记 on the last page", bool(r.pages[-1].containing("印发")))
    seals = [s for p in r.layout.pages for s in _seals(p)]
    checks.equal("seal places", len(seals), 3)
    checks.true(
        "no two seal places overlap", not any(a.overlaps(b) for i, a in enumerate(seals) for b in seals[i + 1 :])
    )
    gaps = [g for i in range(len(r.pages)) for x in _lines_of(r, i, ("p ",)) for g in x.gaps()]
    checks.at_most("widest gap (mm)", max(gaps), grid.CELL)
    checks.done()


def test_letter_format(rendered: dict[str, Rendered]) -> None:
    """信函格式 (GB/T 9704 §10.1): one page; the organ's name 30 mm from the top in red; red double rules 170 mm
    long 4 mm below it and 20 mm above the page bottom; 发文字号 flush right 7/8 of a character below the rule;
    the title two lines below; no page number on page 1."""
    r, checks = rendered["letter"], Checks("letter")
    checks.equal("pages", len(r.pages), 1)
    page = r.pages[0]
    logo = _logo(page)
    checks.equal("标志 is the organ's name alone", "".join(x.text for x in logo), r.facts.issuers[0])
    checks.near("标志 top from the page top", min(x.em_top for x in logo), 30.0)
    checks.near("标志 centre", (logo[0].x0 + logo[-1].x1) / 2, CENTRE)
    red = sorted((x for x in page.rects if x.red), key=lambda x: x.top)
    checks.equal("red rules (two doubles)", len(red), 4)
    for rule in red:
        checks.near("red rule length", rule.width, 170.0)
        checks.near("red rule left", rule.x, (grid.PAGE_W - 170) / 2)
    checks.near("first double rule 4 mm below the 标志", red[0].top - max(x.em_bottom for x in logo), 4.0)
    checks.true("first double rule thick over thin", red[0].height > red[1].height)
    checks.near("second double rule 20 mm above the page bottom", red[2].top, grid.PAGE_H - 20.0)
    checks.true("second double rule thin over thick", red[2].height < red[3].height)
    number = page.find(r.facts.doc_number)
    assert number is not None
    checks.near("发文字号 flush right", number.x1, grid.RIGHT)
    checks.near("发文字号 7/8 字 below the rule", number.em_top - red[1].bottom, grid.em(grid.SIZE_3) * 7 / 8)
    title = [x for x in page.lines if abs(x.size - grid.SIZE_2) < 0.2]
    checks.near("title two lines below the 发文字号", title[0].em_top - number.em_bottom, 2 * grid.LINE, grid.LINE / 2)
    checks.true("署名 and 成文日期 on page 1", page.find(r.facts.written_on) is not None)
    checks.done()


def test_short_request_on_one_page(rendered: dict[str, Rendered]) -> None:
    """A short 请示: one page, its 署名 and 成文日期 together; 签发人 on the 发文字号's line, the name in 楷体."""
    r, checks = rendered["upward-request"], Checks("upward-request")
    checks.equal("pages", len(r.pages), 1)
    page = r.pages[0]
    checks.true("署名 on page 1", page.find(r.facts.issuers[0]) is not None)
    checks.true("成文日期 on page 1", page.find(r.facts.written_on) is not None)
    number = page.find(r.facts.doc_number)
    signer = next(x for x in page.lines if "签发人" in x.text)
    assert number is not None
    checks.near("签发人 on the 发文字号's line (baseline)", signer.baseline, number.baseline, 0.3)
    checks.near("签发人 right −1 字", signer.x1, grid.RIGHT - grid.CELL)
    name = "".join(c.text for c in signer.chars if c.font == "GWKai")
    checks.equal("签发人's name, in 楷体", name, "刘峰")
    checks.true("“签发人：” in 仿宋", all(c.font == "GWFang" for c in signer.chars if c.text in "签发人："))
    checks.done()


def test_joint_upward_signers(rendered: dict[str, Rendered]) -> None:
    """Two 签发人 share a line, in organ order; the 发文字号 on the line of the last one."""
    r, checks = rendered["upward-joint"], Checks("upward-joint")
    page = r.pages[0]
    signer = next(x for x in page.lines if "签发人" in x.text)
    checks.equal("names", "".join(c.text for c in signer.chars if c.font == "GWKai"), "王帅杨婉婷")
    number = page.find(r.facts.doc_number)
    assert number is not None
    checks.near("发文字号 on the signers' line", number.baseline, signer.baseline, 0.3)
    checks.done()


def test_secret_marks(rendered: dict[str, Rendered]) -> None:
    """份号 (6 digits) on line 1, 密级★保密期限 on line 2, 紧急程度 on line 3, flush left, the last two in 黑体."""
    r, checks = rendered["secret"], Checks("secret")
    page = r.pages[0]
    for line_no, text, face in ((0, "000001", "GWFang"), (1, "机密★1年", "GWHei"), (2, "特急", "GWHei")):
        found = page.find(text)
        assert found is not None, f"no “{text}”"
        checks.near(f"“{text}” left", found.x0, grid.LEFT)
        checks.near(f"“{text}” top (line {line_no + 1})", found.em_top, grid.em_top_on_line(line_no))
        checks.equal(f"“{text}” face", found.chars[0].font, face)
    checks.done()


@pytest.mark.parametrize("case", ["joint-2", "joint-3", "joint-5", "example-notice"])
def test_joint_logo(rendered: dict[str, Rendered], case: str) -> None:
    """Joint 标志: 主办机关 first, names justified to one width, “文件” to their right, centred on them."""
    r, checks = rendered[case], Checks(case)
    logo = _logo(r.pages[0])
    word = next(x for x in logo if x.text.endswith("文件"))
    names = [x for x in logo if x is not word and x.text != "文件"]
    if word.text != "文件":  # 文件 drawn on a name's baseline joins that line: split it off
        names.append(type(word)([c for c in word.chars if c.text not in "文件"]))
        word = type(word)([c for c in word.chars if c.text in "文件"])
    names.sort(key=lambda x: x.baseline)
    checks.equal("names in organ order", [x.text for x in names], r.facts.issuers)
    for line in names:
        checks.near(f"“{line.text}” left", line.x0, names[0].x0)
        checks.near(f"“{line.text}” right", line.x1, names[0].x1)
    middle = (names[0].em_top + names[-1].em_bottom) / 2
    checks.near("文件 centred on the names", (word.em_top + word.em_bottom) / 2, middle)
    checks.near("group centre", (names[0].x0 + word.x1) / 2, CENTRE)
    checks.done()


def test_headings_in_their_faces(rendered: dict[str, Rendered]) -> None:
    """一、 in 黑体 and （一） in 楷体 for the heading sentence only; the rest of the paragraph in 仿宋; a heading
    never ends a page."""
    r, checks = rendered["example-notice"], Checks("example-notice")
    lines = [x for p in r.pages for x in p.lines]
    first = next(x for x in lines if x.text.startswith("一、活动主题"))
    checks.true("“一、活动主题” in 黑体", all(c.font == "GWHei" for c in first.chars))
    run_in = next(x for x in lines if x.text.startswith("（二）注重安全节俭。"))
    head = run_in.chars[: len("（二）注重安全节俭。")]
    checks.true("heading sentence “（二）注重安全节俭。” in 楷体", all(c.font == "GWKai" for c in head))
    checks.true("the rest of its paragraph in 仿宋", all(c.font == "GWFang" for c in run_in.chars[len(head) :]))
    for name, rend in rendered.items():
        for page in rend.layout.pages[:-1]:
            body = [b for b in page.blocks if b.role.startswith("p ")]
            if body:
                faces = {t.face for t in body[-1].texts}
                checks.true(f"{name} p{page.number} does not end with a heading", not faces <= {"GWHei", "GWKai"})
    checks.done()


def test_attachment_notes_hang(rendered: dict[str, Rendered]) -> None:
    """附件说明 one line below the body, 2 字 in, “附件：1.××”; a wrapped name aligns with its own first
    character; the next number aligns with “1.” (GB/T 9704 §7.3.4)."""
    r, checks = rendered["many-attachments"], Checks("many-attachments")
    index = next(i for i, p in enumerate(r.layout.pages) if any(b.role == "attachment-note" for b in p.blocks))
    notes = _lines_of(r, index, ("attachment-note",))
    first = notes[0]
    checks.true("first line starts “附件：1.”", first.text.startswith("附件：1."))
    checks.near("附件说明 2 字 in", first.x0, grid.LEFT + 2 * grid.CELL)
    number_x = first.chars[3].x0
    name_x = first.chars[5].x0
    for line in notes[1:]:
        if re.match(r"\d+\.", line.text):
            checks.near(f"“{line.text[:6]}” aligned with “1.”", line.x0, number_x)
        else:
            numbered = re.match(r"\d+\.", "")
            assert numbered is None
            checks.true(f"wrapped “{line.text[:6]}” aligned with its name", line.x0 > number_x + 2)
    wrapped = [x for x in notes if not re.match(r"\d+\.|附件", x.text)]
    checks.true("some names wrap", bool(wrapped))
    for line in wrapped:
        checks.near(f"wrapped “{line.text[:6]}” start", line.x0, name_x + (0.5 if False else 0), 1.6)
    checks.done()


@pytest.mark.parametrize("case", ["example-notice", "many-attachments", *(c for c in SEEDED if c == "seed-001")])
def test_attachment_pages(rendered: dict[str, Rendered], case: str) -> None:
    """Each 附件 on a new page: “附件N” in 3号黑体 flush left on line 1, its title centred from line 3."""
    r, checks = rendered[case], Checks(case)
    labels = [(i, x) for i, p in enumerate(r.pages) for x in p.lines if re.fullmatch(r"附件\d*", x.text)]
    checks.equal("附件 pages", len(labels), len(r.facts.attachments))
    for index, label in labels:
        checks.near(f"p{index + 1} “{label.text}” left", label.x0, grid.LEFT)
        checks.near(f"p{index + 1} “{label.text}” top (line 1)", label.em_top, grid.em_top_on_line(0))
        checks.equal(f"p{index + 1} “{label.text}” face", label.chars[0].font, "GWHei")
        title = next(x for x in r.pages[index].lines if abs(x.size - grid.SIZE_2) < 0.2)
        checks.near(f"p{index + 1} attachment title top (line 3)", title.em_top, grid.em_top_on_line(2, grid.SIZE_2))
        checks.near(f"p{index + 1} attachment title centre", (title.x0 + title.x1) / 2, CENTRE)
    checks.done()


@pytest.mark.parametrize("case", ALL)
def test_first_page_shows_body_text(rendered: dict[str, Rendered], case: str) -> None:
    """公文首页必须显示正文 (GB/T 9704 §7.3.3)."""
    body = [b for b in rendered[case].layout.pages[0].blocks if b.role.startswith("p ")]
    print(f"{case}: {len(body)} body lines on page 1")
    assert body


def test_blank_page_before_the_colophon(rendered: dict[str, Rendered]) -> None:
    """When the last even page has no room, a blank page goes before the 版记 page; neither is numbered."""
    r, checks = rendered["blank-before-colophon"], Checks("blank-before-colophon")
    kinds = [p.kind for p in r.layout.pages]
    checks.equal("page kinds", kinds[-2:], ["blank", "colophon"])
    checks.equal("the blank page is empty", r.pages[-2].lines, [])
    checks.equal("no page number on the blank and 版记 pages", [p.folio for p in r.layout.pages[-2:]], [None, None])
    checks.true("content pages numbered", all(p.folio for p in r.layout.pages[:-2]))
    checks.equal("the content ended on an even page", (len(kinds) - 2) % 2, 0)
    checks.done()


def test_recipients_too_many_for_page_one_move_to_the_colophon(rendered: dict[str, Rendered]) -> None:
    r, checks = rendered["recipients-in-colophon"], Checks("recipients-in-colophon")
    checks.equal("no 主送 on page 1", [b for b in r.layout.pages[0].blocks if b.role == "recipients"], [])
    last = r.pages[-1]
    main = [x for x in last.lines if x.text.startswith("主送：")]
    checks.equal("主送 row in the 版记", len(main), 1)
    if main:
        checks.near("主送 left +1 字", main[0].x0, grid.LEFT + ONE)
        copy_to = last.containing("抄送")
        checks.true("主送 above 抄送", bool(copy_to) and main[0].baseline < copy_to[0].baseline)
    checks.done()


def test_body_ending_at_a_page_foot(rendered: dict[str, Rendered]) -> None:
    """When the body fills a page to its last line, its last lines go over with the 署名, never the 署名 alone."""
    r, checks = rendered["page-foot"], Checks("page-foot")
    index = next(i for i, p in enumerate(r.layout.pages) if _seals(p))
    before = [b for b in r.layout.pages[index].blocks if b.role.startswith("p ")]
    checks.at_least("body lines on the 署名's page", len(before), 2)
    checks.done()


def test_order_and_minutes(rendered: dict[str, Rendered]) -> None:
    """命令: “××令” 20 mm below the 版心's top, 令号 2 lines below, room for the 签名章 with the 职务 to its left.
    纪要: “××纪要” 35 mm below, 出席/列席 in 黑体 2 字 in, names wrapped after the colon, no seal."""
    order, checks = rendered["order"], Checks("order")
    page = order.pages[0]
    checks.equal("令 标志", "".join(x.text for x in _logo(page)), "扎兰屯市人民政府令")
    stamp = next(s for s in order.layout.pages[0].seals if s.kind == "签名章")
    title = page.find("市长")
    assert title is not None
    checks.near("职务 2 字 left of the 签名章", stamp.cx - stamp.width / 2 - title.x1, 2 * grid.CELL)
    checks.near("签名章 right −4 字", stamp.cx + stamp.width / 2, grid.RIGHT - 4 * grid.CELL)
    checks.done()
    minutes, checks = rendered["minutes"], Checks("minutes")
    lines = [x for p in minutes.pages for x in p.lines]
    present = next(x for x in lines if x.text.startswith("出席："))
    checks.near("出席 2 字 in", present.x0, grid.LEFT + 2 * grid.CELL)
    checks.true("出席 in 黑体, names in 仿宋", present.chars[0].font == "GWHei" and present.chars[3].font == "GWFang")
    after = lines[lines.index(present) + 1]
    checks.near("wrapped names aligned after the colon", after.x0, present.chars[3].x0)
    checks.equal("no seal on a 纪要", [s for p in minutes.layout.pages for s in p.seals], [])
    checks.done()


def test_html_embeds_subset_fonts(rendered: dict[str, Rendered]) -> None:
    """The HTML carries its fonts as data URLs, cut down to the characters each face shows, and names no file."""
    r = rendered["example-notice"]
    assert "file://" not in r.html
    used = r.layout.chars_by_face()
    for face, chars in used.items():
        found = re.search(rf'font-family: "{face}"; src: url\("data:font/otf;base64,([^"]+)"\)', r.html)
        assert found, f"{face} is not embedded"
        data = base64.b64decode(found.group(1))
        font = TTFont(io.BytesIO(data))
        cmap = font.getBestCmap()
        missing = {c for c in chars if ord(c) not in cmap and not c.isspace()}
        assert not missing, f"{face} subset lacks {sorted(missing)[:10]}"
        assert len(cmap) < 3 * len(chars) + 50, f"{face} is not cut down ({len(cmap)} characters)"
        print(f"example-notice: {face} embedded with {len(cmap)} characters, {len(data) // 1024} KiB")


def test_colophon_longer_than_a_page(renderer: DocumentRenderer) -> None:
    """A plan sent to 200 units by name: the 主送 moves to the 版记, which then spans pages — it starts on a page of
    its own, ends on the bottom edge of an even last page, and names every unit (it once crashed the 印制)."""
    units = [f"扎兰屯市第{n}单位" for n in range(1, 201)]
    facts = replace(cases.joint([cases.MW]), main_recipients="、".join(units))
    layout = renderer.layout(facts)
    pages = read_pdf(renderer.pdf(renderer.html(layout))[0])
    checks = Checks("colophon-longer-than-a-page")
    kinds = [p.kind for p in layout.pages]
    colophon = [i for i, kind in enumerate(kinds) if kind == "colophon"]
    checks.at_least("版记 pages", len(colophon), 2)
    checks.equal("版记 pages follow one another to the end", colophon, list(range(colophon[0], len(kinds))))
    checks.equal("the last page is even", len(kinds) % 2, 0)
    text = "".join(line.text for i in colophon for line in pages[i].lines if not line.text.startswith("—"))
    checks.equal("units named in the 版记", [u for u in units if u not in text.replace(" ", "")], [])
    rules = sorted((x for x in pages[-1].rects if not x.red and x.width > 150), key=lambda x: x.top)
    checks.near("last rule's bottom edge (版心 bottom)", rules[-1].bottom if rules else 0.0, grid.BOTTOM)
    checks.done()


def test_the_seed_documents_are_measured_too(seeds_dir: Path) -> None:
    """With ../shared/seeds beside the project every seed case is among the cases measured above; on a clone
    without it they are left out, and this test skips saying why."""
    assert set(SEED_CASES) <= set(ALL)
