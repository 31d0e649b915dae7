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
# (DOMAIN.md §6), so every bracket the year may be typed in is accepted here, and 2024年 in place of brackets.
_OPEN_RE = f"[{re.escape(_OPEN)}]"
_CLOSE_RE = f"[{re.escape(_CLOSE)}]"
_DOC_NUMBER = re.compile(
    rf"(?P<prefix>[{HAN}A-Za-z]{{1,24}}?)\s*(?:{_OPEN_RE}\s*(?P<year>\d{{4}})\s*{_CLOSE_RE}|(?P<year2>\d{{4}})\s*年)"
    rf"\s*第?\s*(?P<seq>\d{{1,6}})\s*号"
)
# What a user types for a 文号 (DOMAIN.md §2.3; 机关代字 + 年份 + 序号): the forms above, the 号 left out after a
# bracketed year, or no year at all (扎民委字32号; matched with a 年份: filter when one is given).
_TYPED_NUMBER = re.compile(
    rf"^(?P<prefix>[{HAN}A-Za-z]{{1,24}}?)?\s*(?:(?:{_OPEN_RE}\s*(?P<year>\d{{4}})\s*{_CLOSE_RE}|(?P<year2>\d{{4}})\s*年)"
    rf"\s*第?\s*(?P<seq>\d{{1,6}})\s*(?P<hao>号)?|第?\s*(?P<seq2>\d{{1,6}})\s*号)$"
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


@dataclass(frozen=True)
class TypedNumber:
    """A 文号 as typed in a query, any part of it perhaps missing: matched on the parts it has."""

    prefix: str | None
    year: int | None
    seq: int
    text: str  # as typed, for highlighting

    @property
    def prefix_key(self) -> str | None:
        return prefix_key(self.prefix) if self.prefix else None

    @property
    def canonical(self) -> str | None:
        return str(DocNumber(self.prefix, self.year, self.seq)) if self.prefix and self.year else None


def prefix_key(prefix: str) -> str:
    """The 机关代字 without a closing 字, so 扎民委〔2024〕32号 and 扎民委字〔2024〕32号 are one number."""
    key = normalize_text(prefix)
    return key[:-1] if len(key) > 1 and key.endswith("字") else key


def parse_typed_number(text: str) -> TypedNumber | None:
    """A query word that is a 文号 with at least a 序号 and either a 机关代字 or a year; None otherwise."""
    m = _TYPED_NUMBER.match(normalize(text).strip())
    if m is None:
        return None
    year = m["year"] or m["year2"]
    seq = int(m["seq"] or m["seq2"])
    prefix = m["prefix"]
    if seq == 0 or (m["seq2"] and not prefix) or (m["year2"] and not m["hao"]):
        return None  # “32号” alone is a word; “2024年9” is a date
    if prefix and not year and len(prefix) < 2:
        return None
    return TypedNumber(prefix, int(year) if year else None, seq, text)


def normalize(text: str) -> str:
    """NFKC with width folding; the first step of every analysis chain."""
    return unicodedata.normalize("NFKC", text)


def parse_doc_number(text: str) -> DocNumber | None:
    """Read a 发文字号 typed in any bracket, with or without 第 and leading zeros; None if there is none."""
    match = _DOC_NUMBER.search(normalize(text).strip())
    if match is None or int(match["seq"]) == 0:
        return None
    return DocNumber(match["prefix"], int(match["year"] or match["year2"]), int(match["seq"]))


def find_doc_numbers(text: str) -> list[tuple[DocNumber, str]]:
    """Every 发文字号 in a text, with the exact words it was written as."""
    found = []
    for match in _DOC_NUMBER.finditer(normalize(text)):
        if int(match["seq"]):
            year = int(match["year"] or match["year2"])
            found.append((DocNumber(match["prefix"], year, int(match["seq"])), match[0]))
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
# a run of Han characters gives its first character, its overlapping bigrams and its last character (a lone
# character gives itself once); any other run of letters or digits — Latin, digits, traditional Mongolian —
# gives one word. The backends index the tokens joined by spaces and split them on whitespace, so positions are
# exact and a phrase is consecutive tokens.
#
# The single characters at the ends of a run let a character beside digits or a word be found: 第41个 is
# 第 41 个 in a text that says 扎兰屯市第41个全区, and 2024年 is 2024 年 in 2024年民族团结. A query drops the
# single at an end of its own text (民族团结 is found inside a longer run), keeps those beside its digits.
#
# Inside a run the bigram at position p starts at the run's p-th character after its first single, so a phrase
# needs only every other bigram (and the last): a cover whose steps are at most 2 still pins every character.
# Between the last bigram of one run and the first of the next stand at least the two singles, so such a cover
# never reaches across punctuation or a word into another run. Fewer terms make a dense phrase cheaper.

ANALYSIS_VERSION = 4  # bump when the token stream changes: indexes built with another version are rebuilt
_HAN_RUN = re.compile(rf"[{HAN}]+")
# A run of two or more Han characters gets its first character split off as a lone one (split on a lookahead
# that captures it, joined back with a separator), then one scan captures at each character its bigram, or the
# character itself at the end of a run, and each word whole.
_RUN_START = re.compile(rf"(?<![{HAN}])(?=([{HAN}])[{HAN}])")
_TOKENS = re.compile(rf"(?=([{HAN}]{{2}}|[{HAN}]|[^\W_{HAN}]+))(?:[{HAN}]|[^\W_{HAN}]+)", re.UNICODE)
_PIECES = re.compile(rf"[{HAN}]+|[^\W_{HAN}]+", re.UNICODE)
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


def issuer_key(name: str) -> str:
    """An issuer's name as the 机关: filter matches it (search.names derives the short forms from it)."""
    return normalize_text(name).strip()


def token_string(text: str, normalized: bool = False) -> str:
    """Tokens joined by single spaces: what the backends index with a whitespace tokenizer."""
    text = text if normalized else normalize_text(text)
    return " ".join(_TOKENS.findall("\x00".join(_RUN_START.split(text))))


def tokens(text: str, normalized: bool = False) -> list[str]:
    """The token stream of a text (positions are list indices)."""
    return token_string(text, normalized).split()


def query_tokens(text: str) -> list[str]:
    """The tokens a typed word or phrase must match side by side: its token stream without the single character
    at either end of it that a longer run of the text need not end with (a query is found inside a run)."""
    norm = normalize_text(text)
    toks = tokens(norm, normalized=True)
    pieces = _PIECES.findall(norm)
    if toks and pieces and len(pieces[-1]) >= 2 and _HAN_RUN.fullmatch(pieces[-1]):
        toks.pop()
    if toks and pieces and len(pieces[0]) >= 2 and _HAN_RUN.fullmatch(pieces[0]):
        toks.pop(0)
    return toks


def is_bigram(token: str) -> bool:
    return len(token) == 2 and _HAN_RUN.fullmatch(token) is not None


def phrase_terms(toks: Sequence[str], cost: Callable[[str], int] | None = None) -> list[tuple[int, str]]:
    """The (position, token) pairs a phrase query must match. With a ``cost`` (how many documents hold a token),
    each run of bigrams keeps only a cheapest cover that pins every character: its first and last bigram and no
    two kept bigrams more than 2 apart; singles and words are always kept. Without one, every token is kept."""
    if cost is None:
        return list(enumerate(toks))
    pairs: list[tuple[int, str]] = []
    run: list[int] = []
    for i, tok in enumerate([*toks, ""]):
        if i < len(toks) and is_bigram(tok):
            run.append(i)
            continue
        pairs.extend((j, toks[j]) for j in _cheapest_cover(run, [cost(toks[j]) for j in run]))
        run = []
        if i < len(toks):
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
