"""The GB/T 9704 page in millimetres (DOMAIN.md §2.1): A4, 版心 156 × 225 mm at (28, 37), 22 lines × 28 characters.

Every position of the layout model is in mm from the page's top-left corner. Text sits on the grid: a line of
the body grid is 225/22 mm tall and a character cell 156/28 mm wide, so a full line of 3号 characters is exactly
28 characters wide (the glyphs, 16 pt, are drawn 0.07 mm closer than their em, as a word processor's character
grid does).
"""

from __future__ import annotations

PAGE_W = 210.0
PAGE_H = 297.0
LEFT = 28.0  # 订口 28 ± 1 mm
TOP = 37.0  # 天头 37 ± 1 mm
BLOCK_W = 156.0
BLOCK_H = 225.0
RIGHT = LEFT + BLOCK_W
BOTTOM = TOP + BLOCK_H
LINES = 22
CHARS = 28
LINE = BLOCK_H / LINES  # 10.227 mm
CELL = BLOCK_W / CHARS  # 5.571 mm

MM_PER_PT = 25.4 / 72
SIZE_2 = 22.0  # 2号, pt: 标题
SIZE_3 = 16.0  # 3号: 正文 and most elements
SIZE_4 = 14.0  # 4号: 版记, 页码

# The ideographic em box of the Fandol faces spans 0.88 em above the baseline to 0.12 em below it.
EM_ASCENT = 0.88

RED = "#e60012"
BLACK = "#000000"


def em(size_pt: float) -> float:
    """The em of a font size, in mm."""
    return size_pt * MM_PER_PT


def line_top(index: int) -> float:
    """Top edge of grid line `index` (0-based) of the 版心."""
    return TOP + index * LINE


def baseline_on_line(index: int, size_pt: float = SIZE_3) -> float:
    """The baseline that centres an em box of this size in grid line `index`."""
    return em_top_on_line(index, size_pt) + EM_ASCENT * em(size_pt)


def em_top_on_line(index: int, size_pt: float = SIZE_3) -> float:
    return line_top(index) + (LINE - em(size_pt)) / 2


def baseline_for_top(top: float, size_pt: float) -> float:
    """The baseline of text whose em box starts at `top`."""
    return top + EM_ASCENT * em(size_pt)


def first_line_below(y: float) -> int:
    """The first grid line whose top is at or below `y`."""
    index = 0
    while line_top(index) < y - 1e-6:
        index += 1
    return index


def decimal_text(value: float, places: int) -> str:
    """A number as the PDF and OFD writers put it in a file: at most ``places`` decimals, no exponent, no trailing
    zeros, never ``-0``."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
