"""Text analysis shared by every search backend and by the services that need the 发文字号 canonical form.

This module is part of the leaf package ``search``: it imports nothing from ``services``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_OPEN = "〔[(（【〖［"
_CLOSE = "〕])）】〗］"

# NFKC already folds full-width digits and ﹝﹞ (U+FE5D/U+FE5E → 〔〕); it does not unify 【】 or [] with 〔〕
# (DOMAIN.md §6), so every bracket the year may be typed in is accepted here.
_DOC_NUMBER = re.compile(
    rf"(?P<prefix>[{HAN}A-Za-z]{{1,24}}?)\s*[{re.escape(_OPEN)}]\s*(?P<year>\d{{4}})\s*[{re.escape(_CLOSE)}]"
    rf"\s*第?\s*(?P<seq>\d{{1,6}})\s*号"
)
_CANONICAL = re.compile(rf"^(?P<prefix>[{HAN}A-Za-z]+)〔(?P<year>\d{{4}})〕(?P<seq>[1-9]\d*)号$")


@dataclass(frozen=True)
class DocNumber:
    """发文字号 = 机关代字 + 〔年份〕 + 序号 + 号 (DOMAIN.md §2.3)."""

    prefix: str
    year: int
    seq: int

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.seq}号"


def normalize(text: str) -> str:
    """NFKC with width folding; the first step of every analysis chain."""
    return unicodedata.normalize("NFKC", text)


def parse_doc_number(text: str) -> DocNumber | None:
    """Read a 发文字号 typed in any bracket, with or without 第 and leading zeros; None if there is none."""
    match = _DOC_NUMBER.search(normalize(text).strip())
    if match is None or int(match["seq"]) == 0:
        return None
    return DocNumber(match["prefix"], int(match["year"]), int(match["seq"]))


def find_doc_numbers(text: str) -> list[tuple[DocNumber, str]]:
    """Every 发文字号 in a text, with the exact words it was written as."""
    found = []
    for match in _DOC_NUMBER.finditer(normalize(text)):
        if int(match["seq"]):
            found.append((DocNumber(match["prefix"], int(match["year"]), int(match["seq"])), match[0]))
    return found


def canonical_doc_number(text: str) -> str | None:
    number = parse_doc_number(text)
    return str(number) if number else None


def is_canonical_doc_number(text: str) -> bool:
    return _CANONICAL.match(text) is not None


# -- the analysis chain every backend shares (DOMAIN.md §6) ------------------------------------------------
#
# normalise: NFKC (full-width letters and digits), traditional → simplified (OpenCC t2s), lower case, and the
# whitespace a PDF or a typesetter left between two Chinese characters removed. Then tokens, in order:
# a run of Han characters gives its overlapping bigrams (a lone character gives itself), any other run of
# letters or digits — Latin, digits, traditional Mongolian — gives one word. The backends index the tokens
# joined by spaces and split them on whitespace, so positions are exact and a phrase is consecutive tokens.
#
# After a run of two or more Han characters come two FILLER tokens. Inside a run the bigram at position p
# starts at the run's p-th character, so a phrase needs only every other bigram (and the last): a cover whose
# steps are at most 2 still pins every character, and the two fillers keep such a cover from reaching across
# punctuation into the next run. Fewer terms make a dense phrase several times cheaper to evaluate.

ANALYSIS_VERSION = 2  # bump when the token stream changes: indexes built with another version are rebuilt
FILLER = "_"  # never a token of its own: words exclude "_"
_HAN_RUN = re.compile(rf"[{HAN}]+")
# At each token start a lookahead captures the token and one character (or a whole word) is consumed: a Han
# character followed by another captures the bigram, a lone one itself, a word the word; the last character of
# a longer run captures "" (the place of the fillers).
_TOKENS = re.compile(
    rf"(?=([{HAN}]{{2}}|(?<![{HAN}])[{HAN}](?![{HAN}])|[^\W_{HAN}]+|))(?:[{HAN}]|[^\W_{HAN}]+)", re.UNICODE
)
_HAN_GAP = re.compile(rf"(?<=[{HAN}])\s+(?=[{HAN}])")
_t2s: Any = None


def _to_simplified(text: str) -> str:
    global _t2s
    if _t2s is None:
        import opencc

        _t2s = opencc.OpenCC("t2s")
    return str(_t2s.convert(text))


# Characters NFKC changes that can end up inside a token: full-width letters and digits, enclosed and
# compatibility forms, Kangxi radicals, small and vertical forms, superscripts, ligatures, odd spaces.
# Full-width punctuation also changes under NFKC but only ever separates tokens, so text without any of
# these needs no NFKC pass (a third of the cost of analysing ordinary Chinese prose).
_NFKC_RELEVANT = re.compile(
    "[\u00a0\u00b2-\u00b9\u2000-\u200a\u2070-\u209f\u2150-\u218f\u2460-\u24ff\u2e80-\u2fdf"
    "\u3200-\u33ff\uf900-\ufaff\ufb00-\ufb06\ufe30-\ufe4f\ufe50-\ufe6f"
    "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff66-\uffef]"
)


def normalize_text(text: str) -> str:
    """The normalised form every index and every query is built from."""
    if _NFKC_RELEVANT.search(text):
        text = unicodedata.normalize("NFKC", text)
    return _HAN_GAP.sub("", _to_simplified(text)).lower()


def token_string(text: str, normalized: bool = False) -> str:
    """Tokens joined by single spaces: what the backends index with a whitespace tokenizer."""
    joined = " ".join(_TOKENS.findall(text if normalized else normalize_text(text)))
    return joined.replace("  ", f" {FILLER} {FILLER} ").rstrip()


def tokens(text: str, normalized: bool = False) -> list[str]:
    """The token stream of a text, fillers included (positions are list indices), none at its end."""
    toks = token_string(text, normalized).split()
    while toks and toks[-1] == FILLER:
        toks.pop()
    return toks


def is_bigram(token: str) -> bool:
    return len(token) == 2 and _HAN_RUN.fullmatch(token) is not None


def phrase_terms(toks: Sequence[str], cost: Callable[[str], int] | None = None) -> list[tuple[int, str]]:
    """The (position, token) pairs a phrase query must match. Fillers are left out. With a ``cost`` (how
    many documents hold a token), each run of bigrams keeps only a cheapest cover that pins every character:
    its first and last bigram and no two kept bigrams more than 2 apart (see FILLER). Without one, all
    non-filler tokens are kept at consecutive positions, as an index built before the fillers needs."""
    if cost is None:
        return list(enumerate(t for t in toks if t != FILLER))
    pairs: list[tuple[int, str]] = []
    run: list[int] = []
    for i, tok in enumerate([*toks, FILLER]):
        if i < len(toks) and is_bigram(tok):
            run.append(i)
            continue
        pairs.extend((j, toks[j]) for j in _cheapest_cover(run, [cost(toks[j]) for j in run]))
        run = []
        if i < len(toks) and tok != FILLER:
            pairs.append((i, tok))
    return sorted(pairs)


def _cheapest_cover(positions: list[int], costs: list[int]) -> list[int]:
    """Positions holding the first and the last, with steps of at most 2, of least total cost."""
    if len(positions) <= 2:
        return positions
    best: list[tuple[int, list[int]]] = [(costs[0], [positions[0]])]
    for i in range(1, len(positions)):
        options = [best[i - 1]] + ([best[i - 2]] if i >= 2 else [])
        total, chosen = min(options, key=lambda o: o[0])
        best.append((total + costs[i], [*chosen, positions[i]]))
    return best[-1][1]


def is_single_han(word: str) -> bool:
    return len(word) == 1 and _HAN_RUN.fullmatch(word) is not None
