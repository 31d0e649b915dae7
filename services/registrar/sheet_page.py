"""The 发文稿纸's boxes as filled, set straight onto an A4 page for the PDF writer as its HTML form
(documents/issuing_sheet.html.j2) prints: the same boxes, faces, sizes, paddings and red rules, at the same places
(tests/layout/test_issuing_sheet.py compares the two PDFs' characters and rules). Through WeasyPrint a sheet took
≈ 0.09 CPU-s, a quarter of a document's 印制; drawn, ≈ 0.035. A sheet that does not fit one page (or whose heading
needs two lines) is left to the HTML form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from services.rendering import grid
from services.rendering.fonts import Face, FontSet
from services.rendering.model import Block, Page, Rule, Text
from services.rendering.text import Run, SetLine, Span, Typesetter

# The form's measures (mm and pt) as its stylesheet has them.
RED = "#cc0000"
TOP, RIGHT, BOTTOM, LEFT = 18.0, 16.0, 16.0, 20.0  # @page margins
BODY_PT, HEADING_PT, TITLE_PT = 11.5, 22.0, 13.0
HEADING_SPACING = 0.2  # em, after every character
HEADING_GAP = 4.0  # below the heading
OUTER, INNER = 0.6, 0.3  # the table's border, a cell's
PAD_X, PAD_Y = 2.0, 1.6
LABEL_W = 18.0  # a label column, between its rules' centres
BOX, TALL = 22.0, 38.0  # least heights of an opinion box, of 签发 and 会签
WHO_GAP = 2.0  # between an opinion and who wrote it
ENTRY_GAP, DASH_W = 1.5, 0.2  # between two entries of a box (会签, 用印), either side of a dashed rule
DASH_ON, DASH_OFF = 0.6, 0.6
IDEOGRAPHIC_SPACE = "\u3000"


@dataclass(frozen=True)
class Box:
    """One filled box of the sheet: whose, what they wrote, who, when."""

    organ: str = ""
    opinion: str = ""
    person: str = ""
    date: str = ""


@dataclass(frozen=True)
class IssuingSheet:
    lead: str  # the 主办机关, whose sheet it is
    title: str
    issuers: tuple[str, ...]
    doc_number: str
    classification: str
    secrecy_period: str
    urgency: str
    copies: str
    copy_numbers: str
    main: str
    copy_to: str
    drafted: Box
    reviewed: Box | None
    countersigned: tuple[Box, ...] = ()
    signed: Box | None = None
    rechecked: Box | None = None
    registered: Box | None = None
    sealed: tuple[Box, ...] = ()


@dataclass
class _Content:
    """A cell's texts and dashed rules, placed from the cell's content box's top-left corner."""

    width: float
    fonts: FontSet
    texts: list[Text] = field(default_factory=list)
    dashes: list[float] = field(default_factory=list)
    height: float = 0.0

    def lines(
        self,
        text: str,
        face: str = Face.fang,
        size_pt: float = BODY_PT,
        align: str = "left",
        color: str = grid.BLACK,
        keep_breaks: bool = False,
    ) -> None:
        """`text` broken to the cell's width, one line under the other; a newline starts a line only in an
        opinion (as written), elsewhere it is a space."""
        size = grid.em(size_pt)
        setter = Typesetter(self.fonts, size, size)
        text = text if keep_breaks else text.replace("\n", " ")
        for paragraph in text.split("\n") if text else []:
            lines = _hung(setter.lines([Span(paragraph, face)], self.width, justify=False, squeeze=False), size)
            for line in lines:
                room = max(self.width - line.width, 0.0)  # a line wider than the box starts at its left edge
                left = {"left": 0.0, "right": room, "center": room / 2}[align]
                self.texts += [
                    Text(left + run.x, grid.baseline_for_top(self.height, size_pt), run.text, run.face, size_pt, 0.0,
                         color, "cell", run.width, self.height)
                    for run in line.runs
                ]  # fmt: skip
                self.height += size
            if not lines:  # an empty line of an opinion
                self.height += size

    def gap(self, mm: float) -> None:
        self.height += mm

    def dash(self) -> None:
        self.height += ENTRY_GAP
        self.dashes.append(self.height)
        self.height += DASH_W + ENTRY_GAP


