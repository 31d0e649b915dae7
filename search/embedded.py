"""The embedded search engine: tantivy under the data home, fed the shared token streams.

Layout: ``ROOT/CURRENT`` names the live generation ``ROOT/gen-N``. A rebuild writes ``gen-N+1`` beside it and
swaps ``CURRENT`` atomically, so searches go on against the old generation until the new one is complete.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tantivy

from search import FACETS, UNDATED, UNDATED_ZH, Hit, SearchDoc, SearchError, SearchQuery, SearchResult, check_window
from search.analysis import ANALYSIS_VERSION, normalize_text, parse_doc_number, prefix_key, token_string
from search.embedded_plan import TEXT_FIELDS, Plan, any_of, plan
from search.highlight import snippet
from search.names import issuer_forms
from search.query import ParsedQuery, parse
from search.recall import Stage, Staged, defined_abbreviations

KEYWORD_FIELDS = ("doc_number", "issuer", "doc_type", "status", "retention", "kind")
WRITER_HEAP = 128 * 1024 * 1024
REBUILD_HEAP = 2 * 1024 * 1024 * 1024  # fewer segments to merge: 1M documents 1,054 docs/s (1 GiB: 893)
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="gongwen-count")
CANDIDATES = 48  # at least so many of the cheap superset's best are checked for a phrase (then 8 times more)
MAX_CHECKED_PAGE = 100  # deeper pages score every match
SPLIT_FROM = 20_000  # documents from which the count and facets of a phrase query run over two halves at once
SPLIT_WORDS_FROM = 200_000  # ... and those of a query of words only
FACET_SIZE = 30
SAMPLES = 64  # slices of the documents, by a hash of the id (the "sample" field)
SAMPLE_FROM = 50_000  # documents from which the count and facets of a phrase query are first estimated
SAMPLED_DOCS = 12_500  # about how many documents the estimate looks at
APPROXIMATE_FROM = 20_000  # estimated matches from which the estimate is the answer (shown as approximate)
# What a generation is stamped with: the analysis chain's version and the layout of this engine's fields. A generation
# stamped otherwise is rebuilt by the worker (and searched meanwhile without the fields appended since).
STAMP = f"{ANALYSIS_VERSION}.2"
ISSUER_SETS_READ = 10_000  # distinct issuer sets read for the issuer facet; beyond them it is read issuer by issuer
Q = tantivy.Query
Occur = tantivy.Occur


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
    b.add_integer_field("sample", indexed=True, fast=True)  # SAMPLES pseudo-random slices
    # Fields are only ever appended (an older generation opens with its own schema: see _open).
    for name in ("issuer_names", "prefix_key", "abbr_key"):
        b.add_text_field(name, tokenizer_name="raw", index_option="basic")
    b.add_text_field("abbr_pair", tokenizer_name="raw", stored=True, index_option="basic")
    for name in ("doc_year", "doc_seq"):
        b.add_integer_field(name, indexed=True)
    # Every issuer of a document in one value, for the issuer facet: a column of one value a document is read several
    # times faster than the issuer field's column of several.
    b.add_text_field("issuer_set", tokenizer_name="raw", fast=True, index_option="basic")
    return b.build()


SCHEMA = build_schema()


def text_fields(doc: SearchDoc, body: str) -> dict[str, str]:
    """The token streams of a document's text fields, its body already normalised (the costly part of indexing).
    The title field holds a part's own title and its compilation's; the issuer field every name of every issuer."""
    numbers = " ".join(n for n in (doc.doc_number, doc.doc_number_original) if n)
    title = f"{doc.title}\n{doc.collection_title}" if doc.collection_title else doc.title
    return {
        "title": token_string(title),
        "body": token_string(body, normalized=True),
        "number_text": token_string(numbers),
        "issuer_text": token_string("\n".join(doc.issuer_names or doc.issuers)),
    }


def defined_pairs(body: str) -> list[str]:
    """The abbreviations a (normalised) body defines, as "full\tshort" values."""
    return [f"{full}\t{short}" for full, short in defined_abbreviations(body)] if "简称" in body else []


def to_tantivy(doc: SearchDoc, current: bool = True) -> tantivy.Document:
    """The document for the current schema; ``current=False`` for a generation of an older analysis (still live
    until the worker rebuilds it), whose schema lacks the fields appended since."""
    body = normalize_text(doc.body)
    d = tantivy.Document()
    d.add_integer("id", doc.id)
    for name, text in text_fields(doc, body).items():
        d.add_text(name, text)
    for name in KEYWORD_FIELDS:
        if name != "issuer" and getattr(doc, name):
            d.add_text(name, getattr(doc, name))
    for issuer in doc.issuers:
        d.add_text("issuer", issuer)
    d.add_integer("year", doc.known_year or UNDATED)
    d.add_integer("day", doc.day)
    d.add_integer("rank", doc.rank)
    for organ in doc.organs:
        d.add_integer("organ", organ)
    d.add_bytes("stored", json.dumps(_stored(doc), ensure_ascii=False).encode())
    if not current:
        return d
    d.add_integer("sample", sample_of(doc.id))
    for name in issuer_forms((*doc.issuers, *doc.issuer_names)):
        d.add_text("issuer_names", name)
    number = parse_doc_number(doc.doc_number) if doc.doc_number else None
    if number:
        d.add_text("prefix_key", prefix_key(number.prefix))
        d.add_integer("doc_year", number.year)
        d.add_integer("doc_seq", number.seq)
    for pair in defined_pairs(body):
        d.add_text("abbr_pair", pair)
        for form in pair.split("\t"):
            d.add_text("abbr_key", form)
    if doc.issuers:
        d.add_text("issuer_set", _ISSUER_SEP.join(sorted(set(doc.issuers))))
    return d


_ISSUER_SEP = "\x1f"


def sample_of(doc_id: int) -> int:
    """The slice of the documents a document falls in: a multiplicative hash, so that neighbouring ids (which
    tend to share a year and an office) spread over every slice."""
    return ((doc_id * 0x9E3779B1) & 0xFFFFFFFF) * SAMPLES >> 32


def _stored(doc: SearchDoc) -> dict[str, Any]:
    return {
        "title": doc.title,
        "body": doc.body,
        "doc_number": doc.doc_number,
        "issuers": list(doc.issuers),
        "date": doc.date.isoformat() if doc.date else None,
        "year": doc.known_year,
        "collection_title": doc.collection_title,
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
        self._analysis_current: dict[str, bool] = {}
        self._split_key: tuple[str | None, int] | None = None
        self._split_at = 0
        self._pointer: tuple[tuple[int, int, int], str] | None = None  # CURRENT's (inode, mtime, size), its name

    # -- generations -----------------------------------------------------------------------------------

    def _current_name(self) -> str:
        """The live generation's name. CURRENT is read again only when a stat of it changes (a swap replaces the
        file): a search asks several times, and a stat costs a fraction of opening and reading it."""
        pointer = self.root / "CURRENT"
        try:
            st = os.stat(pointer)
        except FileNotFoundError:
            self._switch_to(self._new_generation())
            st = os.stat(pointer)
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        known = self._pointer
        if known is None or known[0] != key:
            known = (key, pointer.read_text().strip())
            self._pointer = known  # one assignment: a thread reads the pair whole
        return known[1]

    def _new_generation(self) -> str:
        numbers = [int(p.name[4:]) for p in self.root.glob("gen-*") if p.name[4:].isdigit()]
        name = f"gen-{max(numbers, default=0) + 1}"
        (self.root / name).mkdir()
        tantivy.Index(SCHEMA, path=str(self.root / name), reuse=False)
        (self.root / name / "ANALYSIS").write_text(STAMP)
        return name

    def _switch_to(self, name: str) -> None:
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.root / "CURRENT")

    def _open(self) -> tantivy.Index:
        return self._live()[0]

    def _live(self) -> tuple[tantivy.Index, bool]:
        """The live generation's index and whether it is stamped current, both of one generation however the
        pointer moves meanwhile: a search reads only the fields of the generation it searches."""
        name = self._current_name()
        try:
            mtime = os.stat(self.root / name / "meta.json").st_mtime
        except FileNotFoundError:
            mtime = 0.0
        index = self._index
        if index is None or name != self._generation:
            try:
                index = tantivy.Index(SCHEMA, path=str(self.root / name), reuse=True)
            except ValueError:  # a generation of an older schema: SCHEMA only appends fields, so its ids agree
                index = tantivy.Index.open(str(self.root / name))
            self._index, self._generation, self._meta_mtime = index, name, mtime
        elif mtime != self._meta_mtime:
            index.reload()
            self._meta_mtime = mtime
        return index, self._stamped_current(name)

    # -- writing ---------------------------------------------------------------------------------------

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        if docs:
            self._write(*self._live(), docs, [])

    def delete(self, ids: Sequence[int]) -> None:
        if ids:
            self._write(*self._live(), [], ids)

    def _write(self, index: tantivy.Index, current: bool, docs: Sequence[SearchDoc], deletes: Sequence[int]) -> None:
        with self._lock:
            try:
                writer = index.writer(WRITER_HEAP, 1)
            except ValueError as exc:
                raise SearchError("search_index_busy", "检索索引正被其他进程写入", f"index is locked: {exc}") from exc
            for doc_id in [*deletes, *(d.id for d in docs)]:
                writer.delete_documents_by_term("id", doc_id)
            for doc in docs:
                writer.add_document(to_tantivy(doc, current))
            writer.commit()
            writer.wait_merging_threads()
        index.reload()

    def rebuild(self, docs: Iterable[SearchDoc]) -> int:
        name = self._new_generation()
        index = tantivy.Index(SCHEMA, path=str(self.root / name), reuse=True)
        writer = index.writer(REBUILD_HEAP, 0)
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

    def built_with_current_analysis(self) -> bool:
        return self._stamped_current(self._current_name())

    def _stamped_current(self, name: str) -> bool:
        if name not in self._analysis_current:
            stamp = self.root / name / "ANALYSIS"
            self._analysis_current[name] = stamp.exists() and stamp.read_text().strip() == STAMP
        return self._analysis_current[name]

    def close(self) -> None:
        self._index = None

    # -- reading ---------------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        check_window(query.offset, query.limit)
        parsed = parse(query.text, query.filters)
        index, current = self._live()
        searcher = index.searcher()

        def run(stage: Stage, offset: int, limit: int) -> SearchResult:
            paged, ranked = stage.paged(query, offset, limit), stage.ranked and not stage.total_only
            return self._search_stage(searcher, current, stage.parsed, paged, stage.exclude, ranked=ranked)

        defined = (lambda word: _defined(searcher, word)) if current else (lambda _: [])
        staged = Staged(parsed, query, run, defined, self._freqs(searcher))
        return staged.search()

    def _freqs(self, searcher: Any) -> Callable[[list[str]], dict[str, int]]:
        return lambda toks: {t: int(searcher.doc_freq("body", t)) for t in toks}

    def _search_stage(
        self,
        searcher: Any,
        current: bool,
        parsed: ParsedQuery,
        query: SearchQuery,
        exclude: tuple[ParsedQuery, ...],
        ranked: bool = True,
    ) -> SearchResult:
        """One stage's page of hits, total and facets; ``ranked=False`` when only the total is read (no hits).
        ``current``: the searcher's generation has every field of SCHEMA (see _live)."""
        found = plan(SCHEMA, parsed, query, _phrase_cost(searcher) if current else None, exclude)
        if found is None:
            return SearchResult(0, [], {})
        # tantivy releases the GIL: the count and the facets are gathered on the other threads while this one
        # collects the best hits. A phrase makes them costly: they are then first estimated on a sample, and
        # gathered over all the documents (in two halves at once) only when the estimate is not very large.
        costly = found.candidates is not None
        split = costly or searcher.num_docs >= SPLIT_WORDS_FROM
        sampled = self._sample_slices(searcher, found) if costly and current else SAMPLES
        counting = self._count(searcher, found, query.facets, current, sampled, split)

        @functools.cache
        def counted() -> tuple[int, dict[str, list[tuple[str, int]]], bool]:
            """The total, the facets and whether they are exact: waited for once, by the best hits when the
            candidates hold fewer matches than the page (they may hold every match), else after them."""
            total, facets = _merge([c.result() for c in counting])
            if sampled == SAMPLES:
                return total, facets, True
            if _estimate_is_answer(total, sampled):
                return *_scaled(total, facets, SAMPLES / sampled), False
            recount = self._count(searcher, found, query.facets, current, SAMPLES, split)
            return *_merge([c.result() for c in recount]), True

        top = _best_hits(searcher, found, query, counted) if ranked else []
        total, facets, exact = counted()
        words = parsed.highlight_words()
        hits = [self._hit(searcher, float(key), addr, words, parsed, query.highlight) for key, addr in top]
        return SearchResult(total, hits, facets if query.facets else {}, total_exact=exact)

    def _count(
        self, searcher: Any, found: Plan, facets: bool, current: bool, slices: int, split: bool
    ) -> list[Future[Counted]]:
        if slices < SAMPLES:
            # The slices as terms, not a range: tantivy then leads the intersection with the sampled documents and
            # checks a phrase's positions on those alone (a range is read as a column, after the phrase's check).
            parts: list[tantivy.Query | None] = [any_of([Q.term_query(SCHEMA, "sample", s) for s in range(slices)])]
        else:
            parts = self._halves(searcher) if split else [None]
        return [
            _POOL.submit(_count_and_facets, searcher, found.matching_within(part), facets, current) for part in parts
        ]

    def _sample_slices(self, searcher: Any, found: Plan) -> int:
        """How many of the SAMPLES slices hold about SAMPLED_DOCS documents; SAMPLES (all) for a small index or
        filters that allow too few documents for the estimate to be the answer (it would be counted again over all
        of them)."""
        if searcher.num_docs < SAMPLE_FROM:
            return SAMPLES
        docs = int(searcher.num_docs)
        slices = max(1, min(SAMPLES, round(SAMPLES * SAMPLED_DOCS / docs)))
        if slices < SAMPLES and found.narrowed is not None:
            allowed = int(searcher.search(found.narrowed, 1, count=True).count)
            if not _estimate_is_answer(allowed, slices):
                return SAMPLES
        return slices

    def _halves(self, searcher: Any) -> list[tantivy.Query | None]:
        """Two id ranges holding about half the documents each; the whole index when it is small."""
        if searcher.num_docs < SPLIT_FROM:
            return [None]
        key = (self._generation, searcher.num_docs)
        if self._split_key != key:
            stats = searcher.aggregate(Q.all_query(), {"id": {"percentiles": {"field": "id", "percents": [50]}}})
            self._split_at = int(next(iter(stats["id"]["values"].values())))
            self._split_key = key
        return [
            Q.range_query(SCHEMA, "id", tantivy.FieldType.Integer, None, self._split_at),
            Q.range_query(SCHEMA, "id", tantivy.FieldType.Integer, self._split_at + 1, None),
        ]

    def _hit(
        self, searcher: Any, score: float, addr: Any, words: list[str], parsed: ParsedQuery, highlight: bool
    ) -> Hit:
        doc = searcher.doc(addr)
        data = json.loads(bytes(doc.get_first("stored")))
        text = data["body"] or data["title"]
        return Hit(
            id=int(doc.get_first("id")),
            title=data["title"],
            doc_number=data["doc_number"],
            issuers=data["issuers"],
            date=dt.date.fromisoformat(data["date"]) if data["date"] else None,
            score=round(score, 4),
            highlight=snippet(text, words, parsed.numbers) if highlight else "",
            source=data["source"],
            doc_type=data["doc_type"],
            status=data["status"],
            year=data.get("year"),
            collection_title=data.get("collection_title"),
        )


