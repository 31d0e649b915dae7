"""The search page: query, filters, facets that narrow, highlighted hits, pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from search import Filters, SearchIndex, SearchQuery, SearchResult
from search.query import read_year
from services.domain.models import User
from services.errors import DomainError
from services.http.deps import CurrentUser
from services.http.request import runtime_of
from services.indexing.service import search_as, search_refusals
from services.web.render import page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
FILTERS = ("doc_number", "issuer", "doc_type", "year", "status", "retention", "date_from", "date_to")
FACET_ZH = {"year": "年度", "issuer": "发文机关", "doc_type": "文种", "status": "状态", "retention": "保管期限"}
MATCH_ZH = {"abbreviation": "简称或全称", "near": "词语相近"}


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _filters(chosen: dict[str, str]) -> Filters:
    """The filters chosen in the form or by a facet; a year that cannot be read is an error saying why."""
    year = chosen.get("year", "")
    return Filters(
        doc_number=chosen.get("doc_number") or None,
        issuer=chosen.get("issuer") or None,
        doc_type=chosen.get("doc_type") or None,
        year=read_year(year) if year else None,
        status=chosen.get("status") or None,
        retention=chosen.get("retention") or None,
        date_from=_date(chosen.get("date_from")),
        date_to=_date(chosen.get("date_to")),
    )


def _facet_links(q: str, sort: str, chosen: dict[str, str], result: SearchResult) -> dict[str, list[dict[str, Any]]]:
    """Each facet value as a link that adds (or, when chosen, removes) that filter."""
    links: dict[str, list[dict[str, Any]]] = {}
    for name, values in result.facets.items():
        if name not in FACET_ZH:
            continue
        entries = []
        for value, count in values:
            active = chosen.get(name) == str(value)
            params = {k: v for k, v in chosen.items() if v and k != name}
            if not active:
                params[name] = str(value)
            entries.append({"value": value, "count": count, "active": active, "url": _url(q, sort, params)})
        links[name] = entries
    return links


def _url(q: str, sort: str, params: dict[str, str], page_no: int = 1) -> str:
    query = {"q": q, **params}
    if sort != "relevance":
        query["sort"] = sort
    if page_no > 1:
        query["page"] = str(page_no)
    return "/search?" + urlencode(query)


@router.get("/search")
def search_page(
    request: Request,
    user: CurrentUser,
    q: Annotated[str, Query(max_length=500)] = "",
    sort: str = "relevance",
    page_no: Annotated[int, Query(alias="page", ge=1, le=500)] = 1,
) -> HTMLResponse:
    sort = sort if sort in ("relevance", "date") else "relevance"
    chosen = {k: v for k in FILTERS if (v := request.query_params.get(k, "").strip())}
    found = _searched(runtime_of(request).search_index, user, q, chosen, sort, page_no)
    return page(request, "search.html", user, http_status=found.status, nav="search", q=q, sort=sort,
                match_zh=MATCH_ZH, chosen=chosen, page_no=page_no, page_size=PAGE_SIZE, facet_zh=FACET_ZH,
                **_links(q, sort, chosen, page_no, found.result), result=found.result, error=found.error)  # fmt: skip


@dataclass(frozen=True)
class Found:
    result: SearchResult | None
    error: dict[str, str] | None = None  # why the search was refused (a year that cannot be read, say)
    status: int = 200


def _searched(index: SearchIndex, user: User, q: str, chosen: dict[str, str], sort: str, page_no: int) -> Found:
    """The page of hits asked for; nothing asked, nothing searched."""
    if not q.strip() and not chosen:
        return Found(None)
    try:
        with search_refusals():
            query = SearchQuery(q, _filters(chosen), sort=sort, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
            return Found(search_as(index, user, query))
    except DomainError as exc:
        return Found(None, {"zh": exc.zh, "en": exc.en, "code": exc.code}, exc.status)


def _links(q: str, sort: str, chosen: dict[str, str], page_no: int, result: SearchResult | None) -> dict[str, Any]:
    """Where the page's links lead: the suggested spelling, each facet value, the pages before and after."""
    return {
        "suggestion_url": _url(result.suggestion, sort, chosen) if result and result.suggestion else None,
        "facets": _facet_links(q, sort, chosen, result) if result else {},
        "prev_url": _url(q, sort, chosen, page_no - 1),
        "next_url": _url(q, sort, chosen, page_no + 1),
    }
