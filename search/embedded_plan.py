"""How the embedded engine answers a parsed query: three tantivy queries over the same documents.

- ``matching`` decides which documents match: every phrase checked at its positions, nothing scored. The count
  and the facets come from it.
- ``scored`` is ``matching`` ranked by BM25 of the words' tokens (title and 文号 boosted). A phrase is matched
  as a constant, so its positions are checked for existence only, not counted for every occurrence.
- ``candidates`` is ``scored`` with each phrase relaxed to its tokens anywhere in the field: a superset ranked by
  the very same scores, cheap because no position is read. Its best few dozen, checked for the phrases
  (``phrases_among``), are the true best documents whenever enough of them pass (see embedded._best_hits).

When nothing but the 密级 limit narrows the documents (no 文号, no filter, no organ limit: an archivist's words),
the documents holding any scored token are a superset ranked by the same scores, asked as the scored terms alone
with the limit and the exclusions as MUST_NOT clauses. tantivy ranks such a union without scoring every document
(block-max WAND): it is the ``candidates`` of a phrase, and ``scored`` itself when the query is one group of
single-token words (the superset is then exactly ``matching``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import tantivy

from search import UNDATED, SearchQuery
from search.analysis import TypedNumber, is_single_han, phrase_terms, query_tokens
from search.query import ParsedQuery, Term
from search.recall import near_pairs

TEXT_FIELDS = {"title": 3.0, "body": 1.0, "number_text": 5.0, "issuer_text": 1.5}
BODY = list(TEXT_FIELDS).index("body")
MAX_BRANCHES = 16
Q = tantivy.Query
Occur = tantivy.Occur


@dataclass(frozen=True)
class _Word:
    fields: list[tantivy.Query]  # where it may match, one query per text field
    relaxed: tantivy.Query
    scoring: list[tantivy.Query]
    is_phrase: bool
    in_no_body: bool = False  # a token of the phrase occurs in no body: only the short fields may hold it

    @property
    def matching(self) -> tantivy.Query:
        return any_of(self.fields)


@dataclass(frozen=True)
class Plan:
    matching: tantivy.Query
    scored: tantivy.Query
    candidates: tantivy.Query | None  # None when no phrase needs checking: ``scored`` is cheap as it is
    groups: list[list[_Word]]
    fixed: list[tuple[Any, tantivy.Query]]
    scoring: list[tuple[Any, tantivy.Query]]
    narrowed: tantivy.Query | None = None  # the documents the 文号 and filters alone allow; None when only 密级 narrows

    def matching_within(self, part: tantivy.Query | None) -> tantivy.Query:
        """``matching`` for the documents ``part`` matches, the restriction inside every branch."""
        return self.matching if part is None else _matching(self.groups, [*self.fixed, (Occur.Must, part)])

    def phrases_among(self, among: tantivy.Query) -> tantivy.Query:
        """Which of the documents ``among`` matches hold every phrase. The restriction goes into each word's body
        branch, so a long body's phrase is checked on those documents alone (a union asked to skip ahead checks
        every document of the blocks it passes through), and into one branch for the short fields together: every
        copy of ``among`` costs a lookup of each of its ids, the bulk of a check of a few hundred documents."""
        groups = [
            any_of(
                [Q.boolean_query([(Occur.Must, among), (Occur.Must, w.fields[BODY])]) for w in g]
                + [Q.boolean_query([(Occur.Must, among), (Occur.Must, _short_fields(g))])]
            )
            for g in self.groups
        ]
        return groups[0] if len(groups) == 1 else Q.boolean_query([(Occur.Must, g) for g in groups])


def _short_fields(group: list[_Word]) -> tantivy.Query:
    """A group's words in the title, 文号 and issuer fields: few documents, short texts."""
    return any_of([f for w in group for i, f in enumerate(w.fields) if i != BODY])


Cost = Callable[[str], int] | None