def _phrase_cost(searcher: Any) -> Callable[[str], int]:
    """How many bodies hold a token, to pick a phrase's cheapest cover (a generation of an older analysis, without
    the fillers, matches every token of a phrase: it is given no cost)."""
    return lambda token: int(searcher.doc_freq("body", token))


def _defined(searcher: Any, word: str) -> list[tuple[str, str]]:
    """The (full, short) pairs documents define that have this word as either form."""
    defining = searcher.search(Q.term_query(SCHEMA, "abbr_key", word), 20, count=False).hits
    found: dict[tuple[str, str], None] = {}
    for _, addr in defining:
        for pair in searcher.doc(addr).get_all("abbr_pair"):
            full, _, short = str(pair).partition("\t")
            if word in (full, short):
                found[(full, short)] = None
    return list(found)


def _estimate_is_answer(found: int, slices: int) -> bool:
    """Whether so many matches found in so many slices estimate a match large enough to be answered as an estimate."""
    return found * SAMPLES >= APPROXIMATE_FROM * slices


def _best_hits(
    searcher: Any, found: Plan, query: SearchQuery, counted: Callable[[], tuple[int, Any, bool]]
) -> list[tuple[Any, Any]]:
    """The page of best hits. A query with a phrase first ranks the cheap superset (the phrase's tokens anywhere)
    and checks the phrase on its best few only (CANDIDATES, then more): both rank by the same scores, so once
    enough of them hold the phrase, or they hold every match (``counted``: the total, exact or not), they are the
    best of all. Otherwise (or for a deep page) every match is scored."""
    order: dict[str, Any] = {"order_by_field": "day"} if query.sort == "date" else {}
    need = query.offset + query.limit
    first = max(CANDIDATES, 3 * need)
    passed: list[tuple[Any, Any]] | None = None
    for size in (first, 8 * first) if found.candidates is not None and need <= MAX_CHECKED_PAGE else ():
        best = searcher.search(found.candidates, size, count=False, **order).hits
        if not best:
            return []
        ids = searcher.fast_field_values("id", [addr for _, addr in best])
        among = any_of([Q.term_query(SCHEMA, "id", i) for i in ids])
        holding = searcher.search(found.phrases_among(among), size, count=False).hits
        kept = {(a.segment_ord, a.doc) for _, a in holding}
        passed = [(key, a) for key, a in best if (a.segment_ord, a.doc) in kept]
        if len(passed) >= need or len(best) < size:
            return passed[query.offset : need]
    if passed is not None:
        total, _, exact = counted()
        if exact and total == len(passed):
            return passed[query.offset : need]
    return list(searcher.search(found.scored, query.limit, count=False, offset=query.offset, **order).hits)


