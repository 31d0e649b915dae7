"""Chinese full-text search, a leaf package: it imports nothing from ``services``.

``open_search_index(url)`` picks the backend: ``embedded://PATH`` (tantivy under the data home) or
``http(s)://host:9200`` (Elasticsearch). Both index the same token streams (``search.analysis``), so the
same query finds the same documents on either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlparse


class SearchError(Exception):
    """A backend could not be reached or refused the request; carries a stable code."""

    status = 503

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(f"{code}: {en}")
        self.code, self.zh, self.en = code, zh, en


class QueryInvalid(SearchError):
    """The query asks for something that cannot be read or answered (a filter value, a page too deep)."""

    status = 422


class DocumentsRejected(SearchError):
    """The index refused some documents for good (the others were written): their ids and the reasons."""

    def __init__(self, rejected: dict[int, str]) -> None:
        super().__init__(
            "search_documents_rejected", f"检索服务拒收了 {len(rejected)} 件公文", f"{len(rejected)} documents refused"
        )
        self.rejected = rejected


MAX_WINDOW = 10_000  # the deepest result (offset + limit) any backend returns: Elasticsearch's max_result_window
UNDATED = 0  # the year and day of a document whose date is not known: its facet value is 日期不详, sorted last
UNDATED_ZH = "日期不详"


def check_window(offset: int, limit: int) -> None:
    """Both backends refuse a page past MAX_WINDOW with the same clear message (a narrower query finds it)."""
    if offset < 0 or limit < 1 or offset + limit > MAX_WINDOW:
        raise QueryInvalid(
            "search_window_exceeded",
            f"只能翻看前 {MAX_WINDOW} 条结果，请加条件缩小范围（如 年份:、机关:）",
            f"only the first {MAX_WINDOW} results can be paged through: narrow the query (年份:, 机关:)",
        )


@dataclass(frozen=True)
class SearchDoc:
    """What is indexed of one document. ``organs`` and ``rank`` decide who may find it."""

    id: int
    title: str
    body: str
    doc_number: str | None = None
    doc_number_original: str | None = None
    issuers: tuple[str, ...] = ()
    doc_type: str | None = None
    status: str | None = None
    kind: str | None = None
    retention: str | None = None
    date: dt.date | None = None
    organs: tuple[int, ...] = ()
    rank: int = 0
    source: str | None = None
    year: int | None = None  # when only the year is known (from the 文号 or the title); else the date's year
    issuer_names: tuple[str, ...] = ()  # every name of every issuer (short forms, aliases), for 机关: and words
    collection_title: str | None = None  # the compilation a part belongs to

    @property
    def known_year(self) -> int | None:
        return self.date.year if self.date else self.year

    @property
    def day(self) -> int:
        """YYYYMMDD; YYYY0000 when only the year is known (after that year's dated documents); UNDATED else."""
        if self.date:
            return int(self.date.strftime("%Y%m%d"))
        return self.year * 10_000 if self.year else UNDATED


@dataclass(frozen=True)
class Visibility:
    """Who asks: None organs means every organ (archivists, admins); rank is the 密级 clearance."""

    organs: frozenset[int] | None
    max_rank: int


EVERYONE = Visibility(None, 3)


@dataclass(frozen=True)
class Filters:
    doc_number: str | None = None
    issuer: str | None = None
    doc_type: str | None = None
    year: int | None = None
    status: str | None = None
    retention: str | None = None
    kind: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class SearchQuery:
    text: str
    filters: Filters = field(default_factory=Filters)
    visibility: Visibility = EVERYONE
    sort: str = "relevance"  # or "date"
    limit: int = 20
    offset: int = 0
    facets: bool = True
    highlight: bool = True


@dataclass(frozen=True)
class Hit:
    id: int
    title: str
    doc_number: str | None
    issuers: list[str]
    date: dt.date | None
    score: float
    highlight: str
    source: str | None
    doc_type: str | None
    status: str | None
    year: int | None = None
    collection_title: str | None = None
    match: str = "exact"  # exact | abbreviation (a short or full form of a word) | near (its words close by)


EXACT, ABBREVIATION, NEAR = "exact", "abbreviation", "near"


@dataclass(frozen=True)
class Notice:
    """Something the searcher should know about the answer (not an error): a stable code and the words."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    total_exact: bool = True  # False: total and facet counts estimated from a sample of a very large match
    suggestion: str | None = None  # nothing found: the query with a near spelling that finds something
    partial: bool = False  # some shards did not answer in time: there may be more
    expanded: tuple[str, ...] = ()  # the other forms searched beyond the exact words (ranked after them)
    notices: tuple[Notice, ...] = ()  # e.g. a 机关: value that names no issuer of any document one may read


FACETS = ("year", "issuer", "doc_type", "status", "retention")


class SearchIndex(Protocol):
    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        """Add or replace documents; visible to searches when this returns."""
        ...

    def delete(self, ids: Sequence[int]) -> None: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def rebuild(self, docs: Iterable[SearchDoc]) -> int:
        """Build a new generation from scratch and swap it in; searches keep working meanwhile."""
        ...

    def count(self) -> int: ...

    def built_with_current_analysis(self) -> bool:
        """False when the live index holds token streams of an older analysis chain: rebuild it."""
        ...

    def close(self) -> None: ...


def open_search_index(url: str, options: object | None = None) -> SearchIndex:
    """``options``: an ``elasticsearch.ElasticsearchOptions`` for an http(s) URL (ignored by the embedded engine)."""
    parsed = urlparse(url)
    if parsed.scheme == "embedded":
        from pathlib import Path

        from search.embedded import EmbeddedIndex

        return EmbeddedIndex(Path(parsed.path))
    if parsed.scheme in {"http", "https"}:
        from search.elasticsearch import ElasticsearchIndex, ElasticsearchOptions

        return ElasticsearchIndex(url, options=options if isinstance(options, ElasticsearchOptions) else None)
    raise SearchError("search_url_unsupported", f"不支持的检索地址：{url}", f"unsupported search URL: {url}")