def plan(
    schema: tantivy.Schema,
    parsed: ParsedQuery,
    query: SearchQuery,
    cost: Cost,
    exclude: tuple[ParsedQuery, ...] = (),
) -> Plan | None:
    """None when the query asks for nothing (no word, no 文号, no filter). Documents matching any of
    ``exclude`` (an earlier stage's query) are left out."""
    groups = [[_word(schema, term, cost) for term in group] for group in parsed.must]
    fixed: list[tuple[Any, tantivy.Query]] = [(Occur.Must, _number(schema, n)) for n in parsed.numbers]
    if not groups and not fixed:
        if not parsed.has_filters:
            return None
        fixed.append((Occur.Must, Q.all_query()))
    fixed += [(Occur.MustNot, _word(schema, term, cost).matching) for term in parsed.must_not]
    filters = _filters(schema, parsed, query)
    fixed += [(Occur.Must, f) for f in filters]
    for earlier in exclude:
        before = plan(schema, earlier, query, cost)
        if before is not None:
            fixed.append((Occur.MustNot, before.matching))
    matching = _matching(groups, fixed)
    scoring = [(Occur.Should, q) for g in groups for w in g for q in w.scoring]
    scored = Q.boolean_query([(Occur.Must, Q.const_score_query(matching, 0.0)), *scoring]) if scoring else matching
    has_phrase = any(w.is_phrase for g in groups for w in g)
    union = _scored_union(schema, scoring, fixed, query) if scoring and _only_rank_narrows(fixed, filters) else None
    if union is not None and len(groups) == 1 and not has_phrase:
        scored = union
    candidates = None
    if has_phrase:
        # A phrase with a token no body holds: its relaxed form finds (and ranks) the few short fields holding
        # its tokens, where the union would rank every body holding its other tokens, none of them a match.
        in_no_body = any(w.in_no_body for g in groups for w in g)
        candidates = _relaxed(groups, fixed, scoring) if union is None or in_no_body else union
    narrowed = None if _only_rank_narrows(fixed, filters) else Q.boolean_query([c for c in fixed if c[0] == Occur.Must])
    return Plan(matching, scored, candidates, groups, fixed, scoring, narrowed)


def _relaxed(
    groups: list[list[_Word]], fixed: list[tuple[Any, tantivy.Query]], scoring: list[tuple[Any, tantivy.Query]]
) -> tantivy.Query:
    """``scored`` with each phrase relaxed to its tokens anywhere in the field."""
    relaxed = Q.boolean_query([*[(Occur.Must, any_of([w.relaxed for w in g])) for g in groups], *fixed])
    return Q.boolean_query([(Occur.Must, Q.const_score_query(relaxed, 0.0)), *scoring])


def _only_rank_narrows(fixed: list[tuple[Any, tantivy.Query]], filters: list[tantivy.Query]) -> bool:
    """Whether the 密级 limit is the only MUST clause: no 文号, and no filter but it (it is always one of them)."""
    musts = [q for occur, q in fixed if occur == Occur.Must]
    return len(filters) == 1 and len(musts) == 1 and musts[0] is filters[0]


def _scored_union(
    schema: tantivy.Schema,
    scoring: list[tuple[Any, tantivy.Query]],
    fixed: list[tuple[Any, tantivy.Query]],
    query: SearchQuery,
) -> tantivy.Query:
    """The documents holding any scored token, within the 密级 limit and without the excluded ones, scored as
    ``scored`` scores them. Only SHOULD and MUST_NOT clauses: a MUST clause would make the SHOULD ones optional
    (every document a match) and keep tantivy from skipping the documents that cannot reach the top."""
    above = Q.range_query(schema, "rank", tantivy.FieldType.Integer, query.visibility.max_rank + 1, None)
    excluded = [(occur, q) for occur, q in fixed if occur == Occur.MustNot]
    return Q.boolean_query([*scoring, *excluded, (Occur.MustNot, above)])


def _matching(groups: list[list[_Word]], fixed: list[tuple[Any, tantivy.Query]]) -> tantivy.Query:
    """Documents holding a word of every group and passing the filters, as a union of intersections: for each
    group either a word's phrase in the body or a word in the short fields. A union of phrases inside an
    intersection would be asked to skip ahead, and tantivy's union does that by checking every document of the
    blocks it passes through; here each phrase sits in an intersection led by its cheapest part."""
    choices = [[w.fields[BODY] for w in g] + [_short_fields(g)] for g in groups]
    if math.prod(len(c) for c in choices) > MAX_BRANCHES:
        return Q.boolean_query([(Occur.Must, any_of([w.matching for w in g])) for g in groups] + fixed)
    return any_of(
        [Q.boolean_query([*((Occur.Must, q) for q in combo), *fixed]) for combo in itertools.product(*choices)]
    )


