"""Elasticsearch backend on the official client. It indexes the same token streams as the embedded engine,
so both answer a query alike; the raw text also gets the built-in CJK bigram analyser (and smartcn when the
cluster has the plugin). Writes go to an alias; a rebuild fills a new index and swaps the alias atomically."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import resources
from typing import Any, TypeVar

from search import FACETS, Hit, SearchDoc, SearchError, SearchQuery, SearchResult
from search.analysis import ANALYSIS_VERSION, is_single_han, token_string
from search.highlight import snippet
from search.query import ParsedQuery, Term, parse

ALIAS = "gongwen-documents"
TEXT_FIELDS = {"title": 3.0, "body": 1.0, "number_text": 5.0, "issuer_text": 1.5}
T = TypeVar("T")


def index_body(plugins: set[str]) -> dict[str, Any]:
    """The mapping kept in search/mappings/documents.json, plus word-level fields for the Chinese analysis
    plugins the cluster has (smartcn, IK: ik_max_word to index, ik_smart to search)."""
    body: dict[str, Any] = json.loads(resources.files("search.mappings").joinpath("documents.json").read_text("utf-8"))
    body.pop("_comment", None)
    extra: dict[str, Any] = {}
    if "analysis-smartcn" in plugins:
        extra["smartcn"] = {"type": "text", "analyzer": "smartcn"}
    if "analysis-ik" in plugins:
        extra["ik"] = {"type": "text", "analyzer": "ik_max_word", "search_analyzer": "ik_smart"}
    for field in ("title_raw", "body_raw"):
        if extra:
            body["mappings"]["properties"][field]["fields"] = extra
    body["mappings"]["_meta"] = {"analysis": ANALYSIS_VERSION}
    return body


def to_source(doc: SearchDoc) -> dict[str, Any]:
    numbers = " ".join(n for n in (doc.doc_number, doc.doc_number_original) if n)
    return {
        "id": doc.id,
        "title": token_string(doc.title),
        "body": token_string(doc.body),
        "number_text": token_string(numbers),
        "issuer_text": token_string(" ".join(doc.issuers)),
        "title_raw": doc.title,
        "body_raw": doc.body,
        "doc_number": doc.doc_number,
        "issuer": list(doc.issuers),
        "doc_type": doc.doc_type,
        "status": doc.status,
        "retention": doc.retention,
        "kind": doc.kind,
        "year": doc.date.year if doc.date else None,
        "day": int(doc.date.strftime("%Y%m%d")) if doc.date else None,
        "date": doc.date.isoformat() if doc.date else None,
        "organ": list(doc.organs),
        "rank": doc.rank,
        "source": doc.source,
    }


class ElasticsearchIndex:
    def __init__(self, url: str, alias: str = ALIAS) -> None:
        self.url = url
        self.alias = alias
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:  # no client at import or construction time
            from elasticsearch import Elasticsearch

            self._client = Elasticsearch(self.url, request_timeout=30, retry_on_timeout=True, max_retries=2)
        return self._client

    def _call(self, fn: Callable[[], T]) -> T:
        """Every vendor error becomes the project's SearchError."""
        from elasticsearch import ApiError, TransportError

        try:
            return fn()
        except (ApiError, TransportError) as exc:
            raise SearchError(
                "search_unavailable", "检索服务不可用，请稍后再试", f"Elasticsearch at {self.url} failed: {exc}"
            ) from exc

    # -- indices ----------------------------------------------------------------------------------------

    def _plugins(self) -> set[str]:
        return {str(p.get("component")) for p in self._call(lambda: self.client.cat.plugins(format="json"))}

    def _put_template(self) -> None:
        """The index template: every generation `ALIAS-*` gets the repository's settings and mapping."""
        body = index_body(self._plugins())
        self._call(
            lambda: self.client.indices.put_index_template(
                name=self.alias,
                index_patterns=[f"{self.alias}-*"],
                priority=100,
                template={"settings": body["settings"], "mappings": body["mappings"]},
            )
        )

    def _create_generation(self) -> str:
        self._put_template()
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 1000000}"
        self._call(lambda: self.client.indices.create(index=name))
        return name

    def _ensure_alias(self) -> None:
        if not self._call(lambda: self.client.indices.exists_alias(name=self.alias)):
            name = self._create_generation()
            self._call(lambda: self.client.indices.put_alias(index=name, name=self.alias))

    # -- writing ----------------------------------------------------------------------------------------

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        if docs:
            self._ensure_alias()
            self._bulk(self.alias, ({"_index": self.alias, "_id": d.id, "_source": to_source(d)} for d in docs))

    def delete(self, ids: Sequence[int]) -> None:
        if ids:
            self._ensure_alias()
            actions = ({"_op_type": "delete", "_index": self.alias, "_id": i} for i in ids)
            self._bulk(self.alias, actions, missing_ok=True)

    def _bulk(self, index: str, actions: Iterator[dict[str, Any]], missing_ok: bool = False) -> None:
        from elasticsearch import helpers

        def run() -> None:
            _, errors = helpers.bulk(self.client, actions, raise_on_error=False, refresh="wait_for", chunk_size=500)
            assert isinstance(errors, list)
            real = [e for e in errors if not (missing_ok and e.get("delete", {}).get("status") == 404)]
            if real:
                raise SearchError("search_index_rejected", "检索服务拒绝了部分文档", f"bulk errors: {real[:3]}")

        self._call(run)

    def rebuild(self, docs: Iterable[SearchDoc]) -> int:
        from elasticsearch import helpers

        name = self._create_generation()
        count = 0

        def actions() -> Iterator[dict[str, Any]]:
            nonlocal count
            for doc in docs:
                count += 1
                yield {"_index": name, "_id": doc.id, "_source": to_source(doc)}

        self._call(lambda: helpers.bulk(self.client, actions(), chunk_size=1000))
        self._call(lambda: self.client.indices.refresh(index=name))
        self._swap_alias(name)
        return count

    def _swap_alias(self, name: str) -> None:
        old = []
        if self._call(lambda: self.client.indices.exists_alias(name=self.alias)):
            old = list(self._call(lambda: self.client.indices.get_alias(name=self.alias)).keys())
        actions = [{"remove": {"index": o, "alias": self.alias}} for o in old] + [
            {"add": {"index": name, "alias": self.alias}}
        ]
        self._call(lambda: self.client.indices.update_aliases(actions=actions))
        for o in old:
            self._delete_index(o)

    def _delete_index(self, name: str) -> None:
        self._call(lambda: self.client.indices.delete(index=name))

    def count(self) -> int:
        self._ensure_alias()
        return int(self._call(lambda: self.client.count(index=self.alias))["count"])

    def built_with_current_analysis(self) -> bool:
        if not self._call(lambda: self.client.indices.exists_alias(name=self.alias)):
            return True  # the first write creates a generation with the current mapping
        mappings = self._call(lambda: self.client.indices.get_mapping(index=self.alias))
        versions = {m.get("mappings", {}).get("_meta", {}).get("analysis") for m in dict(mappings).values()}
        return versions == {ANALYSIS_VERSION}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- reading ----------------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        parsed = parse(query.text, query.filters)
        es_query = self._build(parsed, query)
        if es_query is None:
            return SearchResult(0, [], {})
        self._ensure_alias()
        sort = [{"day": {"order": "desc", "missing": "_last"}}, "_score"] if query.sort == "date" else ["_score"]
        aggs = {name: {"terms": {"field": name, "size": 30}} for name in FACETS} if query.facets else None
        response = self._call(
            lambda: self.client.search(
                index=self.alias,
                query=es_query,
                size=query.limit,
                from_=query.offset,
                sort=sort,
                aggs=aggs,
                track_total_hits=True,
                source_includes=[
                    "id",
                    "title_raw",
                    "body_raw",
                    "doc_number",
                    "issuer",
                    "date",
                    "source",
                    "doc_type",
                    "status",
                ],
            )
        )
        words = parsed.highlight_words()
        hits = [self._hit(h, words, query.highlight) for h in response["hits"]["hits"]]
        facets = (
            {
                name: [
                    (str(b["key"]), int(b["doc_count"]))
                    for b in response.get("aggregations", {}).get(name, {}).get("buckets", [])
                ]
                for name in FACETS
            }
            if query.facets
            else {}
        )
        return SearchResult(int(response["hits"]["total"]["value"]), hits, facets)

    def _hit(self, raw: dict[str, Any], words: list[str], highlight: bool) -> Hit:
        src = raw["_source"]
        return Hit(
            id=int(src["id"]),
            title=src["title_raw"],
            doc_number=src.get("doc_number"),
            issuers=list(src.get("issuer") or []),
            date=dt.date.fromisoformat(src["date"]) if src.get("date") else None,
            score=round(float(raw.get("_score") or 0.0), 4),
            highlight=snippet(src.get("body_raw") or src["title_raw"], words) if highlight else "",
            source=src.get("source"),
            doc_type=src.get("doc_type"),
            status=src.get("status"),
        )

    def _build(self, parsed: ParsedQuery, query: SearchQuery) -> dict[str, Any] | None:
        must: list[dict[str, Any]] = [
            {"bool": {"should": [self._term(t) for t in group], "minimum_should_match": 1}} for group in parsed.must
        ]
        must += [{"term": {"doc_number": n.canonical}} for n in parsed.numbers]
        if not must and not parsed.has_filters:
            return None
        return {
            "bool": {
                "must": must or [{"match_all": {}}],
                "must_not": [self._term(t) for t in parsed.must_not],
                "filter": self._filters(parsed, query),
            }
        }

    def _term(self, term: Term) -> dict[str, Any]:
        clauses = []
        for name, boost in TEXT_FIELDS.items():
            if len(term.tokens) == 1 and is_single_han(term.tokens[0]):
                ch = term.tokens[0]
                clauses.append({"regexp": {name: {"value": f"{ch}.?|.{ch}", "boost": boost}}})
            else:
                clauses.append({"match_phrase": {name: {"query": " ".join(term.tokens), "boost": boost}}})
        return {"bool": {"should": clauses, "minimum_should_match": 1}}

    def _filters(self, parsed: ParsedQuery, query: SearchQuery) -> list[dict[str, Any]]:
        f = parsed.filters
        out: list[dict[str, Any]] = [{"term": {name: value}} for name, value in parsed.keyword_filters()]
        if f.date_from or f.date_to:
            day: dict[str, int] = {}
            if f.date_from:
                day["gte"] = int(f.date_from.strftime("%Y%m%d"))
            if f.date_to:
                day["lte"] = int(f.date_to.strftime("%Y%m%d"))
            out.append({"range": {"day": day}})
        vis = query.visibility
        out.append({"range": {"rank": {"lte": vis.max_rank}}})
        if vis.organs is not None:
            out.append({"terms": {"organ": sorted(vis.organs)}})
        return out
