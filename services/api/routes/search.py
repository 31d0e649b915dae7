"""Full-text search over issued, received and archived documents, limited to what the caller may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from search import Filters, Hit, SearchQuery, SearchResult
from search.query import read_year
from services.access import require_role
from services.api.errors import ERROR_RESPONSES
from services.domain.enums import Role
from services.http.deps import CurrentUser, Indexing
from services.http.scope import RuntimeDep
from services.indexing.service import search_as, search_refusals

router = APIRouter(prefix="/api/v1", tags=["search"], responses=ERROR_RESPONSES)


class NoticeOut(BaseModel):
    code: str
    message_zh: str
    message_en: str


class SearchOut(BaseModel):
    total: int
    total_exact: bool = True  # false: a very large match, total and facet counts estimated from a sample
    hits: list[Hit]  # the search package's own dataclass: one definition of a hit (match: exact/abbreviation/near)
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None = None  # nothing found: the query spelt near, which finds something
    partial: bool = False  # some shards did not answer: there may be more
    expanded: list[str] = []  # other forms searched beyond the words as typed
    notices: list[NoticeOut] = []  # what the searcher should know, e.g. a 机关: value naming no issuer


def result_json(result: SearchResult) -> dict[str, Any]:
    """The one JSON shape of a search, for the API and `gongwen search --json`."""
    return search_out(result).model_dump(mode="json")


def search_out(result: SearchResult) -> SearchOut:
    """A search's answer as the API returns it (built once: FastAPI validates and serialises it on its way out)."""
    return SearchOut(
        total=result.total,
        total_exact=result.total_exact,
        hits=result.hits,
        facets=result.facets,
        suggestion=result.suggestion,
        partial=result.partial,
        expanded=list(result.expanded),
        notices=[NoticeOut(code=n.code, message_zh=n.zh, message_en=n.en) for n in result.notices],
    )


class SetAsideOut(BaseModel):
    document_id: int
    reason: str | None
    at: dt.datetime | None


class IndexStatusOut(BaseModel):
    pending: int  # changes waiting for the index
    set_aside: list[SetAsideOut]  # documents the index refused for good, with its reason


@router.get("/search/status")
def index_status(user: CurrentUser, service: Indexing) -> IndexStatusOut:
    """For the operator: how far the index is behind, and which documents it refused (admins only)."""
    require_role(user, Role.admin)
    rows = [SetAsideOut(document_id=r.document_id, reason=r.last_error, at=r.set_aside_at) for r in service.set_aside()]
    return IndexStatusOut(pending=service.pending(), set_aside=rows)


@dataclass
class SearchParams:
    """The search's query parameters: the words and the filters, the order and the page."""

    q: Annotated[str, Query(max_length=500, description='words, "phrases", OR, -word, field:value')] = ""
    doc_number: str | None = None
    issuer: str | None = None
    doc_type: str | None = None
    year: Annotated[str | None, Query(max_length=20, description="2024, or 日期不详 for documents without a date")] = (
        None
    )
    status: str | None = None
    retention: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: Literal["relevance", "date"] = "relevance"
    limit: Annotated[int, Query(ge=1, le=100)] = 20
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0

    def query(self) -> SearchQuery:
        """As the engines take it; a year that cannot be read is refused saying why."""
        filters = Filters(
            doc_number=self.doc_number, issuer=self.issuer, doc_type=self.doc_type,
            year=read_year(self.year) if self.year else None, status=self.status, retention=self.retention,
            date_from=self.date_from, date_to=self.date_to,
        )  # fmt: skip
        return SearchQuery(self.q, filters, sort=self.sort, limit=self.limit, offset=self.offset)


@router.get("/search")
def search(user: CurrentUser, runtime: RuntimeDep, params: Annotated[SearchParams, Depends()]) -> SearchOut:
    with search_refusals():
        result = search_as(runtime.search_index, user, params.query())
    return search_out(result)
