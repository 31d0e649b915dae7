"""Elasticsearch backend on the official client (elasticsearch-py 8). It indexes the same token streams as the
embedded engine, so both answer a query alike; the raw text also gets the built-in CJK bigram analyser (and
smartcn / IK when the cluster has those plugins).

Generations: an index template gives every `ALIAS-*` index the repository's mapping. The first generation
(`ALIAS-000001`) is created with the alias as its write index in one call; a second process creating it at the
same moment gets "already exists", which is success. A rebuild fills a new generation, swaps the alias in one
atomic call, and deletes the old generation only after a grace period in which searches begun on it end; a
rebuild that fails deletes what it made. Credentials (URL user info, basic auth, API key) are never part of a
message: every vendor error becomes a SearchError with a redacted text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from search import (
    FACETS,
    UNDATED,
    UNDATED_ZH,
    DocumentsRejected,
    Hit,
    SearchDoc,
    SearchError,
    SearchQuery,
    SearchResult,
    check_window,
)
from search.analysis import (
    ANALYSIS_VERSION,
    TypedNumber,
    is_single_han,
    normalize_text,
    parse_doc_number,
    prefix_key,
    query_tokens,
    token_string,
)
from search.highlight import snippet
from search.names import issuer_forms
from search.query import ParsedQuery, Term, parse
from search.recall import Stage, Staged, defined_abbreviations

ALIAS = "gongwen-documents"
FIRST_GENERATION = "000001"
TEXT_FIELDS = {"title": 3.0, "body": 1.0, "number_text": 5.0, "issuer_text": 1.5}
SOURCE_FIELDS = ["id", "title_raw", "body_raw", "doc_number", "issuer", "date", "year", "collection_title"]
SOURCE_FIELDS += ["source", "doc_type", "status"]
T = TypeVar("T")


@dataclass(frozen=True)
class ElasticsearchOptions:
    """How to reach and use a cluster. Credentials may also come in the URL (https://user:pass@host:9200)."""

    api_key: str | None = None
    username: str | None = None
    password: str | None = None
    ca_certs: str | None = None  # a CA file for a cluster with its own certificate authority (ES 8 default)
    ssl_assert_fingerprint: str | None = None  # or the SHA-256 fingerprint of the cluster's certificate
    verify_certs: bool = True
    request_timeout: float = 10.0  # seconds for a search or a small call
    bulk_timeout: float = 120.0  # seconds for one bulk request
    max_retries: int = 1  # the transport's retries of a call on a connection error or 502/503/504
    bulk_retries: int = 4  # retries of the documents a bulk request refused with 429 (too many requests)
    initial_backoff: float = 1.0  # seconds before the first of those, doubled each time
    shards: int = 1
    replicas: int = 0  # 0 on a one-node cluster (green); 1 or more on a cluster of several nodes
    retire_grace: float | None = None  # seconds an old generation is kept after a swap (default: request_timeout)
    node_class: Any = None  # the transport's node class: only the fake cluster of the tests sets it


def index_body(plugins: set[str], options: ElasticsearchOptions | None = None) -> dict[str, Any]:
    """The mapping kept in search/mappings/documents.json with the configured shards and replicas, plus
    word-level fields for the Chinese analysis plugins the cluster has (smartcn; IK: ik_max_word to index,
    ik_smart to search)."""
    options = options or ElasticsearchOptions()
    body: dict[str, Any] = json.loads(resources.files("search.mappings").joinpath("documents.json").read_text("utf-8"))
    body.pop("_comment", None)
    body["settings"]["number_of_shards"] = options.shards
    body["settings"]["number_of_replicas"] = options.replicas
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
    title = f"{doc.title}\n{doc.collection_title}" if doc.collection_title else doc.title
    body = normalize_text(doc.body)
    number = parse_doc_number(doc.doc_number) if doc.doc_number else None
    pairs = defined_abbreviations(body) if "简称" in body else []
    return {
        "id": doc.id,
        "title": token_string(title),
        "body": token_string(body, normalized=True),
        "number_text": token_string(numbers),
        "issuer_text": token_string("\n".join(doc.issuer_names or doc.issuers)),
        "title_raw": doc.title,
        "body_raw": doc.body,
        "collection_title": doc.collection_title,
        "doc_number": doc.doc_number,
        "prefix_key": prefix_key(number.prefix) if number else None,
        "doc_year": number.year if number else None,
        "doc_seq": number.seq if number else None,
        "issuer": list(doc.issuers),
        "issuer_names": issuer_forms((*doc.issuers, *doc.issuer_names)),
        "abbr_pair": [f"{full}\t{short}" for full, short in pairs],
        "abbr_key": list(dict.fromkeys(form for pair in pairs for form in pair)),
        "doc_type": doc.doc_type,
        "status": doc.status,
        "retention": doc.retention,
        "kind": doc.kind,
        "year": doc.known_year or UNDATED,
        "day": doc.day,
        "date": doc.date.isoformat() if doc.date else None,
        "organ": list(doc.organs),
        "rank": doc.rank,
        "source": doc.source,
    }


def split_credentials(url: str, options: ElasticsearchOptions) -> tuple[str, ElasticsearchOptions]:
    """The URL without user info, and the options with the user and password it carried."""
    parts = urlsplit(url)
    if not parts.username:
        return url, options
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, replace(options, username=parts.username, password=parts.password or "")


class ElasticsearchIndex:
    def __init__(self, url: str, alias: str = ALIAS, options: ElasticsearchOptions | None = None) -> None:
        self.url, self.options = split_credentials(url, options or ElasticsearchOptions())
        self._secrets = [s for s in (self.options.password, self.options.api_key) if s]
        self.alias = alias
        self._client: Any = None
        self.sleep: Callable[[float], None] = time.sleep

    @property
    def client(self) -> Any:
        if self._client is None:  # no client at import or construction time
            from elasticsearch import Elasticsearch

            o = self.options
            kwargs: dict[str, Any] = {
                "request_timeout": o.request_timeout,
                "max_retries": o.max_retries,
                "retry_on_timeout": False,  # a slow search retried twice only makes the cluster slower
                "verify_certs": o.verify_certs,
            }
            if o.api_key:
                kwargs["api_key"] = o.api_key
            elif o.username:
                kwargs["basic_auth"] = (o.username, o.password or "")
            if o.ca_certs:
                kwargs["ca_certs"] = o.ca_certs
            if o.ssl_assert_fingerprint:
                kwargs["ssl_assert_fingerprint"] = o.ssl_assert_fingerprint
            if o.node_class is not None:
                kwargs["node_class"] = o.node_class
            self._client = Elasticsearch(self.url, **kwargs)
        return self._client

    # -- errors ------------------------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """The text without any credential: user info in URLs, the password, the API key."""
        text = re.sub(r"(?<=//)[^/@\s:]+(?::[^/@\s]*)?@", "***@", text)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _call(self, fn: Callable[[], T], unless: str | None = None) -> T | None:
        """Every vendor error becomes the project's SearchError, its text redacted (never chained: the vendor's
        message may hold the URL it was given). An error of the type ``unless`` is no error: None."""
        from elasticsearch import ApiError, TransportError

        try:
            return fn()
        except SearchError:
            raise
        except ApiError as exc:
            if unless is not None and _error_type(exc.body) == unless:
                return None
            raise self.translate(exc.meta.status, _error_type(exc.body), str(exc)) from None
        except TransportError as exc:
            raise self.translate(None, type(exc).__name__, str(exc)) from None

    def _do(self, fn: Callable[[], T]) -> T:
        result = self._call(fn)
        assert result is not None
        return result

    def translate(self, status: int | None, kind: str, detail: str) -> SearchError:
        where = f"Elasticsearch at {self.url}"
        detail = self.redact(detail)[:500]
        if status in (401, 403):
            return SearchError(
                "search_auth_failed",
                "检索服务拒绝了访问凭据（API key 或用户名、密码），请管理员检查设置",
                f"{where} refused the credentials ({status} {kind})",
            )
        if status == 429:
            return SearchError("search_busy", "检索服务繁忙，请稍后再试", f"{where} is busy (429): {detail}")
        if status is not None and 400 <= status < 500:
            en = f"{where} rejected the request ({status} {kind}): {detail}"
            return SearchError("search_request_rejected", "检索服务拒绝了请求", en)
        return SearchError("search_unavailable", "检索服务不可用，请稍后再试", f"{where} failed ({kind}): {detail}")

    # -- indices ----------------------------------------------------------------------------------------

    def _plugins(self) -> set[str]:
        return {str(p.get("component")) for p in self._do(lambda: self.client.cat.plugins(format="json"))}

    def _put_template(self) -> None:
        """The index template: every generation `ALIAS-*` gets the repository's settings and mapping."""
        body = index_body(self._plugins(), self.options)
        self._call(
            lambda: self.client.indices.put_index_template(
                name=self.alias,
                index_patterns=[f"{self.alias}-*"],
                priority=100,
                template={"settings": body["settings"], "mappings": body["mappings"]},
            )
        )

    def _ensure_alias(self) -> None:
        """The first generation, created with the alias as its write index in one call; "already exists" (another
        process made it a moment ago) is success."""
        if self._do(lambda: self.client.indices.exists_alias(name=self.alias)):
            return
        self._put_template()
        name = f"{self.alias}-{FIRST_GENERATION}"
        aliases = {self.alias: {"is_write_index": True}}
        self._call(
            lambda: self.client.indices.create(index=name, aliases=aliases), unless="resource_already_exists_exception"
        )

    def _live(self) -> list[str]:
        if not self._do(lambda: self.client.indices.exists_alias(name=self.alias)):
            return []
        return sorted(dict(self._do(lambda: self.client.indices.get_alias(name=self.alias))))

    # -- writing ----------------------------------------------------------------------------------------

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        if docs:
            self._ensure_alias()
            actions = ({"_index": self.alias, "_id": d.id, "_source": to_source(d)} for d in docs)
            self._bulk(actions, refresh="wait_for")

    def delete(self, ids: Sequence[int]) -> None:
        if ids:
            self._ensure_alias()
            actions = ({"_op_type": "delete", "_index": self.alias, "_id": i} for i in ids)
            self._bulk(actions, refresh="wait_for", missing_ok=True)

    def _bulk(self, actions: Iterator[dict[str, Any]], refresh: str | bool = False, missing_ok: bool = False) -> int:
        """Send the actions in chunks; documents refused with 429 are retried with backoff (the client's helper).
        A document refused for good (a 4xx on the document) ends in DocumentsRejected after the others are
        written; a refusal that may pass later (429 to the end, 5xx) is a SearchError for the whole call."""
        from elasticsearch import helpers

        o = self.options
        client = self.client.options(request_timeout=o.bulk_timeout)
        rejected: dict[int, str] = {}
        passing: list[str] = []
        done = 0

        def run() -> None:
            nonlocal done
            results = helpers.streaming_bulk(
                client,
                actions,
                chunk_size=500,
                max_retries=o.bulk_retries,
                initial_backoff=o.initial_backoff,
                max_backoff=60,
                raise_on_error=False,
                raise_on_exception=True,
                refresh=refresh,
            )
            for ok, item in results:
                op, info = next(iter(item.items()))
                status = int(info.get("status", 0))
                if ok or (missing_ok and op == "delete" and status == 404):
                    done += 1
                elif 400 <= status < 500 and status != 429:
                    rejected[int(info.get("_id", 0))] = self.redact(_reason(info))
                else:
                    passing.append(f"{info.get('_id')}: {status} {_reason(info)}")

        self._call(run)
        if passing:
            raise self.translate(429 if "429" in passing[0] else 503, "bulk", "; ".join(passing[:3]))
        if rejected:
            raise DocumentsRejected(rejected)
        return done

    def rebuild(self, docs: Iterable[SearchDoc]) -> int:
        """Fill a new generation, swap the alias to it in one call, then retire the old one. A rebuild that fails
        deletes its generation: no orphan is left behind."""
        self._put_template()
        self._drop_retired()
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 1000000:06d}"
        self._call(lambda: self.client.indices.create(index=name))
        count = 0

        def actions() -> Iterator[dict[str, Any]]:
            nonlocal count
            for doc in docs:
                count += 1
                yield {"_index": name, "_id": doc.id, "_source": to_source(doc)}

        refused: DocumentsRejected | None = None
        try:
            try:
                self._bulk(actions())
            except DocumentsRejected as exc:  # the others are in: the new generation still goes live
                refused = exc
            self._call(lambda: self.client.indices.refresh(index=name))
            old = self._swap_alias(name)
        except BaseException:
            self._delete_quietly(name)
            raise
        self._retire(old)
        if refused is not None:
            raise refused
        return count

    def _swap_alias(self, name: str) -> list[str]:
        old = self._live()
        actions: list[dict[str, Any]] = [{"remove": {"index": o, "alias": self.alias}} for o in old]
        actions.append({"add": {"index": name, "alias": self.alias, "is_write_index": True}})
        self._call(lambda: self.client.indices.update_aliases(actions=actions))
        return old

    @property
    def grace(self) -> float:
        o = self.options
        return o.request_timeout if o.retire_grace is None else o.retire_grace

    def _retire(self, old: list[str]) -> None:
        """An old generation is marked retired, kept while searches begun on it may still run (they end within
        the request timeout), then deleted; one left by a process that stopped meanwhile goes at the next
        rebuild."""
        for index in old:
            self._mark_retired(index)
        if old:
            self.sleep(self.grace)
        for index in old:
            self._delete_quietly(index)

    def _mark_retired(self, index: str) -> None:
        meta = {"analysis": self._analysis_of(index), "retired_at": time.time()}
        self._call(lambda: self.client.indices.put_mapping(index=index, meta=meta))

    def _drop_retired(self) -> None:
        live = set(self._live())
        mappings = dict(self._do(lambda: self.client.indices.get_mapping(index=f"{self.alias}-*")))
        for index, mapping in mappings.items():
            retired = mapping.get("mappings", {}).get("_meta", {}).get("retired_at")
            if index not in live and retired is not None and time.time() - float(retired) >= self.grace:
                self._delete_quietly(index)

    def _analysis_of(self, index: str) -> Any:
        mapping = dict(self._do(lambda: self.client.indices.get_mapping(index=index)))
        return mapping.get(index, {}).get("mappings", {}).get("_meta", {}).get("analysis")

    def _delete_quietly(self, name: str) -> None:
        with contextlib.suppress(SearchError):  # the next rebuild finds it again
            self._call(lambda: self.client.indices.delete(index=name, ignore_unavailable=True))

    def count(self) -> int:
        self._ensure_alias()
        return int(self._do(lambda: self.client.count(index=self.alias))["count"])

    def built_with_current_analysis(self) -> bool:
        if not self._do(lambda: self.client.indices.exists_alias(name=self.alias)):
            return True  # the first write creates a generation with the current mapping
        mappings = self._do(lambda: self.client.indices.get_mapping(index=self.alias))
        versions = {m.get("mappings", {}).get("_meta", {}).get("analysis") for m in dict(mappings).values()}
        return versions == {ANALYSIS_VERSION}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- reading ----------------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        check_window(query.offset, query.limit)
        parsed = parse(query.text, query.filters)
        if parsed.is_empty and not parsed.has_filters:
            return SearchResult(0, [], {})
        self._ensure_alias()

        def run(stage: Stage, offset: int, limit: int) -> SearchResult:
            return self._search_stage(stage, stage.paged(query, offset, limit))

        return Staged(parsed, query, run, self._defined, self._token_freqs).search()

    def search_body(self, stage: Stage, query: SearchQuery) -> dict[str, Any]:
        """The body of the search request for one stage (public for the tests of request bodies)."""
        es_query = self._build(stage.parsed, query)
        must_not = [q for q in (self._build(p, query) for p in stage.exclude) if q is not None]
        if must_not and es_query is not None:
            es_query["bool"]["must_not"] += must_not
        sort: list[Any] = [{"day": {"order": "desc"}}, "_score"] if query.sort == "date" else ["_score"]
        body: dict[str, Any] = {
            "query": es_query or {"match_none": {}},
            "from": query.offset,
            "size": query.limit,
            "sort": sort,
            "track_total_hits": True,
            "timeout": f"{max(1, int(self.options.request_timeout * 0.8))}s",
            "_source": {"includes": SOURCE_FIELDS},
        }
        if query.facets:
            body["aggs"] = {name: {"terms": {"field": name, "size": 30}} for name in FACETS}
        return body

    def _search_stage(self, stage: Stage, query: SearchQuery) -> SearchResult:
        body = self.search_body(stage, query)
        response = self._do(lambda: self.client.search(index=self.alias, **_as_kwargs(body)))
        words = stage.parsed.highlight_words()
        hits = [self._hit(h, words, stage.parsed.numbers, query.highlight) for h in response["hits"]["hits"]]
        shards = response.get("_shards", {})
        partial = bool(response.get("timed_out")) or int(shards.get("failed", 0) or 0) > 0
        return SearchResult(
            int(response["hits"]["total"]["value"]), hits, _facets(response) if query.facets else {}, partial=partial
        )

    def _defined(self, word: str) -> list[tuple[str, str]]:
        body = {"size": 0, "query": {"term": {"abbr_key": word}}, "aggs": {"pairs": {"terms": {"field": "abbr_pair"}}}}
        response = self._do(lambda: self.client.search(index=self.alias, **body))
        buckets = response.get("aggregations", {}).get("pairs", {}).get("buckets", [])
        pairs = [str(b["key"]).split("\t") for b in buckets]
        return [(p[0], p[1]) for p in pairs if len(p) == 2]

    def _token_freqs(self, toks: list[str]) -> dict[str, int]:
        """How many documents hold each token in the body: one request, a filter per token."""
        if not toks:
            return {}
        filters = {t: {"term": {"body": t}} for t in toks}
        body = {"size": 0, "aggs": {"f": {"filters": {"filters": filters}}}}
        response = self._do(lambda: self.client.search(index=self.alias, **body))
        buckets = response.get("aggregations", {}).get("f", {}).get("buckets", {})
        return {t: int(b.get("doc_count", 0)) for t, b in dict(buckets).items()}

    def _hit(self, raw: dict[str, Any], words: list[str], numbers: list[TypedNumber], highlight: bool) -> Hit:
        src = raw["_source"]
        text = src.get("body_raw") or src["title_raw"]
        year = src.get("year")
        return Hit(
            id=int(src["id"]),
            title=src["title_raw"],
            doc_number=src.get("doc_number"),
            issuers=list(src.get("issuer") or []),
            date=dt.date.fromisoformat(src["date"]) if src.get("date") else None,
            score=round(float(raw.get("_score") or 0.0), 4),
            highlight=snippet(text, words, numbers) if highlight else "",
            source=src.get("source"),
            doc_type=src.get("doc_type"),
            status=src.get("status"),
            year=int(year) if year else None,
            collection_title=src.get("collection_title"),
        )

    def _build(self, parsed: ParsedQuery, query: SearchQuery) -> dict[str, Any] | None:
        must: list[dict[str, Any]] = [
            {"bool": {"should": [self._term(t) for t in group], "minimum_should_match": 1}} for group in parsed.must
        ]
        must += [self._number(n) for n in parsed.numbers]
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
                # a lone character: the first character of every token is indexed apart (see the mapping)
                clauses.append({"term": {f"{name}.first": {"value": term.tokens[0], "boost": boost}}})
            elif term.words:
                clauses.append(_span_near(name, term.words, boost))
            else:
                clauses.append({"match_phrase": {name: {"query": " ".join(term.tokens), "boost": boost}}})
        return {"bool": {"should": clauses, "minimum_should_match": 1}}

    def _number(self, number: TypedNumber) -> dict[str, Any]:
        parts: list[dict[str, Any]] = [{"term": {"doc_seq": number.seq}}]
        if number.prefix_key:
            parts.append({"term": {"prefix_key": number.prefix_key}})
        if number.year:
            parts.append({"term": {"doc_year": number.year}})
        options: list[dict[str, Any]] = [{"bool": {"filter": parts}}]
        if number.prefix:
            written = " ".join(query_tokens(f"{number.prefix} {number.year or ''} {number.seq}"))
            options += [{"match_phrase": {name: written}} for name in ("number_text", "body")]
        return {"bool": {"should": options, "minimum_should_match": 1}}

    def _filters(self, parsed: ParsedQuery, query: SearchQuery) -> list[dict[str, Any]]:
        f = parsed.filters
        out: list[dict[str, Any]] = [{"term": {name: value}} for name, value in parsed.keyword_filters()]
        if f.year is not None:
            by_year: list[dict[str, Any]] = [{"term": {"year": f.year}}]
            if f.year != UNDATED:
                by_year.append({"term": {"doc_year": f.year}})
            out.append({"bool": {"should": by_year, "minimum_should_match": 1}})
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


