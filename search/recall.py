"""Recall beyond the exact words, shared by every backend: a search runs in stages, each ranked after the one
before and its hits marked as such, and a query that finds nothing gets a near spelling that finds something.

1. exact: the words and phrases as typed (search.query);
2. abbreviation: each word also in its other forms — the curated short forms of the 公文 field
   (data/abbreviations.txt: 卫生健康委员会 ↔ 卫健委) and those documents define themselves ("（以下简称X）");
3. near, only when the exact words find little: a phrase's own words in order within a short window
   (民族团结活动月 finds 民族团结进步活动月); a word that occurs nowhere still finds nothing.

A stage never repeats a document an earlier stage found. This module imports no backend.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources

from search import ABBREVIATION, EXACT, NEAR, Filters, Hit, Notice, SearchError, SearchQuery, SearchResult
from search.analysis import HAN, normalize_text, query_tokens
from search.query import ParsedQuery, Term, parse

LITTLE = 5  # the exact words finding fewer documents than this also look for them near each other
# Characters that may stand between the words of a phrase found near. Kept below what moving a word past
# another costs (a tantivy or Lucene slop also lets words swap places: two words swapped cost at least 4).
NEAR_WINDOW = 3
MAX_VARIANTS = 8
_HAN_ONLY = re.compile(rf"[{HAN}]+")
# 国家民族事务委员会（以下简称国家民委）, 《…方案》（简称“方案”）: the words before the bracket and the short form.
_DEFINED = re.compile(
    rf"(?P<before>[{HAN}]{{2,40}})[》”\"]?\s*[（(](?:以下)?简称[:：]?\s*[“\"《]?(?P<short>[{HAN}]{{2,12}})[”\"》]?[）)]"
)


@dataclass(frozen=True)
class Stage:
    """One stage of a search: what it matches, and the earlier stages whose documents it leaves out."""

    kind: str
    parsed: ParsedQuery
    exclude: tuple[ParsedQuery, ...] = ()
    forms: tuple[str, ...] = ()  # the other forms searched, to tell the user
    # Only its total is read (does a spelling, or a 机关 alone, find anything): no hits, no facets, no snippets.
    total_only: bool = False
    ranked: bool = True  # False: the page is full before it, only its total and facets are read (no hits)

    def paged(self, query: SearchQuery, offset: int, limit: int) -> SearchQuery:
        """The query a backend runs for this stage: its page, without facets or snippets when only the total is
        read."""
        if self.total_only:
            return replace(query, offset=offset, limit=limit, facets=False, highlight=False)
        return replace(query, offset=offset, limit=limit)


RunStage = Callable[[Stage, int, int], SearchResult]  # (stage, offset, limit) → its hits on that page


@dataclass
class Staged:
    """The stages of one query and how to run them; the backend supplies the runs."""

    parsed: ParsedQuery
    query: SearchQuery
    run: RunStage
    defined: Callable[[str], list[tuple[str, str]]] = lambda _: []  # a word's pairs defined in documents
    token_freqs: Callable[[list[str]], dict[str, int]] | None = None  # how many documents hold each token
    stages: list[Stage] = field(default_factory=list)

    def search(self) -> SearchResult:
        load_language_data_in_background()
        exact = Stage(EXACT, self.parsed)
        first = self.run(exact, self.query.offset, self.query.limit)
        if not first.total_exact:  # a very large match: nothing beyond it would be reached
            return first
        results = [(exact, first)]
        abbreviated = with_abbreviations(self.parsed, self.defined)
        if abbreviated is not None:
            parsed, forms = abbreviated
            results.append(self._next(Stage(ABBREVIATION, parsed, _finding(results), forms), results))
        found = sum(r.total for _, r in results)
        near = with_near_words(self.parsed) if found < LITTLE else None
        if near is not None:
            results.append(self._next(Stage(NEAR, near, _finding(results)), results))
        merged = merge([r for _, r in results], self.query)
        if merged.total == 0 and self.token_freqs is not None:
            merged = replace(merged, suggestion=suggest(self.query.text, self.parsed, self.token_freqs, self._finds))
        if merged.total == 0 and self._names_no_issuer():
            issuer = self.parsed.filters.issuer or ""
            merged = replace(merged, notices=(*merged.notices, unknown_issuer(issuer)))
        return merged

    def _names_no_issuer(self) -> bool:
        """Whether the 机关: value matches no issuer (full name, short name, alias or a form derived from a full
        name) of any document the searcher may read, whatever the other words and filters."""
        issuer = self.parsed.filters.issuer
        if not issuer:
            return False
        alone = ParsedQuery(filters=Filters(issuer=issuer))
        return self.run(Stage(EXACT, alone, total_only=True), 0, 1).total == 0

    def _next(self, stage: Stage, before: list[tuple[Stage, SearchResult]]) -> tuple[Stage, SearchResult]:
        """A later stage's page: where the earlier stages' documents end, its own begin."""
        ahead = sum(r.total for _, r in before)
        shown = sum(len(r.hits) for _, r in before)
        offset = max(0, self.query.offset - ahead)
        limit = max(1, self.query.limit - shown)
        full = shown >= self.query.limit  # the earlier stages fill the page: none of this one's hits is shown
        result = self.run(replace(stage, ranked=False) if full else stage, offset, limit)
        if full:
            result = replace(result, hits=[])
        hits = [replace(h, match=stage.kind) for h in result.hits]
        return stage, replace(result, hits=hits, expanded=stage.forms)

    def _finds(self, text: str) -> bool:
        try:
            parsed = parse(text, self.query.filters)
        except SearchError:  # a suggestion that does not parse is no suggestion
            return False
        return self.run(Stage(EXACT, parsed, total_only=True), 0, 1).total > 0


def _finding(results: list[tuple[Stage, SearchResult]]) -> tuple[ParsedQuery, ...]:
    """The earlier stages' queries a later stage leaves out: those that found something. A stage that surely found
    nothing holds no document of its own, and leaving it out would check its phrases on every candidate."""
    return tuple(s.parsed for s, r in results if r.total or not r.total_exact or r.partial)


def unknown_issuer(value: str) -> Notice:
    return Notice(
        "issuer_unknown",
        f"没有发文机关为“{value}”的公文：请检查机关名称，可写全称、规范简称或别名（如 机关:市民委）",
        f"no document was issued by '{value}': check the name (a full name, short name or alias)",
    )


def merge(results: list[SearchResult], query: SearchQuery) -> SearchResult:
    """The stages' results as one: totals and facet counts added (the stages never share a document), hits in
    stage order, the page cut to the query's limit."""
    if len(results) == 1:
        return results[0]
    facets: dict[str, dict[str, int]] = {}
    for result in results:
        for name, buckets in result.facets.items():
            into = facets.setdefault(name, {})
            for key, n in buckets:
                into[key] = into.get(key, 0) + n
    hits: list[Hit] = [h for r in results for h in r.hits][: query.limit]
    expanded = tuple(dict.fromkeys(f for r in results for f in r.expanded))
    return SearchResult(
        total=sum(r.total for r in results),
        hits=hits,
        facets={n: sorted(b.items(), key=lambda kv: (-kv[1], kv[0])) for n, b in facets.items()},
        total_exact=all(r.total_exact for r in results),
        partial=any(r.partial for r in results),
        expanded=expanded,
    )


