"""The embedded search engine: tantivy under the data home, fed the shared token streams.

Layout: ``ROOT/CURRENT`` names the live generation ``ROOT/gen-N``. A rebuild writes ``gen-N+1`` beside it and
swaps ``CURRENT`` atomically, so searches go on against the old generation until the new one is complete.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tantivy

from search import FACETS, Hit, SearchDoc, SearchError, SearchQuery, SearchResult
from search.analysis import is_single_han, token_string
from search.highlight import snippet
from search.query import ParsedQuery, Term, parse

TEXT_FIELDS = {"title": 3.0, "body": 1.0, "number_text": 5.0, "issuer_text": 1.5}
KEYWORD_FIELDS = ("doc_number", "issuer", "doc_type", "status", "retention", "kind")
WRITER_HEAP = 128 * 1024 * 1024
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="gongwen-facets")


def build_schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_integer_field("id", stored=True, indexed=True, fast=True)  # unsigned terms are not deletable
    for name in TEXT_FIELDS:
        b.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    for name in KEYWORD_FIELDS:
        b.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    for name in ("year", "day", "rank"):
        b.add_integer_field(name, indexed=True, fast=True)
    b.add_integer_field("organ", indexed=True)
    b.add_bytes_field("stored", stored=True)
    return b.build()


SCHEMA = build_schema()


def analyze(doc: SearchDoc) -> tuple[SearchDoc, dict[str, str]]:
    """The token streams of a document's text fields (the costly, parallelisable part of indexing)."""
    numbers = " ".join(n for n in (doc.doc_number, doc.doc_number_original) if n)
    return doc, {
        "title": token_string(doc.title),
        "body": token_string(doc.body),
        "number_text": token_string(numbers),
        "issuer_text": token_string(" ".join(doc.issuers)),
    }


def to_tantivy(doc: SearchDoc, analyzed: dict[str, str] | None = None) -> tantivy.Document:
    d = tantivy.Document()
    d.add_integer("id", doc.id)
    for name, text in (analyzed or analyze(doc)[1]).items():
        d.add_text(name, text)
    for name in KEYWORD_FIELDS:
        if name != "issuer" and getattr(doc, name):
            d.add_text(name, getattr(doc, name))
    for issuer in doc.issuers:
        d.add_text("issuer", issuer)
    if doc.date:
        d.add_integer("year", doc.date.year)
        d.add_integer("day", int(doc.date.strftime("%Y%m%d")))
    d.add_integer("rank", doc.rank)
    for organ in doc.organs:
        d.add_integer("organ", organ)
    d.add_bytes("stored", json.dumps(_stored(doc), ensure_ascii=False).encode())
    return d


def _stored(doc: SearchDoc) -> dict[str, Any]:
    return {
        "title": doc.title,
        "body": doc.body,
        "doc_number": doc.doc_number,
        "issuers": list(doc.issuers),
        "date": doc.date.isoformat() if doc.date else None,
        "source": doc.source,
        "doc_type": doc.doc_type,
        "status": doc.status,
    }