def _span_near(field: str, words: Sequence[str], boost: float) -> dict[str, Any]:
    """A phrase's words in order, each word's tokens side by side, within the near window (recall.NEAR_WINDOW
    characters between words, plus the bridging bigram each gap leaves out)."""
    from search.recall import NEAR_WINDOW

    clauses = []
    for word in words:
        toks = query_tokens(word)
        spans = [{"span_term": {field: t}} for t in toks]
        clauses.append(spans[0] if len(spans) == 1 else {"span_near": {"clauses": spans, "slop": 0, "in_order": True}})
    slop = NEAR_WINDOW + len(words) - 1
    return {"span_near": {"clauses": clauses, "slop": slop, "in_order": True, "boost": boost}}


def _facets(response: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    out = {}
    for name in FACETS:
        buckets = response.get("aggregations", {}).get(name, {}).get("buckets", [])
        out[name] = [(_facet_key(name, b["key"]), int(b["doc_count"])) for b in buckets]
    return out


def _facet_key(name: str, key: Any) -> str:
    return UNDATED_ZH if name == "year" and str(key) == str(UNDATED) else str(key)


def _as_kwargs(body: dict[str, Any]) -> dict[str, Any]:
    """A search body as the client's keyword arguments (from → from_, _source → source)."""
    renamed = {"from": "from_", "_source": "source"}
    return {renamed.get(k, k): v for k, v in body.items()}


def _error_type(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("type", "error"))
    return "error"


def _reason(info: dict[str, Any]) -> str:
    error = info.get("error")
    if isinstance(error, dict):
        return f"{error.get('type', 'error')}: {error.get('reason', '')}"
    return str(error or info.get("status"))
