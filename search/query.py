"""The query language archivists type: words (AND), "phrases", OR, -word / NOT word, field:value filters.

Fields (Chinese or English): 文号/doc_number, 机关/issuer, 文种/type, 年份/year, 状态/status,
保管期限/retention, 日期/date (2024, 2024年9月, 2024-01-01..2024-12-31). A 发文字号 typed in any bracket form,
with 2024年 for the brackets, without its 号, or without a year, is recognised anywhere in the text and matched on
its parts (see analysis.TypedNumber). A filter whose value cannot be read is an error that says what it wants.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field, replace

from search import UNDATED, UNDATED_ZH, Filters, QueryInvalid
from search.analysis import TypedNumber, issuer_key, normalize, normalize_text, parse_typed_number, query_tokens

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
_YEAR_VALUE = re.compile(r"^(\d{4})(?:年度?)?$")
_DATE_PART = re.compile(r"^(\d{4})(?:[-./年](\d{1,2})(?:[-./月](\d{1,2})日?|月)?)?年?$")
_RANGE = re.compile(r"\.\.|至|~|～")
_SEQ_ONLY = re.compile(r"^第?0*([1-9]\d{0,5})号$")


@dataclass(frozen=True)
class Term:
    """One word or phrase: its tokens must appear side by side in some searched field."""

    text: str
    tokens: tuple[str, ...]
    slop: int = 0  # positions the tokens may move apart (a phrase's words found near each other)
    words: tuple[str, ...] = ()  # those words, when it is such a phrase

    @property
    def shown_as(self) -> tuple[str, ...]:
        """What a snippet marks for it."""
        return self.words or (self.text,)


@dataclass
class ParsedQuery:
    must: list[list[Term]] = field(default_factory=list)  # each inner list: alternatives joined by OR
    must_not: list[Term] = field(default_factory=list)
    numbers: list[TypedNumber] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)

    @property
    def has_filters(self) -> bool:
        f = self.filters
        return any((f.doc_number, f.issuer, f.doc_type, f.status, f.retention, f.kind, f.date_from, f.date_to)) or (
            f.year is not None
        )

    def keyword_filters(self) -> list[tuple[str, str]]:
        """The exact-value filters, as (field, value) pairs every backend matches as terms. The issuer is
        matched against every name of the issuing organs (issuer_names); the year apart (see year_filter)."""
        f = self.filters
        pairs = (
            ("doc_number", f.doc_number),
            ("issuer_names", issuer_key(f.issuer) if f.issuer else None),
            ("doc_type", f.doc_type),
            ("status", f.status),
            ("retention", f.retention),
            ("kind", f.kind),
        )
        return [(name, value) for name, value in pairs if value]

    @property
    def is_empty(self) -> bool:
        return not self.must and not self.numbers

    def highlight_words(self) -> list[str]:
        return [w for group in self.must for t in group for w in t.shown_as]


def _term(text: str) -> Term | None:
    toks = tuple(query_tokens(text))
    return Term(normalize_text(text), toks) if toks else None


def invalid_filter(name: str, value: str, wants_zh: str, wants_en: str) -> QueryInvalid:
    return QueryInvalid(
        "query_filter_invalid",
        f"无法识别“{name}:{value}”：{wants_zh}",
        f"cannot read '{name}:{value}': {wants_en}",
    )


def read_year(value: str, name: str = "年份") -> int:
    """2024, 2024年, 2024年度; 日期不详 (or 不详) for documents whose date is not known."""
    value = normalize(value).strip()
    if value in {UNDATED_ZH, "不详", "undated"}:
        return UNDATED
    m = _YEAR_VALUE.match(value)
    if m is None or not 1000 <= int(m[1]) <= 2999:
        raise invalid_filter(name, value, "年份要写四位数的年，如 年份:2024", "a year is four digits, e.g. 年份:2024")
    return int(m[1])


def read_dates(value: str, name: str = "日期") -> tuple[dt.date | None, dt.date | None]:
    """A day, a month or a year, or a range of them: 2024, 2024年9月, 2024-09-05, 2024-01-01..2024-06-30."""
    text = normalize(value).strip()
    try:
        if not _RANGE.search(text):
            return _first_day(text), _last_day(text)
        start, end = (p.strip() for p in _RANGE.split(text, maxsplit=1))
        if not start and not end:
            raise ValueError(text)
        return (_first_day(start) if start else None), (_last_day(end) if end else None)
    except ValueError:
        raise invalid_filter(
            name,
            value,
            "日期要写成 2024、2024年9月、2024-09-05 或 2024-01-01..2024-06-30",
            "write a date as 2024, 2024年9月, 2024-09-05 or 2024-01-01..2024-06-30",
        ) from None


def _parts(text: str) -> tuple[int, int | None, int | None]:
    m = _DATE_PART.match(text.replace(" ", ""))
    if m is None:
        raise ValueError(text)
    return int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None


def _first_day(text: str) -> dt.date:
    year, month, day = _parts(text)
    return dt.date(year, month or 1, day or 1)


def _last_day(text: str) -> dt.date:
    year, month, day = _parts(text)
    month = month or 12
    return dt.date(year, month, day or calendar.monthrange(year, month)[1])


def _apply_filter(query: ParsedQuery, name: str, label: str, value: str) -> None:
    filters = query.filters
    if not value.strip():
        raise invalid_filter(label, value, "冒号后面要写检索的值", "a value must follow the colon")
    if name == "doc_number":
        number = parse_typed_number(value)
        if number is not None:
            query.numbers.append(number)
        else:
            query.filters = replace(filters, doc_number=value)
    elif name == "year":
        query.filters = replace(filters, year=read_year(value, label))
    elif name == "date":
        start, end = read_dates(value, label)
        query.filters = replace(filters, date_from=start, date_to=end)
    elif name == "issuer":
        query.filters = replace(filters, issuer=value)
    elif name == "doc_type":
        query.filters = replace(filters, doc_type=value)
    elif name == "status":
        query.filters = replace(filters, status=value)
    elif name == "retention":
        query.filters = replace(filters, retention=value)


def parse(text: str, base: Filters | None = None) -> ParsedQuery:
    query = ParsedQuery(filters=base or Filters())
    if query.filters.doc_number:  # a 文号 filter given apart (API, page) is matched on its parts too
        number = parse_typed_number(query.filters.doc_number)
        if number is not None:
            query.numbers.append(number)
            query.filters = replace(query.filters, doc_number=None)
    pending_or = False
    negate_next = False
    bare_sequences: list[tuple[int, str]] = []
    for match in _TOKEN.finditer(text):
        value = next(v for v in (match["quoted"], match["cquoted"], match["bare"]) if v is not None)
        name = FIELD_ALIASES.get(match["field"] or "")
        if match["field"] and name:
            _apply_filter(query, name, match["field"], value)
            continue
        if match["field"]:  # an unknown "x:y" is just text
            value = f"{match['field']}:{value}"
        if value in {"OR", "或"} and not match["neg"]:
            pending_or = bool(query.must)
            continue
        if value in {"NOT", "非"} and not match["neg"]:
            negate_next = True
            continue
        number = parse_typed_number(value) if not (match["neg"] or negate_next or pending_or) else None
        if number is not None:
            query.numbers.append(number)
            continue
        if (seq := _SEQ_ONLY.match(normalize(value))) and not (match["neg"] or negate_next or pending_or):
            bare_sequences.append((int(seq[1]), value))
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
    _numbers_of_the_year(query, bare_sequences)
    return query


def _numbers_of_the_year(query: ParsedQuery, sequences: list[tuple[int, str]]) -> None:
    """A bare 序号 (32号) with a 年份: filter is the 文号 of that year and number, whatever its 机关代字."""
    year = query.filters.year
    if not year or year == UNDATED:
        return
    for seq, typed in sequences:
        term = _term(typed)
        query.must = [g for g in query.must if g != [term]]
        query.numbers.append(TypedNumber(None, year, seq, typed))