Counted = tuple[int, dict[str, dict[str, int]]]


def _count_and_facets(searcher: Any, matching: tantivy.Query, facets: bool, issuer_sets: bool = False) -> Counted:
    """The number of matches and, with ``facets``, the facets' counts; ``issuer_sets`` when the generation has the
    issuer_set field, which gives every issuer's count (summed over the sets holding it)."""
    spec: dict[str, Any] = {"_total": {"value_count": {"field": "rank"}}}
    if facets:
        spec |= {name: _terms(name) for name in FACETS if not (issuer_sets and name == "issuer")}
        if issuer_sets:
            spec["issuer_set"] = {"terms": {"field": "issuer_set", "size": ISSUER_SETS_READ}}
    try:
        raw = searcher.aggregate(matching, spec)
    except ValueError:  # no document has the field yet
        return 0, {}
    if issuer_sets and raw.get("issuer_set", {}).get("sum_other_doc_count"):  # too many sets: issuer by issuer
        raw |= searcher.aggregate(matching, {"issuer": _terms("issuer")})
    counts: dict[str, dict[str, int]] = {}
    for name in FACETS if facets else ():
        counts[name] = {_facet_key(name, b["key"]): int(b["doc_count"]) for b in raw.get(name, {}).get("buckets", [])}
    if facets and "issuer" not in raw:
        counts["issuer"] = _issuer_counts(raw.get("issuer_set", {}).get("buckets", []))
    return int(raw["_total"]["value"] or 0), counts


