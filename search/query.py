"""The query language archivists type: words (AND), "phrases", OR, -word / NOT word, field:value filters.

Fields (Chinese or English): 文号/doc_number, 机关/issuer, 文种/type, 年份/year, 状态/status,
保管期限/retention, 日期/date (2024-01-01..2024-12-31). A 发文字号 typed in any bracket form anywhere in the
text is recognised and matched on the canonical 文号 field as well as in the text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from search import Filters
from search.analysis import canonical_doc_number, normalize_text, tokens

FIELD_ALIASES = {
    "文号": "doc_number",
    "doc_number": "doc_number",
    "number": "doc_number",
    "机关": "issuer",
    "issuer": "issuer",
    "发文机关": "issuer",
    "文种": "doc_type",
    "type": "doc_type",
    "年份": "year",
    "年度": "year",
    "year": "year",
    "状态": "status",
    "status": "status",
    "保管期限": "retention",
    "retention": "retention",
    "日期": "date",
    "date": "date",
}
_TOKEN = re.compile(
    r"(?P<neg>-)?(?:(?P<field>[\w\u4e00-\u9fff]+)[:：])?"
    r'(?:"(?P<quoted>[^"]*)"|“(?P<cquoted>[^”]*)”|(?P<bare>[^\s"“]+))'
)


@dataclass(frozen=True)
class Term:
    """One word or phrase: its token stream must appear, consecutive, in some searched field."""

    text: str
    tokens: tuple[str, ...]


@dataclass
class ParsedQuery:
    must: list[list[Term]] = field(default_factory=list)  # each inner list: alternatives joined by OR
    must_not: list[Term] = field(default_factory=list)
    doc_numbers: list[str] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)

    @property
    def has_filters(self) -> bool:
        f = self.filters
        return any((f.doc_number, f.issuer, f.doc_type, f.year, f.status, f.retention, f.kind, f.date_from, f.date_to))

    def keyword_filters(self) -> list[tuple[str, str | int]]:
        """The exact-value filters, as (field, value) pairs every backend matches as terms."""
        f = self.filters
        pairs = (
            ("doc_number", f.doc_number),
            ("issuer", f.issuer),
            ("doc_type", f.doc_type),
            ("status", f.status),
            ("retention", f.retention),
            ("kind", f.kind),
            ("year", f.year),
        )
        return [(name, value) for name, value in pairs if value]

    @property
    def is_empty(self) -> bool:
        return not self.must and not self.doc_numbers

    def highlight_words(self) -> list[str]:
        return [t.text for group in self.must for t in group]


def _term(text: str) -> Term | None:
    toks = tuple(tokens(text))
    return Term(normalize_text(text), toks) if toks else None


def _apply_filter(filters: Filters, name: str, value: str) -> Filters:
    if name == "doc_number":
        return replace(filters, doc_number=canonical_doc_number(value) or value)
    if name == "year":
        return replace(filters, year=int(value)) if value.isdigit() else filters
    if name == "date":
        start, _, end = value.partition("..")
        return replace(filters, date_from=_date(start), date_to=_date(end or start))
    if name == "issuer":
        return replace(filters, issuer=value)
    if name == "doc_type":
        return replace(filters, doc_type=value)
    if name == "status":
        return replace(filters, status=value)
    return replace(filters, retention=value)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def parse(text: str, base: Filters | None = None) -> ParsedQuery:
    query = ParsedQuery(filters=base or Filters())
    rest = text
    for number in _doc_numbers_in(text):
        query.doc_numbers.append(number)
    pending_or = False
    negate_next = False
    for match in _TOKEN.finditer(rest):
        value = next(v for v in (match["quoted"], match["cquoted"], match["bare"]) if v is not None)
        name = FIELD_ALIASES.get(match["field"] or "")
        if match["field"] and name:
            query.filters = _apply_filter(query.filters, name, value)
            continue
        if match["field"]:  # an unknown "x:y" is just text
            value = f"{match['field']}:{value}"
        if value in {"OR", "或"} and not match["neg"]:
            pending_or = bool(query.must)
            continue
        if value in {"NOT", "非"} and not match["neg"]:
            negate_next = True
            continue
        if canonical_doc_number(value) in query.doc_numbers:
            continue
        term = _term(value)
        if term is None:
            continue
        if match["neg"] or negate_next:
            query.must_not.append(term)
        elif pending_or:
            query.must[-1].append(term)
        else:
            query.must.append([term])
        pending_or = negate_next = False
    return query


def _doc_numbers_in(text: str) -> list[str]:
    from search.analysis import find_doc_numbers

    return [str(number) for number, _ in find_doc_numbers(text)]
