"""Breaking a 2号 title into lines at word boundaries, shaped as a trapezoid or a diamond (GB/T 9704 §7.3.1:
回行时，要做到词意完整，排列对称，长短适宜，间距恰当，标题排列应当使用梯形或菱形)."""

from __future__ import annotations

import itertools
import logging
import tempfile
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

_JIEBA_LOCK = threading.Lock()
_cache_dir: Path | None = None

# Words a title line should not start with, and places a break is welcome.
_WEAK_START = set("的和与及、》）〕”，。：；")
_WEAK_END = set("《（〔“")
_GOOD_AFTER = ("关于", "》", "）", "〕")


def set_cache_dir(path: Path | None) -> None:
    """Where jieba keeps its dictionary cache (it writes to the system temp folder otherwise)."""
    global _cache_dir
    _cache_dir = path


@lru_cache(maxsize=1)
def _segmenter() -> Callable[[str], list[str]]:
    import jieba

    with _JIEBA_LOCK:
        jieba.setLogLevel(logging.WARNING)
        jieba.dt.tmp_dir = str(_cache_dir or tempfile.gettempdir())
        jieba.initialize()
    return lambda text: list(jieba.cut(text, HMM=False))


def words(text: str) -> list[str]:
    """Word pieces of a title; a 《book title》 is split inside only where the words allow."""
    return [w for w in _segmenter()(text) if w]


def break_title(text: str, char_width: Callable[[str], float], max_width: float) -> list[str]:
    """The best breaking of `text` into lines no wider than `max_width` (in the units of `char_width`)."""
    prefix = [0.0, *itertools.accumulate(char_width(c) for c in text)]
    if prefix[-1] <= max_width:
        return [text]
    pieces = words(text)
    offsets = list(itertools.accumulate(len(p) for p in pieces))[:-1]
    best: tuple[float, list[str]] | None = None
    fewest = None
    for count in range(2, 7):
        if fewest is not None and count > fewest + 1:
            break  # one more line than needed may give a better shape; two more never do
        for cuts in _cut_sets(offsets, count - 1, len(text)):
            bounds = list(itertools.pairwise([0, *cuts, len(text)]))
            widths = [prefix[b] - prefix[a] for a, b in bounds]
            if max(widths) > max_width:
                continue
            lines = [text[a:b] for a, b in bounds]
            fewest = count if fewest is None else fewest
            score = _score(lines, widths) + 12.0 * (count - fewest)
            if best is None or score < best[0]:
                best = (score, lines)
    if best is not None:
        return best[1]
    return _hard_break(text, char_width, max_width)


def _cut_sets(offsets: list[int], count: int, length: int) -> list[tuple[int, ...]]:
    if count > len(offsets):
        return []
    if len(offsets) > 12 and count > 1:  # long titles: only breaks near even splits are worth trying
        wanted = [length * (i + 1) / (count + 1) for i in range(count)]
        near = sorted({o for w in wanted for o in sorted(offsets, key=lambda o: abs(o - w))[: 8 if count < 4 else 6]})
        offsets = near
    return list(itertools.combinations(offsets, count))


def _score(lines: list[str], widths: list[float]) -> float:
    """Lower is better: a trapezoid (lengths only growing or only shrinking) or a diamond (longest inside),
    lines of similar length, no line starting with 的/与/》 or ending with 《, breaks after 关于 or 》 welcome."""
    score = 0.0
    growing = all(a <= b for a, b in itertools.pairwise(widths))
    shrinking = all(a >= b for a, b in itertools.pairwise(widths))
    score += 2.0 * sum(a == b for a, b in itertools.pairwise(widths))  # equal lines make a rectangle
    peak = widths.index(max(widths))
    diamond = (
        len(widths) >= 3
        and 0 < peak < len(widths) - 1
        and all(a < b for a, b in itertools.pairwise(widths[: peak + 1]))
        and all(a > b for a, b in itertools.pairwise(widths[peak:]))
    )
    if not (growing or shrinking or diamond):
        score += 40.0  # an hourglass or a rectangle
    if shrinking:
        score -= 1.0  # the common inverted trapezoid: long first line, shorter second
    mean = sum(widths) / len(widths)
    score += sum((w - mean) ** 2 for w in widths) / (mean * mean) * 30
    for line in lines[1:]:
        if line[0] in _WEAK_START:
            score += 25.0
    for line in lines[:-1]:
        if line[-1] in _WEAK_END:
            score += 25.0
        if line.endswith(_GOOD_AFTER):
            score -= 3.0
    if min(len(line) for line in lines) <= 2:
        score += 30.0  # “通知” alone on a line
    score += _inside_book_title(lines) * 4.0
    return score


def _inside_book_title(lines: list[str]) -> int:
    depth, inside = 0, 0
    for line in lines[:-1]:
        depth += line.count("《") - line.count("》")
        inside += depth > 0
    return inside


def _hard_break(text: str, char_width: Callable[[str], float], max_width: float) -> list[str]:
    lines, used = [""], 0.0
    for char in text:
        if lines[-1] and used + char_width(char) > max_width:
            lines.append("")
            used = 0.0
        lines[-1] += char
        used += char_width(char)
    return lines