def _terms(name: str) -> dict[str, Any]:
    return {"terms": {"field": name, "size": FACET_SIZE * 2}}


def _issuer_counts(buckets: list[dict[str, Any]]) -> dict[str, int]:
    """Each issuer's count from the counts of the issuer sets."""
    counts: dict[str, int] = {}
    for bucket in buckets:
        for issuer in str(bucket["key"]).split(_ISSUER_SEP):
            counts[issuer] = counts.get(issuer, 0) + int(bucket["doc_count"])
    return counts


def _facet_key(name: str, key: Any) -> str:
    if name == "year":
        year = str(key).removesuffix(".0")
        return UNDATED_ZH if year == str(UNDATED) else year
    return str(key)


def _scaled(
    total: int, facets: dict[str, list[tuple[str, int]]], factor: float
) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    return round(total * factor), {name: [(k, round(n * factor)) for k, n in b] for name, b in facets.items()}


def _merge(parts: list[Counted]) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    total = sum(n for n, _ in parts)
    merged: dict[str, dict[str, int]] = {}
    for _, counts in parts:
        for name, buckets in counts.items():
            into = merged.setdefault(name, {})
            for key, n in buckets.items():
                into[key] = into.get(key, 0) + n
    ordered = {name: sorted(b.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE] for name, b in merged.items()}
    return total, ordered
