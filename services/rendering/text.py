"""Setting Chinese text on the character grid: clean-up, line breaking with the 禁则, CJK justification.

A full-width character takes one cell of the grid; a digit or a Latin letter its width in cells (a digit half a
cell). Lines break between
any two full-width characters, never inside a run of digits or Latin letters (unless it is longer than what is
left of the line), never before a closing mark and never after an opening one: a closing mark that would start a
line is squeezed into the line before (as word processors compress punctuation). A justified line
is spread (or squeezed) over every gap between its characters, so it ends exactly at the right edge of the 版心 and
no gap is wider than the spread (a fraction of a character).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.rendering.fonts import FontSet

# 行首禁则 / 行尾禁则 (GB/T 15834 punctuation that may not start / end a line).
NO_START = set("，。、；：？！）》」』】〕〉”’…—·%‰℃,.;:?!)]}")
NO_END = set("（《「『【〔〈“‘([{")
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f“”‘’—…·★"
_SPACE_NEAR_CJK = re.compile(rf"[ \t]+(?=[{_CJK}])|(?<=[{_CJK}])[ \t]+")


def clean(text: str) -> str:
    """Drop the stray spaces around Chinese text (“第 41 个” → “第41个”); spaces between Latin words stay."""
    return _SPACE_NEAR_CJK.sub("", text.strip())


@dataclass(frozen=True)
class Span:
    """Text in one face: a paragraph is one or more spans (a heading sentence in 黑体, the rest in 仿宋)."""

    text: str
    face: str


@dataclass(frozen=True)
class Glyph:
    char: str
    face: str
    pitch: float  # mm the pen moves after this character before justification
    full: bool  # takes a whole cell of the grid


@dataclass(frozen=True)
class Run:
    """Consecutive glyphs of one face and class, drawn as one piece of text."""

    x: float  # mm from the line's left edge
    text: str
    face: str
    spacing: float  # letter-spacing, mm
    width: float  # mm from the first glyph's origin to the end of the last one's pitch


@dataclass(frozen=True)
class SetLine:
    runs: tuple[Run, ...]
    indent: float  # mm from the 版心's left edge where the line starts
    width: float  # mm the line covers
    gap: float  # how much wider than the grid's every space between two characters is, mm

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


class Typesetter:
    """Sets text of one size on a grid of cells `cell` mm wide (the 版心 holds 28 cells of 3号)."""

    def __init__(self, fonts: FontSet, size_mm: float, cell: float) -> None:
        self.fonts = fonts
        self.size = size_mm
        self.cell = cell

    def glyphs(self, spans: Sequence[Span]) -> list[Glyph]:
        out = []
        for span in spans:
            for char, advance in zip(span.text, self.fonts.advances(span.face, span.text), strict=True):
                full = advance >= 0.99
                out.append(Glyph(char, span.face, advance * self.cell, full))
        return out

    def width(self, spans: Sequence[Span]) -> float:
        return sum(g.pitch for g in self.glyphs(spans))

    def lines(
        self,
        spans: Sequence[Span],
        width: float,
        first_indent: float = 0.0,
        indent: float = 0.0,
        justify: bool = True,
        squeeze: bool = True,
    ) -> list[SetLine]:
        """Break into lines `width` mm wide; the first starts `first_indent` mm in, the others `indent` mm in.
        Every line but the last is justified to the full width. Without `squeeze` a closing mark that would start
        a line takes the character before it down with it (as a browser breaks), instead of being squeezed in."""
        queue = _units(self.glyphs(spans))
        lines: list[list[Glyph]] = []
        current: list[list[Glyph]] = []
        used = 0.0
        while queue:
            unit = queue.pop(0)
            room = width - (first_indent if not lines else indent)
            unit_width = sum(g.pitch for g in unit)
            squeezed = squeeze and len(unit) == 1 and unit[0].char in NO_START
            squeezed = squeezed and used + unit_width <= room + self.cell + 1e-6
            if used + unit_width <= room + 1e-6 or (squeezed and current):
                current.append(unit)  # a closing mark after a full line is squeezed in, not pushed down
                used += unit_width
                continue
            if len(unit) > 1 and not unit[0].full and (room - used > 3 * self.cell or unit_width > room):
                fit = _fitting(unit, room - used) or (0 if current else 1)
                if fit:  # cut a long Latin word or number rather than leave a wide gap
                    current.append(unit[:fit])
                    queue.insert(0, unit[fit:])
                    lines.append([g for u in current for g in u])
                    current, used = [], 0.0
                    continue
            if not current:
                current, used = [unit], unit_width
                continue
            head, current = _break(current, unit)
            lines.append([g for u in head for g in u])
            used = sum(g.pitch for u in current for g in u)
            queue.insert(0, unit)
        if current:
            lines.append([g for u in current for g in u])
        result = []
        for number, glyphs in enumerate(lines):
            start = first_indent if number == 0 else indent
            last = number == len(lines) - 1
            result.append(self._set(_trim(glyphs), start, width - start, justify and not last))
        return result

    def _set(self, glyphs: list[Glyph], indent: float, room: float, justify: bool) -> SetLine:
        """One letter-spacing for the whole line: the grid's (cell − em), or, for a justified line (and for any
        line holding a squeezed-in mark), the spacing that makes it end exactly at `room` (CJK justification:
        every gap grows or shrinks alike)."""
        advances = [g.pitch / self.cell * self.size for g in glyphs]
        spacing = self.cell - self.size
        fitted = (room - sum(advances)) / (len(glyphs) - 1) if len(glyphs) > 1 else spacing
        if justify or fitted < spacing:
            spacing = fitted
        runs: list[Run] = []
        x = 0.0
        start = 0
        for i in range(1, len(glyphs) + 1):
            if i == len(glyphs) or glyphs[i].face != glyphs[start].face:
                run_width = sum(advances[start:i]) + spacing * (i - start)
                runs.append(Run(x, "".join(g.char for g in glyphs[start:i]), glyphs[start].face, spacing, run_width))
                x += run_width
                start = i
        width = sum(advances) + spacing * max(len(glyphs) - 1, 0)
        return SetLine(tuple(runs), indent, width, spacing - (self.cell - self.size))


def _units(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Unbreakable units: one full-width character, a run of digits/Latin, a pair of —— or ……, a space."""
    units: list[list[Glyph]] = []
    for glyph in glyphs:
        previous = units[-1] if units else None
        joins_word = previous is not None and not glyph.full and not previous[-1].full and glyph.char != " "
        joins_word = joins_word and previous is not None and previous[-1].char != " "
        doubled = previous is not None and glyph.char in "—…" and previous[-1].char == glyph.char
        if previous is not None and (joins_word or doubled):
            previous.append(glyph)
        else:
            units.append([glyph])
    return units


def _break(current: list[list[Glyph]], incoming: list[Glyph]) -> tuple[list[list[Glyph]], list[list[Glyph]]]:
    """Where to end the line when `incoming` does not fit: push characters down so that no line starts with a
    closing mark or ends with an opening one."""
    cut = len(current)
    while cut > 1 and (_starts_bad(incoming if cut == len(current) else current[cut]) or _ends_bad(current[cut - 1])):
        cut -= 1
    return current[:cut], current[cut:]


def _starts_bad(unit: list[Glyph]) -> bool:
    return unit[0].char in NO_START


def _ends_bad(unit: list[Glyph]) -> bool:
    return unit[-1].char in NO_END


def _fitting(unit: list[Glyph], room: float) -> int:
    used, count = 0.0, 0
    for glyph in unit:
        if used + glyph.pitch > room + 1e-6:
            break
        used += glyph.pitch
        count += 1
    return count


def _trim(glyphs: list[Glyph]) -> list[Glyph]:
    start, end = 0, len(glyphs)
    while start < end and glyphs[start].char == " ":
        start += 1
    while end > start and glyphs[end - 1].char == " ":
        end -= 1
    return glyphs[start:end]
