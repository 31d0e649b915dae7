"""Ruled tables set straight onto pages for the PDF writer (the archive's 归档文件目录): columns of fixed shares of
the width, each cell's text broken into lines by the Typesetter (no line starts with a closing mark), a row never
split across pages, the header row again at the top of every page, the page number at the foot of every page.
An HTML render of a 500-row catalogue took seconds of CPU; this takes a small part of that."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.rendering import grid
from services.rendering.fonts import Face, FontSet
from services.rendering.model import Block, Page, Rule, Text
from services.rendering.text import Span, Typesetter

LEADING = 1.35  # a cell's line height, in ems
PADDING = 1.5  # mm inside each cell
BORDER = 0.3  # mm


@dataclass(frozen=True)
class Sheet:
    """The paper and its margins, mm."""

    width: float
    height: float
    margin_x: float
    margin_y: float

    @property
    def inner_width(self) -> float:
        return self.width - 2 * self.margin_x

    @property
    def bottom(self) -> float:
        return self.height - self.margin_y


A4_LANDSCAPE = Sheet(297.0, 210.0, 15.0, 20.0)


@dataclass(frozen=True)
class Column:
    heading: str
    share: float  # of the table's width
    centred: bool = False
    size: float = 10.5  # pt of its cells


@dataclass(frozen=True)
class _Cell:
    lines: list[list[Text]]  # the runs of each line, x from the cell's left edge, baseline from the line's top
    size_mm: float


class TableSetter:
    def __init__(self, fonts: FontSet, sheet: Sheet = A4_LANDSCAPE) -> None:
        self.fonts = fonts
        self.sheet = sheet

    def text(self, text: str, face: str, size_pt: float, x: float, top: float, spacing: float = 0.0) -> Text:
        """One line of text whose em box starts at ``top``."""
        size_mm = grid.em(size_pt)
        width = self.fonts.width(face, text) * size_mm + spacing * max(len(text) - 1, 0)
        return Text(x, grid.baseline_for_top(top, size_pt), text, face, size_pt, spacing, grid.BLACK, "", width, top)

    def centred(self, text: str, face: str, size_pt: float, top: float, spacing: float = 0.0) -> Text:
        probe = self.text(text, face, size_pt, 0.0, top, spacing)
        return self.text(
            text, face, size_pt, self.sheet.margin_x + (self.sheet.inner_width - probe.width) / 2, top, spacing
        )

    def pages(
        self, columns: Sequence[Column], rows: Sequence[Sequence[str]], heading: Block | None, first: int
    ) -> list[Page]:
        """The table over as many pages as it takes, numbered from ``first``; ``heading`` above it on the first."""
        widths = [c.share / sum(c.share for c in columns) * self.sheet.inner_width for c in columns]
        header = [self._cell(c.heading, Face.hei, c.size, w, True) for c, w in zip(columns, widths, strict=True)]
        pages: list[Page] = []
        page = self.page(first, heading)
        y, on_page = self._row(page, header, widths, self._below(heading), first=True), 0
        for row in rows:
            cells = [
                self._cell(text, Face.song, c.size, w, c.centred)
                for text, c, w in zip(row, columns, widths, strict=True)
            ]
            if y + _height(cells) > self.sheet.bottom and on_page:  # a row taller than a page stands alone
                pages.append(page)
                page = self.page(first + len(pages), None)
                y, on_page = self._row(page, header, widths, self.sheet.margin_y, first=True), 0
            y, on_page = self._row(page, cells, widths, y), on_page + 1
        pages.append(page)
        return pages

    def page(self, number: int, heading: Block | None = None) -> Page:
        """A blank page of the sheet with its number at the foot."""
        page = Page(number, folio=str(number), size=(self.sheet.width, self.sheet.height))
        if heading is not None:
            page.blocks.append(heading)
        folio_top = self.sheet.bottom + (self.sheet.margin_y - grid.em(10)) / 2
        page.blocks.append(Block("folio", [self.centred(f"— {number} —", Face.song, 10, folio_top)]))
        return page

    def _below(self, heading: Block | None) -> float:
        if heading is None or not heading.texts:
            return self.sheet.margin_y
        last = heading.texts[-1]
        return last.em_top + grid.em(last.size) * 2

    def _cell(self, text: str, face: str, size_pt: float, width: float, centred: bool) -> _Cell:
        size_mm = grid.em(size_pt)
        room = width - 2 * PADDING
        setter = Typesetter(self.fonts, size_mm, size_mm)
        lines = []
        for line in setter.lines([Span(text, face)], room, justify=False) if text else []:
            left = PADDING + ((room - line.width) / 2 if centred else 0.0)
            lines.append([
                Text(left + run.x, 0.0, run.text, run.face, size_pt, run.spacing, grid.BLACK, "cell", run.width, 0.0)
                for run in line.runs
            ])  # fmt: skip
        return _Cell(lines, size_mm)

    def _row(self, page: Page, cells: list[_Cell], widths: list[float], top: float, first: bool = False) -> float:
        """Draws a row at ``top`` with its borders (the rule above it only when it is the page's first: the row
        before drew it); returns where the next row starts."""
        height = _height(cells)
        x = self.sheet.margin_x
        texts = []
        for cell, width in zip(cells, widths, strict=True):
            line_h = cell.size_mm * LEADING
            for n, runs in enumerate(cell.lines):
                em_top = top + PADDING + n * line_h + (line_h - cell.size_mm) / 2
                baseline = em_top + grid.EM_ASCENT * cell.size_mm
                texts += [_placed(run, x + run.x, baseline, em_top) for run in runs]
            page.rules.append(Rule(x, top, BORDER, height + BORDER, grid.BLACK, "cell-border"))
            x += width
        page.rules.append(Rule(x, top, BORDER, height + BORDER, grid.BLACK, "cell-border"))
        for y in (top, top + height) if first else (top + height,):
            page.rules.append(Rule(self.sheet.margin_x, y, self.sheet.inner_width + BORDER, BORDER, grid.BLACK, "rule"))
        page.blocks.append(Block("row", texts))
        return top + height


def _height(cells: list[_Cell]) -> float:
    return max(max(len(c.lines), 1) * c.size_mm * LEADING for c in cells) + 2 * PADDING


def _placed(run: Text, x: float, baseline: float, em_top: float) -> Text:
    return Text(x, baseline, run.text, run.face, run.size, run.spacing, run.color, run.role, run.width, em_top)