@dataclass(frozen=True)
class _Cell:
    label: str  # a column of labels (the 18 mm ones) when set, else a box
    fill: Callable[[_Content], None] | None = None  # what fills a box
    span: int = 1  # grid columns it covers
    least: float = 0.0  # its content's least height


def sheet_page(sheet: IssuingSheet, fonts: FontSet) -> Page | None:
    """The sheet on one A4 page, or None when it needs more (or its heading more than a line)."""
    width = grid.PAGE_W - LEFT - RIGHT
    page = Page(1)
    heading = f"{sheet.lead}发文稿纸"
    size = grid.em(HEADING_PT)
    spacing = HEADING_SPACING * size
    drawn = fonts.width(Face.xbs, heading) * size + spacing * len(heading)
    if drawn > width:
        return None
    x = LEFT + (width - drawn) / 2
    page.blocks.append(Block("heading", [
        Text(x, grid.baseline_for_top(TOP, HEADING_PT), heading, Face.xbs, HEADING_PT, spacing, RED, "heading",
             drawn - spacing, TOP),
    ]))  # fmt: skip
    left, right = LEFT + OUTER / 2, grid.PAGE_W - RIGHT - OUTER / 2
    box = (right - left - 2 * LABEL_W) / 2
    xs = [left, left + LABEL_W, left + LABEL_W + box, left + 2 * LABEL_W + box, right]  # rule centres
    widths = [OUTER, INNER, INNER, INNER, OUTER]
    top = TOP + size + HEADING_GAP  # the table's outer edge
    page.rules.append(Rule(LEFT, top, right - left + OUTER, OUTER, RED, "border"))
    y = top + OUTER
    for n, row in enumerate(_rows(sheet)):
        if n:
            page.rules.append(Rule(left, y, right - left, INNER, RED, "rule"))
            y += INNER
        contents: list[tuple[_Content, int, int, bool]] = []
        column = 0
        for cell in row:
            a, b = column, column + cell.span
            inner = xs[b] - widths[b] / 2 - PAD_X - (xs[a] + widths[a] / 2 + PAD_X)
            content = _Content(inner, fonts)
            if cell.label:
                content.lines(cell.label, Face.hei, align="center", color=RED)
            elif cell.fill is not None:
                cell.fill(content)
            content.height = max(content.height, cell.least)
            contents.append((content, a, b, bool(cell.label)))
            column = b
        height = max(c.height for c, *_ in contents) + 2 * PAD_Y
        texts: list[Text] = []
        for content, a, b, centred in contents:
            cx = xs[a] + widths[a] / 2 + PAD_X
            cy = y + PAD_Y + ((height - 2 * PAD_Y - content.height) / 2 if centred else 0.0)
            texts += [_moved(t, cx, cy) for t in content.texts]
            for dash in content.dashes:
                page.rules += _dashed(cx, cy + dash, content.width)
            if b < len(xs) - 1:
                page.rules.append(Rule(xs[b] - widths[b] / 2, y, widths[b], height, RED, "rule"))
        page.blocks.append(Block("row", texts))
        y += height
    page.rules.append(Rule(LEFT, y, right - left + OUTER, OUTER, RED, "border"))
    page.rules.append(Rule(LEFT, top, OUTER, y + OUTER - top, RED, "border"))
    page.rules.append(Rule(right - OUTER / 2, top, OUTER, y + OUTER - top, RED, "border"))
    return page if y + OUTER <= grid.PAGE_H - BOTTOM else None