class EmbeddedIndex:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._index: tantivy.Index | None = None
        self._generation: str | None = None
        self._meta_mtime = 0.0

    # -- generations -----------------------------------------------------------------------------------

    def _current_name(self) -> str:
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            self._switch_to(self._new_generation())
        return pointer.read_text().strip()

    def _new_generation(self) -> str:
        numbers = [int(p.name[4:]) for p in self.root.glob("gen-*") if p.name[4:].isdigit()]
        name = f"gen-{max(numbers, default=0) + 1}"
        (self.root / name).mkdir()
        tantivy.Index(SCHEMA, path=str(self.root / name), reuse=False)
        return name

    def _switch_to(self, name: str) -> None:
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.root / "CURRENT")

    def _open(self) -> tantivy.Index:
        name = self._current_name()
        meta = self.root / name / "meta.json"
        mtime = meta.stat().st_mtime if meta.exists() else 0.0
        if self._index is None or name != self._generation:
            self._index = tantivy.Index(SCHEMA, path=str(self.root / name), reuse=True)
            self._generation, self._meta_mtime = name, mtime
        elif mtime != self._meta_mtime:
            self._index.reload()
            self._meta_mtime = mtime
        return self._index

    # -- writing ---------------------------------------------------------------------------------------

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        if docs:
            self._write(self._open(), docs, [])

    def delete(self, ids: Sequence[int]) -> None:
        if ids:
            self._write(self._open(), [], ids)

    def _write(self, index: tantivy.Index, docs: Sequence[SearchDoc], deletes: Sequence[int]) -> None:
        with self._lock:
            try:
                writer = index.writer(WRITER_HEAP, 1)
            except ValueError as exc:
                raise SearchError("search_index_busy", "检索索引正被其他进程写入", f"index is locked: {exc}") from exc
            for doc_id in [*deletes, *(d.id for d in docs)]:
                writer.delete_documents_by_term("id", doc_id)
            for doc in docs:
                writer.add_document(to_tantivy(doc))
            writer.commit()
            writer.wait_merging_threads()
        index.reload()

    def rebuild(self, docs: Iterable[SearchDoc]) -> int:
        name = self._new_generation()
        index = tantivy.Index(SCHEMA, path=str(self.root / name), reuse=True)
        writer = index.writer(WRITER_HEAP * 2, 0)
        count = 0
        for doc in docs:
            writer.add_document(to_tantivy(doc))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        old = self._current_name()
        self._switch_to(name)
        shutil.rmtree(self.root / old, ignore_errors=True)
        return count

    def count(self) -> int:
        return int(self._open().searcher().num_docs)

    def close(self) -> None:
        self._index = None

    # -- reading ---------------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        parsed = parse(query.text, query.filters)
        index = self._open()
        tq = self._build(parsed, query)
        if tq is None:
            return SearchResult(0, [], {})
        searcher = index.searcher()
        # tantivy releases the GIL: the facet pass runs on the other core while the top hits are collected.
        facets = _POOL.submit(self._facets, searcher, tq) if query.facets else None
        if query.sort == "date":
            result = searcher.search(tq, query.limit, count=True, order_by_field="day", offset=query.offset)
        else:
            result = searcher.search(tq, query.limit, count=True, offset=query.offset)
        words = parsed.highlight_words() + parsed.doc_numbers
        hits = [self._hit(searcher, float(score), addr, words, query.highlight) for score, addr in result.hits]
        return SearchResult(int(getattr(result, "count", 0) or 0), hits, facets.result() if facets else {})

    def _hit(self, searcher: Any, score: float, addr: Any, words: list[str], highlight: bool) -> Hit:
        doc = searcher.doc(addr)
        data = json.loads(bytes(doc.get_first("stored")))
        return Hit(
            id=int(doc.get_first("id")),
            title=data["title"],
            doc_number=data["doc_number"],
            issuers=data["issuers"],
            date=dt.date.fromisoformat(data["date"]) if data["date"] else None,
            score=round(score, 4),
            highlight=snippet(data["body"] or data["title"], words) if highlight else "",
            source=data["source"],
            doc_type=data["doc_type"],
            status=data["status"],
        )

    def _facets(self, searcher: Any, tq: tantivy.Query) -> dict[str, list[tuple[str, int]]]:
        spec = {name: {"terms": {"field": name, "size": 30}} for name in FACETS}
        try:
            raw = searcher.aggregate(tq, spec)
        except ValueError:
            return {}
        out: dict[str, list[tuple[str, int]]] = {}
        for name in FACETS:
            buckets = raw.get(name, {}).get("buckets", [])
            out[name] = [
                (str(b["key"]).removesuffix(".0") if name == "year" else str(b["key"]), int(b["doc_count"]))
                for b in buckets
            ]
        return out

    # -- query building --------------------------------------------------------------------------------

    def _build(self, parsed: ParsedQuery, query: SearchQuery) -> tantivy.Query | None:
        Occur = tantivy.Occur
        clauses: list[tuple[Any, tantivy.Query]] = []
        for group in parsed.must:
            alternatives = [self._term_query(t) for t in group]
            clauses.append((Occur.Must, _any(alternatives)))
        for number in parsed.doc_numbers:
            clauses.append((Occur.Must, tantivy.Query.term_query(SCHEMA, "doc_number", number)))
        if not clauses:
            if not parsed.has_filters:
                return None
            clauses.append((Occur.Must, tantivy.Query.all_query()))
        for term in parsed.must_not:
            clauses.append((Occur.MustNot, self._term_query(term)))
        clauses.extend((Occur.Must, f) for f in self._filters(parsed, query))
        return tantivy.Query.boolean_query(clauses)

    def _term_query(self, term: Term) -> tantivy.Query:
        per_field = []
        for name, boost in TEXT_FIELDS.items():
            if len(term.tokens) == 1 and is_single_han(term.tokens[0]):
                ch = term.tokens[0]
                q = tantivy.Query.regex_query(SCHEMA, name, f"{ch}.?|.{ch}")
            elif len(term.tokens) == 1:
                q = tantivy.Query.term_query(SCHEMA, name, term.tokens[0])
            else:
                q = tantivy.Query.phrase_query(SCHEMA, name, list(term.tokens))
            per_field.append(tantivy.Query.boost_query(q, boost))
        return _any(per_field)

    def _filters(self, parsed: ParsedQuery, query: SearchQuery) -> list[tantivy.Query]:
        f = parsed.filters
        out = [tantivy.Query.term_query(SCHEMA, name, value) for name, value in parsed.keyword_filters()]
        if f.date_from or f.date_to:
            low = int(f.date_from.strftime("%Y%m%d")) if f.date_from else None
            high = int(f.date_to.strftime("%Y%m%d")) if f.date_to else None
            out.append(tantivy.Query.range_query(SCHEMA, "day", tantivy.FieldType.Integer, low, high))
        vis = query.visibility
        out.append(tantivy.Query.range_query(SCHEMA, "rank", tantivy.FieldType.Integer, None, vis.max_rank))
        if vis.organs is not None:
            out.append(
                _any([tantivy.Query.term_query(SCHEMA, "organ", o) for o in sorted(vis.organs)])
                if vis.organs
                else tantivy.Query.empty_query()
            )
        return out


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])
