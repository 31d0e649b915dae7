"""Highlighted snippets over the original text, found through the normalised form (so a traditional query
highlights simplified text and back, and 国发[2024]5号 highlights 国发〔2024〕5号)."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from search.analysis import _CLOSE, _HAN_GAP, _OPEN, TypedNumber, _to_simplified, normalize_text, prefix_key

# Full-width ASCII and the ideographic space fold one to one. Found by a regular expression and replaced one by
# one: str.translate with a mapping looks up (and misses) every other character, four times slower on Chinese text.
_WIDE = re.compile("[\uff01-\uff5e\u3000]")
_NARROW = {chr(cp): chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)} | {"\u3000": " "}


def _narrow(match: re.Match[str]) -> str:
    return _NARROW[match[0]]


def normalize_with_map(raw: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index of the raw character it came from."""
    kept: list[str] = []
    origin: list[int] = []
    last = 0
    for gap in _HAN_GAP.finditer(raw):
        kept.append(raw[last : gap.start()])
        origin.extend(range(last, gap.start()))
        last = gap.end()
    kept.append(raw[last:])
    origin.extend(range(last, len(raw)))
    text = _WIDE.sub(_narrow, "".join(kept))
    if not unicodedata.is_normalized("NFKC", text):
        parts, mapped = [], []
        for ch, src in zip(text, origin, strict=True):
            folded = unicodedata.normalize("NFKC", ch)
            parts.append(folded)
            mapped.extend([src] * len(folded))
        text, origin = "".join(parts), mapped
    simplified = _to_simplified(text)
    if len(simplified) != len(text):
        simplified = "".join(_to_simplified(ch) if len(_to_simplified(ch)) == 1 else ch for ch in text)
    return simplified.lower(), origin


def number_pattern(number: TypedNumber) -> re.Pattern[str]:
    """A 文号 as documents write it, in the normalised text: any bracket or 年 around the year, 第 and leading
    zeros before the 序号, the 号 and a closing 字 of the 机关代字 perhaps left out."""
    opening, closing = f"[{re.escape(_OPEN)}]", f"[{re.escape(_CLOSE)}]"
    prefix = rf"{re.escape(prefix_key(number.prefix))}字?\s*" if number.prefix else ""
    year = str(number.year) if number.year else r"\d{4}"
    dated = rf"(?:{opening}?\s*{year}\s*{closing}?\s*年?\s*)"
    return re.compile(rf"{prefix}{dated}{'' if number.year else '?'}第?\s*0*{number.seq}(?!\d)(?:\s*号)?")


def snippet(raw: str, words: list[str], numbers: Sequence[TypedNumber] = (), width: int = 80) -> str:
    """An HTML-escaped window of the raw text around the densest matches, matches wrapped in <em>."""
    if not raw:
        return ""
    wanted = [_normalized_word(w) for w in words if w]
    patterns = [number_pattern(n) for n in numbers]
    offset, text = _likely_window(raw, wanted, width) if wanted else (0, raw)
    norm, origin = normalize_with_map(text)
    spans = _match_spans(norm, wanted, patterns)
    if not spans and offset:
        offset, text = 0, raw
        norm, origin = normalize_with_map(text)
        spans = _match_spans(norm, wanted, patterns)
    if not spans:
        return html.escape(raw[:width]) + ("…" if len(raw) > width else "")
    raw_spans = [(origin[a] + offset, origin[b - 1] + 1 + offset) for a, b in spans]
    start = max(0, raw_spans[0][0] - width // 4)
    end = min(len(raw), start + width)
    pieces, cursor = [], start
    for a, b in raw_spans:
        if a < cursor or b > end:
            continue
        pieces.append(html.escape(raw[cursor:a]) + "<em>" + html.escape(raw[a:b]) + "</em>")
        cursor = b
    pieces.append(html.escape(raw[cursor:end]))
    return ("…" if start else "") + "".join(pieces) + ("…" if end < len(raw) else "")


@lru_cache(maxsize=256)
def _normalized_word(word: str) -> str:
    """A query word's normalised form: the same for every hit of a page, so worked out once."""
    return normalize_text(word)


def _likely_window(raw: str, words: list[str], width: int) -> tuple[int, str]:
    """Most text is already simplified: find a word verbatim and normalise only the stretch around it."""
    found = [p for p in (raw.find(w) for w in words) if p >= 0]
    if not found:
        return 0, raw
    start = max(0, min(found) - width)
    return start, raw[start : start + 3 * width]


def _match_spans(norm: str, words: list[str], patterns: Sequence[re.Pattern[str]] = ()) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = [m.span() for p in patterns for m in p.finditer(norm)][:10]
    for word in sorted(set(words), key=len, reverse=True):
        pos = norm.find(word)
        while pos != -1 and len(spans) < 50:
            if not any(a < pos + len(word) and pos < b for a, b in spans):
                spans.append((pos, pos + len(word)))
            pos = norm.find(word, pos + len(word))
    return sorted(spans)
