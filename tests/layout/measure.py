"""Reading a rendered PDF back: every character's box and baseline, every filled rectangle, in mm from the page's
top-left corner (pdfplumber over pdfminer), and a collector that prints each measurement it checks."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pdfplumber

from services.rendering import grid
from services.rendering.fonts import FONT_FILES

PT = 25.4 / 72


@dataclass(frozen=True)
class Char:
    text: str
    x0: float
    x1: float
    baseline: float
    size: float  # pt
    font: str
    red: bool

    @property
    def em_top(self) -> float:
        return self.baseline - grid.EM_ASCENT * self.size * PT

    @property
    def em_bottom(self) -> float:
        return self.baseline + (1 - grid.EM_ASCENT) * self.size * PT


@dataclass
class Line:
    chars: list[Char]

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0].x0

    @property
    def x1(self) -> float:
        return self.chars[-1].x1

    @property
    def baseline(self) -> float:
        return self.chars[0].baseline

    @property
    def em_top(self) -> float:
        return min(c.em_top for c in self.chars)

    @property
    def em_bottom(self) -> float:
        return max(c.em_bottom for c in self.chars)

    @property
    def size(self) -> float:
        return self.chars[0].size

    def gaps(self) -> list[float]:
        """Space between each character's advance and the next character, mm."""
        return [b.x0 - a.x1 for a, b in zip(self.chars, self.chars[1:], strict=False)]


@dataclass(frozen=True)
class Rect:
    x: float
    top: float
    width: float
    height: float
    red: bool

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass
class PdfPage:
    number: int
    lines: list[Line] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)

    def find(self, text: str) -> Line | None:
        """The black line reading `text` (the red 标志 may read the same)."""
        wanted = text.replace(" ", "")
        return next((x for x in self.lines if x.text.replace(" ", "") == wanted and not x.chars[0].red), None)

    def containing(self, text: str) -> list[Line]:
        return [line for line in self.lines if text in line.text.replace(" ", "")]


FAMILIES = {file.removesuffix(".otf"): family for family, file in FONT_FILES.items()}


def _family(font_name: str) -> str:
    """The CSS family of a PDF font (“ABCDEF+FandolFang-Regular” → “GWFang”), whoever wrote the PDF."""
    name = font_name.split("+")[-1]
    return FAMILIES.get(name, name)


def _red(color: object) -> bool:
    if isinstance(color, tuple | list) and len(color) == 3:
        r, g, b = (float(v) for v in color)
        return r > 0.7 and g < 0.3 and b < 0.3
    return False


def read_pdf(data: bytes) -> list[PdfPage]:
    pages = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            height = float(page.height)
            chars = [
                Char(
                    c["text"],
                    float(c["x0"]) * PT,
                    float(c["x1"]) * PT,
                    (height - float(c["matrix"][5])) * PT,
                    float(c["size"]),
                    _family(str(c["fontname"])),
                    _red(c.get("non_stroking_color")),
                )
                for c in page.chars
            ]
            result = PdfPage(number, _lines(chars))
            for r in page.rects:
                if float(r["height"]) * PT > 5:  # the page's own background
                    continue
                result.rects.append(
                    Rect(
                        float(r["x0"]) * PT,
                        float(r["top"]) * PT,
                        float(r["width"]) * PT,
                        float(r["height"]) * PT,
                        _red(r.get("non_stroking_color")),
                    )
                )
            pages.append(result)
    return pages


def _lines(chars: list[Char]) -> list[Line]:
    """Characters sharing a baseline (±0.3 mm) and a size, left to right; a line with a gap of more than three
    characters is two pieces (a 发文字号 and its 签发人, an 印发机关 and its date)."""
    rows: dict[tuple[int, int], list[Char]] = {}
    for char in chars:
        rows.setdefault((round(char.baseline / 0.3), round(char.size)), []).append(char)
    lines = []
    for _, row in sorted(rows.items()):
        row.sort(key=lambda c: c.x0)
        piece = [row[0]]
        for char in row[1:]:
            if char.x0 - piece[-1].x1 > 3 * char.size * PT:
                lines.append(Line(piece))
                piece = []
            piece.append(char)
        lines.append(Line(piece))
    return sorted(lines, key=lambda line: (line.baseline, line.x0))


class Checks:
    """Collects measurements: each is printed (so a failure says by how much); `done()` fails on any miss."""

    def __init__(self, case: str) -> None:
        self.case = case
        self.failures: list[str] = []

    def _report(self, ok: bool, message: str) -> None:
        line = f"{self.case}: {message}{'' if ok else '   <-- FAILS'}"
        print(line)
        if not ok:
            self.failures.append(line)

    def near(self, what: str, got: float, want: float, tolerance: float = 1.0) -> None:
        off = got - want
        self._report(abs(off) <= tolerance, f"{what} = {got:.2f} mm (want {want:.2f} ± {tolerance}; off {off:+.2f})")

    def at_most(self, what: str, got: float, limit: float) -> None:
        self._report(got <= limit, f"{what} = {got:.2f} (at most {limit:.2f})")

    def at_least(self, what: str, got: float, limit: float) -> None:
        self._report(got >= limit, f"{what} = {got:.2f} (at least {limit:.2f})")

    def equal(self, what: str, got: object, want: object) -> None:
        self._report(got == want, f"{what} = {got!r} (want {want!r})")

    def true(self, what: str, condition: bool) -> None:
        self._report(condition, what)

    def done(self) -> None:
        assert not self.failures, "\n".join(self.failures)