# -- abbreviations ------------------------------------------------------------------------------------------


@cache
def curated() -> list[tuple[str, tuple[str, ...]]]:
    """The 公文 field's full forms with their short forms (data/abbreviations.txt)."""
    pairs = []
    text = resources.files("search.data").joinpath("abbreviations.txt").read_text("utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            full, *shorts = line.split()
            pairs.append((normalize_text(full), tuple(normalize_text(s) for s in shorts)))
    return pairs


def defined_abbreviations(text: str) -> list[tuple[str, str]]:
    """The (full, short) pairs a text defines: 国家民族事务委员会（以下简称国家民委）. The full form is the shortest
    tail of the words before the bracket that begins with the short form's first character and holds all its
    characters in order; a short form that only cuts the full one's head or tail (“方案”) is no abbreviation."""
    found: dict[tuple[str, str], None] = {}
    for m in _DEFINED.finditer(normalize_text(text)):
        before, short = m["before"], m["short"]
        for start in range(len(before) - len(short), -1, -1):
            full = before[start:]
            if full[0] == short[0] and _in_order(short, full):
                if _is_abbreviation(full, short):
                    found[(full, short)] = None
                    found.update(dict.fromkeys(_stems(full, short)))
                break
    return list(found)


def _is_abbreviation(full: str, short: str) -> bool:
    """The short form keeps the full one's first character and its characters in order, and is more than its head
    or tail cut off (“方案” for “实施方案” is no abbreviation)."""
    return (
        len(short) >= 2
        and full[0] == short[0]
        and _in_order(short, full)
        and not (full.startswith(short) or full.endswith(short))
    )


def _shared(a: str, b: str) -> int:
    """How many characters two strings share at their start."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _stems(full: str, short: str) -> list[tuple[str, str]]:
    """The pair without the words both forms share at the end or the start: 民族团结进步宣传月 ↔ 民宣月 also teaches
    民族团结进步宣传 ↔ 民宣; 国家民族事务委员会 ↔ 国家民委 also 民族事务委员会 ↔ 民委. A shared character that is only
    part of a word (意识 ↔ 识) is no stem, nor a shared head of one character. Segmenting the full form loads jieba,
    only for a text that defines an abbreviation."""
    tail = _shared(full[::-1], short[::-1])
    head = _shared(full, short)
    if not tail and not head:
        return []
    bounds = word_bounds(full)
    cuts = [(full[:-k], short[:-k]) for k in range(tail, 0, -1) if len(full) - k in bounds]
    cuts += [(full[k:], short[k:]) for k in range(head, 1, -1) if k in bounds]  # a shared head of 2+: 国家, 全区
    stems = [(f, s) for f, s in cuts if _is_abbreviation(f, s)]
    longest_tail = next(((f, s) for f, s in stems if full.startswith(f)), None)
    longest_head = next(((f, s) for f, s in stems if full.endswith(f)), None)
    return [p for p in dict.fromkeys((longest_tail, longest_head)) if p is not None]


def _in_order(short: str, full: str) -> bool:
    chars = iter(full)
    return all(c in chars for c in short)


def variants(text: str, pairs: Iterable[tuple[str, Iterable[str]]]) -> list[str]:
    """The word with one full form put for its short form, or a short form for its full one."""
    out: list[str] = []
    for full, shorts in pairs:
        for short in shorts:
            if full in text:
                out.append(text.replace(full, short))
            elif short in text:
                out.append(text.replace(short, full))
    return [v for v in dict.fromkeys(out) if v != text][:MAX_VARIANTS]


def with_abbreviations(
    parsed: ParsedQuery, defined: Callable[[str], list[tuple[str, str]]]
) -> tuple[ParsedQuery, tuple[str, ...]] | None:
    """The query with every word's other forms as alternatives; None when no word has another form."""
    groups: list[list[Term]] = []
    forms: list[str] = []
    for group in parsed.must:
        alternatives = list(group)
        for term in group:
            own = [(f, (s,)) for f, s in defined(term.text)]
            for form in variants(term.text, [*curated(), *own]):
                toks = tuple(query_tokens(form))
                if toks:
                    alternatives.append(Term(form, toks))
                    forms.append(form)
        groups.append(alternatives)
    if not forms:
        return None
    return replace(parsed, must=groups), tuple(dict.fromkeys(forms))


# -- words near each other ----------------------------------------------------------------------------------


def with_near_words(parsed: ParsedQuery) -> ParsedQuery | None:
    """Each phrase of two or more words as its words in order within NEAR_WINDOW characters; None when no phrase
    splits into words."""
    groups: list[list[Term]] = []
    changed = False
    for group in parsed.must:
        alternatives = list(group)
        for term in group:
            near = near_term(term)
            if near is not None:
                alternatives.append(near)
                changed = True
        groups.append(alternatives)
    return replace(parsed, must=groups) if changed else None


def near_term(term: Term) -> Term | None:
    """A phrase of Han words as its words in order within NEAR_WINDOW characters (a lone character joins its
    neighbour); None when it is one word."""
    if not _HAN_ONLY.fullmatch(term.text) or len(term.text) < 4:
        return None
    words = _words(term.text)
    if len(words) < 2:
        return None
    toks = tuple(t for _, t in near_pairs(words))
    return Term(term.text, toks, slop=NEAR_WINDOW, words=tuple(words))


def near_pairs(words: Iterable[str]) -> list[tuple[int, str]]:
    """(position, token) of each word's tokens, the bigram that bridges two words left out but its place kept:
    words side by side match with no slop, and each character between them costs one."""
    pairs: list[tuple[int, str]] = []
    at = 0
    for word in words:
        toks = query_tokens(word)
        pairs += [(at + i, t) for i, t in enumerate(toks)]
        at += len(toks) + 1
    return pairs


def _words(text: str) -> list[str]:
    words: list[str] = []
    for word in segment(text):
        if words and (len(word) == 1 or len(words[-1]) == 1):
            words[-1] += word
        else:
            words.append(word)
    return words


@cache
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # writes its dictionary cache to the system's temp folder
    return jieba


def word_bounds(text: str) -> set[int]:
    """Where words of a phrase start or end, the words inside a long one too (jieba's search mode: 国家民族事务委员会
    is also 国家 | 民族 | 事务 | 委员会)."""
    jieba = _jieba()
    found = jieba.tokenize(text, mode="search", HMM=False)  # type: ignore[attr-defined]
    return {edge for _, start, end in found for edge in (start, end)}


def segment(text: str) -> list[str]:
    """Words of a Chinese phrase (jieba, its own dictionary; ≈0.8 s to load on first use)."""
    jieba = _jieba()
    return [w for w in jieba.lcut(text, HMM=False) if w.strip()]  # type: ignore[attr-defined]


_loading = threading.Lock()
_loading_started = False


def load_language_data_in_background() -> None:
    """Load what the later stages and the suggestions read on their first use — jieba's dictionary (≈1 s) and the
    characters by sound (≈0.3 s) — in a thread of its own, once a process, when it first searches: else the
    first query of a process that needs them waits that long (a latency tail of every new server process)."""
    global _loading_started
    with _loading:
        if _loading_started:
            return
        _loading_started = True
    threading.Thread(target=_load_language_data, name="gongwen-search-warm-up", daemon=True).start()


def load_language_data() -> None:
    """Load it now, in this thread: a server process does, before it serves, so that neither its first searches
    nor the requests beside them wait for it (and the collector, frozen after, never walks it)."""
    global _loading_started
    with _loading:
        _loading_started = True
    _load_language_data()


def _load_language_data() -> None:
    _jieba()
    _sounds()
    word_list()


# -- suggestions --------------------------------------------------------------------------------------------


@cache
def word_list() -> tuple[str, ...]:
    text = resources.files("search.data").joinpath("words.txt").read_text("utf-8")
    return tuple(normalize_text(w) for w in text.splitlines() if w.strip() and not w.startswith("#"))


@cache
def _sounds() -> dict[str, tuple[str, ...]]:
    """The 3,755 common characters (GB 2312 level 1) by how they sound, loosely (in/ing, zh/z, l/n alike)."""
    from pypinyin import Style, lazy_pinyin

    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    by_sound: dict[str, list[str]] = {}
    for char, sound in zip(chars, lazy_pinyin(chars, style=Style.NORMAL), strict=True):
        by_sound.setdefault(_loose(sound), []).append(char)
    return {k: tuple(v) for k, v in by_sound.items()}


def _loose(sound: str) -> str:
    sound = re.sub(r"^(z|c|s)h", r"\1", sound)
    sound = re.sub(r"^n", "l", sound)
    return re.sub(r"(?<=[aei])ng$", "n", sound)


def sounds_like(char: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return _sounds().get(_loose(lazy_pinyin(char, style=Style.NORMAL)[0]), ())


def suggest(
    text: str,
    parsed: ParsedQuery,
    token_freqs: Callable[[list[str]], dict[str, int]],
    finds: Callable[[str], bool],
) -> str | None:
    """The query with one word spelt near (one character changed: a word of the 公文 word list, or a character
    that sounds alike and makes the word's bigrams occur in the index) — only if that query finds something."""
    for group in parsed.must:
        for term in group:
            if not _HAN_ONLY.fullmatch(term.text) or not 2 <= len(term.text) <= 12:
                continue
            for candidate in _candidates(term.text, token_freqs):
                fixed = text.replace(term.text, candidate, 1) if term.text in text else candidate
                if finds(fixed):
                    return fixed
    return None


def _candidates(word: str, token_freqs: Callable[[list[str]], dict[str, int]]) -> list[str]:
    listed = [w for w in word_list() if len(w) == len(word) and _one_apart(w, word)]
    sounded: dict[str, int] = {}
    for i, char in enumerate(word):
        options = [word[:i] + c + word[i + 1 :] for c in sounds_like(char) if c != char]
        bigrams = {o: [o[j : j + 2] for j in range(max(0, i - 1), min(i + 1, len(o) - 1))] for o in options}
        freqs = token_freqs(sorted({b for bs in bigrams.values() for b in bs}))
        for option, needed in bigrams.items():
            counts = [freqs.get(b, 0) for b in needed]
            if counts and min(counts) > 0:
                sounded[option] = min(counts)
    best = sorted(sounded, key=lambda o: -sounded[o])[:5]
    return list(dict.fromkeys(listed + best))


def _one_apart(a: str, b: str) -> bool:
    return sum(x != y for x, y in zip(a, b, strict=True)) == 1