def _rows(sheet: IssuingSheet) -> list[list[_Cell]]:
    """The rows as the template has them, each cell a label or a box and how its box is filled."""
    secrecy = sheet.classification + (f"★{sheet.secrecy_period}" if sheet.secrecy_period else "")
    return [
        [_Cell("签发"), _Cell("", lambda c: _entries(c, [sheet.signed] if sheet.signed else []), least=TALL),
         _Cell("会签"), _Cell("", lambda c: _entries(c, sheet.countersigned), least=TALL)],
        [_Cell("核稿"), _Cell("", lambda c: _opinion(c, sheet.reviewed, False), least=BOX),
         _Cell("拟稿"), _Cell("", lambda c: _drafted(c, sheet.drafted), least=BOX)],
        [_Cell("标题"), _Cell("", lambda c: c.lines(sheet.title, Face.xbs, TITLE_PT), span=3)],
        [_Cell("主送"), _Cell("", lambda c: c.lines(sheet.main), span=3)],
        [_Cell("抄送"), _Cell("", lambda c: c.lines(sheet.copy_to), span=3)],
        [_Cell("发文机关"), _Cell("", lambda c: c.lines("、".join(sheet.issuers))),
         _Cell("文号"), _Cell("", lambda c: c.lines(sheet.doc_number))],
        [_Cell("密级"), _Cell("", lambda c: c.lines(f"{secrecy}　紧急程度：{sheet.urgency}")),
         _Cell("印制份数"), _Cell("", lambda c: c.lines(f"{sheet.copies} 份" if sheet.copies else ""))],
        [_Cell("份号"), _Cell("", lambda c: c.lines(sheet.copy_numbers), span=3)],
        [_Cell("复核"), _Cell("", lambda c: _opinion(c, sheet.rechecked, False), least=BOX),
         _Cell("登记"), _Cell("", lambda c: _opinion(c, sheet.registered, False), least=BOX)],
        [_Cell("用印"), _Cell("", lambda c: _seals(c, sheet.sealed), span=3)],
    ]  # fmt: skip


def _opinion(content: _Content, box: Box | None, with_organ: bool) -> None:
    """An opinion as written (its line breaks kept), then who wrote it and when, to the right."""
    if box is None:
        return
    content.lines(box.opinion, keep_breaks=True)
    content.gap(WHO_GAP)
    who = [box.organ, box.person, box.date] if with_organ else [box.person, box.date]
    content.lines("　".join(who), align="right")


def _entries(content: _Content, boxes: Sequence[Box]) -> None:
    for n, box in enumerate(boxes):
        if n:
            content.dash()
        _opinion(content, box, True)


def _drafted(content: _Content, box: Box) -> None:
    for line in (f"单位：{box.organ}", f"拟稿人：{box.person}", f"日期：{box.date}"):
        content.lines(line)


def _seals(content: _Content, boxes: Sequence[Box]) -> None:
    for n, box in enumerate(boxes):
        if n:
            content.dash()
        content.lines(f"{box.organ}印章　用印人：{box.person}　{box.date}")


def _hung(lines: list[SetLine], size: float) -> list[SetLine]:
    """An ideographic space the break put first on a line ends the line before instead (hanging past its edge
    when it must), as a browser sets it."""
    out: list[SetLine] = []
    for line in lines:
        first = line.runs[0] if line.runs else None
        if out and first is not None and first.text.startswith(IDEOGRAPHIC_SPACE):
            before = out[-1]
            last = before.runs[-1]
            hung = Run(last.x, last.text + IDEOGRAPHIC_SPACE, last.face, last.spacing, last.width + size)
            out[-1] = SetLine((*before.runs[:-1], hung), before.indent, before.width + size, before.gap)
            rest = Run(first.x, first.text[1:], first.face, first.spacing, first.width - size)
            moved = (Run(r.x - size, r.text, r.face, r.spacing, r.width) for r in line.runs[1:])
            runs = tuple(r for r in (rest, *moved) if r.text)
            line = SetLine(runs, line.indent, line.width - size, line.gap)
        out.append(line)
    return out


def _moved(t: Text, dx: float, dy: float) -> Text:
    return Text(t.x + dx, t.baseline + dy, t.text, t.face, t.size, t.spacing, t.color, t.role, t.width, t.em_top + dy)


def _dashed(x: float, y: float, width: float) -> list[Rule]:
    count = int((width + DASH_OFF) // (DASH_ON + DASH_OFF))
    return [Rule(x + n * (DASH_ON + DASH_OFF), y, DASH_ON, DASH_W, RED, "dash") for n in range(count)]