def _word(schema: tantivy.Schema, term: Term, cost: Cost) -> _Word:
    pairs = near_pairs(term.words) if term.words else phrase_terms(term.tokens, cost)
    slop = _tantivy_slop(term)
    matching, relaxed, scoring = [], [], []
    for name, boost in TEXT_FIELDS.items():
        if len(pairs) == 1 and is_single_han(pairs[0][1]):
            # A lone character is the first character of a token wherever it stands (a bigram's, or a run's
            # last): the same set Elasticsearch finds with a term query on its first-character sub-field.
            q = Q.regex_query(schema, name, f"{pairs[0][1]}.?")
            matching.append(q)
            relaxed.append(q)
            scoring.append(Q.boost_query(q, boost))
            continue
        terms = [Q.term_query(schema, name, token) for _, token in pairs]
        scoring += [Q.boost_query(t, boost) for t in terms]
        if len(pairs) == 1:
            matching.append(terms[0])
            relaxed.append(terms[0])
        else:
            words = list[str | tuple[int, str]](pairs)
            matching.append(Q.phrase_query(schema, name, words, slop=slop))
            relaxed.append(Q.boolean_query([(Occur.Must, t) for t in terms]))
    in_no_body = len(pairs) > 1 and cost is not None and any(cost(token) == 0 for _, token in pairs)
    return _Word(matching, any_of(relaxed), scoring, len(pairs) > 1, in_no_body)


def _tantivy_slop(term: Term) -> int:
    """tantivy charges a sloppy phrase for every token that stands later than its offset says, once per token: a
    gap of g characters before a word of k tokens costs g·k. So that each gap between the words may be
    term.slop characters, the budget counts every token after each gap."""
    if not term.words:
        return term.slop
    sizes = [len(query_tokens(w)) for w in term.words]
    return term.slop * sum(sum(sizes[i:]) for i in range(1, len(sizes)))


def _number(schema: tantivy.Schema, number: TypedNumber) -> tantivy.Query:
    """A typed 文号: its parts on the parsed 文号 fields (机关代字 with or without 字, year, 序号), or its words side
    by side in the text (a 文号 the recogniser could not read, kept as the document wrote it)."""
    parts = [Q.term_query(schema, "doc_seq", number.seq)]
    if number.prefix_key:
        parts.append(Q.term_query(schema, "prefix_key", number.prefix_key))
    if number.year:
        parts.append(Q.term_query(schema, "doc_year", number.year))
    options = [Q.boolean_query([(Occur.Must, p) for p in parts])]
    if number.prefix:
        written = query_tokens(f"{number.prefix} {number.year or ''} {number.seq}")
        pairs = list[str | tuple[int, str]](enumerate(written))
        options += [Q.phrase_query(schema, name, pairs) for name in ("number_text", "body")]
    return any_of(options)


def _filters(schema: tantivy.Schema, parsed: ParsedQuery, query: SearchQuery) -> list[tantivy.Query]:
    f = parsed.filters
    out = [Q.term_query(schema, name, value) for name, value in parsed.keyword_filters()]
    if f.year is not None:  # the year of its 成文日期 (or the year alone), or of its 文号
        by_date = Q.term_query(schema, "year", f.year)
        out.append(by_date if f.year == UNDATED else any_of([by_date, Q.term_query(schema, "doc_year", f.year)]))
    if f.date_from or f.date_to:
        low = int(f.date_from.strftime("%Y%m%d")) if f.date_from else None
        high = int(f.date_to.strftime("%Y%m%d")) if f.date_to else None
        out.append(Q.range_query(schema, "day", tantivy.FieldType.Integer, low, high))
    vis = query.visibility
    out.append(Q.range_query(schema, "rank", tantivy.FieldType.Integer, None, vis.max_rank))
    if vis.organs is not None:
        organs = [Q.term_query(schema, "organ", o) for o in sorted(vis.organs)]
        out.append(any_of(organs) if organs else Q.empty_query())
    return out


def any_of(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return Q.boolean_query([(Occur.Should, q) for q in queries])
